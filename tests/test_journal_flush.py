"""The journal's flush: one prepared statement on PostgreSQL whatever the batch size (the
bodies travel as one array), peewee's INSERT on SQLite; Meta's bytes stored exactly; a dead
connection answered with an error once and replaced (and prepared again) on the next batch."""

from __future__ import annotations

import threading

import pytest

from tests.conftest import DATABASE_URL
from yume.db import database, is_postgres
from yume.webhook_journal import InboundWebhook, WebhookJournal


def stored() -> list[bytes]:
    return [bytes(row.body) for row in InboundWebhook.select().order_by(InboundWebhook.id)]


def test_concurrent_deliveries_are_stored_byte_for_byte():
    asked = []
    journal = WebhookJournal(DATABASE_URL, after_commit=lambda: asked.append(1))
    bodies = [b'{"n": %d, "raw": "\\u00f1 \x00\xff"}' % i for i in range(16)]
    start = threading.Barrier(len(bodies))

    def deliver(body: bytes) -> None:
        start.wait()
        journal.record(body)

    threads = [threading.Thread(target=deliver, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(stored()) == sorted(bodies)
    assert 1 <= len(asked) <= len(bodies)  # once per committed batch
    times = {row.received_at for row in InboundWebhook.select()}
    assert len(times) == len(asked)  # a batch's rows share its commit instant


@pytest.mark.skipif(not DATABASE_URL.startswith("postgres"), reason="PostgreSQL's backends")
def test_a_killed_journal_connection_fails_one_batch_then_recovers():
    journal = WebhookJournal(DATABASE_URL, after_commit=lambda: None)
    journal.record(b'{"first": true}')
    assert is_postgres()
    killed = database.execute_sql(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND query LIKE 'EXECUTE yume_journal_insert%%'"
    ).fetchone()[0]
    assert killed >= 1  # this journal's connection (and an earlier test's, left idle)
    with pytest.raises(Exception):  # noqa: B017  (whatever the driver says: the view answers 503)
        journal.record(b'{"lost": true}')
    journal.record(b'{"after": true}')  # a new connection, prepared again
    assert stored() == [b'{"first": true}', b'{"after": true}']


@pytest.mark.skipif(not DATABASE_URL.startswith("postgres"), reason="PostgreSQL's PREPARE")
def test_a_prepared_statement_lost_by_a_pooler_falls_back_to_the_plain_insert():
    """Behind PgBouncer in transaction mode the next EXECUTE may reach a server connection
    that never saw the PREPARE: the batch still goes in, unprepared from then on."""
    journal = WebhookJournal(DATABASE_URL, after_commit=lambda: None)
    journal.record(b'{"prepared": true}')
    journal._db.execute_sql("DEALLOCATE ALL")  # what another server connection looks like
    journal.record(b'{"fell back": true}')
    journal.record(b'{"plain": true}')
    assert stored() == [b'{"prepared": true}', b'{"fell back": true}', b'{"plain": true}']
    assert journal._batch.prepared is False
