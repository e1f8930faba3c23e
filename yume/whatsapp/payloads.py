"""Meta webhook JSON → small typed events. Pure: no Flask, no database, no I/O.

`parse_webhook` walks every entry[], every changes[] and every item, dispatching on
`changes[].field` and then on the array present (reference §2.9). It never raises: anything it
does not understand becomes an `Ignored` with a short reason, so the caller can log it and still
answer 200. Identifiers are kept exactly as Meta sent them (no phone normalisation here).

Every string is made storable on the way in (issue 13): NULs dropped and lone surrogates
replaced (legal in JSON, refused by PostgreSQL and by UTF-8), profile names cut to NAME_MAX;
an item whose id is longer than MAX_ID_CHARS cannot be a real WhatsApp id and is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

Kind = Literal[
    "text",
    "button_reply",
    "list_reply",
    "template_button",
    "image",
    "audio",
    "voice",
    "video",
    "document",
    "sticker",
    "location",
    "contacts",
    "reaction",
    "order",
    "system",
    "edit",
    "revoke",
    "unsupported",
    "request_welcome",
    "interactive_other",
    "media_placeholder",
    "unknown",
]

HISTORY_DECLINED = 2593109  # "History sync is turned off by the business"
NAME_MAX = 120  # characters of a profile or contact name worth keeping
MAX_ID_CHARS = 1000  # real ids are ~60 characters (BSUIDs up to ~131)
INT_MAX = 2**31 - 1  # error codes beyond a 32-bit integer are noise
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

Json = dict[str, Any]


@dataclass(frozen=True)
class Inbound:
    """A customer's message to the business (field `messages`, array `messages[]`)."""

    phone_number_id: str
    wa_id: str
    user_id: str | None
    profile_name: str
    message_id: str
    timestamp: datetime
    kind: Kind
    text: str
    reply_id: str | None
    context_id: str | None
    media_id: str | None
    mime_type: str | None
    raw: Json = field(default_factory=dict, repr=False, compare=False)
    # What else the message carries, kept on it (issue 13): a Click-to-WhatsApp `referral`,
    # an `order`'s items, a `system` change of number or of user id.
    details: Json = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Echo:
    """What the owner sent from the WhatsApp Business app (field `smb_message_echoes`).

    `sender` should be the business's own number (`business_number`, the delivery's
    display_phone_number); the inbox checks it and takes the other party as the customer.
    `to` is "" for a username adopter, who is then known by `to_user_id` (a BSUID)."""

    phone_number_id: str
    to: str
    message_id: str
    timestamp: datetime
    kind: Kind
    text: str
    raw: Json = field(default_factory=dict, repr=False, compare=False)
    to_user_id: str | None = None
    sender: str = ""
    business_number: str = ""


@dataclass(frozen=True)
class StatusUpdate:
    """A receipt for a message we sent through the Cloud API (`statuses[]`)."""

    phone_number_id: str
    message_id: str
    status: str
    timestamp: datetime
    recipient_id: str
    error_code: int | None
    error_title: str | None
    error_details: str | None
    raw: Json = field(default_factory=dict, repr=False, compare=False)
    # Our own note on the send (`biz_opaque_callback_data`): which outbound row it was, for
    # a send whose answer was lost (issue 13).
    callback: str | None = None


@dataclass(frozen=True)
class HistoryMessage:
    """A back-filled message from before onboarding (field `history`); never replied to."""

    phone_number_id: str
    thread_id: str
    message_id: str
    timestamp: datetime
    from_business: bool
    kind: Kind
    text: str
    raw: Json = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class ContactSync:
    """A contact saved in the Business app (field `smb_app_state_sync`); action add/remove."""

    phone_number_id: str
    phone: str
    full_name: str
    action: str


class _AccountWide:
    """An event about the whole WhatsApp Business Account, not one of its numbers."""

    @property
    def phone_number_id(self) -> None:
        return None


@dataclass(frozen=True)
class AccountUpdate(_AccountWide):
    """The business's account changed (field `account_update`, reference §2.8): connected,
    disconnected (PARTNER_REMOVED, ACCOUNT_OFFBOARDED…) or reconnected."""

    waba_id: str  # entry.id
    phone_number: str
    event: str
    reason: str
    initiated_by: str


