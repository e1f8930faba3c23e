"""Send what a conversation has queued, once each, in order.

Every outbound message is a row first (status `queued`), claimed (`sending`) before it
leaves, and `sent` with its WhatsApp id after. A transient Meta error puts it back in
the queue for the job's retry; a timeout after the request went out marks it `unknown`
and it is never resent: a customer never gets the same reply twice because of a retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from yume import conversations
from yume.brain import Action, action_text, to_payload
from yume.config import Config
from yume.models import Conversation, Message, Organization, utcnow
from yume.onboarding import sending
from yume.templates import PENDING_REPLY, Template
from yume.whatsapp.client import (
    WINDOW_CLOSED,
    GraphTransport,
    Transport,
    WhatsAppClient,
    WhatsAppError,
)

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """Meta said "not now"; the job should be retried with backoff."""


_transport_factory: Callable[[Config], Transport] | None = None


def set_transport_factory(factory: Callable[[Config], Transport] | None) -> None:
    """Replace how transports are made (the terminal simulator prints instead of posting)."""
    global _transport_factory
    _transport_factory = factory


def client_for(org: Organization, config: Config) -> WhatsAppClient:
    if _transport_factory is not None:
        transport = _transport_factory(config)
    else:
        transport = GraphTransport.from_config(config)
    return WhatsAppClient(
        transport, org.whatsapp_phone_number_id or "", org.whatsapp_access_token or ""
    )


def queue_action(conversation: Conversation, action: Action, now: datetime) -> Message:
    """Store one outgoing message as `queued`; `deliver` sends it."""
    payload = to_payload(action)
    return Message.create(
        conversation=conversation,
        direction="out",
        author="yume",
        kind=payload["type"],
        text=action_text(action),
        payload=payload,
        status="queued",
        created_at=now,
    )


def queue_actions(conversation: Conversation, actions: list[Action], now: datetime) -> None:
    for action in actions:
        queue_action(conversation, action, now)


def queue_template(
    conversation: Conversation,
    template: Template,
    values: list[str],
    now: datetime,
    buttons: list[str] | None = None,
) -> Message:
    return Message.create(
        conversation=conversation,
        direction="out",
        author="yume",
        kind="template",
        text=template.render(values),
        payload={
            "type": "template",
            "name": template.name,
            "language": template.language,
            "values": values,
            "buttons": buttons or [],
        },
        status="queued",
        created_at=now,
    )


WAITING = "waiting"  # kept until the person writes and opens their window (issue 10)


def queued(conversation_id: int, with_waiting: bool = False) -> list[Message]:
    statuses = ["queued", WAITING] if with_waiting else ["queued"]
    return list(
        Message.select()
        .where(
            (Message.conversation == conversation_id)
            & (Message.direction == "out")
            & Message.status.in_(statuses)
        )
        .order_by(Message.id)
    )


def _claim(message: Message) -> bool:
    """`queued` → `sending`, stamped with the time (a send still `sending` a minute later
    was cut short: see `settle_stuck_sends`)."""
    return (
        Message.update(status="sending", status_at=utcnow())
        .where((Message.id == message.id) & Message.status.in_(["queued", WAITING]))
        .execute()
        == 1
    )


CALLBACK_PREFIX = "yume:"  # biz_opaque_callback_data of every send: "yume:<message id>"


def callback_note(message_id: int) -> str:
    return f"{CALLBACK_PREFIX}{message_id}"


def noted_message_id(note: str | None) -> int | None:
    """The outbound row a status's callback note names, if it is one of ours."""
    number = (note or "").removeprefix(CALLBACK_PREFIX)
    if not note or not note.startswith(CALLBACK_PREFIX) or not number.isdigit():
        return None
    return int(number)


def _send(client: WhatsAppClient, to: str, payload: dict[str, Any]) -> str:
    kind = payload["type"]
    if kind == "text":
        return client.send_text(to, payload["body"])
    if kind == "buttons":
        return client.send_buttons(to, payload["body"], [tuple(o) for o in payload["options"]])
    if kind == "list":
        rows = [tuple(r) for r in payload["rows"]]
        return client.send_list(to, payload["body"], payload["button"], rows)
    if kind == "reaction":
        return client.send_reaction(to, payload["message_id"], payload["emoji"])
    return client.send_template(
        to,
        payload["name"],
        payload.get("language", "es_MX"),
        payload.get("values", []),
        payload.get("buttons", []),
    )


def _record(message: Message, **fields: Any) -> None:
    Message.update(**fields).where(Message.id == message.id).execute()


def deliver(conversation: Conversation, client: WhatsAppClient, now: datetime | None = None) -> int:
    """Send every queued message of the conversation (and, once the person's window is
    open, the ones waiting for it); returns how many went out."""
    now = now or utcnow()
    sent = 0
    waiting = conversations.window_open(conversation, now)
    batch = queued(conversation.id, waiting)
    for _ in range(3):  # a fallback template queued on the way goes out in the next pass
        outcomes = [_deliver_one(conversation, client, message, now) for message in batch]
        sent += outcomes.count(SENT)
        if FELL_BACK not in outcomes:
            break
        batch = queued(conversation.id)
    return sent


