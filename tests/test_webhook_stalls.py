"""A stalled database costs deliveries a 503, never the webhook: after a stall longer than
a request's wait, the journal takes deliveries again within seconds of the stall ending
(issue 13, item 1), and /health says the journal is stuck while it lasts."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from tests import webhooks
from tests.conftest import DATABASE_URL
from yume.db import is_postgres
from yume.group_commit import GroupCommit
from yume.web.webhooks import JOURNAL
from yume.webhook_journal import InboundWebhook, WebhookJournal

CUSTOMER_WA = "5215599998888"
RECOVERY_SECONDS = 5  # the bound, after the stall ends


def test_a_stall_longer_than_the_wait_does_not_lock_the_group_up():
    """Without a database: the flush blocks (a stalled commit) while later submitters give
    up. Before the fix the lead went to one of them, long gone, and nobody flushed again."""
    release, stalled = threading.Event(), threading.Event()
    written: list[str] = []

    def flush(items: Sequence[str]) -> None:
        if not release.is_set():
            stalled.set()
            release.wait(10)
        written.extend(items)

    group: GroupCommit[str] = GroupCommit(flush, wait_seconds=0.3)
    leader = threading.Thread(target=group.submit, args=("during",))
    leader.start()
    assert stalled.wait(5)
    timed_out: list[str] = []

    def submit(item: str) -> None:
        try:
            group.submit(item)
        except TimeoutError:
            timed_out.append(item)

    waiters = [threading.Thread(target=submit, args=(f"w{n}",)) for n in range(6)]
    for thread in waiters:
        thread.start()
    for thread in waiters:
        thread.join(timeout=5)
    assert sorted(timed_out) == [f"w{n}" for n in range(6)]  # 503s while the stall lasts
    assert group.stalled_seconds() >= 0.3

    release.set()  # the stall ends
    ended = time.monotonic()
    leader.join(timeout=5)
    after = [threading.Thread(target=submit, args=(f"a{n}",)) for n in range(8)]
    for thread in after:
        thread.start()
    for thread in after:
        thread.join(timeout=RECOVERY_SECONDS)
    assert time.monotonic() - ended < RECOVERY_SECONDS
    assert sorted(timed_out) == [f"w{n}" for n in range(6)]  # nobody after the stall
    assert sorted(item for item in written if item.startswith("a")) == [f"a{n}" for n in range(8)]
    assert group.stalled_seconds() == 0


def test_a_waiter_handed_the_lead_as_it_gives_up_still_leads():
    """The hand-over and the give-up race under one lock: whoever loses it, a flush runs."""
    group: GroupCommit[int] = GroupCommit(lambda items: time.sleep(0.01), wait_seconds=0.01)
    results: list[str] = []

    def submit(n: int) -> None:
        try:
            group.submit(n)
            results.append("ok")
        except TimeoutError:
            results.append("timeout")

    for _round in range(20):
        threads = [threading.Thread(target=submit, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=5)
    group.submit(-1)  # never stuck, whatever the interleavings were
    assert len(results) == 120 and "ok" in results


@contextmanager
def journal_table_locked() -> Iterator[None]:
    """Another session holds the journal table: `LOCK TABLE` on PostgreSQL, the database's
    write lock on SQLite (what a long migration or a stuck transaction does)."""
    if is_postgres():
        import psycopg2

        connection = psycopg2.connect(DATABASE_URL)
        cursor = connection.cursor()
        cursor.execute("BEGIN")
        cursor.execute("LOCK TABLE inbound_webhook IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            connection.rollback()
            connection.close()
    else:
        connection = sqlite3.connect(DATABASE_URL.removeprefix("sqlite:///"), timeout=5)
        connection.isolation_level = None
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()


def test_the_webhook_recovers_within_seconds_of_a_table_lock_longer_than_its_wait(
    wa, cast, jobs, monkeypatch
):
    """The real journal and database: a lock outlasting a request's wait (1 s here, the
    production wait being longer than the journal's own lock and statement timeouts)."""
    import yume.web.health as health

    app = wa.application
    app.extensions[JOURNAL] = WebhookJournal(
        DATABASE_URL, after_commit=lambda: None, wait_seconds=1
    )
    monkeypatch.setattr(health, "STALLED_AFTER_SECONDS", 0.5)
    statuses: list[tuple[float, int]] = []
    stop = threading.Event()

    def keep_posting(thread: int) -> None:
        client = app.test_client()
        n = 0
        while not stop.is_set():
            n += 1
            body = webhooks.text(f"52155100{thread:02d}{n:03d}", f"hola {thread}-{n}")
            status = webhooks.post(client, body).status_code
            statuses.append((time.monotonic(), status))  # when the answer came
            time.sleep(0.05)

    with journal_table_locked():
        posters = [threading.Thread(target=keep_posting, args=(t,)) for t in range(4)]
        for thread in posters:
            thread.start()
        time.sleep(3.5)  # well past the wait: every request meanwhile gave up
        during = app.test_client().get("/health")
        ended = time.monotonic()
    time.sleep(RECOVERY_SECONDS)
    stop.set()
    for thread in posters:
        thread.join(timeout=15)

    assert during.status_code == 503 and "journal" in during.get_json()["failing"]
    assert "errors" not in during.get_json()  # no error text without the admin token
    assert {status for at, status in statuses if at < ended} == {503}
    first_ok = min(at for at, status in statuses if status == 200)
    assert first_ok - ended < RECOVERY_SECONDS
    late = [status for at, status in statuses if at > first_ok]
    assert late and set(late) == {200}
    assert app.test_client().get("/health").status_code == 200
    acknowledged = sum(1 for _, status in statuses if status == 200)
    assert InboundWebhook.select().count() >= acknowledged  # nothing acknowledged is lost


def test_the_journal_connection_gives_up_before_a_waiting_request_does():
    """In production a stalled batch fails (503) and hands the lead on before anyone
    queued behind it gives up: the journal's bounds, read back from the database."""
    from yume.webhook_journal import WAIT_SECONDS, journal_database

    db = journal_database(DATABASE_URL)
    with db.connection_context():
        if is_postgres():
            lock = db.execute_sql("SHOW lock_timeout").fetchone()[0]
            statement = db.execute_sql("SHOW statement_timeout").fetchone()[0]
            assert (lock, statement) == ("2s", "5s")
            longest = 5.0
        else:
            longest = db.execute_sql("PRAGMA busy_timeout").fetchone()[0] / 1000
    assert 2 * longest < WAIT_SECONDS
