"""The webhook journal: every signed delivery from Meta, kept verbatim until it is ingested.

The webhook's only durable work is one row here, written by a group commit shared with
whatever other deliveries are arriving at that moment (yume/group_commit.py), after which it
answers 200. `jobs.ingest` parses the rows into conversations and messages (yume/inbox.py)
and deletes each one in the transaction that stored what it held. Keeping Meta's bytes
until then means a delivery survives a Redis flush, a worker crash, and even a parser bug:
a row that fails to ingest stays here with its error for ops, and is retried.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from datetime import datetime

from peewee import BlobField, Database, IntegerField, TextField

from yume.db import build_database, is_postgres
from yume.group_commit import GroupCommit
from yume.models import BaseModel, UTCDateTimeField, utcnow

INGEST_JOB = "jobs.ingest.ingest_webhooks"
MAX_ATTEMPTS = 5  # a row that failed this often waits for ops (its error is kept)

# A stalled database must cost a delivery a 503 (Meta delivers again), never the webhook:
# the journal's statements give up well before a waiting request does, so a batch stuck
# behind a lock fails, the next one is led at once, and the first after the stall succeeds.
LOCK_TIMEOUT_MS = 2000
STATEMENT_TIMEOUT_MS = 5000
WAIT_SECONDS = 12.0  # > two batches' statement timeouts: the one ahead, then one's own
STALLED_AFTER_SECONDS = 10.0  # /health calls the journal stuck past this


def journal_database(url: str) -> Database:
    """The journal's own connection, with every wait bounded below WAIT_SECONDS: lock and
    statement timeouts, a connect timeout and TCP keepalives (PostgreSQL), a busy timeout
    (SQLite)."""
    if url.startswith("sqlite"):
        return build_database(
            url, pooled=False, shared=True, pragmas={"busy_timeout": STATEMENT_TIMEOUT_MS}
        )
    return build_database(
        url,
        pooled=False,
        shared=True,
        options=f"-c lock_timeout={LOCK_TIMEOUT_MS} -c statement_timeout={STATEMENT_TIMEOUT_MS}",
        connect_timeout=3,
        keepalives=1,
        keepalives_idle=5,
        keepalives_interval=2,
        keepalives_count=2,
        tcp_user_timeout=STATEMENT_TIMEOUT_MS,
    )


class InboundWebhook(BaseModel):
    body = BlobField()  # exactly the bytes Meta signed
    received_at = UTCDateTimeField(default=utcnow)
    attempts = IntegerField(default=0)
    last_error = TextField(null=True)

    class Meta:
        table_name = "inbound_webhook"


COLUMNS = [InboundWebhook.body, InboundWebhook.received_at, InboundWebhook.attempts]
_EPOCH = datetime(1970, 1, 1)


class _PostgresBatch:
    """One INSERT prepared once per connection for every batch size: the batch's bodies go as
    one bytea array (unnest), so a flush is a single EXECUTE that psycopg2 sends as it is, with
    no SQL built in Python. The rows of a batch share the instant the batch was committed.

    Behind a pooler in transaction mode (PgBouncer) a prepared statement may live on another
    server connection than the next EXECUTE: then the journal sends the same INSERT unprepared
    from that moment on, and the batch still goes in."""

    NAME = "yume_journal_insert"
    INSERT = (
        "INSERT INTO inbound_webhook (body, received_at, attempts) "
        "SELECT body, {at}, 0 FROM unnest({bodies}) AS batch(body)"
    )
    PREPARE = f"PREPARE {NAME}(bytea[], timestamp) AS " + INSERT.format(bodies="$1", at="$2")
    EXECUTE = f"EXECUTE {NAME}(%(bodies)s, %(at)s)"
    PLAIN = INSERT.format(bodies="%(bodies)s::bytea[]", at="%(at)s")

    def __init__(self, db: Database) -> None:
        from psycopg2 import Binary, errors

        self._db = db
        self._binary = Binary
        self._lost = errors.InvalidSqlStatementName  # the EXECUTE met no such statement
        self._exists = errors.DuplicatePreparedStatement  # a pooled server has it already
        self._prepared_on: object | None = None
        self.prepared = True  # False once a pooler lost a prepared statement

    def write(self, bodies: list[bytes], at: datetime) -> None:
        connection = self._db.connection()
        values = {"bodies": [self._binary(body) for body in bodies], "at": at}
        with connection.cursor() as cursor:
            if not self.prepared:
                cursor.execute(self.PLAIN, values)
                return
            if self._prepared_on is not connection:  # a new connection: prepare it once
                with contextlib.suppress(self._exists):
                    cursor.execute(self.PREPARE)
                self._prepared_on = connection
            try:
                cursor.execute(self.EXECUTE, values)
            except self._lost:  # autocommit: nothing to roll back
                self.prepared = False
                cursor.execute(self.PLAIN, values)


class _PeeweeBatch:
    """SQLite: peewee's multi-row INSERT, built once per batch size (building SQL costs more
    CPU than sending it, and every batch of a size is the same statement)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._statements: dict[int, str] = {}

    def _statement(self, rows: int) -> str:
        statement = self._statements.get(rows)
        if statement is None:
            query = InboundWebhook.insert_many([(b"", _EPOCH, 0)] * rows, fields=COLUMNS)
            statement = self._db.get_sql_context().sql(query).query()[0]
            self._statements[rows] = statement
        return statement

    def write(self, bodies: list[bytes], at: datetime) -> None:
        body, stamp = InboundWebhook.body.db_value, InboundWebhook.received_at.db_value(at)
        values = [value for raw in bodies for value in (body(raw), stamp, 0)]
        self._db.execute_sql(self._statement(len(bodies)), values)


class WebhookJournal:
    """Records deliveries durably, then asks for an ingest (`after_commit`, once per batch).

    The batches go through a connection of the journal's own, opened on first use in each
    process (never before gunicorn forks) and used by one batch leader at a time: one
    INSERT in autocommit is one round trip and one durable commit. A request does nothing
    but hand its bytes over: the time stamp is taken once per batch, parsing is the ingest
    job's."""

    def __init__(
        self,
        database_url: str,
        after_commit: Callable[[], None],
        wait_seconds: float = WAIT_SECONDS,
    ) -> None:
        self._database_url = database_url
        self._after_commit = after_commit
        self._wait_seconds = wait_seconds
        self._start()

    def _start(self) -> None:
        self._db: Database = journal_database(self._database_url)
        self._batch = _PostgresBatch(self._db) if is_postgres(self._db) else _PeeweeBatch(self._db)
        self._group: GroupCommit[bytes] = GroupCommit(
            self._flush, self._after_commit, self._wait_seconds
        )
        self._pid = os.getpid()

    def _flush(self, bodies: Sequence[bytes]) -> None:
        try:
            self._batch.write(list(bodies), utcnow())
        except Exception:
            self._db.close()  # a broken connection is replaced on the next batch
            raise

    def record(self, body: bytes) -> None:
        """Return once `body` is committed; raise if the database refused it or did not
        answer within the wait."""
        if os.getpid() != self._pid:  # forked (gunicorn --preload): nothing of the parent's
            self._start()
        self._group.submit(body)

    def stalled_seconds(self) -> float:
        """How long this process's oldest unanswered delivery has waited (0 when idle)."""
        if os.getpid() != self._pid:
            return 0.0
        return self._group.stalled_seconds()
