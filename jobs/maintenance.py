"""The reconciler: the database is the truth, Redis may forget. Re-enqueue whatever the
database says is still waiting (every minute, leaving fresh work to the jobs already
enqueued for it), and everything waiting at once (`fresh`) when those jobs may be gone: at
worker start-up (a worker that died took its job along) and when the scheduler finds that
Redis restarted empty."""

from __future__ import annotations

import logging
from datetime import timedelta

from jobs.outbound import JOB as DELIVER_JOB
from jobs.runtime import current
from yume import conversations, delivery
from yume.db import database
from yume.inbox import PROCESS_CONVERSATION
from yume.models import Conversation, Message, utcnow
from yume.queue import get_queue
from yume.webhook_journal import INGEST_JOB, MAX_ATTEMPTS, InboundWebhook

log = logging.getLogger(__name__)

JOB = "jobs.maintenance.reconcile"
GRACE = timedelta(seconds=30)  # leave fresh work to the jobs already enqueued for it


def reconcile(fresh: bool = False) -> dict[str, int]:
    config = current()
    queue = get_queue(config.redis_url)
    grace = timedelta(0) if fresh else GRACE
    with database.connection_context():
        quiet = timedelta(0) if fresh else timedelta(seconds=config.quiet_seconds)
        cutoff = utcnow() - quiet - grace
        waiting = conversations.conversations_waiting(cutoff)
        for conversation_id in waiting:
            queue.enqueue(PROCESS_CONVERSATION, conversation_id)
        stuck = _conversations_with_queued_sends(cutoff)
        for conversation_id in stuck:
            queue.enqueue(DELIVER_JOB, conversation_id)
        journalled = _journal_waiting(utcnow() - grace)
        if journalled:
            queue.enqueue_unless_pending(INGEST_JOB)
        told = delivery.settle_stuck_sends(utcnow())  # cut-short sends: the owner is told
        for owner_conversation in told:
            queue.enqueue(DELIVER_JOB, owner_conversation)
    if waiting or stuck or journalled or told:
        log.info(
            "reconcile.requeued conversations=%s sends=%s deliveries=%s unsettled=%s",
            waiting,
            stuck,
            journalled,
            len(told),
        )
    return {
        "conversations": len(waiting),
        "sends": len(stuck),
        "deliveries": journalled,
        "unsettled": len(told),
    }


def _journal_waiting(cutoff) -> int:
    """Journalled deliveries nobody ingested (their job was lost with Redis)."""
    return (
        InboundWebhook.select()
        .where((InboundWebhook.received_at < cutoff) & (InboundWebhook.attempts < MAX_ATTEMPTS))
        .count()
    )


def _conversations_with_queued_sends(cutoff) -> list[int]:
    rows = (
        Message.select(Message.conversation)
        .join(Conversation)
        .where(
            (Message.direction == "out")
            & (Message.status == "queued")
            & (Message.created_at < cutoff)
            & (Conversation.lease_until.is_null() | (Conversation.lease_until < utcnow()))
        )
        .distinct()
        .tuples()
    )
    return sorted(conversation_id for (conversation_id,) in rows)