@dataclass(frozen=True)
class TemplateStatusChange(_AccountWide):
    """Meta's verdict on a message template (field `message_template_status_update`)."""

    waba_id: str  # entry.id
    template_id: str
    name: str
    language: str
    status: str  # APPROVED, REJECTED, PAUSED, DISABLED, PENDING_DELETION…
    reason: str


@dataclass(frozen=True)
class PlatformError:
    """A value-level `errors[]` item: a problem on Meta's side or with the account."""

    phone_number_id: str
    code: int | None
    title: str
    details: str


@dataclass(frozen=True)
class Ignored:
    """Anything else, with a short reason for the log."""

    field: str
    reason: str
    phone_number_id: str | None = None


Event = (
    Inbound
    | Echo
    | StatusUpdate
    | HistoryMessage
    | ContactSync
    | AccountUpdate
    | TemplateStatusChange
    | PlatformError
    | Ignored
)


def parse_webhook(body: object) -> list[Event]:
    """Every event in a webhook body, in payload order. Never raises."""
    if not isinstance(body, dict):
        return [Ignored("", "body is not a JSON object")]
    if body.get("object", "whatsapp_business_account") != "whatsapp_business_account":
        return [Ignored("", f"object is {_short(body.get('object'))}, not a WhatsApp account")]
    entries = _list(body.get("entry"))
    if not entries:
        return [Ignored("", "no entry[]")]
    return [event for entry in entries for event in _parse_entry(entry)]


def phone_number_ids(events: Iterable[Event]) -> set[str]:
    """The business phone numbers (tenants) these events belong to."""
    return {event.phone_number_id for event in events if event.phone_number_id}


# --- envelope ---------------------------------------------------------------------------


def _parse_entry(entry: object) -> list[Event]:
    if not isinstance(entry, dict):
        return [Ignored("", "entry is not an object")]
    changes = _list(entry.get("changes"))
    if not changes:
        return [Ignored("", "entry without changes[]")]
    waba_id = _str(entry.get("id"))
    return [event for change in changes for event in _parse_change(change, waba_id)]


def _parse_change(change: object, waba_id: str = "") -> list[Event]:
    if not isinstance(change, dict):
        return [Ignored("", "change is not an object")]
    name = _str(change.get("field"))
    value = change.get("value")
    if not isinstance(value, dict):
        return [Ignored(name, "change without a value object")]
    handler = _FIELDS.get(name, _unknown_field)
    try:
        if name in _ACCOUNT_FIELDS:  # about the whole account: entry.id is the WABA
            return _ACCOUNT_FIELDS[name](name, value, waba_id)
        return handler(name, value)
    except Exception as exc:  # a parser bug must not cost Meta's retries or other changes
        return [Ignored(name, f"parser error: {type(exc).__name__}", _phone_number_id(value))]


def _phone_number_id(value: Json) -> str:
    return _str(_dict(value.get("metadata")).get("phone_number_id"))


def _pnid_or_none(value: Json) -> str | None:
    return _phone_number_id(value) or None


# --- field handlers ---------------------------------------------------------------------


def _messages_field(name: str, value: Json) -> list[Event]:
    pnid = _phone_number_id(value)
    contacts = [c for c in _list(value.get("contacts")) if isinstance(c, dict)]
    events: list[Event] = [_inbound(pnid, contacts, m) for m in _list(value.get("messages"))]
    events += [_status(pnid, s) for s in _list(value.get("statuses"))]
    events += _value_errors(name, value)
    return events or [Ignored(name, "no messages, statuses or errors", pnid or None)]


def _echoes_field(name: str, value: Json) -> list[Event]:
    pnid = _phone_number_id(value)
    display = _str(_dict(value.get("metadata")).get("display_phone_number"))
    echoes = _list(value.get("message_echoes"))
    events: list[Event] = [_echo(pnid, echo, display) for echo in echoes]
    events += _value_errors(name, value)
    return events or [Ignored(name, "no message_echoes[]", pnid or None)]


