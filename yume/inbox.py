"""Store what Meta sent, exactly once, and say which work it calls for.

Called by the ingest job (jobs/ingest.py) for each journalled delivery, with `now` = when
the webhook received it. A message id is unique in the database, so a webhook delivered
twice, a second or a day apart, is stored once and answered once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from yume import conversations
from yume.db import database, is_postgres
from yume.models import Conversation, Message, Organization, utcnow
from yume.onboarding import coexistence, lifecycle
from yume.phones import InvalidPhone
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


class Inbox:
    """One webhook body's worth of storing; caches organizations by phone_number_id.
    `now` is when the delivery arrived: messages are stamped with it, so a quiet window
    counts from the webhook, not from when the ingest job got to it."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or utcnow()
        self._orgs: dict[str, Organization | None] = {}
        self.work: list[Work] = []

    def org(self, phone_number_id: str | None) -> Organization | None:
        if not phone_number_id:
            return None
        if phone_number_id not in self._orgs:
            org = Organization.get_or_none(Organization.whatsapp_phone_number_id == phone_number_id)
            if org is None:
                log.warning("webhook.unknown-number phone_number_id=%s", phone_number_id)
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
            for event in events:
                handlers[type(event)](event)
        return list(dict.fromkeys(self.work))

    def _conversation(
        self, phone_number_id: str | None, wa_id: str, **extra: Any
    ) -> Conversation | None:
        """The conversation with `wa_id` at the business that owns `phone_number_id`; None
        when the number is not ours or the sender cannot be read."""
        org = self.org(phone_number_id)
        if org is None:
            return None
        try:
            key = conversations.conversation_key(wa_id, extra.get("user_id"))
        except InvalidPhone:
            log.warning("webhook.unreadable-sender org=%s wa_id=%r", org.id, wa_id)
            return None
        return conversations.open_conversation(org, key, wa_id=wa_id or None, **extra)

    def inbound(self, event: Inbound) -> None:
        conversation = self._conversation(
            event.phone_number_id,
            event.wa_id,
            profile_name=event.profile_name,
            user_id=event.user_id,
        )
        if conversation is None:
            return
        silent = event.kind in SILENT_KINDS
        inserted = _insert_message(
            conversation=conversation,
            created_at=self.now,
            wa_message_id=event.message_id,
            direction="in",
            author="staff" if conversation.staff_id else "customer",
            kind=event.kind,
            text=event.text,
            payload={
                "reply_id": event.reply_id,
                "context_id": event.context_id,
                "media_id": event.media_id,
                "mime_type": event.mime_type,
            },
            sent_at=event.timestamp,
            processed_at=self.now if silent else None,
            status="noted" if silent else "received",
        )
        if inserted:
            conversations.note_inbound(conversation.id, event.timestamp)
            if not silent:
                self.work.append(Work(PROCESS_CONVERSATION, conversation.id))

    def echo(self, event: Echo) -> None:
        conversation = self._conversation(event.phone_number_id, event.to)
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
        lifecycle.apply_account_update(event, self.now)

    def template_status(self, event: TemplateStatusChange) -> None:
        for job in lifecycle.apply_template_status(event, self.now):
            org = lifecycle.organization_for(event.waba_id)
            if org is not None:
                self.work.append(Work(job, org.id))

    def platform_error(self, event: PlatformError) -> None:
        log.warning(
            "whatsapp.platform-error phone_number_id=%s code=%s %s",
            event.phone_number_id,
            event.code,
            event.title,
        )

    def ignored(self, event: Ignored) -> None:
        log.info("webhook.ignored field=%s reason=%s", event.field, event.reason)


def _insert_message(**fields: Any) -> bool:
    """Insert unless this WhatsApp message id is already stored; True if it was new."""
    row_id = Message.insert(**fields).on_conflict_ignore().execute()
    if not row_id:
        return False
    if is_postgres():  # ON CONFLICT DO NOTHING RETURNING id: no id means it was there
        return True
    # SQLite reports the last rowid even when INSERT OR IGNORE skipped the row.
    stored = Message.get_or_none(Message.wa_message_id == fields["wa_message_id"])
    return stored is not None and stored.id == row_id
