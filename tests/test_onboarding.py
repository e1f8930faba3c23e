"""Connecting a business: invite links, the connect page's two callbacks in either order,
the onboarding steps against the fake Graph API, replays, and the connection's state."""

from __future__ import annotations

import json

import pytest

from tests.fake_facebook import cancel_event
from tests.onboarding import finish, invite, signup_config
from yume.db import database
from yume.models import Message, Organization, Staff
from yume.onboarding.links import LinkUnusable, create_invite, resolve
from yume.onboarding.models import Connection, SignupLink, TemplateApproval
from yume.templates import ALL


@pytest.fixture
def signup(pipeline_config, fake_graph):
    return signup_config(pipeline_config, fake_graph)


@pytest.fixture
def page(signup, jobs):
    from jobs.runtime import use_config
    from yume.app import create_app

    use_config(signup)
    app = create_app(signup)
    app.config["TESTING"] = True
    return app.test_client()


def post(page, token, **body):
    return page.post(f"/connect/{token}/session", json=body)


def onboarding_calls(fake_graph) -> list[str]:
    return [
        f"{r.method} {r.path.split('/', 2)[-1] if r.path.count('/') > 1 else r.path}"
        for r in fake_graph.requests
    ]


def test_an_invite_makes_a_pending_business_with_its_owner_and_a_signed_link(signup):
    made = invite()
    assert made.organization.name == "Barbería La Navaja"
    owner = Staff.get(Staff.organization == made.organization)
    assert (owner.role, owner.phone, owner.name) == ("owner", "+525541238876", "Rodrigo Salas")
    assert Connection.get(Connection.organization == made.organization).state == "pending"
    assert resolve(made.token).id == made.link.id
    middle = len(made.token) - 10  # inside the signature, where every bit counts
    tampered = made.token[:middle] + ("A" if made.token[middle] != "A" else "B")
    with pytest.raises(LinkUnusable):
        resolve(tampered + made.token[middle + 1 :])
    assert made.url("https://yume.example.com/").startswith("https://yume.example.com/connect/")


def test_an_expired_link_is_refused_kindly(page):
    from datetime import timedelta

    from yume.models import utcnow

    made = create_invite("Salón Sol", "+52 55 1111 2222", now=utcnow() - timedelta(days=8))
    answer = page.get(f"/connect/{made.token}")
    assert answer.status_code == 410
    assert "venció" in answer.get_data(as_text=True)
    assert page.get("/connect/not-a-token").status_code == 404


@pytest.mark.parametrize("order", ["code-first", "event-first"])
def test_it_connects_with_the_callbacks_in_either_order(page, fake_graph, jobs, order):
    business = fake_graph.add_business()
    made = invite()
    code = fake_graph.issue_code()
    halves = [("code", code), ("event", finish(business.waba_id))]
    if order == "event-first":
        halves.reverse()
    first = post(page, made.token, **dict([halves[0]]))
    assert first.get_json()["state"] == "pending"
    second = post(page, made.token, **dict([halves[1]]))
    assert second.get_json()["state"] == "connecting"
    jobs.run()
    shown = page.get(f"/connect/{made.token}/status").get_json()
    assert shown["state"] == "connected", shown
    assert shown["wa_link"] == "https://wa.me/525541234567?text=hola"
    org = Organization.get_by_id(made.organization.id)
    number = business.numbers[0]
    assert org.whatsapp_phone_number_id == number.id  # listed: the event had only waba_id
    assert org.whatsapp_business_account_id == business.waba_id
    assert org.whatsapp_access_token == fake_graph.issued_tokens()[0]
    paths = [r.path for r in fake_graph.requests]
    assert paths[:6] == [
        f"/{config_version(page)}/oauth/access_token",
        f"/{config_version(page)}/{business.waba_id}/subscribed_apps",
        f"/{config_version(page)}/{business.waba_id}/phone_numbers",
        f"/{config_version(page)}/{number.id}",
        f"/{config_version(page)}/{number.id}/smb_app_data",
        f"/{config_version(page)}/{number.id}/smb_app_data",
    ]
    syncs = [r.json["sync_type"] for r in fake_graph.calls("POST", "smb_app_data")]
    assert syncs == ["smb_app_state_sync", "history"]
    assert not fake_graph.calls("POST", "register")  # Coexistence: the number is registered
    assert len(fake_graph.calls("POST", "message_templates")) == len(ALL)
    assert TemplateApproval.select().where(TemplateApproval.status == "PENDING").count() == len(ALL)
    tokens = {r.token for r in fake_graph.requests if r.token}
    assert tokens == set(fake_graph.issued_tokens())
    connection = Connection.get(Connection.organization == org)
    assert list(connection.steps) == [
        "subscribe",
        "phone",
        "sync_contacts",
        "sync_history",
        "attach",
        "templates",
        "greeting",
    ]
    assert SignupLink.get_by_id(made.link.id).used_at is not None


def config_version(page) -> str:
    return page.application.config["YUME"].meta_api_version