def _state_sync_field(name: str, value: Json) -> list[Event]:
    pnid = _phone_number_id(value)
    events: list[Event] = [_contact_sync(pnid, s) for s in _list(value.get("state_sync"))]
    events += _value_errors(name, value)
    return events or [Ignored(name, "no state_sync[]", pnid or None)]


def _history_field(name: str, value: Json) -> list[Event]:
    pnid = _phone_number_id(value)
    display = _str(_dict(value.get("metadata")).get("display_phone_number"))
    events: list[Event] = []
    for chunk in _list(value.get("history")):
        events += _history_chunk(pnid, display, chunk)
    # The follow-up webhook with media details (last 14 days) uses a plain messages[] array.
    events += [_history_media(pnid, display, m) for m in _list(value.get("messages"))]
    events += _value_errors(name, value)
    return events or [Ignored(name, "no history[] or messages[]", pnid or None)]


def _account_update_field(name: str, value: Json, waba_id: str) -> list[Event]:
    event = _str(value.get("event"))
    if not event:
        return [Ignored(name, "account_update without an event", _pnid_or_none(value))]
    info = _dict(value.get("disconnection_info"))
    return [
        AccountUpdate(
            waba_id=waba_id,
            phone_number=_str(value.get("phone_number")),
            event=event,
            reason=_str(info.get("reason")),
            initiated_by=_str(info.get("initiated_by")),
        )
    ]


def _template_status_field(name: str, value: Json, waba_id: str) -> list[Event]:
    template = _str(value.get("message_template_name"))
    event = _str(value.get("event"))
    if not template or not event:
        return [Ignored(name, "template update without a name or event", None)]
    reason = _str(value.get("reason")) or _str(value.get("other_info"))
    return [
        TemplateStatusChange(
            waba_id=waba_id,
            template_id=_str(value.get("message_template_id")),
            name=template,
            language=_str(value.get("message_template_language")),
            status=event.upper(),
            reason="" if reason == "NONE" else reason,
        )
    ]


def _unknown_field(name: str, value: Json) -> list[Event]:
    return [Ignored(name, f"unhandled field {_short(name)}", _pnid_or_none(value))]


_FIELDS: dict[str, Callable[[str, Json], list[Event]]] = {
    "messages": _messages_field,
    "smb_message_echoes": _echoes_field,
    "smb_app_state_sync": _state_sync_field,
    "history": _history_field,
}
_ACCOUNT_FIELDS: dict[str, Callable[[str, Json, str], list[Event]]] = {
    "account_update": _account_update_field,
    "message_template_status_update": _template_status_field,
}


def _value_errors(name: str, value: Json) -> list[Event]:
    pnid = _phone_number_id(value)
    return [_platform_error(name, pnid, e) for e in _list(value.get("errors"))]


def _platform_error(name: str, pnid: str, error: object) -> Event:
    if not isinstance(error, dict):
        return Ignored(name, "error is not an object", pnid or None)
    code = _int(error.get("code"))
    if code == HISTORY_DECLINED:
        return Ignored(name, f"history sync declined by the business ({code})", pnid or None)
    return PlatformError(pnid, code, _str(error.get("title")), _error_details(error))


def _error_details(error: Json) -> str:
    details = _str(_dict(error.get("error_data")).get("details"))
    return details or _str(error.get("message"))


# --- items ------------------------------------------------------------------------------


def _inbound(pnid: str, contacts: list[Json], message: object) -> Event:
    if not isinstance(message, dict) or not _str(message.get("id")):
        return Ignored("messages", "message without an id", pnid or None)
    if _too_long(message):
        return Ignored("messages", "message id too long to be WhatsApp's", pnid or None)
    sender = _str(message.get("from"))
    sender_user_id = _str(message.get("from_user_id"))
    contact = _matching_contact(contacts, sender, sender_user_id)
    content = _content(message)
    return Inbound(
        phone_number_id=pnid,
        wa_id=sender or _first_contact_wa_id(contacts),
        user_id=sender_user_id or _str(contact.get("user_id")) or None,
        profile_name=_str(_dict(contact.get("profile")).get("name"))[:NAME_MAX],
        message_id=_str(message["id"]),
        timestamp=_timestamp(message.get("timestamp")),
        kind=content.kind,
        text=content.text,
        reply_id=content.reply_id,
        context_id=content.context_id or _context_id(message),
        media_id=content.media_id,
        mime_type=content.mime_type,
        raw=message,
        details=_details(message, content),
    )


