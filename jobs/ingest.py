"""Ingest the webhook journal: each delivery Meta sent becomes stored messages, statuses,
takeovers… (yume/inbox.py) and the turns they call for, exactly once.

Each journal row is claimed, stored and deleted in one transaction (`FOR UPDATE SKIP LOCKED`
on PostgreSQL, `BEGIN IMMEDIATE` on SQLite), so two workers never ingest the same delivery,
and a crash leaves it in the journal for the next run. Each event of a delivery is stored on
its own (yume/inbox.py): the good ones are committed and answered at once, and a delivery
with an event that failed is kept with its error and its attempt count; after
`MAX_ATTEMPTS` it waits for ops, and the job fails so rq-dashboard shows it. Replaying it
after the fix (`python -m yume journal --retry`) stores only what was missing.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime

from jobs.runtime import current
from yume.config import Config
from yume.db import database, is_postgres, write_transaction
from yume.inbox import PROCESS_CONVERSATION, Inbox, Work
from yume.models import utcnow
from yume.queue import JobQueue, get_queue
from yume.webhook_journal import INGEST_JOB, MAX_ATTEMPTS, InboundWebhook
from yume.whatsapp.payloads import parse_webhook

log = logging.getLogger(__name__)

JOB = INGEST_JOB
BATCH = 200
BUDGET_SECONDS = 60  # RQ's job timeout is 120 s


class IngestFailed(Exception):
    """Some deliveries could not be ingested; they stay in the journal with their error."""


def ingest_webhooks(budget_seconds: float = BUDGET_SECONDS) -> dict[str, int]:
    """The RQ job: ingest the journalled deliveries, oldest first. A backlog (after an outage)
    is taken in runs of about `budget_seconds`, each asking for the next, well inside RQ's job
    timeout."""
    config = current()
    queue = get_queue(config.redis_url)
    queue.started(JOB)  # deliveries committed from now on ask for a new run
    ingested, failed = 0, []
    deadline = time.monotonic() + budget_seconds
    with database.connection_context():
        after = 0
        while True:
            ids = _waiting_ids(after)
            for row_id in ids:
                if time.monotonic() > deadline:
                    queue.enqueue_unless_pending(JOB)  # the rest in a fresh run
                    return {"ingested": ingested, "left_for_next_run": 1}
                outcome = _ingest_one(row_id, queue, config)
                if outcome is False:
                    failed.append(row_id)
                elif outcome:
                    ingested += 1
            if len(ids) < BATCH:  # a short page is the last one
                break
            after = ids[-1]
    if failed:
        raise IngestFailed(f"deliveries {failed} could not be ingested (inbound_webhook rows)")
    return {"ingested": ingested}


def _waiting_ids(after: int) -> list[int]:
    rows = (
        InboundWebhook.select(InboundWebhook.id)
        .where((InboundWebhook.id > after) & (InboundWebhook.attempts < MAX_ATTEMPTS))
        .order_by(InboundWebhook.id)
        .limit(BATCH)
        .tuples()
    )
    return [row_id for (row_id,) in rows]


def _ingest_one(row_id: int, queue: JobQueue, config: Config) -> bool | None:
    """True when ingested here, None when another worker has it, False when it failed."""
    try:
        with write_transaction():
            query = InboundWebhook.select().where(InboundWebhook.id == row_id)
            if is_postgres():
                query = query.for_update(skip_locked=True)
            row = query.first()
            if row is None:
                return None
            inbox = Inbox(now=row.received_at)
            work = inbox.store(parse_webhook(_decode(row)))
            if inbox.failures:  # the rest is stored; this delivery is kept for a retry
                _keep(
                    row_id,
                    "; ".join(f"event {f.index} ({f.event}): {f.error}" for f in inbox.failures),
                )
            else:
                row.delete_instance()
    except Exception as exc:  # a database error or a bug: keep the delivery, say why
        log.exception("webhook.ingest-failed row=%s", row_id)
        _keep(row_id, repr(exc))
        return False
    _enqueue(work, row.received_at, queue, config)
    return not inbox.failures


def _keep(row_id: int, error: str) -> None:
    """The delivery stays in the journal with one more attempt and why it failed."""
    InboundWebhook.update(attempts=InboundWebhook.attempts + 1, last_error=error[:2000]).where(
        InboundWebhook.id == row_id
    ).execute()


def _decode(row: InboundWebhook) -> object:
    try:
        return json.loads(bytes(row.body))
    except ValueError:
        log.warning("webhook.not-json row=%s bytes=%s", row.id, len(row.body))
        return None


def _enqueue(work: list[Work], received_at: datetime, queue: JobQueue, config: Config) -> None:
    """Turns wait out the quiet window, counted from when the webhook arrived."""
    waited = (utcnow() - received_at).total_seconds()
    for item in work:
        delay = max(0.0, config.quiet_seconds - waited) if item.job == PROCESS_CONVERSATION else 0
        queue.enqueue(item.job, item.argument, delay=delay)
