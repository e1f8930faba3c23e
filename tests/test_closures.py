"""Business-wide closures through the database: availability, booking and the API's
refusal code (the engine itself is proven against the oracle in test_scheduling_oracle)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.cast import next_weekday
from tests.conftest import AUTH
from yume import booking, business, closures
from yume.availability import find_slots
from yume.errors import Conflict, Invalid
from yume.models import utcnow
from yume.timeutil import local_to_utc, zone

TZ = zone("America/Mexico_City")


def test_nobody_can_be_booked_on_a_closed_day_whatever_their_own_hours(cast):
    day = next_weekday(2)
    start, end = closures.days_span(cast.org, day)
    business.add_time_off(cast.barber, start, end, kind="extra")  # extra hours don't reopen it
    closures.add_closure(cast.org, start, end, "Día del barbero")
    assert find_slots(cast.org, cast.haircut.id, day, utcnow()) == []
    assert find_slots(cast.org, cast.haircut.id, day + timedelta(days=1), utcnow())
    with pytest.raises(Conflict) as refused:
        booking.book_appointment(
            cast.org, cast.haircut.id, local_to_utc(day, 11 * 60, TZ), cast.customer
        )
    assert refused.value.code == "business_closed"


def test_an_afternoon_closure_leaves_the_morning_bookable(cast):
    day = next_weekday(3)
    closures.add_closure(
        cast.org, local_to_utc(day, 14 * 60, TZ), local_to_utc(day, 20 * 60, TZ), "inventario"
    )
    starts = {
        s.start.astimezone(TZ).hour for s in find_slots(cast.org, cast.haircut.id, day, utcnow())
    }
    assert starts and max(starts) < 14


def test_a_closure_can_be_undone_and_refuses_nonsense(cast):
    day = next_weekday(4)
    closure = closures.add_closure(cast.org, *closures.days_span(cast.org, day))
    assert closures.add_closure(cast.org, *closures.days_span(cast.org, day)).id == closure.id
    closures.remove_closure(cast.org, closure.id)
    assert find_slots(cast.org, cast.haircut.id, day, utcnow())
    with pytest.raises(Invalid):
        closures.add_closure(
            cast.org, *closures.days_span(cast.org, day, day + timedelta(days=120))
        )
    with pytest.raises(Invalid):
        past = utcnow().astimezone(TZ).date() - timedelta(days=3)
        closures.add_closure(cast.org, *closures.days_span(cast.org, past))


def test_the_api_says_business_closed(client, cast):
    day = next_weekday(2)
    closures.add_closure(cast.org, *closures.days_span(cast.org, day))
    answer = client.post(
        f"/api/v1/organizations/{cast.org.id}/appointments",
        json={
            "service_id": cast.haircut.id,
            "start": f"{day.isoformat()}T11:00",
            "customer": {"phone": "+52 55 1234 0000"},
        },
        headers=AUTH,
    )
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "business_closed"
    other_org_day = find_slots(cast.other_org, cast.other_service.id, day, utcnow())
    assert other_org_day  # another business's closure is not this one's
