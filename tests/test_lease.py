"""The conversation lease (issue 13, item 4): short, renewed by a heartbeat while a turn runs
however long it takes, and free again within seconds when the worker holding it dies; the
job that found it busy comes back for the work."""

from __future__ import annotations

import signal
import threading
import time

from jobs.inbound import process_conversation, run_turn
from tests import webhooks
from tests.servers import turn_in_a_process
from yume import conversations, lease
from yume.db import database
from yume.models import Conversation, utcnow

CUSTOMER_WA = "5215599998888"


def texts_sent(fake_graph) -> list[str]:
    return [m["text"]["body"] for m in fake_graph.sent_messages() if m.get("type") == "text"]


def test_a_turn_longer_than_the_lease_keeps_it(
    wa, cast, jobs, fake_graph, pipeline_config, monkeypatch
):
    monkeypatch.setenv("YUME_BRAIN", "tests.brains.SlowBrain")
    monkeypatch.setenv("SLOW_BRAIN_SECONDS", "2.5")
    monkeypatch.setattr(conversations, "LEASE", conversations.timedelta(seconds=1))
    monkeypatch.setattr(lease, "HEARTBEAT_SECONDS", 0.2)
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    jobs.ingest()
    conversation_id = Conversation.get().id
    database.close()
    outcomes: list[str] = []
    turn = threading.Thread(
        target=lambda: outcomes.append(run_turn(conversation_id, pipeline_config, utcnow()))
    )
    turn.start()
    time.sleep(1.6)  # past the 1 s lease: only the heartbeat keeps it
    with database.connection_context():
        assert run_turn(conversation_id, pipeline_config, utcnow()) == "busy"
    turn.join(timeout=10)
    assert outcomes == ["answered"]
    assert texts_sent(fake_graph) == ["[customer] Recibí: hola"]
    assert Conversation.get_by_id(conversation_id).lease_owner is None  # released


def test_a_worker_killed_mid_turn_frees_its_conversation_within_seconds(
    wa, cast, jobs, fake_graph, pipeline_config
):
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    jobs.ingest()
    conversation_id = Conversation.get().id
    worker = turn_in_a_process(
        conversation_id, fake_graph.url, "tests.brains.SlowBrain", SLOW_BRAIN_SECONDS="60"
    )
    try:
        deadline = time.monotonic() + 30
        while Conversation.get_by_id(conversation_id).lease_owner is None:
            assert time.monotonic() < deadline and worker.poll() is None
            time.sleep(0.1)
        time.sleep(conversations.LEASE.total_seconds() / 2)  # mid-turn, lease renewed meanwhile
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        killed = time.monotonic()
    finally:
        if worker.poll() is None:
            worker.kill()
    assert process_conversation(conversation_id) == "busy"  # still leased by the dead worker
    if not jobs.redis_url:
        job, args, delay = jobs.queue.jobs[-1]  # it comes back when the lease runs out
        assert job == "jobs.inbound.process_conversation" and args == (conversation_id,)
        assert 0 < delay <= conversations.LEASE.total_seconds() + 1
    while process_conversation(conversation_id) == "busy":
        assert time.monotonic() - killed < 30
        time.sleep(0.5)
    assert time.monotonic() - killed <= conversations.LEASE.total_seconds() + 1
    assert texts_sent(fake_graph) == ["[customer] Recibí: hola"]
