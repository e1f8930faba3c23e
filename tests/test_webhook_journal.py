"""The webhook journal: a delivery is committed before Meta hears 200, grouped with the
deliveries arriving beside it, and ingested exactly once, whatever Redis, workers, gunicorn's
forks or a bug in our parser do."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from jobs.ingest import IngestFailed, ingest_webhooks
from jobs.maintenance import reconcile
from tests import webhooks
from tests.conftest import DATABASE_URL, REDIS_URL
from tests.servers import free_port, wait_until_serving
from yume.group_commit import GroupCommit
from yume.models import Message, utcnow
from yume.web.webhooks import JOURNAL
from yume.webhook_journal import MAX_ATTEMPTS, InboundWebhook, WebhookJournal
from yume.whatsapp.signature import sign

ROOT = Path(__file__).resolve().parent.parent
CUSTOMER_WA = "5215599998888"


def texts_sent(fake_graph) -> list[str]:
    return [m["text"]["body"] for m in fake_graph.sent_messages() if m.get("type") == "text"]


# -- group commit -------------------------------------------------------------------------


def test_group_commit_writes_what_arrives_together_in_one_batch():
    flushed: list[list[int]] = []

    def flush(items: Sequence[int]) -> None:
        time.sleep(0.02)  # a commit that takes a while: others queue up behind it
        flushed.append(list(items))

    group: GroupCommit[int] = GroupCommit(flush)
    threads = [threading.Thread(target=group.submit, args=(n,)) for n in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(n for batch in flushed for n in batch) == list(range(24))
    assert group.batches == len(flushed) < 24


def test_group_commit_fails_every_entry_of_a_failed_batch_and_recovers():
    calls: list[list[str]] = []

    def flush(items: Sequence[str]) -> None:
        calls.append(list(items))
        if "bad" in items:
            raise RuntimeError("database down")

    group: GroupCommit[str] = GroupCommit(flush)
    with pytest.raises(RuntimeError, match="database down"):
        group.submit("bad")
    group.submit("good")  # the next batch is led and written as usual
    assert calls == [["bad"], ["good"]]


def test_group_commit_runs_the_after_step_once_per_written_batch():
    after: list[int] = []
    group: GroupCommit[int] = GroupCommit(lambda items: None, after_flush=lambda: after.append(1))
    group.submit(1)
    group.submit(2)
    assert len(after) == 2


# -- the webhook and the journal ----------------------------------------------------------


def test_the_webhook_commits_the_delivery_before_answering(wa, cast, jobs):
    body = json.dumps(webhooks.text(CUSTOMER_WA, "hola")).encode()
    assert webhooks.post(wa, body).status_code == 200
    (row,) = InboundWebhook.select()
    assert bytes(row.body) == body  # Meta's bytes, as signed
    assert jobs.pending() == 1  # one ingest run asked for
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "¿sigues ahí?"))
    assert jobs.pending() == 1  # …and not a second one while the first is waiting


def test_a_delivery_survives_redis_losing_its_job(wa, cast, jobs, fake_graph):
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    if jobs.redis_url:
        jobs.queue.connection.flushdb()  # the ingest job and its "pending" mark are gone
    else:
        jobs.queue = type(jobs.queue)()
        from yume.queue import set_queue

        set_queue(jobs.queue)
    assert reconcile()["deliveries"] == 0  # fresh: left to the job that was asked for
    InboundWebhook.update(received_at=utcnow() - timedelta(minutes=2)).execute()
    assert reconcile()["deliveries"] == 1
    jobs.run()
    jobs.run()
    assert texts_sent(fake_graph) == ["[customer] Recibí: hola"]
    assert InboundWebhook.select().count() == 0


def test_a_delivery_twice_in_the_journal_is_answered_once(wa, cast, jobs, fake_graph):
    body = json.dumps(webhooks.text(CUSTOMER_WA, "hola")).encode()
    webhooks.post(wa, body)
    webhooks.post(wa, body)  # Meta's retry, before the first was ingested
    assert InboundWebhook.select().count() == 2
    jobs.run()
    assert Message.select().where(Message.direction == "in").count() == 1
    assert len(texts_sent(fake_graph)) == 1


def test_a_delivery_that_fails_to_ingest_is_kept_for_ops(wa, cast, jobs, monkeypatch):
    import jobs.ingest as ingest

    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "esto rompe"))
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "esto no"))
    real = ingest.parse_webhook

    def buggy(body):  # a parser bug that only this body triggers
        if "rompe" in json.dumps(body):
            raise RuntimeError("parser bug")
        return real(body)

    monkeypatch.setattr(ingest, "parse_webhook", buggy)
    with pytest.raises(IngestFailed):
        ingest_webhooks()
    (kept,) = InboundWebhook.select()
    assert kept.attempts == 1 and "parser bug" in kept.last_error
    assert [m.text for m in Message.select().where(Message.direction == "in")] == ["esto no"]
    InboundWebhook.update(
        attempts=MAX_ATTEMPTS, received_at=utcnow() - timedelta(minutes=5)
    ).execute()
    assert reconcile()["deliveries"] == 0  # given up on: it waits for ops, no crash loop
    assert ingest_webhooks() == {"ingested": 0}


def test_two_ingest_runs_racing_store_each_delivery_once(wa, cast, jobs):
    for n in range(30):
        webhooks.post(wa, webhooks.text(f"52155123400{n:02d}", f"hola {n}"))
    from yume.db import database

    database.close()
    outcomes: list[dict[str, int]] = []
    barrier = threading.Barrier(3)

    def run() -> None:
        barrier.wait()
        outcomes.append(ingest_webhooks())

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(outcome["ingested"] for outcome in outcomes) == 30
    assert Message.select().where(Message.direction == "in").count() == 30
    assert InboundWebhook.select().count() == 0


def test_the_webhook_says_503_when_the_database_cannot_take_the_delivery(wa, cast, jobs):
    wa.application.extensions[JOURNAL] = WebhookJournal(
        "sqlite:////nonexistent-dir/yume.db", after_commit=lambda: None
    )
    response = webhooks.post(wa, webhooks.text(CUSTOMER_WA, "hola"))
    assert response.status_code == 503  # Meta delivers it again later
    assert response.get_json()["error"]["code"] == "unavailable"
    assert InboundWebhook.select().count() == 0 and jobs.pending() == 0


def test_gunicorn_workers_journal_concurrent_deliveries(cast, jobs, tmp_path):
    """The real server, forked after --preload, 8 threads posting at once: every delivery
    answered 200, committed, and ingested once."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "META_APP_SECRET": webhooks.APP_SECRET,
        "YUME_QUIET_SECONDS": "3600",  # no turn runs inside the server during the test
        "WEB_CONCURRENCY": "2",
        "YUME_WEB_THREADS": "4",
    }
    env.pop("REDIS_URL", None)
    if REDIS_URL:
        env["REDIS_URL"] = REDIS_URL
    from jobs.worker import gunicorn_command

    log_path = tmp_path / "gunicorn.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        gunicorn_command(port, host="127.0.0.1"), cwd=ROOT, env=env, stdout=log, stderr=log
    )
    try:
        url = f"http://127.0.0.1:{port}/webhooks/whatsapp"
        wait_until_serving(url, server, log_path)
        statuses: list[int] = []

        def post_many(thread: int) -> None:
            with requests.Session() as session:
                for n in range(10):
                    body = json.dumps(
                        webhooks.text(f"52155110{thread:02d}{n:03d}", f"hola {thread}-{n}")
                    ).encode()
                    headers = {
                        "Content-Type": "application/json",
                        "X-Hub-Signature-256": sign(webhooks.APP_SECRET, body),
                    }
                    statuses.append(session.post(url, data=body, headers=headers).status_code)

        threads = [threading.Thread(target=post_many, args=(t,)) for t in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert statuses == [200] * 80, log_path.read_text()[-2000:]
    jobs.ingest()  # whatever the server's own in-process queue has not ingested yet
    assert Message.select().where(Message.direction == "in").count() == 80
    assert InboundWebhook.select().count() == 0


def test_a_backlog_is_ingested_in_runs_that_each_ask_for_the_next(wa, cast, jobs):
    for n in range(3):
        webhooks.post(wa, webhooks.text(f"52155123422{n:02d}", f"otra {n}"))
    jobs.queue.jobs.clear() if not jobs.redis_url else jobs.queue.connection.flushdb()
    outcome = ingest_webhooks(budget_seconds=0)  # out of time before the first delivery
    assert outcome == {"ingested": 0, "left_for_next_run": 1}
    assert jobs.pending() == 1  # the next run, asked for
    jobs.run()
    assert Message.select().where(Message.direction == "in").count() == 3
    assert InboundWebhook.select().count() == 0