def _too_long(item: Json) -> bool:
    return len(_str(item.get("id"))) > MAX_ID_CHARS


def _details(message: Json, content: _Content) -> Json:
    """Referral and the content's own details (order items, a number change)."""
    details = dict(content.details or {})
    referral = _referral(message.get("referral"))
    if referral:
        details["referral"] = referral
    return details


REFERRAL_KEYS = ("source_id", "source_type", "source_url", "headline", "body", "ctwa_clid")


def _referral(value: object) -> Json:
    """A Click-to-WhatsApp ad's referral: which ad (source_id), its headline and text."""
    referral = _dict(value)
    kept = {key: _str(referral.get(key)) for key in REFERRAL_KEYS}
    return {key: text for key, text in kept.items() if text}


def _matching_contact(contacts: list[Json], wa_id: str, user_id: str) -> Json:
    for contact in contacts:
        if user_id and _str(contact.get("user_id")) == user_id:
            return contact
        if wa_id and _str(contact.get("wa_id")) == wa_id:
            return contact
    return contacts[0] if len(contacts) == 1 else {}


def _first_contact_wa_id(contacts: list[Json]) -> str:
    return _str(contacts[0].get("wa_id")) if contacts else ""


def _context_id(message: Json) -> str | None:
    return _str(_dict(message.get("context")).get("id")) or None


def _echo(pnid: str, echo: object, display: str = "") -> Event:
    if not isinstance(echo, dict) or not _str(echo.get("id")):
        return Ignored("smb_message_echoes", "echo without an id", pnid or None)
    if _too_long(echo):
        return Ignored("smb_message_echoes", "echo id too long to be WhatsApp's", pnid or None)
    content = _content(echo)
    return Echo(
        phone_number_id=pnid,
        to=_str(echo.get("to")),
        message_id=_str(echo["id"]),
        timestamp=_timestamp(echo.get("timestamp")),
        kind=content.kind,
        text=content.text,
        raw=echo,
        to_user_id=_str(echo.get("to_user_id")) or None,
        sender=_str(echo.get("from")),
        business_number=display,
    )


def _status(pnid: str, status: object) -> Event:
    if not isinstance(status, dict) or not _str(status.get("id")) or not _str(status.get("status")):
        return Ignored("messages", "status without an id or status", pnid or None)
    if _too_long(status):
        return Ignored("messages", "status id too long to be WhatsApp's", pnid or None)
    error = _dict(_first(status.get("errors")))
    return StatusUpdate(
        phone_number_id=pnid,
        message_id=_str(status["id"]),
        status=_str(status["status"]),
        timestamp=_timestamp(status.get("timestamp")),
        recipient_id=_str(status.get("recipient_id")) or _str(status.get("recipient_user_id")),
        error_code=_int(error.get("code")),
        error_title=_str(error.get("title")) or None,
        error_details=_error_details(error) or None,
        raw=status,
        callback=_str(status.get("biz_opaque_callback_data")) or None,
    )


def _contact_sync(pnid: str, item: object) -> Event:
    if not isinstance(item, dict) or item.get("type") != "contact":
        return Ignored("smb_app_state_sync", "state_sync item is not a contact", pnid or None)
    contact = _dict(item.get("contact"))
    return ContactSync(
        phone_number_id=pnid,
        phone=_str(contact.get("phone_number")),
        full_name=(_str(contact.get("full_name")) or _str(contact.get("first_name")))[:NAME_MAX],
        action=_str(item.get("action")),
    )


