"""The WhatsApp pipeline end to end: signed webhook → stored → job → brain → fake Graph API."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from jobs.inbound import process_conversation
from jobs.maintenance import reconcile
from tests import webhooks
from tests.brains import EchoBrain
from yume.db import database
from yume.models import Conversation, Customer, Message, utcnow
from yume.webhook_journal import InboundWebhook

CUSTOMER_WA = "5215599998888"  # the cast's customer Ana, as WhatsApp spells her number
NEW_WA = "5215512340000"
PAYLOADS = Path(__file__).parent / "payloads"


def texts_sent(fake_graph) -> list[str]:
    return [m["text"]["body"] for m in fake_graph.sent_messages() if m.get("type") == "text"]


# -- the door -----------------------------------------------------------------------------


def test_it_answers_meta_verification(wa):
    ok = wa.get("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=42")
    bad = wa.get("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=42")
    assert (ok.status_code, ok.get_data(as_text=True)) == (200, "42")
    assert bad.status_code == 403


def test_it_refuses_unsigned_and_badly_signed_bodies_storing_nothing(wa, cast, jobs):
    body = json.dumps(webhooks.text(NEW_WA, "hola")).encode()
    missing = wa.post("/webhooks/whatsapp", data=body, content_type="application/json")
    wrong = webhooks.post(wa, body, secret="not-the-secret")
    assert (missing.status_code, wrong.status_code) == (401, 403)
    assert Message.select().count() == 0 and jobs.pending() == 0


def test_it_refuses_webhooks_when_no_app_secret_is_set(client, cast):
    response = webhooks.post(client, webhooks.text(NEW_WA, "hola"))
    assert response.status_code == 403
    assert Message.select().count() == 0


@pytest.mark.parametrize("path", sorted(PAYLOADS.glob("*.json")), ids=lambda p: p.stem)
def test_it_acknowledges_every_payload_meta_sends(wa, cast, jobs, path):
    body = json.loads(path.read_text())
    for entry in body.get("entry", []):
        for change in entry.get("changes", []):
            metadata = change.get("value", {}).get("metadata")
            if isinstance(metadata, dict):
                metadata["phone_number_id"] = webhooks.PHONE_NUMBER_ID
    response = webhooks.post(wa, body)
    assert response.status_code == 200
    jobs.run()
    assert jobs.failures == []


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b"null", b'{"entry": 5}'])
def test_it_acknowledges_signed_garbage(wa, cast, raw):
    assert webhooks.post(wa, raw).status_code == 200


def test_it_acknowledges_an_unknown_business_number(wa, cast, jobs):
    response = webhooks.post(wa, webhooks.text(NEW_WA, "hola", phone_number_id="999"))
    assert response.status_code == 200
    assert jobs.ingest() == {"ingested": 1}
    assert Message.select().count() == 0 and jobs.pending() == 0
    assert InboundWebhook.select().count() == 0  # understood (as nobody's) and let go


# -- answering ----------------------------------------------------------------------------


def test_it_answers_a_new_customer_and_remembers_them(wa, cast, jobs, fake_graph):
    webhooks.post(wa, webhooks.text(NEW_WA, "hola, ¿tienen cita?", name="Pepe"))
    jobs.run()
    customer = Customer.get(Customer.phone == "+525512340000")
    assert customer.name == "Pepe"
    assert texts_sent(fake_graph) == ["[customer] Recibí: hola, ¿tienen cita?"]
    sent = fake_graph.sent_messages()[0]
    assert sent["to"] == NEW_WA  # replies go to the address WhatsApp gave
    assert fake_graph.read_receipts()[0]["typing_indicator"] == {"type": "text"}
    stored = Message.get((Message.direction == "out") & (Message.author == "yume"))
    assert stored.status == "sent" and stored.wa_message_id.startswith("wamid.")


def test_it_recognises_staff_by_any_spelling_of_their_number(wa, cast, jobs, fake_graph):
    # Beto is registered as +52 55 3333 4444; WhatsApp writes 521 55 3333 4444
    webhooks.post(wa, webhooks.text("5215533334444", "¿qué tengo hoy?"))
    jobs.run()
    assert EchoBrain.turns[-1].role == "staff"
    assert EchoBrain.turns[-1].staff.id == cast.barber.id
    assert Customer.select().where(Customer.phone == "+525533334444").count() == 0
    webhooks.post(wa, webhooks.text("5215511112222", "agenda"))
    jobs.run()
    assert EchoBrain.turns[-1].role == "owner"


def test_it_stores_and_answers_a_duplicate_delivery_once(wa, cast, jobs, fake_graph):
    body = webhooks.text(CUSTOMER_WA, "quiero cita", wamid="wamid.DUP")
    webhooks.post(wa, body)
    jobs.run()
    webhooks.post(wa, body)  # Meta again, a moment later
    jobs.run()
    later = webhooks.text(
        CUSTOMER_WA, "quiero cita", wamid="wamid.DUP", ts=int(time.time()) - 86400
    )
    webhooks.post(wa, later)  # and a day later
    jobs.run()
    assert Message.select().where(Message.wa_message_id == "wamid.DUP").count() == 1
    assert len(texts_sent(fake_graph)) == 1


def test_it_answers_a_burst_once_with_all_of_it_in_view(wa, cast, jobs, fake_graph):
    now = int(time.time())
    for i, said in enumerate(["hola", "quiero cita", "mañana"]):
        webhooks.post(wa, webhooks.text(CUSTOMER_WA, said, ts=now + i))
    jobs.run()
    assert texts_sent(fake_graph) == ["[customer] Recibí: hola / quiero cita / mañana"]
    assert len(EchoBrain.turns) == 1


def test_it_reads_messages_in_whatsapp_order_whatever_order_they_arrive_in(wa, cast, jobs):
    now = int(time.time())
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "segundo", ts=now))
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "primero", ts=now - 5))
    jobs.run()
    assert [m.text for m in EchoBrain.turns[0].new_messages] == ["primero", "segundo"]


def test_it_waits_for_a_quiet_conversation_before_answering(
    wa, cast, jobs, fake_graph, pipeline_config
):
    import dataclasses

    from jobs.inbound import run_turn

    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    jobs.ingest()
    jobs.queue.jobs.clear() if not jobs.redis_url else jobs.queue.queue.empty()
    conversation = Conversation.get()
    slow = dataclasses.replace(pipeline_config, quiet_seconds=30)
    assert run_turn(conversation.id, slow, utcnow()) == "waiting"
    assert fake_graph.sent_messages() == []
    assert run_turn(conversation.id, slow, utcnow() + timedelta(seconds=31)) == "answered"
    assert len(texts_sent(fake_graph)) == 1


def test_it_lets_one_of_two_racing_workers_answer(wa, cast, jobs, fake_graph):
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    jobs.ingest()
    conversation_id = Conversation.get().id
    database.close()
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        outcomes.append(process_conversation(conversation_id))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) in (["answered", "busy"], ["answered", "idle"])
    assert len(texts_sent(fake_graph)) == 1


def test_it_takes_over_a_conversation_a_crashed_worker_left_leased(wa, cast, jobs, fake_graph):
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    jobs.ingest()
    conversation = Conversation.get()
    Conversation.update(lease_until=utcnow() + timedelta(minutes=5), lease_owner="dead").execute()
    jobs.run()
    assert fake_graph.sent_messages() == []  # someone holds it
    Conversation.update(lease_until=utcnow() - timedelta(seconds=1)).execute()
    assert process_conversation(conversation.id) == "answered"
    assert len(texts_sent(fake_graph)) == 1


def test_it_rebuilds_lost_jobs_from_the_database(wa, cast, jobs, fake_graph):
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    jobs.ingest()
    if jobs.redis_url:
        jobs.queue.connection.flushdb()  # Redis forgets everything
    else:
        jobs.queue.jobs.clear()
    Message.update(created_at=utcnow() - timedelta(minutes=2)).execute()
    assert reconcile() == {"conversations": 1, "sends": 0, "deliveries": 0, "unsettled": 0}
    jobs.run()
    assert len(texts_sent(fake_graph)) == 1


# -- what the brain sends -----------------------------------------------------------------


def test_it_sends_buttons_and_lists_within_meta_limits(wa, cast, jobs, fake_graph):
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "opciones"))
    jobs.run()
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "lista"))
    jobs.run()
    buttons, listing = fake_graph.sent_messages()
    assert [b["reply"]["title"] for b in buttons["interactive"]["action"]["buttons"]] == [
        "Corte",
        "Barba",
    ]
    rows = listing["interactive"]["action"]["sections"][0]["rows"]
    assert len(rows) == 10


def test_it_hands_a_tap_back_to_the_brain(wa, cast, jobs):
    webhooks.post(wa, webhooks.button_reply(CUSTOMER_WA, "a", "Corte"))
    jobs.run()
    message = EchoBrain.turns[-1].new_messages[0]
    assert (message.kind, message.text, message.payload["reply_id"]) == (
        "button_reply",
        "Corte",
        "a",
    )


def test_it_apologises_and_tells_the_owner_when_the_brain_breaks(wa, cast, jobs, fake_graph):
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "esto falla"))
    jobs.run()
    jobs.run()  # the owner's notice
    assert any("Perdón" in t for t in texts_sent(fake_graph))
    owner_notice = [m for m in fake_graph.sent_messages() if m["to"] == "525511112222"]
    assert owner_notice and owner_notice[0]["type"] == "template"  # owner's window is closed
    assert jobs.failures == []


# -- owner takeover -----------------------------------------------------------------------


def test_it_stays_quiet_while_the_owner_writes_by_hand(wa, cast, jobs, fake_graph):
    webhooks.post(wa, webhooks.echo(CUSTOMER_WA, "Hola Ana, soy Chuy, ¿te veo el viernes?"))
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "sí, a las 5"))
    jobs.run()
    assert fake_graph.sent_messages() == []
    owner_message = Message.get(Message.author == "owner")
    assert owner_message.direction == "out"
    # after takeover_minutes Yume resumes, and sees what was said meanwhile
    Conversation.update(paused_until=utcnow() - timedelta(seconds=1)).execute()
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "¿me confirmas?"))
    jobs.run()
    assert texts_sent(fake_graph) == ["[customer] Recibí: ¿me confirmas?"]
    history = [m.text for m in EchoBrain.turns[-1].history]
    assert "sí, a las 5" in history and "Hola Ana, soy Chuy, ¿te veo el viernes?" in history


def test_it_obeys_the_owners_pause_and_resume_commands(wa, cast, jobs, fake_graph):
    webhooks.post(wa, webhooks.echo(CUSTOMER_WA, "/pausa"))
    jobs.ingest()
    conversation = Conversation.get()
    assert conversation.paused_until > utcnow() + timedelta(days=7)
    webhooks.post(wa, webhooks.echo(CUSTOMER_WA, "/yume"))
    jobs.ingest()
    assert Conversation.get_by_id(conversation.id).paused_until is None
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    jobs.run()
    assert len(texts_sent(fake_graph)) == 1


def test_a_hand_over_waits_for_a_person_without_going_silent(wa, cast, jobs, fake_graph):
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "quiero hablar con un humano"))
    jobs.run()
    jobs.run()
    conversation = Conversation.get(Conversation.phone == "+525599998888")
    assert conversation.handover_at is not None and conversation.paused_until is None
    said = texts_sent(fake_graph)
    assert said[0] == "Te comunico con alguien del equipo."
    assert "Alguien del equipo te contesta por aquí" in said[1]  # when, by the hours
    turns = len(EchoBrain.turns)
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "¿sigue alguien ahí?"))
    jobs.run()
    assert "Sigo aquí" in texts_sent(fake_graph)[-1]  # never silence
    assert len(EchoBrain.turns) == turns  # the brain is not asked meanwhile
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    jobs.run()
    assert texts_sent(fake_graph)[-1] == "[customer] Recibí: hola"  # Yume is back
    assert Conversation.get_by_id(conversation.id).handover_at is None


# -- Meta's errors, statuses and the 24-hour window ---------------------------------------


def test_it_retries_a_throttled_send_without_doubling_it(wa, cast, jobs, fake_graph):
    fake_graph.fail_next(131056, http_status=400, match=lambda r: r.is_message)
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    jobs.run()
    assert jobs.failures  # the job failed, to be retried with backoff
    queued = Message.get(Message.direction == "out")
    assert queued.status == "queued" and queued.error_code == 131056
    process_conversation(queued.conversation_id)  # what the retry does
    process_conversation(queued.conversation_id)  # and a retry too many
    assert len(texts_sent(fake_graph)) == 1
    assert Message.get_by_id(queued.id).status == "sent"


def test_it_never_resends_when_meta_may_have_received_it(wa, cast, jobs, fake_graph):
    from tests.fixtures_graph import meta_answering_too_late

    with meta_answering_too_late(fake_graph, seconds=3):
        webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
        jobs.run()
        message = Message.get(Message.direction == "out")
        assert message.status == "unknown"
        process_conversation(message.conversation_id)
    assert len([r for r in fake_graph.requests if r.is_message]) == 1


def test_it_records_permanent_failures_for_ops(wa, cast, jobs, fake_graph):
    fake_graph.fail_next(131026, http_status=400, match=lambda r: r.is_message)
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    jobs.run()
    message = Message.get(Message.direction == "out")
    assert (message.status, message.error_code) == ("failed", 131026)
    assert jobs.failures == []  # nothing to retry


def test_it_moves_statuses_forward_only(wa, cast, jobs, fake_graph):
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    jobs.run()
    message = Message.get(Message.direction == "out")
    for state in ("read", "delivered", "sent"):
        webhooks.post(wa, webhooks.status(message.wa_message_id, state))
    jobs.run()
    assert Message.get_by_id(message.id).status == "read"


def test_it_sends_a_template_when_the_window_closed_after_sending(wa, cast, jobs, fake_graph):
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    jobs.run()
    message = Message.get(Message.direction == "out")
    webhooks.post(wa, webhooks.status(message.wa_message_id, "failed", code=131047))
    jobs.run()
    assert Message.get_by_id(message.id).status == "failed"
    template = fake_graph.sent_messages()[-1]
    assert template["type"] == "template"
    assert template["template"]["name"] == "yume_respuesta_pendiente"


def test_it_uses_a_template_when_the_window_is_already_closed(wa, cast, jobs, fake_graph):
    old = int(time.time()) - 25 * 3600
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola", ts=old))  # delivered a day late
    jobs.run()
    sent = fake_graph.sent_messages()
    assert [m["type"] for m in sent] == ["template"]
    assert Message.get((Message.direction == "out") & (Message.kind == "text")).error_code == 131047


def test_it_falls_back_to_a_template_when_meta_says_the_window_closed(wa, cast, jobs, fake_graph):
    fake_graph.fail_next(131047, http_status=400, match=lambda r: r.is_message)
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    jobs.run()
    assert [m["type"] for m in fake_graph.sent_messages()] == ["template"]
