"""The conversation lease (issue 13, item 4): short, renewed by a heartbeat while a turn runs
however long it takes, and free again within seconds when the worker holding it dies; the
job that found it busy comes back for the work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from jobs.inbound import process_conversation, run_turn
from tests import webhooks
from tests.conftest import DATABASE_URL
from yume import conversations, lease
from yume.db import database
from yume.models import Conversation, utcnow

ROOT = Path(__file__).resolve().parent.parent
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
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "META_GRAPH_URL": fake_graph.url,
        "YUME_BRAIN": "tests.brains.SlowBrain",
        "SLOW_BRAIN_SECONDS": "60",
        "YUME_QUIET_SECONDS": "0",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    script = (
        f"from jobs.inbound import process_conversation; process_conversation({conversation_id})"
    )
    worker = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env)
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