SENT, HELD, FELL_BACK = "sent", "held", "fell_back"


def _deliver_one(
    conversation: Conversation, client: WhatsAppClient, message: Message, now: datetime
) -> str:
    """Send one queued message: SENT, FELL_BACK (a template was queued instead) or HELD."""
    to = conversation.wa_id or conversation.phone
    if not _claim(message):
        return HELD
    payload = message.payload or {}
    refused = sending.refusal(conversation.organization, payload)  # issue 10: lifecycle
    if refused:
        _record(message, status="held", error_title=refused[:500])
        return HELD
    if payload.get("type") != "template" and not conversations.window_open(conversation, now):
        fall_back(conversation, message, now, "24-hour window closed before sending")
        return FELL_BACK
    try:
        with client.noting(callback_note(message.id)):
            wamid = _send(client, to, payload)
    except WhatsAppError as error:
        return _handle_error(conversation, message, error, now)
    except ValueError as error:  # a message Meta would refuse as built (empty, no options)
        _record(message, status="failed", error_title=str(error)[:500])
        return HELD
    _record(message, wa_message_id=wamid, status="sent", status_at=now)
    return SENT


def _handle_error(
    conversation: Conversation, message: Message, error: WhatsAppError, now: datetime
) -> str:
    fields = {"error_code": error.code, "error_title": str(error)[:500]}
    log.warning(
        "whatsapp.send-error message=%s kind=%s code=%s", message.id, error.kind, error.code
    )
    if error.kind == "transient":
        _record(message, status="queued", **fields)
        raise RetryLater(str(error)) from error
    if error.kind == "window_closed":
        fall_back(conversation, message, now, str(error))
        return FELL_BACK
    if error.kind == "ambiguous":
        _record(message, status="unknown", **fields)  # may have arrived: never resend
    else:
        _record(message, status="failed", **fields)
    return HELD


def fall_back(conversation: Conversation, message: Message, now: datetime, why: str) -> None:
    """Outside the 24-hour window only a template may go: send the pending-reply one."""
    _record(message, status="failed", error_code=WINDOW_CLOSED, error_title=why[:500])
    if (message.payload or {}).get("type") == "template":
        return
    already = Message.select().where(
        (Message.conversation == conversation.id)
        & (Message.kind == "template")
        & (Message.created_at >= now.replace(hour=0, minute=0, second=0, microsecond=0))
        & (Message.text == PENDING_REPLY.render([conversation.organization.name]))
    )
    if not already.exists():  # one nudge a day is plenty
        queue_template(conversation, PENDING_REPLY, [conversation.organization.name], now)


def mark_read(client: WhatsAppClient, message: Message) -> None:
    """Blue ticks and "typing…" while the brain thinks; never worth failing a turn for."""
    if not message.wa_message_id:
        return
    try:
        client.mark_read(message.wa_message_id, typing=True)
    except WhatsAppError as error:
        log.info("whatsapp.mark-read-failed message=%s code=%s", message.id, error.code)


STUCK_SENDING = timedelta(minutes=1)
UNSURE = (
    "No sé si a {who} le llegó este mensaje de Yume: «{text}». Revisa el chat en WhatsApp y, "
    "si no aparece, escríbele tú."
)


def settle_stuck_sends(now: datetime) -> list[int]:
    """Sends cut short (the worker died between claiming a message and recording Meta's
    answer) are never resent blindly: one that Meta's statuses have named (it has a WhatsApp
    id) is `sent`; any other becomes `unknown` and the owner is told, once per conversation.
    Returns the owner conversations to deliver to."""
    from yume.notifications import notify_owner

    cutoff = now - STUCK_SENDING
    claimed_before = (Message.status_at < cutoff) | (
        Message.status_at.is_null() & (Message.created_at < cutoff)
    )
    stuck = (
        Message.select()
        .where((Message.direction == "out") & (Message.status == "sending") & claimed_before)
        .order_by(Message.id)
    )
    unsure: dict[int, Message] = {}
    for message in stuck:
        settled = "sent" if message.wa_message_id else "unknown"
        changed = (
            Message.update(status=settled, error_title=None if message.wa_message_id else UNSENT)
            .where((Message.id == message.id) & (Message.status == "sending"))
            .execute()
        )
        if changed and settled == "unknown":
            unsure.setdefault(message.conversation_id, message)
            log.warning("whatsapp.send-unsettled message=%s", message.id)
    owners = []
    for message in unsure.values():
        conversation = message.conversation
        if conversation.staff_id is not None and conversation.staff.role == "owner":
            continue  # the owner's own chat: nobody else to tell
        who = conversation.profile_name or conversation.phone
        text = UNSURE.format(who=who, text=_snippet(message.text))
        owner_conversation = notify_owner(conversation.organization, text, now)
        if owner_conversation is not None:
            owners.append(owner_conversation)
    return owners


UNSENT = "el envío se interrumpió: no se sabe si llegó (no se reenvía)"


def _snippet(text: str, limit: int = 80) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
