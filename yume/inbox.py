"""Store what Meta sent, exactly once, and say which work it calls for.

Called by the ingest job (jobs/ingest.py) for each journalled delivery, with `now` = when
the webhook received it. A message id is unique in the database, so a webhook delivered
twice, a second or a day apart, is stored once and answered once.

Each event is stored on its own (a savepoint): one that fails (a bug, a value the database
refuses) is rolled back and reported in `failures`, and never holds back the other people's
messages in the same delivery. Storing is idempotent, so the delivery can be replayed after
a fix and only the failed event is new.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from yume import conversations, identity, lifecycle
from yume.db import database
from yume.delivery import noted_message_id
from yume.log_privacy import MetaId
from yume.models import Conversation, Message, Organization, utcnow
from yume.onboarding import coexistence
from yume.onboarding import lifecycle as account_lifecycle
from yume.phones import same_phone
from yume.whatsapp.client import WINDOW_CLOSED
from yume.whatsapp.payloads import (
    AccountUpdate,
    ContactSync,
    Echo,
    HistoryMessage,
    Ignored,
    Inbound,
    PlatformError,
    StatusUpdate,
    TemplateStatusChange,
)

log = logging.getLogger(__name__)

PROCESS_CONVERSATION = "jobs.inbound.process_conversation"
WINDOW_FALLBACK = "jobs.outbound.send_window_fallback"

# Kinds that never need an answer: stored, noted, and left alone.
SILENT_KINDS = frozenset({"reaction", "revoke", "system", "request_welcome"})
STATUS_RANK = {
    "queued": 0,
    "sending": 1,
    "unknown": 1,
    "sent": 2,
    "delivered": 3,
    "read": 4,
    "played": 5,
}


@dataclass(frozen=True)
class Work:
    job: str
    argument: int


@dataclass(frozen=True)
class Failure:
    """An event of the delivery that could not be stored (the others were)."""

    index: int
    event: str
    error: str


class Inbox:
    """One webhook body's worth of storing; caches organizations by phone_number_id.
    `now` is when the delivery arrived: messages are stamped with it, so a quiet window
    counts from the webhook, not from when the ingest job got to it."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or utcnow()
        self._orgs: dict[str, Organization | None] = {}
        self.work: list[Work] = []
        self.failures: list[Failure] = []

    def org(self, phone_number_id: str | None) -> Organization | None:
        if not phone_number_id:
            return None
        if phone_number_id not in self._orgs:
            org = Organization.get_or_none(Organization.whatsapp_phone_number_id == phone_number_id)
            if org is None:
                log.warning("webhook.unknown-number phone_number_id=%s", MetaId(phone_number_id))
            self._orgs[phone_number_id] = org
        return self._orgs[phone_number_id]

    def store(self, events: Iterable[Any]) -> list[Work]:
        handlers = {
            Inbound: self.inbound,
            Echo: self.echo,
            StatusUpdate: self.status,
            HistoryMessage: self.history,
            ContactSync: self.contact,
            AccountUpdate: self.account_update,
            TemplateStatusChange: self.template_status,
            PlatformError: self.platform_error,
            Ignored: self.ignored,
        }
        with database.atomic():  # one commit per webhook, however many events it holds
            for index, event in enumerate(events):
                self._store_one(index, event, handlers[type(event)])
        return list(dict.fromkeys(self.work))

    def _store_one(self, index: int, event: Any, handler: Any) -> None:
        """One event in a savepoint: its failure takes back only what it wrote."""
        work_before = len(self.work)
        try:
            with database.atomic():
                handler(event)
        except Exception as exc:
            del self.work[work_before:]
            self.failures.append(Failure(index, type(event).__name__, repr(exc)[:500]))
            log.exception("webhook.event-failed index=%s event=%s", index, type(event).__name__)

    def _conversation(
        self,
        phone_number_id: str | None,
        wa_id: str,
        user_id: str | None = None,
        profile_name: str | None = None,
    ) -> Conversation | None:
        """The conversation with this person (by BSUID or phone) at the business that owns
        `phone_number_id`; None when the number is not ours or the sender cannot be read."""
        org = self.org(phone_number_id)
        if org is None:
            return None
        conversation = identity.conversation_for(org, wa_id, user_id, profile_name)
        if conversation is None:
            log.warning("webhook.unreadable-sender org=%s", org.id)
        return conversation

    def inbound(self, event: Inbound) -> None:
        conversation = self._conversation(
            event.phone_number_id, event.wa_id, event.user_id, event.profile_name
        )
        if conversation is None:
            return
        kind, sent_at, status = self._placement(event)
        silent = status != "received"
        inserted = _insert_message(
            conversation=conversation,
            created_at=self.now,
            wa_message_id=event.message_id,
            direction="in",
            author="staff" if conversation.staff_id else "customer",
            kind=kind,
            text=event.text,
            payload={
                "reply_id": event.reply_id,
                "context_id": event.context_id,
                "media_id": event.media_id,
                "mime_type": event.mime_type,
                **event.details,
            },
            sent_at=sent_at,
            processed_at=self.now if silent else None,
            status=status,
            about_wamid=event.context_id if event.kind in ("edit", "revoke") else None,
        )
        if not inserted:
            return
        conversations.note_inbound(conversation.id, event.timestamp)
        if event.kind == "revoke":
            lifecycle.revoke(event.context_id, self.now)
        elif event.kind == "system" and event.details.get("system"):
            identity.changed_number(conversation, event.details["system"])
        if not silent:
            self.work.append(Work(PROCESS_CONVERSATION, conversation.id))

    def _placement(self, event: Inbound) -> tuple[str, datetime, str]:
        """How to store an inbound message: its kind, its place among the messages (WhatsApp
        time) and its status: "received" waits for a turn; "noted", "revoked" and "edited"
        do not (yume/lifecycle.py)."""
        if event.kind == "edit":
            placement, original_at = lifecycle.edit_placement(event.context_id, self.now)
            if placement == "pending":  # it replaces the text waiting for its turn
                kind = event.details.get("edited_kind") or "text"
                return kind, original_at or event.timestamp, "received"
            return event.kind, event.timestamp, "noted" if placement == "silent" else "received"
        if event.kind in SILENT_KINDS:
            return event.kind, event.timestamp, "noted"
        late = lifecycle.arriving_late(event.message_id)  # deleted or edited already
        return event.kind, event.timestamp, late or "received"

    def echo(self, event: Echo) -> None:
        customer_side = _echo_counterpart(event)
        if customer_side is None:
            log.warning("webhook.echo-not-ours phone_number_id=%s", MetaId(event.phone_number_id))
            return
        conversation = self._conversation(event.phone_number_id, customer_side, event.to_user_id)
        if conversation is None:
            return
        inserted = _insert_message(
            conversation=conversation,
            created_at=self.now,
            wa_message_id=event.message_id,
            direction="out",
            author="owner",
            kind=event.kind,
            text=event.text,
            sent_at=event.timestamp,
            processed_at=self.now,
            status="sent",
        )
        if inserted:
            conversations.takeover(conversation, event.timestamp, event.text, self.now)

    def status(self, event: StatusUpdate) -> None:
        message = Message.get_or_none(Message.wa_message_id == event.message_id)
        if message is None:
            message = _lost_send(event)
        if message is None:
            return  # a status for a message sent by another app, or before our time
        if event.status == "failed":
            if message.status in ("failed",) or STATUS_RANK.get(message.status, 0) >= 3:
                return
            message.status, message.error_code = "failed", event.error_code
            message.error_title = " — ".join(filter(None, [event.error_title, event.error_details]))
            if event.error_code == WINDOW_CLOSED and message.direction == "out":
                self.work.append(Work(WINDOW_FALLBACK, message.id))
            log.warning("whatsapp.send-failed message=%s code=%s", message.id, event.error_code)
        elif STATUS_RANK.get(event.status, -1) > STATUS_RANK.get(message.status, -1):
            message.status = event.status
        else:
            return  # late or repeated: statuses only move forward
        message.status_at = event.timestamp
        message.save()

    def history(self, event: HistoryMessage) -> None:
        """Back-filled chats: stored for context, never answered, never open a window."""
        conversation = self._conversation(event.phone_number_id, event.thread_id)
        if conversation is None:
            return
        inserted = _insert_message(
            conversation=conversation,
            created_at=event.timestamp,  # issue 10: history sits at its own time
            wa_message_id=event.message_id,
            direction="out" if event.from_business else "in",
            author="owner" if event.from_business else "customer",
            kind=event.kind,
            text=event.text,
            sent_at=event.timestamp,
            processed_at=self.now,
            status="history",
        )
        if not inserted:
            coexistence.fill_placeholder(event)  # Meta's media follow-up reuses the id

    def contact(self, event: ContactSync) -> None:
        """The owner's saved names for customers, from the Business app's contacts."""
        org = self.org(event.phone_number_id)
        if org is not None:
            coexistence.apply_contact(org, event, self.now)

    def account_update(self, event: AccountUpdate) -> None:
        account_lifecycle.apply_account_update(event, self.now)

    def template_status(self, event: TemplateStatusChange) -> None:
        for job in account_lifecycle.apply_template_status(event, self.now):
            org = account_lifecycle.organization_for(event.waba_id)
            if org is not None:
                self.work.append(Work(job, org.id))

    def platform_error(self, event: PlatformError) -> None:
        log.warning(
            "whatsapp.platform-error phone_number_id=%s code=%s %s",
            MetaId(event.phone_number_id),
            event.code,
            event.title,
        )

    def ignored(self, event: Ignored) -> None:
        log.info("webhook.ignored field=%s reason=%s", event.field, event.reason)