def test_a_replayed_callback_changes_nothing(page, fake_graph, jobs):
    business = fake_graph.add_business()
    made = invite()
    code = fake_graph.issue_code()
    post(page, made.token, code=code)
    post(page, made.token, event=finish(business.waba_id, business.numbers[0].id))
    jobs.run()
    before = len(fake_graph.requests)
    snapshot = dump_connection(made.organization.id)
    for _ in range(2):
        assert post(page, made.token, code=code).get_json()["state"] == "connected"
        again = post(page, made.token, event=finish(business.waba_id, business.numbers[0].id))
        assert again.get_json()["state"] == "connected"
    assert jobs.pending() == 0  # nothing started again
    assert len(fake_graph.requests) == before  # the code was exchanged once
    assert dump_connection(made.organization.id) == snapshot


def dump_connection(org_id: int) -> dict:
    row = Connection.get(Connection.organization == org_id)
    return {k: v for k, v in row.__data__.items() if k not in ("updated_at",)}


def test_a_new_number_is_registered_with_a_pin_kept_encrypted(page, fake_graph, jobs):
    business = fake_graph.add_business()
    made = invite()
    post(page, made.token, event=finish(business.waba_id, business.numbers[0].id, False))
    post(page, made.token, code=fake_graph.issue_code())
    jobs.run()
    number = business.numbers[0]
    assert not fake_graph.calls("POST", "smb_app_data")
    pin = business.registered[number.id]
    connection = Connection.get(Connection.organization == made.organization)
    assert connection.registration_pin == pin and connection.state == "connected"
    raw = database.execute_sql(
        "SELECT registration_pin FROM whatsapp_connection WHERE id = " + database.param,
        (connection.id,),
    ).fetchone()[0]
    assert pin not in raw


@pytest.mark.parametrize(
    ("event", "title", "words"),
    [
        (cancel_event(step="PHONE_NUMBER_VERIFICATION"), "a medio camino", "verificar tu número"),
        (cancel_event(error_message="Tu número no es elegible"), "no pudo", "no es elegible"),
        ({"type": "WA_EMBEDDED_SIGNUP", "event": "ERROR", "data": {}}, "falló", "intentarlo"),
    ],
)
def test_a_cancel_or_an_error_tells_the_owner_what_happened(page, fake_graph, event, title, words):
    made = invite()
    shown = post(page, made.token, event=event).get_json()
    assert shown["state"] == "pending"
    assert title in shown["title"] and words in shown["message"]
    assert not fake_graph.requests  # nothing was asked of Meta
    assert resolve(made.token)  # the link still works for another try


def test_bad_callbacks_get_clear_errors_never_a_500(page, fake_graph):
    made = invite()
    assert page.post(f"/connect/{made.token}/session", data="nope").status_code == 400
    assert post(page, made.token, event={"type": "OTHER"}).status_code == 422
    no_waba = {"type": "WA_EMBEDDED_SIGNUP", "event": "FINISH"}
    assert post(page, made.token, event=no_waba).status_code == 422
    assert post(page, made.token, code=12).status_code == 422
    expired = post(page, made.token, code="AQ-not-issued").get_json()
    assert expired["state"] == "pending" and "venció" in expired["message"]


def test_a_permanent_refusal_leaves_the_business_degraded_with_the_reason(page, fake_graph, jobs):
    business = fake_graph.add_business()
    made = invite()
    fake_graph.fail_next(200, match=lambda r: r.path.endswith("/subscribed_apps"))
    post(page, made.token, code=fake_graph.issue_code())
    post(page, made.token, event=finish(business.waba_id))
    jobs.run()
    connection = Connection.get(Connection.organization == made.organization)
    assert connection.state == "degraded"
    assert "suscripción" in connection.reason and "200" in connection.reason


def test_a_transient_failure_is_retried_and_resumes_where_it_stopped(page, fake_graph, jobs):
    business = fake_graph.add_business()
    made = invite()
    fake_graph.fail_next(2, http_status=503, match=lambda r: r.path.endswith("/phone_numbers"))
    post(page, made.token, code=fake_graph.issue_code())
    post(page, made.token, event=finish(business.waba_id))
    jobs.run()
    assert jobs.failures  # the job failed: RQ retries it with backoff
    from jobs.onboarding import onboard

    connection = Connection.get(Connection.organization == made.organization)
    assert connection.state == "connecting" and "subscribe" in connection.steps
    assert onboard(connection.id) == "connected"
    assert len(fake_graph.calls("POST", "subscribed_apps")) == 1  # not subscribed twice


def test_the_greeting_waits_for_the_owner_and_goes_once_when_they_write(page, fake_graph, jobs, wa):
    from tests import webhooks

    business = fake_graph.add_business()
    made = invite()
    post(page, made.token, code=fake_graph.issue_code())
    post(page, made.token, event=finish(business.waba_id, business.numbers[0].id))
    jobs.run()
    waiting = Message.get(Message.status == "waiting")
    assert "conectada al WhatsApp de Barbería La Navaja" in waiting.text
    assert not fake_graph.sent_messages()  # no window, no approved template: nothing tried
    owner_wa = "5215541238876"
    webhooks.post(wa, webhooks.text(owner_wa, "hola", phone_number_id=business.numbers[0].id))
    jobs.ingest()
    jobs.run()
    sent = [m for m in fake_graph.sent_messages() if m["to"] == owner_wa]
    assert sent[0]["text"]["body"] == waiting.text
    assert Message.get_by_id(waiting.id).status == "sent"
    assert sum(1 for m in sent if "ya estoy conectada" in json.dumps(m, ensure_ascii=False)) == 1
