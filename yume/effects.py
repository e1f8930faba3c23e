"""What a conversation turn changed, keyed by the inbound message it answers.

A turn's changes (a booking, a move, a cancellation, a walk-in, blocked time, a hand-over)
commit as they happen, before the reply does. If the turn then dies — Claude fails, the
worker is killed, RQ's job timeout fires — its messages stay unanswered and the job runs
again. Without a record, that retry would ask the model again, and "la primera que
tengas" would book a second slot.

So every change writes a `TurnEffect` row in the same transaction as the change itself,
naming the inbound message being answered (the newest of the burst) and a key for the
call (the tool and its arguments). A retry of the same turn finds those rows: it repeats
none of them and tells the person, once, what was done. Rows of answered messages are
history; nothing reads them again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from peewee import CharField, ForeignKeyField, TextField

from yume.models import (
    Appointment,
    BaseModel,
    Conversation,
    JSONTextField,
    Message,
    UTCDateTimeField,
    utcnow,
)

BOOKED, RESCHEDULED, CANCELLED = "booked", "rescheduled", "cancelled"
WALK_IN, BLOCKED, HANDOVER = "walk_in", "blocked", "handover"


class TurnEffect(BaseModel):
    conversation = ForeignKeyField(Conversation, on_delete="CASCADE")
    message = ForeignKeyField(Message, on_delete="CASCADE")  # the inbound message answered
    key = CharField(max_length=500)  # the call: tool name and canonical arguments
    kind = CharField()  # booked | rescheduled | cancelled | walk_in | blocked | handover
    appointment = ForeignKeyField(Appointment, null=True, on_delete="SET NULL")
    text = TextField()  # what was done, in words for the person (written by code)
    result = JSONTextField()  # what the tool answered
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "turn_effect"
        indexes = ((("message", "key"), True),)


@dataclass(frozen=True)
class TurnKey:
    """The turn an effect belongs to: a conversation and the newest message it answers."""

    conversation_id: int
    message_id: int


def call_key(tool: str, arguments: dict[str, Any]) -> str:
    """The same tool with the same arguments: the same key, whatever their order."""
    canonical = json.dumps(arguments, sort_keys=True, ensure_ascii=False, default=str)
    return f"{tool}:{canonical}"[:500]


def earlier(message_ids: Iterable[int]) -> list[TurnEffect]:
    """The effects already recorded for these (still unanswered) messages, oldest first."""
    ids = list(message_ids)
    if not ids:
        return []
    return list(TurnEffect.select().where(TurnEffect.message.in_(ids)).order_by(TurnEffect.id))


def record(
    turn: TurnKey,
    key: str,
    kind: str,
    text: str,
    result: dict[str, Any],
    appointment: Appointment | None = None,
) -> TurnEffect:
    """Call inside the transaction of the change itself: both commit, or neither."""
    return TurnEffect.create(
        conversation=turn.conversation_id,
        message=turn.message_id,
        key=key,
        kind=kind,
        appointment=appointment,
        text=text,
        result=result,
    )
