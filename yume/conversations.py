"""Conversations: who is writing, the 24-hour window, owner takeover, one worker at a time."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from yume.lifecycle import HIDDEN_STATUSES
from yume.models import Conversation, Customer, Message, Organization, Staff, utcnow
from yume.phones import whatsapp_id

WINDOW = timedelta(hours=24)
# A short lease, renewed by a heartbeat while the turn runs (yume/lease.py): a crashed
# worker's conversation is free again within LEASE, however long turns may take.
LEASE = timedelta(seconds=6)
PAUSE_COMMAND = "/pausa"
RESUME_COMMAND = "/yume"
LONG_PAUSE = timedelta(days=30)


def find_staff(org: Organization, phone: str) -> Staff | None:
    return Staff.get_or_none((Staff.organization == org) & (Staff.phone == phone) & Staff.active)


def find_conversation(org: Organization, phone: str) -> Conversation | None:
    return Conversation.get_or_none(
        (Conversation.organization == org) & (Conversation.phone == phone)
    )


def _create(
    org: Organization,
    phone: str,
    wa_id: str | None,
    profile_name: str | None = None,
    user_id: str | None = None,
) -> Conversation:
    """First contact: the conversation, and the staff member or new customer behind it."""
    Conversation.insert(
        organization=org,
        phone=phone,
        wa_id=wa_id,
        user_id=user_id,
        profile_name=profile_name,
        created_at=utcnow(),
    ).on_conflict_ignore().execute()
    conversation = Conversation.get(
        (Conversation.organization == org) & (Conversation.phone == phone)
    )
    _identify(conversation, org, phone, profile_name)
    return conversation


def open_conversation(
    org: Organization,
    phone: str,
    wa_id: str | None = None,
    profile_name: str | None = None,
    user_id: str | None = None,
) -> Conversation:
    """The conversation with this phone, created on first contact with the person behind it:
    a registered staff member, or a customer created with just the phone and profile name."""
    conversation = find_conversation(org, phone)
    if conversation is None:
        return _create(org, phone, wa_id, profile_name, user_id)
    if (
        (wa_id and conversation.wa_id != wa_id)
        or (profile_name and conversation.profile_name != profile_name)
        or (user_id and conversation.user_id != user_id)
    ):
        conversation.wa_id = wa_id or conversation.wa_id
        conversation.profile_name = profile_name or conversation.profile_name
        conversation.user_id = user_id or conversation.user_id
        conversation.save()
    return conversation


def conversation_with(org: Organization, phone: str) -> Conversation:
    """The conversation to write to this E.164 phone: an existing one keeps the address
    WhatsApp gave us (521… for Mexican mobiles); a new one answers to the phone's WhatsApp id."""
    return find_conversation(org, phone) or _create(org, phone, wa_id=whatsapp_id(phone))


def _identify(conversation: Conversation, org: Organization, phone: str, name: str | None) -> None:
    staff = find_staff(org, phone)
    if staff is not None:
        conversation.staff = staff
    else:
        Customer.insert(
            organization=org, phone=phone, name=name, created_at=utcnow()
        ).on_conflict_ignore().execute()
        conversation.customer = Customer.get(
            (Customer.organization == org) & (Customer.phone == phone)
        )
    conversation.save()


def refresh_identity(conversation: Conversation) -> None:
    """Staff registered after their first message still get the staff brain."""
    staff = find_staff(conversation.organization, conversation.phone)
    changed = (staff.id if staff else None) != conversation.staff_id
    conversation.staff = staff  # the row just read: no second query for it later
    if not changed:
        return
    if staff is None and conversation.customer_id is None:
        org = conversation.organization
        _identify(conversation, org, conversation.phone, conversation.profile_name)  # saves
    else:
        conversation.save()


def note_inbound(conversation_id: int, at: datetime) -> None:
    """The person wrote at `at`: the 24-hour window runs from their latest message."""
    Conversation.update(last_inbound_at=at).where(
        (Conversation.id == conversation_id)
        & ((Conversation.last_inbound_at.is_null()) | (Conversation.last_inbound_at < at))
    ).execute()


def window_open(conversation: Conversation, now: datetime | None = None) -> bool:
    now = now or utcnow()
    last = conversation.last_inbound_at
    return last is not None and now - last < WINDOW


# -- owner takeover ------------------------------------------------------------------------


