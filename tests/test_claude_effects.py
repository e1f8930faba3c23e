"""No double effects: a turn killed after its booking and before its reply is run again,
and the retry neither books again nor answers twice (issue 11, item 2).

Each test kills the turn at that point for real — RQ's job timeout firing inside the next
Claude call, the worker process SIGKILLed by the fake Anthropic server as the call
arrives, or Claude failing with 529 — then runs the job again, and asserts on the
database and on what both fake servers recorded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from rq.timeouts import JobTimeoutException, UnixSignalDeathPenalty

from jobs.inbound import process_conversation
from tests import webhooks
from tests.cast import next_weekday
from tests.conftest import DATABASE_URL, SECRET_KEY
from tests.fake_anthropic import message
from tests.test_claude_brain import OWNER_WA, interactive
from tests.test_pipeline import CUSTOMER_WA
from tests.webhooks import APP_SECRET
from yume.brains.claude_tools import HANDED_OVER
from yume.effects import TurnEffect
from yume.formatting import spanish_date
from yume.models import Appointment, Conversation, Message, utcnow

pytest_plugins = ["tests.fixtures_anthropic"]

ROOT = Path(__file__).resolve().parent.parent
DAY = next_weekday(3)
ASKED = f"apártame corte el {spanish_date(DAY)} a las 12:00 PM"
BOOKED_TEXT = f"Quedó agendada tu cita: Corte de cabello el {spanish_date(DAY)} a las 12:00 PM"


def book_call(cast) -> tuple[str, dict]:
    return ("book_appointment", {"service_id": cast.haircut.id, "start": f"{DAY}T12:00"})


def customer_texts(fake_graph) -> list[str]:
    return [
        m["text"]["body"]
        for m in fake_graph.sent_messages()
        if m.get("type") == "text" and m["to"] == CUSTOMER_WA
    ]


def arrived(wa, jobs, text: str) -> Conversation:
    """The person's message is stored and its turn queued, but not run yet."""
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, text))
    jobs.ingest()
    return Conversation.get(Conversation.phone == "+525599998888")


def test_a_job_timeout_after_the_booking_leaves_one_booking_and_one_reply(
    wa, cast, claude_pipeline, jobs, fake_graph
):
    claude_pipeline.use(book_call(cast)).stall(6)  # booked; then Claude hangs
    conversation = arrived(wa, jobs, ASKED)
    with UnixSignalDeathPenalty(2, JobTimeoutException), pytest.raises(JobTimeoutException):
        process_conversation(conversation.id)  # RQ's timeout fires inside the HTTP call
    assert len(claude_pipeline.calls) == 2  # the hung call was not retried by the SDK
    assert Appointment.select().count() == 1 and TurnEffect.select().count() == 1
    assert Message.select().where(Message.direction == "out").count() == 0  # no reply yet
    assert Message.get(Message.direction == "in").processed_at is None  # still unanswered

    jobs.run()  # RQ's retry of the job
    assert len(claude_pipeline.calls) == 2  # nothing asked again
    assert Appointment.select().count() == 1  # nothing booked again
    assert customer_texts(fake_graph) == [f"{BOOKED_TEXT} con Chuy."]
    assert jobs.failures == []
    assert process_conversation(conversation.id) == "idle"  # and nothing more, ever
    assert customer_texts(fake_graph) == [f"{BOOKED_TEXT} con Chuy."]


def test_a_worker_killed_after_the_booking_leaves_one_booking_and_one_reply(
    wa, cast, claude_pipeline, jobs, fake_graph, tmp_path
):
    worker: list[subprocess.Popen] = []

    def kill_the_worker(body: dict) -> dict:
        worker[0].send_signal(signal.SIGKILL)  # the process dies as it asks Claude again
        worker[0].wait(timeout=10)
        return message([{"type": "text", "text": "(nadie lo lee)"}])

    claude_pipeline.use(book_call(cast)).then(kill_the_worker)
    conversation = arrived(wa, jobs, ASKED)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": DATABASE_URL,
        "ANTHROPIC_API_KEY": "sk-ant-test",
        "YUME_SECRET_KEY": SECRET_KEY,
        "META_APP_SECRET": APP_SECRET,
        "META_GRAPH_URL": fake_graph.url,
        "YUME_QUIET_SECONDS": "0",
    }
    for name in ("REDIS_URL", "YUME_BRAIN"):
        env.pop(name, None)
    code = f"from jobs.inbound import process_conversation; process_conversation({conversation.id})"
    worker.append(subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, env=env))
    assert worker[0].wait(timeout=60) == -signal.SIGKILL
    assert Appointment.select().count() == 1 and TurnEffect.select().count() == 1
    assert customer_texts(fake_graph) == []

    # the dead worker's lease runs out (issue 13 makes that quick); RQ runs the job again
    Conversation.update(lease_until=utcnow() - timedelta(seconds=1)).execute()
    jobs.run()
    assert len(claude_pipeline.calls) == 2
    assert Appointment.select().count() == 1
    assert customer_texts(fake_graph) == [f"{BOOKED_TEXT} con Chuy."]


