"""What Coexistence brings in from the owner's WhatsApp Business app (reference §2.7):

- `smb_app_state_sync` contacts: the owner's address book. An added or edited contact
  becomes (or renames) a customer with the owner's name for them; a removed one takes its
  name back off the customer, unless the customer has been renamed since. A contact
  without a phone (a username adopter) is logged and skipped.
- `history`: earlier chats, stored under each conversation as history, never answered and
  never opening a 24-hour window (yume.inbox). Meta's follow-up for recent media reuses the
  placeholder's message id: it fills the placeholder in instead of being dropped as a
  duplicate.
"""

from __future__ import annotations

import logging
from datetime import datetime

from yume.conversations import find_staff
from yume.models import Conversation, Customer, Message, Organization, utcnow
from yume.onboarding.models import AddressBookEntry
from yume.phones import InvalidPhone, normalize_phone
from yume.whatsapp.payloads import ContactSync, HistoryMessage

log = logging.getLogger(__name__)

NAME_MAX = 120
PLACEHOLDER = "media_placeholder"


def apply_contact(org: Organization, event: ContactSync, now: datetime | None = None) -> None:
    now = now or utcnow()
    if not event.phone:
        log.warning("coexistence.contact-without-phone org=%s action=%s", org.id, event.action)
        return
    try:
        phone = normalize_phone(event.phone)
    except InvalidPhone:
        log.warning("coexistence.contact-unreadable-phone org=%s", org.id)
        return
    if event.action == "remove":
        _forget(org, phone, now)
    elif event.action == "add" and event.full_name.strip():
        _remember(org, phone, event.full_name.strip()[:NAME_MAX], now)
    else:
        log.info("coexistence.contact-ignored org=%s action=%s", org.id, event.action)


def _remember(org: Organization, phone: str, name: str, now: datetime) -> None:
    entry = AddressBookEntry.get_or_none(
        (AddressBookEntry.organization == org) & (AddressBookEntry.phone == phone)
    )
    previous = entry.name if entry and not entry.removed else None
    fields = {"name": name, "removed": False, "updated_at": now}
    if entry is None:
        AddressBookEntry.create(organization=org, phone=phone, **fields)
    else:
        AddressBookEntry.update(**fields).where(AddressBookEntry.id == entry.id).execute()
    if find_staff(org, phone) is not None:
        return  # a member of the team, not a customer
    customer = Customer.get_or_none((Customer.organization == org) & (Customer.phone == phone))
    if customer is None:
        Customer.insert(
            organization=org, phone=phone, name=name, created_at=now
        ).on_conflict_ignore().execute()
    elif customer.name in (None, previous, _profile_name(customer)):
        # the owner's name for them wins over a WhatsApp profile name, and an edit follows
        Customer.update(name=name).where(Customer.id == customer.id).execute()


def _profile_name(customer: Customer) -> str | None:
    conversation = Conversation.get_or_none(Conversation.customer == customer)
    return conversation.profile_name if conversation else None


def _forget(org: Organization, phone: str, now: datetime) -> None:
    entry = AddressBookEntry.get_or_none(
        (AddressBookEntry.organization == org) & (AddressBookEntry.phone == phone)
    )
    if entry is None or entry.removed:
        return
    AddressBookEntry.update(removed=True, updated_at=now).where(
        AddressBookEntry.id == entry.id
    ).execute()
    Customer.update(name=None).where(
        (Customer.organization == org) & (Customer.phone == phone) & (Customer.name == entry.name)
    ).execute()


MEDIA_KINDS = frozenset({"image", "video", "audio", "voice", "document", "sticker"})


def fill_placeholder(event: HistoryMessage) -> bool:
    """A history media follow-up with a placeholder's id fills that placeholder in."""
    if event.kind not in MEDIA_KINDS:
        return False
    media = event.raw.get(event.raw.get("type", ""), {}) if isinstance(event.raw, dict) else {}
    media = media if isinstance(media, dict) else {}
    filled = (
        Message.update(
            kind=event.kind,
            text=event.text,
            payload={"media_id": media.get("id"), "mime_type": media.get("mime_type")},
        )
        .where((Message.wa_message_id == event.message_id) & (Message.kind == PLACEHOLDER))
        .execute()
    )
    return bool(filled)