def _insert_message(**fields: Any) -> bool:
    """Insert unless this WhatsApp message id is already stored; True if it was new. The
    driver's count of inserted rows says so on both databases (SQLite's last rowid does not:
    it is the previous insert's when INSERT OR IGNORE skipped the row)."""
    cursor = database.execute(Message.insert(**fields).on_conflict_ignore())
    return cursor.rowcount == 1


def _echo_counterpart(event: Echo) -> str | None:
    """The customer's side of an owner echo: `to`, when the echo comes from the business's
    own number (the delivery's display_phone_number). An echo whose parties are swapped is
    read the right way round; one that involves some other number is not ours (None)."""
    business = event.business_number
    if not business:
        return event.to
    if event.sender and not same_phone(event.sender, business):
        return event.sender if event.to and same_phone(event.to, business) else None
    if event.to and same_phone(event.to, business):
        return None  # the business writing to itself
    return event.to


def _lost_send(event: StatusUpdate) -> Message | None:
    """A send whose answer we never recorded (a crash, a timeout after the request went out):
    Meta's status names it by our callback note, and gives it its WhatsApp id."""
    message_id = noted_message_id(event.callback)
    if message_id is None:
        return None
    adopted = (
        Message.update(wa_message_id=event.message_id)
        .where(
            (Message.id == message_id)
            & (Message.direction == "out")
            & Message.wa_message_id.is_null()
            & Message.status.in_(("sending", "unknown"))
        )
        .execute()
    )
    return Message.get_by_id(message_id) if adopted else None
