"""Sending outside a conversation turn: owner notices, and the 24-hour-window fallback."""

from __future__ import annotations

from jobs.runtime import current
from yume import delivery
from yume.db import database
from yume.models import Conversation, Message, utcnow

JOB = "jobs.outbound.deliver_conversation"


def deliver_conversation(conversation_id: int) -> int:
    """Send whatever this conversation has queued."""
    config = current()
    with database.connection_context():
        conversation = Conversation.get_or_none(Conversation.id == conversation_id)
        if conversation is None:
            return 0
        return delivery.deliver(
            conversation, delivery.client_for(conversation.organization, config)
        )


def send_window_fallback(message_id: int) -> int:
    """Meta said 131047 after accepting a message: send the pending-reply template."""
    config = current()
    with database.connection_context():
        message = Message.get_or_none(Message.id == message_id)
        if message is None:
            return 0
        conversation = message.conversation
        delivery.fall_back(conversation, message, utcnow(), "131047 re-engagement (status)")
        return delivery.deliver(
            conversation, delivery.client_for(conversation.organization, config)
        )