def test_a_529_after_the_booking_is_answered_from_what_was_done(
    wa, cast, claude_pipeline, jobs, fake_graph
):
    claude_pipeline.use(book_call(cast)).fail(529, times=3)
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, ASKED))
    jobs.run()
    assert [c.status for c in claude_pipeline.calls] == [200, 529, 529, 529]
    assert Appointment.select().count() == 1
    assert customer_texts(fake_graph) == [f"{BOOKED_TEXT} con Chuy."]
    assert jobs.failures == []


def test_a_retry_with_a_newer_message_asks_claude_but_cannot_book_twice(
    wa, cast, claude_pipeline, jobs, fake_graph
):
    claude_pipeline.use(book_call(cast)).stall(6)
    conversation = arrived(wa, jobs, ASKED)
    with UnixSignalDeathPenalty(2, JobTimeoutException), pytest.raises(JobTimeoutException):
        process_conversation(conversation.id)
    claude_pipeline.reset()
    # before the retry the person writes again; "Claude" books the same slot once more
    claude_pipeline.use(book_call(cast)).say("¡Listo! Quedó tu corte a las 12:00 PM.")
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "¿sí quedó?"))
    jobs.ingest()  # stored before the retry runs
    jobs.run()
    assert len(claude_pipeline.calls) == 2  # one turn for both messages
    first = claude_pipeline.calls[0].body["messages"][0]["content"][0]["text"]
    assert "Ya hecho en esta respuesta" in first and BOOKED_TEXT in first
    repeated = claude_pipeline.calls[1].tool_results()[0]
    assert not repeated.get("is_error") and repeated["content"]["appointment"]["id"] == (
        Appointment.get().id
    )
    assert Appointment.select().count() == 1
    assert customer_texts(fake_graph) == ["¡Listo! Quedó tu corte a las 12:00 PM."]


def test_the_same_booking_twice_in_one_answer_is_made_once(
    wa, cast, claude_pipeline, jobs, fake_graph
):
    claude_pipeline.use(book_call(cast), book_call(cast)).say("Listo.")
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, ASKED))
    jobs.run()
    results = claude_pipeline.calls[1].tool_results()
    assert [r["content"]["appointment"]["id"] for r in results] == [Appointment.get().id] * 2
    assert Appointment.select().count() == 1 and TurnEffect.select().count() == 1


def test_a_handover_killed_before_the_reply_pauses_and_alerts_once(
    wa, cast, claude_pipeline, jobs, fake_graph
):
    claude_pipeline.use(("request_human", {"reason": "Queja por su corte"})).stall(6)
    conversation = arrived(wa, jobs, "quiero hablar con el dueño")
    with UnixSignalDeathPenalty(2, JobTimeoutException), pytest.raises(JobTimeoutException):
        process_conversation(conversation.id)
    assert Conversation.get_by_id(conversation.id).handover_at is None
    jobs.run()  # the retry
    jobs.run()  # the owner's alert
    assert Conversation.get_by_id(conversation.id).handover_at is not None  # waiting for a person
    said = customer_texts(fake_graph)
    assert said[0] == HANDED_OVER and len(said) == 2
    assert said[1].startswith("⏱️ Alguien del equipo te contesta por aquí")  # yume.handover
    alerts = [m for m in fake_graph.sent_messages() if m["to"] == "525511112222"]
    assert len(alerts) == 1 and "Queja por su corte" in str(alerts[0])
    assert len(claude_pipeline.calls) == 2


def test_a_staff_cancellation_is_recorded_with_the_message_it_answers(
    wa, cast, claude_pipeline, jobs, fake_graph
):
    from tests.test_claude_brain import book

    appointment = book(cast, day=DAY, hour=12)
    cancel = ("cancel_appointment", {"appointment_id": appointment.id})
    claude_pipeline.use(cancel).say("Cancelada.")
    webhooks.post(wa, interactive(OWNER_WA, "button_reply", f"{DAY}T12:00|cancel", "Cancélala"))
    jobs.run()
    effect = TurnEffect.get()
    assert (effect.kind, effect.appointment_id) == ("cancelled", appointment.id)
    assert effect.message_id == Message.get(Message.kind == "button_reply").id
    assert Appointment.get_by_id(appointment.id).status == "cancelled"