def _history_chunk(pnid: str, display: str, chunk: object) -> list[Event]:
    if not isinstance(chunk, dict):
        return [Ignored("history", "history item is not an object", pnid or None)]
    events = [_platform_error("history", pnid, e) for e in _list(chunk.get("errors"))]
    for thread in _list(chunk.get("threads")):
        thread_id = _str(_dict(thread).get("id"))
        messages = _list(_dict(thread).get("messages"))
        events += [_history_message(pnid, display, thread_id, m) for m in messages]
    return events or [Ignored("history", "empty history chunk", pnid or None)]


def _history_media(pnid: str, display: str, message: object) -> Event:
    message = _dict(message)
    sent_by_business = bool(_str(message.get("to")))
    thread_id = _str(message.get("to") if sent_by_business else message.get("from"))
    return _history_message(pnid, display, thread_id, message)


def _history_message(pnid: str, display: str, thread_id: str, message: object) -> Event:
    if not isinstance(message, dict) or not _str(message.get("id")):
        return Ignored("history", "history message without an id", pnid or None)
    if _too_long(message):
        return Ignored("history", "history message id too long to be WhatsApp's", pnid or None)
    content = _content(message)
    return HistoryMessage(
        phone_number_id=pnid,
        thread_id=thread_id,
        message_id=_str(message["id"]),
        timestamp=_timestamp(message.get("timestamp")),
        from_business=_from_business(message, display, thread_id),
        kind=content.kind,
        text=content.text,
        raw=message,
    )


def _from_business(message: Json, display: str, thread_id: str) -> bool:
    sender = _str(message.get("from"))
    if sender and sender == display:
        return True
    if sender and sender == thread_id:
        return False
    return bool(_str(message.get("to"))) or bool(sender and thread_id)


# --- message content, per type ----------------------------------------------------------


class _Content(NamedTuple):
    kind: Kind
    text: str = ""
    reply_id: str | None = None
    context_id: str | None = None  # the message this one is about, when not context.id
    media_id: str | None = None
    mime_type: str | None = None
    details: Json | None = None  # kept on the message: order items, a number change


_Extractor = Callable[[Json], _Content]


def _content(message: Json) -> _Content:
    extract = _EXTRACTORS.get(_str(message.get("type")), _unknown)
    return extract(message)


def _text(message: Json) -> _Content:
    return _Content("text", _str(_dict(message.get("text")).get("body")))


_INTERACTIVE_KINDS: dict[str, Kind] = {"button_reply": "button_reply", "list_reply": "list_reply"}


def _interactive(message: Json) -> _Content:
    interactive = _dict(message.get("interactive"))
    subtype = _str(interactive.get("type"))
    kind = _INTERACTIVE_KINDS.get(subtype)
    if kind is None:
        return _Content("interactive_other")
    reply = _dict(interactive.get(subtype))
    return _Content(kind, _str(reply.get("title")), reply_id=_str(reply.get("id")) or None)


def _template_button(message: Json) -> _Content:
    button = _dict(message.get("button"))
    payload = _str(button.get("payload")) or None
    return _Content("template_button", _str(button.get("text")), reply_id=payload)


def _media(kind: Literal["image", "video", "document", "sticker", "audio"]) -> _Extractor:
    def extract(message: Json) -> _Content:
        media = _dict(message.get(kind))
        is_voice = kind == "audio" and media.get("voice") is True
        return _Content(
            "voice" if is_voice else kind,
            _str(media.get("caption")),
            media_id=_str(media.get("id")) or None,
            mime_type=_str(media.get("mime_type")) or None,
        )

    return extract


def _location(message: Json) -> _Content:
    location = _dict(message.get("location"))
    place = ", ".join(p for p in (_str(location.get(k)) for k in ("name", "address")) if p)
    return _Content("location", place or _coordinates(location))


def _coordinates(location: Json) -> str:
    latitude, longitude = _number(location.get("latitude")), _number(location.get("longitude"))
    return f"{latitude},{longitude}" if latitude and longitude else ""


def _contacts(message: Json) -> _Content:
    names = (_contact_name(_dict(c)) for c in _list(message.get("contacts")))
    return _Content("contacts", ", ".join(name for name in names if name))


