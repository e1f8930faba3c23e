from datetime import UTC, datetime, timedelta

from tests.cast import next_weekday
from yume.availability import find_slots
from yume.booking import book_appointment


def test_it_reports_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_it_books_the_first_open_slot(cast):
    day = next_weekday(0)
    now = datetime.now(UTC)
    slots = find_slots(cast.org, cast.haircut.id, day, now)
    assert slots[0].start.astimezone().hour >= 0
    appointment = book_appointment(
        cast.org, cast.haircut.id, slots[0].start, cast.customer, now=now
    )
    again = find_slots(cast.org, cast.haircut.id, day, now)
    assert appointment.start_at == slots[0].start
    assert len(again) == len(slots) - 1 or again[0].staff_id != slots[0].staff_id
    assert appointment.end_at - appointment.start_at == timedelta(minutes=30)


def test_health_names_what_is_down(config):
    import dataclasses

    from yume.app import create_app

    app = create_app(dataclasses.replace(config, redis_url="redis://127.0.0.1:1/0"))
    response = app.test_client().get("/health")
    body = response.get_json()
    assert response.status_code == 503
    assert body["failing"] == ["redis"]
    assert body["checks"] == {"database": "ok", "journal": "ok", "redis": "error"}
    assert "errors" not in body  # what went wrong is for ops, not for anyone who asks
    token = {"Authorization": f"Bearer {config.admin_token}"}
    detailed = app.test_client().get("/health", headers=token).get_json()
    assert "ConnectionError" in detailed["errors"]["redis"]
