"""A message's life after it was sent (issue 13, item 6): deleted or edited inside the quiet
window, in whatever order Meta delivers; referral and order kept on the message and shown
to the brain; a message delivered twice before ingest asks for one turn."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests import webhooks
from tests.brains import EchoBrain
from yume.brains.claude_context import describe
from yume.inbox import PROCESS_CONVERSATION
from yume.models import Message

CUSTOMER_WA = "5215599998888"
PAYLOADS = Path(__file__).parent / "payloads"


def revoke(original: str, ts: int | None = None) -> dict:
    return _about("revoke", {"original_message_id": original}, ts)


def edit(original: str, new_text: str, ts: int | None = None) -> dict:
    change = {
        "original_message_id": original,
        "message": {"type": "text", "text": {"body": new_text}},
    }
    return _about("edit", change, ts)


def _about(kind: str, content: dict, ts: int | None) -> dict:
    payload = webhooks.text(CUSTOMER_WA, "", ts=ts)
    item = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    del item["text"]
    item.update({"type": kind, kind: content})
    return payload


def said_in_turn() -> list[str]:
    return [m.text for m in EchoBrain.turns[-1].new_messages]


def texts_sent(fake_graph) -> list[str]:
    return [m["text"]["body"] for m in fake_graph.sent_messages() if m.get("type") == "text"]


def test_a_message_deleted_inside_the_quiet_window_is_not_answered(wa, cast, jobs, fake_graph):
    now = int(time.time())
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "quiero cita", wamid="wamid.A", ts=now))
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "eres una tonta", wamid="wamid.B", ts=now + 1))
    webhooks.post(wa, revoke("wamid.B", ts=now + 2))
    jobs.run()
    assert said_in_turn() == ["quiero cita"]
    assert texts_sent(fake_graph) == ["[customer] Recibí: quiero cita"]
    assert Message.get(Message.wa_message_id == "wamid.B").status == "revoked"
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "¿sigues ahí?", ts=now + 3))
    jobs.run()
    assert "eres una tonta" not in [m.text for m in EchoBrain.turns[-1].history]


def test_a_burst_deleted_whole_gets_no_answer(wa, cast, jobs, fake_graph):
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "ups, no era para ti", wamid="wamid.X"))
    webhooks.post(wa, revoke("wamid.X"))
    jobs.run()
    assert EchoBrain.turns == [] and fake_graph.sent_messages() == []


def test_a_delete_that_arrives_before_its_message_still_wins(wa, cast, jobs, fake_graph):
    now = int(time.time())
    webhooks.post(wa, revoke("wamid.LATE", ts=now + 2))  # Meta's order is loose
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "borrado", wamid="wamid.LATE", ts=now))
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola", ts=now + 3))
    jobs.run()
    assert said_in_turn() == ["hola"]
    assert Message.get(Message.wa_message_id == "wamid.LATE").status == "revoked"


def test_an_edit_inside_the_quiet_window_replaces_the_pending_text(wa, cast, jobs, fake_graph):
    now = int(time.time())
    webhooks.post(
        wa, webhooks.text(CUSTOMER_WA, "corte el viernes a las 5", wamid="wamid.E", ts=now)
    )
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "con Beto", ts=now + 1))
    webhooks.post(wa, edit("wamid.E", "corte el viernes a las 6", ts=now + 30))
    jobs.run()
    assert said_in_turn() == ["corte el viernes a las 6", "con Beto"]  # in the original's place
    assert [m.kind for m in EchoBrain.turns[-1].new_messages] == ["text", "text"]
    assert len(EchoBrain.turns) == 1
    assert texts_sent(fake_graph) == ["[customer] Recibí: corte el viernes a las 6 / con Beto"]


def test_an_edit_before_its_message_arrives_is_answered_once_in_its_place(wa, cast, jobs):
    now = int(time.time())
    webhooks.post(wa, edit("wamid.O", "mejor a las 6", ts=now + 10))
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "a las 5", wamid="wamid.O", ts=now))
    jobs.run()
    assert said_in_turn() == ["mejor a las 6"]
    assert [m.kind for m in EchoBrain.turns[-1].new_messages] == ["text"]


def test_an_edit_of_a_message_already_answered_is_a_new_message(wa, cast, jobs, fake_graph):
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "corte a las 5", wamid="wamid.DONE"))
    jobs.run()
    webhooks.post(wa, edit("wamid.DONE", "corte a las 6"))
    jobs.run()
    (latest,) = EchoBrain.turns[-1].new_messages
    assert (latest.kind, latest.text) == ("edit", "corte a las 6")
    assert describe(latest) == "[editó un mensaje: corte a las 6]"
    assert len(texts_sent(fake_graph)) == 2


def test_an_ad_referral_and_an_order_are_kept_and_shown_to_the_brain(wa, cast, jobs):
    for name in ("text_click_to_whatsapp_referral", "order"):
        body = json.loads((PAYLOADS / f"{name}.json").read_text())
        body["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "1001"
        webhooks.post(wa, body)
    jobs.run()
    referred = Message.get(Message.text == "Hola, vi su anuncio de pestañas")
    assert referred.payload["referral"]["source_id"] == "120215878563770134"
    assert referred.payload["referral"]["headline"] == "Lifting de pestañas a $450"
    assert describe(referred) == (
        "Hola, vi su anuncio de pestañas\n"
        "[llegó desde el anuncio «Lifting de pestañas a $450» (id 120215878563770134)]"
    )
    ordered = Message.get(Message.kind == "order")
    assert ordered.payload["order"]["items"][1] == {
        "product_retailer_id": "aceite-cuticula",
        "quantity": 2,
        "item_price": "89.5",
        "currency": "MXN",
    }
    assert describe(ordered) == (
        "Para el sábado por la mañana, por favor\n"
        "[pedido del catálogo: 1 × kit-unas-gel a $350 MXN; 2 × aceite-cuticula a $89.5 MXN]"
    )


def test_a_message_delivered_twice_before_ingest_asks_for_one_turn(wa, cast, jobs):
    body = json.dumps(webhooks.text(CUSTOMER_WA, "hola", wamid="wamid.TWICE")).encode()
    webhooks.post(wa, body)
    webhooks.post(wa, body)  # Meta's retry, before the first was ingested
    jobs.ingest()
    if jobs.redis_url:
        turns = [job for job in jobs.queue.queue.jobs if job.func_name == PROCESS_CONVERSATION]
    else:
        turns = [job for job in jobs.queue.jobs if job[0] == PROCESS_CONVERSATION]
    assert len(turns) == 1
