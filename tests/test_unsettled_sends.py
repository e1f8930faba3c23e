"""A send cut short is never resent blindly (issue 13, item 4): every send carries our note
(biz_opaque_callback_data), so Meta's statuses settle a row whose answer was lost; a row
still `sending` a minute later without one becomes `unknown` and the owner is told."""

from __future__ import annotations

import signal
import time
from datetime import timedelta

from jobs.maintenance import reconcile
from tests import webhooks
from tests.fixtures_graph import meta_answering_too_late
from tests.servers import turn_in_a_process
from yume.models import Conversation, Message, utcnow

CUSTOMER_WA = "5215599998888"
OWNER_WA = "525511112222"


def outbound() -> Message:
    return Message.get((Message.direction == "out") & (Message.author == "yume"))


def to_customer(fake_graph) -> list[dict]:
    return [r.json for r in fake_graph.requests if r.is_message and r.json["to"] == CUSTOMER_WA]


def kill_worker_mid_send(conversation_id: int, fake_graph) -> None:
    """A worker process takes the turn; Meta is slow to answer the send; the worker dies."""
    fake_graph.delay_next(5, match=lambda r: r.is_message)
    worker = turn_in_a_process(conversation_id, fake_graph.url, "tests.brains.EchoBrain")
    try:
        deadline = time.monotonic() + 30
        while not to_customer(fake_graph):  # the request reached Meta
            assert time.monotonic() < deadline and worker.poll() is None
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()


def a_minute_passes() -> None:
    Message.update(status_at=utcnow() - timedelta(minutes=2)).where(
        Message.status == "sending"
    ).execute()


def test_every_send_carries_its_row_in_our_note(wa, cast, jobs, fake_graph):
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    jobs.run()
    (sent,) = fake_graph.sent_messages()
    assert sent["biz_opaque_callback_data"] == f"yume:{outbound().id}"


def test_a_send_cut_short_is_settled_by_meta_status_never_resent(wa, cast, jobs, fake_graph):
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    jobs.ingest()
    kill_worker_mid_send(Conversation.get().id, fake_graph)
    cut_short = outbound()
    assert (cut_short.status, cut_short.wa_message_id) == ("sending", None)
    (request,) = to_customer(fake_graph)
    # Meta did take it: its status names our row by the note, with the wamid we never saw
    status = webhooks.status("wamid.WHAT-META-GAVE", "delivered")
    item = status["entry"][0]["changes"][0]["value"]["statuses"][0]
    item["biz_opaque_callback_data"] = request["biz_opaque_callback_data"]
    webhooks.post(wa, status)
    jobs.run()
    settled = Message.get_by_id(cut_short.id)
    assert (settled.status, settled.wa_message_id) == ("delivered", "wamid.WHAT-META-GAVE")
    a_minute_passes()
    assert reconcile()["unsettled"] == 0
    jobs.run()
    assert len(to_customer(fake_graph)) == 1  # never sent twice


def test_a_send_cut_short_with_no_word_from_meta_is_unknown_and_the_owner_told(
    wa, cast, jobs, fake_graph
):
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    jobs.ingest()
    kill_worker_mid_send(Conversation.get().id, fake_graph)
    assert reconcile()["unsettled"] == 0  # still within the minute a send may take
    a_minute_passes()
    assert reconcile()["unsettled"] == 1
    jobs.run()
    unsure = outbound()
    assert unsure.status == "unknown" and "no se reenvía" in unsure.error_title
    to_owner = [r.json for r in fake_graph.requests if r.is_message and r.json["to"] == OWNER_WA]
    assert len(to_owner) == 1 and to_owner[0]["type"] == "template"  # the owner's window is shut
    alert = " ".join(p["text"] for p in to_owner[0]["template"]["components"][0]["parameters"])
    assert "No sé si a Ana" in alert and "[customer] Recibí: hola" in alert
    assert reconcile()["unsettled"] == 0  # told once
    jobs.run()
    assert len(to_customer(fake_graph)) == 1  # never resent


def test_a_timed_out_send_is_settled_when_its_status_comes(wa, cast, jobs, fake_graph):
    with meta_answering_too_late(fake_graph):
        webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
        jobs.run()
    assert outbound().status == "unknown"
    status = webhooks.status("wamid.LATE-ANSWER", "read")
    item = status["entry"][0]["changes"][0]["value"]["statuses"][0]
    item["biz_opaque_callback_data"] = f"yume:{outbound().id}"
    webhooks.post(wa, status)
    jobs.run()
    assert (outbound().status, outbound().wa_message_id) == ("read", "wamid.LATE-ANSWER")
