"""One person, one conversation, one customer, however WhatsApp names them.

WhatsApp identifies a person by phone (`wa_id`, 521… for Mexican mobiles) and, since 2026,
by a business-scoped user id (BSUID, `user_id`); either may be missing (a username adopter
shows no phone). A conversation is keyed by the phone when there is one, else by the BSUID,
and remembers the BSUID it has seen. So:

- a message is matched by BSUID first, then by phone;
- a person first seen by phone and later by BSUID alone (or the other way round) stays one
  conversation and one customer: the records are merged, history and bookings kept;
- "user changed number" moves the existing conversation and customer to the new number,
  with their history, instead of a stranger appearing at the new number.

Merging moves every row that points at the record that goes (messages, appointments, usage…)
to the one that stays, through the models' own back-references.
"""

from __future__ import annotations

import logging
from typing import Any

from peewee import Model

from yume import conversations
from yume.models import Conversation, Customer, Organization, Staff
from yume.phones import InvalidPhone, normalize_phone

log = logging.getLogger(__name__)


def phone_of(wa_id: str | None) -> str | None:
    """The E.164 phone behind a WhatsApp id; None for "" or anything that is not a phone
    (some deliveries carry the BSUID where the phone would be)."""
    if not wa_id:
        return None
    try:
        return normalize_phone(wa_id)
    except InvalidPhone:
        return None


def is_phone_key(key: str) -> bool:
    return key.startswith("+")


def conversation_for(
    org: Organization,
    wa_id: str | None,
    user_id: str | None,
    profile_name: str | None = None,
) -> Conversation | None:
    """The person's conversation at this business, found by BSUID or phone (merging the two
    when they were apart) and created on first contact; None when neither is usable."""
    phone = phone_of(wa_id)
    if phone is None and not user_id:
        return None
    by_user = _by_user_id(org, user_id) if user_id else None
    by_phone = conversations.find_conversation(org, phone) if phone else None
    if by_user is not None and by_phone is not None and by_user.id != by_phone.id:
        by_phone = merge_conversations(by_user, into=by_phone)
        by_user = None
    conversation = by_phone or by_user
    if conversation is None:
        key = phone or user_id
        assert key is not None
        return conversations.open_conversation(
            org, key, wa_id=wa_id or None, profile_name=profile_name, user_id=user_id
        )
    if phone is not None and not is_phone_key(conversation.phone):
        rekey(conversation, phone)  # known by BSUID until now: the phone becomes the key
    return conversations.open_conversation(
        org, conversation.phone, wa_id=wa_id or None, profile_name=profile_name, user_id=user_id
    )


def _by_user_id(org: Organization, user_id: str) -> Conversation | None:
    return (
        Conversation.select()
        .where((Conversation.organization == org) & (Conversation.user_id == user_id))
        .order_by(Conversation.id)
        .first()
    )


def changed_number(conversation: Conversation, change: dict[str, Any]) -> None:
    """WhatsApp's `user_changed_number` (new number in `wa_id`) or `user_changed_user_id`
    (new BSUID in `user_id`): the same person, at a new address, with everything kept."""
    new_user_id = change.get("user_id") or None
    new_phone = phone_of(change.get("wa_id"))
    if new_phone is not None and new_phone != conversation.phone:
        there = conversations.find_conversation(conversation.organization, new_phone)
        if there is not None and there.id != conversation.id:
            merge_conversations(there, into=conversation)  # they already wrote from it
        rekey(conversation, new_phone)
        conversation.wa_id = change["wa_id"]
        log.info("identity.changed-number conversation=%s", conversation.id)
    if new_user_id and new_user_id != conversation.user_id:
        conversation.user_id = new_user_id
    conversation.save()


def rekey(conversation: Conversation, phone: str) -> None:
    """Give the conversation (and the customer or staff member behind it) a new phone key."""
    old = conversation.phone
    conversation.phone = phone
    conversation.save()
    if conversation.customer_id is not None:
        _move_customer(conversation.customer, old, phone)
    if conversation.staff_id is not None:
        Staff.update(phone=phone).where(
            (Staff.id == conversation.staff_id) & (Staff.phone == old)
        ).execute()


def _move_customer(customer: Customer, old: str, phone: str) -> None:
    if customer.phone != old:
        return  # registered under another number on purpose: leave it
    other = Customer.get_or_none(
        (Customer.organization == customer.organization_id) & (Customer.phone == phone)
    )
    if other is not None and other.id != customer.id:
        merge_customers(other, into=customer)
    Customer.update(phone=phone).where(Customer.id == customer.id).execute()
    customer.phone = phone


def merge_conversations(gone: Conversation, into: Conversation) -> Conversation:
    """Everything of `gone` now belongs to `into`; `gone` is deleted. Returns `into`."""
    if gone.customer_id and into.customer_id and gone.customer_id != into.customer_id:
        merge_customers(Customer.get_by_id(gone.customer_id), into=into.customer)
        gone = Conversation.get_by_id(gone.id)
    into.user_id = into.user_id or gone.user_id
    into.wa_id = into.wa_id or gone.wa_id
    into.profile_name = into.profile_name or gone.profile_name
    into.customer = into.customer_id or gone.customer_id
    into.staff = into.staff_id or gone.staff_id
    into.last_inbound_at = _latest(into.last_inbound_at, gone.last_inbound_at)
    into.paused_until = _latest(into.paused_until, gone.paused_until)
    into.state = into.state or gone.state
    _repoint(Conversation, gone.id, into.id)
    gone.delete_instance()
    into.save()
    log.info("identity.merged-conversations kept=%s gone=%s", into.id, gone.id)
    return into


def merge_customers(gone: Customer, into: Customer) -> Customer:
    """Bookings, conversations… of `gone` now belong to `into`; `gone` is deleted."""
    if gone.id == into.id:
        return into
    into.name = into.name or gone.name
    into.notes = "\n".join(note for note in (into.notes, gone.notes) if note)
    _repoint(Customer, gone.id, into.id)
    gone.delete_instance()
    into.save()
    log.info("identity.merged-customers kept=%s gone=%s", into.id, gone.id)
    return into


def _repoint(model: type[Model], gone_id: int, into_id: int) -> None:
    """Every row of every loaded model that points at `gone_id` points at `into_id`."""
    for field in model._meta.backrefs:
        field.model.update({field: into_id}).where(field == gone_id).execute()


def _latest(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return a or b
    return max(a, b)