def takeover(conversation: Conversation, at: datetime, text: str, now: datetime) -> None:
    """The owner wrote to the customer by hand (an echo): stay quiet for takeover_minutes
    after the owner's last message. `/pausa` pauses until `/yume`; `/yume` resumes now."""
    command = text.strip().lower()
    if command == RESUME_COMMAND:
        until = None
    elif command == PAUSE_COMMAND:
        until = now + LONG_PAUSE
    else:
        until = at + _takeover(conversation)
        if conversation.paused_until is not None and conversation.paused_until > until:
            return
    conversation.paused_until = until
    conversation.handover_at = None  # a person answered (or gave it back): nobody waits
    conversation.save()


def is_paused(conversation: Conversation, now: datetime) -> bool:
    return conversation.paused_until is not None and conversation.paused_until > now


def _takeover(conversation: Conversation) -> timedelta:
    """How long Yume stays quiet after the owner's last message (`takeover_minutes`)."""
    return timedelta(minutes=int(conversation.organization.setting("takeover_minutes")))


# -- one worker at a time ------------------------------------------------------------------


def save_state(conversation: Conversation, key: str, value: Any) -> None:
    """Keep `value` under `key` of the conversation's state (each brain has its own key)."""
    data: dict[str, Any] = dict(conversation.state or {})
    data[key] = value
    Conversation.update(state=data).where(Conversation.id == conversation.id).execute()
    conversation.state = data


def acquire_lease(conversation_id: int, now: datetime) -> str | None:
    """Claim the conversation for this worker (a conditional UPDATE: one winner)."""
    token = uuid.uuid4().hex
    claimed = (
        Conversation.update(lease_until=now + LEASE, lease_owner=token)
        .where(
            (Conversation.id == conversation_id)
            & (Conversation.lease_until.is_null() | (Conversation.lease_until < now))
        )
        .execute()
    )
    return token if claimed == 1 else None


def release_lease(conversation_id: int, token: str) -> None:
    Conversation.update(lease_until=None, lease_owner=None).where(
        (Conversation.id == conversation_id) & (Conversation.lease_owner == token)
    ).execute()


def renew_lease(conversation_id: int, token: str, now: datetime) -> bool:
    """Extend our lease by LEASE from `now`; False if it is no longer ours."""
    renewed = (
        Conversation.update(lease_until=now + LEASE)
        .where((Conversation.id == conversation_id) & (Conversation.lease_owner == token))
        .execute()
    )
    return renewed == 1


def lease_left(conversation_id: int, now: datetime) -> float:
    """Seconds until the conversation's lease runs out (0 when free)."""
    row = Conversation.get_or_none(Conversation.id == conversation_id)
    if row is None or row.lease_until is None:
        return 0.0
    return max(0.0, (row.lease_until - now).total_seconds())


# -- messages ------------------------------------------------------------------------------


def pending_inbound(conversation_id: int) -> list[Message]:
    """What the person wrote that nobody has handled yet, in WhatsApp's order."""
    return list(
        Message.select()
        .where(
            (Message.conversation == conversation_id)
            & (Message.direction == "in")
            & Message.processed_at.is_null()
        )
        .order_by(Message.sent_at, Message.id)
    )


def recent_history(conversation_id: int, before_id: int, limit: int = 20) -> list[Message]:
    """The messages before `before_id`, oldest first, without the ones still waiting for
    their turn (an edit takes its original's place in the burst, ahead of older ids) and
    without what the person deleted or what an edit replaced (yume/lifecycle.py)."""
    waiting = (Message.direction == "in") & Message.processed_at.is_null()
    rows = (
        Message.select()
        .where(
            (Message.conversation == conversation_id)
            & (Message.id < before_id)
            & Message.status.not_in(HIDDEN_STATUSES)
            & ~waiting
        )
        .order_by(Message.id.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))


def claim_inbound(messages: list[Message], now: datetime, status: str = "processed") -> bool:
    """Mark messages handled; False if another worker got there first."""
    ids = [m.id for m in messages]
    claimed = (
        Message.update(processed_at=now, status=status)
        .where(Message.id.in_(ids) & Message.processed_at.is_null())
        .execute()
    )
    return claimed == len(ids)


def conversations_waiting(older_than: datetime) -> list[int]:
    """Conversations with inbound messages nobody handled since before `older_than`."""
    rows = (
        Message.select(Message.conversation)
        .where(
            (Message.direction == "in")
            & Message.processed_at.is_null()
            & (Message.created_at < older_than)
        )
        .distinct()
        .tuples()
    )
    return sorted(conversation_id for (conversation_id,) in rows)
