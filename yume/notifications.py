"""Telling the owner something: a WhatsApp message to the owner's own phone."""

from __future__ import annotations

import re
from datetime import datetime

from yume import conversations
from yume.brain import Text
from yume.delivery import queue_actions, queue_template
from yume.models import Organization, Staff
from yume.templates import OWNER_ALERT


def owner_of(org: Organization) -> Staff | None:
    return (
        Staff.select()
        .where((Staff.organization == org) & (Staff.role == "owner") & Staff.active)
        .order_by(Staff.id)
        .first()
    )


def template_safe(text: str, limit: int = 900) -> str:
    """Template variables may not hold new lines, tabs or runs of spaces."""
    return re.sub(r"\s+", " ", text).strip()[:limit]


def notify_owner(org: Organization, text: str, now: datetime) -> int | None:
    """Queue `text` for the owner; returns the owner's conversation id to deliver, if any.

    Inside the owner's 24-hour window it is a plain message, outside it a template."""
    owner = owner_of(org)
    if owner is None:
        return None
    conversation = conversations.conversation_with(org, owner.phone)
    if conversations.window_open(conversation, now):
        queue_actions(conversation, [Text(text)], now)
    else:
        alert = template_safe(text).rstrip(". ")  # the template goes on with ". Revisa…"
        queue_template(conversation, OWNER_ALERT, [org.name, alert], now)
    return conversation.id