def _contact_name(card: Json) -> str:
    name = _dict(card.get("name"))
    parts = (_str(name.get(k)) for k in ("first_name", "last_name"))
    return _str(name.get("formatted_name")) or " ".join(p for p in parts if p)


def _reaction(message: Json) -> _Content:
    reaction = _dict(message.get("reaction"))
    reacted_to = _str(reaction.get("message_id")) or None
    return _Content("reaction", _str(reaction.get("emoji")), context_id=reacted_to)


def _order(message: Json) -> _Content:
    order = _dict(message.get("order"))
    items = [_order_item(_dict(item)) for item in _list(order.get("product_items"))]
    details = {"catalog_id": _str(order.get("catalog_id")), "items": items}
    return _Content("order", _str(order.get("text")), details={"order": details})


def _order_item(item: Json) -> Json:
    return {
        "product_retailer_id": _str(item.get("product_retailer_id")),
        "quantity": _int(item.get("quantity")) or 1,
        "item_price": _number(item.get("item_price")),
        "currency": _str(item.get("currency")),
    }


SYSTEM_KEYS = ("type", "wa_id", "user_id", "previous_user_id", "parent_user_id")


def _system(message: Json) -> _Content:
    """`user_changed_number` (the new number in `wa_id`) and `user_changed_user_id` (the new
    BSUID, and `previous_user_id`) are kept, to be applied to the person."""
    system = _dict(message.get("system"))
    change = {key: _str(system.get(key)) for key in SYSTEM_KEYS if _str(system.get(key))}
    return _Content("system", _str(system.get("body")), details={"system": change})


def _edit(message: Json) -> _Content:
    edit = _dict(message.get("edit"))
    new = _dict(edit.get("message"))
    inner = _unknown(new) if new.get("type") == "edit" else _content(new)
    original = _str(edit.get("original_message_id")) or None
    details = {**(inner.details or {}), "edited_kind": inner.kind}
    return inner._replace(kind="edit", reply_id=None, context_id=original, details=details)


def _revoke(message: Json) -> _Content:
    original = _str(_dict(message.get("revoke")).get("original_message_id")) or None
    return _Content("revoke", context_id=original)


def _fixed(kind: Kind) -> _Extractor:
    return lambda message: _Content(kind)


_unknown = _fixed("unknown")

_EXTRACTORS: dict[str, _Extractor] = {
    "text": _text,
    "interactive": _interactive,
    "button": _template_button,
    "image": _media("image"),
    "audio": _media("audio"),
    "video": _media("video"),
    "document": _media("document"),
    "sticker": _media("sticker"),
    "location": _location,
    "contacts": _contacts,
    "reaction": _reaction,
    "order": _order,
    "system": _system,
    "edit": _edit,
    "revoke": _revoke,
    "unsupported": _fixed("unsupported"),
    "request_welcome": _fixed("request_welcome"),
    "media_placeholder": _fixed("media_placeholder"),
}


# --- defensive accessors: wrong types become empty values -------------------------------


def _dict(value: object) -> Json:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _first(value: object) -> object:
    items = _list(value)
    return items[0] if items else None


def _str(value: object) -> str:
    """Strings as they are, made storable; ids sent as bare integers as their digits;
    anything else ""."""
    if isinstance(value, str):
        return _storable(value)
    return _number(value) if isinstance(value, int) else ""


def _storable(text: str) -> str:
    """NULs dropped and lone surrogates replaced: JSON allows both, PostgreSQL's text and
    UTF-8 refuse them."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    return _LONE_SURROGATE.sub("\ufffd", text)


def _number(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return ""
    try:
        return str(value)
    except ValueError:  # an integer longer than Python's 4,300-digit str() limit
        return ""


def _int(value: object) -> int | None:
    """A whole number a database integer holds; anything else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:
        number = int(value)
    else:
        return None
    return number if -INT_MAX <= number <= INT_MAX else None


def _timestamp(value: object) -> datetime:
    """Meta's string of Unix seconds as an aware UTC datetime; now when missing or garbage."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (ValueError, OverflowError, OSError):
            pass
    return datetime.now(UTC)


def _short(value: object) -> str:
    return repr(value)[:40]
