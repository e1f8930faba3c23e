"""Bounded turns and stop reasons (issue 11, items 3 and 4): the client's timeouts and
retries, the turn's deadline, RQ's job timeout never swallowed, and what the person gets
when Claude stops for max_tokens, refuses, or runs out of rounds."""

from __future__ import annotations

import time

import pytest
from rq.timeouts import JobTimeoutException, UnixSignalDeathPenalty

from jobs.inbound import process_conversation
from tests import webhooks
from tests.conftest import REDIS_URL
from tests.fake_anthropic import message, tool_use
from tests.test_claude_effects import ASKED, BOOKED_TEXT, arrived, book_call, customer_texts
from tests.test_claude_turns import turn
from tests.test_pipeline import CUSTOMER_WA
from yume.brain import BrainUnavailable
from yume.brains import claude, claude_client
from yume.deadlines import job_timeout_in, reraise_job_timeout
from yume.models import Appointment, Conversation, Message
from yume.queue import JOB_TIMEOUT

pytest_plugins = ["tests.fixtures_anthropic"]


# -- the client and the deadline -------------------------------------------------------------


def test_the_client_has_explicit_timeouts_retries_and_a_deadline_below_the_job_timeout():
    client = claude_client.client_for("sk-ant-test")
    assert client.max_retries == claude_client.MAX_RETRIES == 2
    assert (client.timeout.read, client.timeout.connect) == (25.0, 5.0)
    # the Claude part of a turn, then the guided brain and the sends, fit in RQ's timeout
    assert claude.TURN_DEADLINE + claude_client.CALL_TIMEOUT < JOB_TIMEOUT


def test_the_deadline_cuts_a_hung_call_and_the_guided_brain_answers(
    cast, fake_claude, claude_config, monkeypatch
):
    monkeypatch.setattr(claude, "TURN_DEADLINE", 4.0)
    monkeypatch.setattr(claude, "GUIDED", "tests.brains.EchoBrain")
    fake_claude.stall(10, times=3)
    started = time.monotonic()
    reply = claude.ClaudeBrain(claude_config).respond(turn(cast.org, "+525599998888", "hola"))
    assert time.monotonic() - started < 6  # not 3 attempts of 25 s
    assert len(fake_claude.calls) == 1  # less than MIN_ATTEMPT was left for a retry
    assert [a.body for a in reply.actions] == ["[customer] Recibí: hola"]


def test_past_the_deadline_without_a_guided_brain_one_holding_message_goes_out(
    wa, cast, claude_pipeline, jobs, fake_graph, monkeypatch
):
    monkeypatch.setattr(claude, "TURN_DEADLINE", 4.0)
    monkeypatch.setattr(claude, "GUIDED", "yume.brains.missing.Brain")
    claude_pipeline.stall(10, times=6)
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    jobs.run()
    assert customer_texts(fake_graph) == [claude.HOLDING]  # never silence
    assert [type(f) for f in jobs.failures] == [BrainUnavailable]  # and the job retries


# -- RQ's job timeout --------------------------------------------------------------------------


def test_rqs_job_timeout_inside_a_claude_call_ends_the_job_unretried(
    wa, cast, claude_pipeline, jobs, fake_graph
):
    claude_pipeline.stall(6)
    conversation = arrived(wa, jobs, "hola")
    started = time.monotonic()
    with UnixSignalDeathPenalty(1, JobTimeoutException), pytest.raises(JobTimeoutException):
        process_conversation(conversation.id)
    assert time.monotonic() - started < 3
    assert len(claude_pipeline.calls) == 1  # the SDK did not retry it as a connection error
    assert Message.select().where(Message.direction == "out").count() == 0  # no apology
    assert Conversation.get_by_id(conversation.id).lease_owner is None  # the lease let go
    claude_pipeline.reset()
    claude_pipeline.say("¡Hola! ¿En qué te ayudo?")
    jobs.run()  # RQ's retry answers
    assert customer_texts(fake_graph) == ["¡Hola! ¿En qué te ayudo?"]


