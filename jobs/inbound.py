"""One conversation turn: gather what the person wrote, ask the brain, send the answer.

One worker at a time per conversation (a lease in the database that a crashed worker's
expiry releases); messages in WhatsApp's order; a burst answered once after the quiet
window; nothing answered twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from jobs.outbound import JOB as DELIVER
from jobs.runtime import current
from yume import conversations, delivery, handover, lease, owner_controls, reminder_replies
from yume.brain import BrainUnavailable, Reply, Text, Turn, load_brain
from yume.config import Config
from yume.db import database
from yume.deadlines import reraise_job_timeout
from yume.inbox import PROCESS_CONVERSATION
from yume.models import Conversation, Message, utcnow
from yume.notifications import notify_owner
from yume.onboarding import readiness
from yume.queue import get_queue
from yume.whatsapp.client import WhatsAppClient

log = logging.getLogger(__name__)

JOB = PROCESS_CONVERSATION
APOLOGY = (
    "Perdón, tuve un problema para responderte. Ya le avisé al equipo y en un momento "
    "te escriben 🙏"
)


def process_conversation(conversation_id: int) -> str:
    """The RQ job. Returns what happened (shown in rq-dashboard)."""
    config = current()
    with database.connection_context():
        outcome = run_turn(conversation_id, config, utcnow())
        queue = get_queue(config.redis_url)
        if outcome == "busy" and conversations.pending_inbound(conversation_id):
            # come back when the lease would run out, in case its holder died (issue 13)
            left = conversations.lease_left(conversation_id, utcnow())
            queue.enqueue(JOB, conversation_id, delay=left + 1)
        elif outcome in ("answered", "paused", "raced") and conversations.pending_inbound(
            conversation_id
        ):
            # written while we were busy: the job that found us busy left it to us
            queue.enqueue(JOB, conversation_id, delay=config.quiet_seconds)
        return outcome


def run_turn(conversation_id: int, config: Config, now: datetime) -> str:
    with lease.held(conversation_id, now) as token:
        if token is None:
            return "busy"
        return _turn(conversation_id, config, now)


def _turn(conversation_id: int, config: Config, now: datetime) -> str:
    conversation = Conversation.get_or_none(Conversation.id == conversation_id)
    if conversation is None:
        return "gone"
    client = delivery.client_for(conversation.organization, config)
    pending = conversations.pending_inbound(conversation_id)
    if not pending:
        delivery.deliver(conversation, client, now)  # a retry after a transient send error
        return "idle"
    pending = reminder_replies.answer_taps(conversation, pending, client, now)
    pending, customers = owner_controls.answer(conversation, pending, client, now)
    for customer_chat in customers:  # "Que siga Yume" greets the customer it gives back
        get_queue(config.redis_url).enqueue(DELIVER, customer_chat)
    if not pending:
        return "answered"  # taps and commands only (reminder buttons, the owner's controls)
    wait = config.quiet_seconds - (now - max(m.created_at for m in pending)).total_seconds()
    if wait > 0:
        get_queue(config.redis_url).enqueue(JOB, conversation_id, delay=wait)
        return "waiting"
    if conversations.is_paused(conversation, now):
        conversations.claim_inbound(pending, now, status="held")  # the owner is on it
        return "paused"
    pending = handover.answer_waiting(conversation, pending, client, now)
    if not pending:
        return "answered"  # waiting for a person: a short note, never silence
    conversations.refresh_identity(conversation)
    delivery.mark_read(client, pending[-1])
    try:
        reply = _think(conversation, pending, config, now, client)
    except BrainUnavailable as unavailable:  # issue 4: Claude is down; hold once, retry the job
        _hold(conversation, pending, unavailable.holding, client, now)
        raise
    try:
        with database.atomic():
            if not conversations.claim_inbound(pending, now):
                raise _Raced
            delivery.queue_actions(conversation, reply.actions, now)
            owner_conversation = None
            if reply.handover:  # one state machine for every brain (yume/handover.py)
                reason = reply.handover_reason or reply.notify_owner
                owner_conversation = handover.hand_over(conversation, reason, now)
            elif reply.notify_owner:
                owner_conversation = notify_owner(
                    conversation.organization, reply.notify_owner, now
                )
    except _Raced:
        return "raced"
    delivery.deliver(conversation, client, now)
    if owner_conversation is not None:
        get_queue(config.redis_url).enqueue(DELIVER, owner_conversation)
    return "answered"


def _hold(
    conversation: Conversation,
    pending: list[Message],
    holding: str,
    client: WhatsAppClient,
    now: datetime,
) -> None:
    """Issue 4: tell the person we are on it, once per unanswered burst (a retry that finds
    the holding message already sent says nothing more); the messages stay unclaimed so the
    job's retry answers them."""
    said = Message.select().where(
        (Message.conversation == conversation.id)
        & (Message.direction == "out")
        & (Message.id > pending[0].id)
        & (Message.text == holding)
    )
    if not said.exists():
        delivery.queue_actions(conversation, [Text(holding)], now)
    delivery.deliver(conversation, client, now)


class _Raced(Exception):
    """Another worker handled these messages first (only possible after a lease expired)."""


def _think(
    conversation: Conversation,
    pending: list[Message],
    config: Config,
    now: datetime,
    client: WhatsAppClient | None = None,
) -> Reply:
    turn = Turn(
        organization=conversation.organization,
        conversation=conversation,
        customer=conversation.customer,
        staff=conversation.staff,
        history=conversations.recent_history(conversation.id, pending[0].id),
        new_messages=pending,
        now=now,
        fetch_media=client.download_media if client is not None else None,  # issue 4: photos
    )
    try:
        held = readiness.holding_reply(turn)  # issue 10: customers wait kindly until set up
        if held is not None:
            return held
        return load_brain(config).respond(turn)
    except BrainUnavailable:  # issue 4: the caller holds and retries
        raise
    except Exception as exc:  # a brain bug must not leave the person unanswered or loop forever
        reraise_job_timeout(exc)  # but RQ's job timeout ends the job (issue 11)
        log.exception("brain.failed conversation=%s", conversation.id)
        who = conversation.profile_name or conversation.phone
        return Reply(
            actions=[Text(APOLOGY)],
            notify_owner=f"Yume no pudo responder a {who}; revisa la conversación.",
        )