def test_rqs_job_timeout_inside_the_brain_is_not_turned_into_an_apology(wa, cast, jobs, fake_graph):
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "tardate mucho"))  # the echo brain sleeps
    jobs.ingest()
    conversation = Conversation.get()
    with UnixSignalDeathPenalty(1, JobTimeoutException), pytest.raises(JobTimeoutException):
        process_conversation(conversation.id)
    assert fake_graph.sent_messages() == []


@pytest.mark.skipif(REDIS_URL is None, reason="a real RQ worker needs Redis (the 2nd pass)")
def test_a_real_rq_worker_fails_the_job_with_its_timeout(
    wa, cast, claude_pipeline, jobs, fake_graph, monkeypatch
):
    from yume import queue

    monkeypatch.setattr(queue, "JOB_TIMEOUT", 1)
    claude_pipeline.stall(5)
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    jobs.run()
    assert any(job_timeout_in(f) is not None for f in jobs.failures)
    assert len(claude_pipeline.calls) == 1
    assert customer_texts(fake_graph) == []


def test_a_wrapped_job_timeout_is_found_and_raised_again():
    try:
        try:
            raise JobTimeoutException("Task exceeded maximum timeout value (1 seconds)")
        except JobTimeoutException as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        assert isinstance(job_timeout_in(outer), JobTimeoutException)
        with pytest.raises(JobTimeoutException):
            reraise_job_timeout(outer)
    reraise_job_timeout(ValueError("not a timeout"))  # nothing happens


# -- stop reasons ------------------------------------------------------------------------------


def test_a_response_cut_by_max_tokens_is_asked_again_with_room_and_its_tools_never_run(
    wa, cast, claude_pipeline, jobs, fake_graph
):
    cut = message([tool_use(*book_call(cast))], "max_tokens")  # maybe incomplete: not run
    claude_pipeline.then(lambda body: cut).say("¿Te agendo el corte?")
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, ASKED))
    jobs.run()
    first, second = claude_pipeline.calls
    assert (first.body["max_tokens"], second.body["max_tokens"]) == (1024, claude.ROOMY_TOKENS)
    assert Appointment.select().count() == 0
    assert customer_texts(fake_graph) == ["¿Te agendo el corte?"]


def test_a_text_cut_twice_is_sent_up_to_its_last_whole_sentence(
    wa, cast, claude_pipeline, jobs, fake_graph
):
    cut = message([{"type": "text", "text": "Claro, tenemos lugar. El corte cuesta"}], "max_tokens")
    claude_pipeline.then(lambda body: cut).then(lambda body: cut)
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "cuanto cuesta el corte?"))
    jobs.run()
    assert customer_texts(fake_graph) == ["Claro, tenemos lugar."]


def test_a_refusal_is_answered_by_the_guided_brain(
    wa, cast, claude_pipeline, jobs, fake_graph, monkeypatch
):
    monkeypatch.setattr(claude, "GUIDED", "tests.brains.EchoBrain")
    claude_pipeline.then(lambda body: message([], "refusal"))
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    jobs.run()
    assert customer_texts(fake_graph) == ["[customer] Recibí: hola"]


def test_a_refusal_after_a_booking_tells_what_was_booked(
    wa, cast, claude_pipeline, jobs, fake_graph
):
    claude_pipeline.use(book_call(cast)).then(lambda body: message([], "refusal"))
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, ASKED))
    jobs.run()
    assert Appointment.select().count() == 1
    assert customer_texts(fake_graph) == [f"{BOOKED_TEXT} con Chuy."]


def test_a_refusal_without_a_guided_brain_gets_a_kind_no(
    wa, cast, claude_pipeline, jobs, fake_graph, monkeypatch
):
    monkeypatch.setattr(claude, "GUIDED", "yume.brains.missing.Brain")
    claude_pipeline.then(lambda body: message([], "refusal"))
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    jobs.run()
    assert customer_texts(fake_graph) == [claude.REFUSED] and jobs.failures == []
