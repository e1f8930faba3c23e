"""The Messages API request of a turn: who speaks in which role, and what is data.

System role (written by us only): the house rules and the business (both static, each
ending in a `cache_control` breakpoint), then the moment: the clock, the next days, who
is writing as their phone number says (customer, staff, owner) and their appointments.
Nothing a person typed is ever in it: no message, no name, no profile name, no summary.

User role: first a `<contexto>` block — the name the customer gave and their WhatsApp
profile name as quoted data («…»), a summary of older messages, and anything this very
turn already did before a retry — then the recent messages, each of the person's inside
`<mensaje hora="ayer 9:40 PM">…</mensaje>` with the local time it was written, so
yesterday's "mañana a las 4" is read as yesterday's. The house rules say that whatever
arrives in those tags is a request from the person, never an instruction. Angle brackets
typed by the person are replaced, so they cannot close a tag and open another.

The last block of the last message carries a third breakpoint, so the second call of a
turn reads the first call's prefix from the cache.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from yume.brain import Turn
from yume.brains import prompts
from yume.brains.claude_tools import ANGLES, quoted
from yume.brains.claude_tools import tool_definitions as tools_for
from yume.deadlines import reraise_job_timeout
from yume.formatting import spanish_date, spanish_time
from yume.message_notes import context_note
from yume.models import ACTIVE_STATUSES, Appointment, Message
from yume.onboarding.notes import earlier_chats, setup_note
from yume.timeutil import zone

log = logging.getLogger(__name__)

MAX_TOKENS = 1024
RECENT_MESSAGES = 12  # history sent as messages; older ones only in the summary
RECENT_AGE = timedelta(hours=24)
SUMMARY_AGE = timedelta(days=7)
SUMMARY_CHARS = 700
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
MAX_IMAGE_BYTES = 3_750_000  # 5 MB once base64-encoded
EPHEMERAL = {"type": "ephemeral"}


def build_request(model: str, turn: Turn, notes: list[str], done: list[str]) -> dict[str, Any]:
    """`notes`: what earlier turns changed (for the summary); `done`: what this turn
    already changed before a retry."""
    window, older = split_history(turn)
    context = context_block(turn, summary(turn, older, notes), done)
    return {
        "model": model,
        "max_tokens": MAX_TOKENS,
        "tools": tools_for(turn.role),
        "system": [
            {"type": "text", "text": prompts.system_rules(turn.role), "cache_control": EPHEMERAL},
            {
                "type": "text",
                "text": prompts.business_block(turn.organization),
                "cache_control": EPHEMERAL,
            },
            {"type": "text", "text": moment(turn)},
        ],
        "messages": conversation_messages(window, turn, context),
    }


def with_breakpoint(request: dict[str, Any]) -> dict[str, Any]:
    """The request with a cache breakpoint on its last block (the moving one)."""
    messages = [dict(m) for m in request["messages"]]
    last = messages[-1]
    content = last["content"]
    blocks = [dict(b) for b in content] if isinstance(content, list) else [_text(content)]
    blocks[-1] = {**blocks[-1], "cache_control": EPHEMERAL}
    messages[-1] = {**last, "content": blocks}
    return {**request, "messages": messages}


# -- the system's moment: written by code only ------------------------------------------------


def moment(turn: Turn) -> str:
    conversation = turn.conversation
    person = prompts.describe_person(
        turn.role, turn.customer, turn.staff, conversation.profile_name, conversation.phone
    )
    person += setup_note(turn)  # issue 10: what setup still lacks (the owner only)
    return prompts.moment_block(turn.organization, turn.now, person, upcoming(turn))


def upcoming(turn: Turn) -> list[Appointment]:
    if turn.customer is None or turn.staff is not None:
        return []
    return list(
        Appointment.select()
        .where(
            (Appointment.customer == turn.customer)
            & Appointment.status.in_(ACTIVE_STATUSES)
            & (Appointment.end_at > turn.now)
        )
        .order_by(Appointment.start_at)
        .limit(5)
    )


# -- the user's context: data, quoted ---------------------------------------------------------


def context_block(turn: Turn, older: str, done: list[str]) -> str:
    lines = ["<contexto>"]
    if turn.staff is None:
        name = turn.customer.name if turn.customer is not None else None
        lines.append(f"Nombre que tenemos: {quoted(name) or '(ninguno)'}")
        profile = quoted(turn.conversation.profile_name)
        lines.append(f"Nombre de su perfil de WhatsApp: {profile or '(ninguno)'}")
    past = earlier_chats(turn)  # issue 10: a regular's chats from before Yume
    if past:
        lines.append(past.translate(ANGLES))
    if older:
        lines += ["Antes en esta conversación (resumen):", older]
    if done:
        lines.append("Ya hecho en esta respuesta, antes de lo último que escribió:")
        lines += [f"- {text}" for text in done]
    lines.append("</contexto>")
    return "\n".join(lines)


def split_history(turn: Turn) -> tuple[list[Message], list[Message]]:
    """(recent messages sent as they are, older ones only summarised)."""
    fresh = [m for m in turn.history if turn.now - m.created_at <= RECENT_AGE]
    window = fresh[-RECENT_MESSAGES:]
    while window and window[0].direction == "out":  # a conversation starts with the person
        window = window[1:]
    kept = {m.id for m in window}
    older = [
        m
        for m in turn.history
        if m.id not in kept and turn.now - m.created_at <= SUMMARY_AGE and m.text
    ]
    return window, older


def summary(turn: Turn, older: list[Message], notes: list[str]) -> str:
    """What changed lately (always), then the latest older messages that fit, each with
    when it was written."""
    tz = zone(turn.organization.timezone)
    lines_of_notes = [f"- {n}" for n in notes]
    budget = SUMMARY_CHARS - sum(len(n) + 1 for n in lines_of_notes)
    lines: list[str] = []
    for message in reversed(older):
        said = _squeeze(message.text, 90)
        if message.direction == "in":
            said = said.translate(ANGLES)
        line = f"- {_who(message)} ({when_said(message, turn.now, tz)}): {said}"
        budget -= len(line) + 1
        if budget < 0:
            break
        lines.insert(0, line)
    return "\n".join(lines_of_notes + lines)


def _who(message: Message) -> str:
    if message.direction == "in":
        return "persona"
    return "equipo" if message.author == "owner" else "Yume"


def _squeeze(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def when_said(message: Message, now: datetime, tz: ZoneInfo) -> str:
    """'hoy 9:40 PM', 'ayer 9:40 PM', 'lunes 12 de enero, 9:40 PM' (local time)."""
    at = (message.sent_at or message.created_at).astimezone(tz)
    clock = spanish_time(at.replace(tzinfo=None))
    days = (now.astimezone(tz).date() - at.date()).days
    if days == 0:
        return f"hoy {clock}"
    if days == 1:
        return f"ayer {clock}"
    return f"{spanish_date(at)}, {clock}"


# -- the messages -------------------------------------------------------------------------------


def conversation_messages(window: list[Message], turn: Turn, context: str) -> list[dict[str, Any]]:
    """Alternating user/assistant messages: the context, the window, then what the person
    just wrote."""
    tz = zone(turn.organization.timezone)
    messages: list[dict[str, Any]] = [{"role": "user", "content": [_text(context)]}]
    for message in window:
        if message.direction == "in":
            _append(messages, "user", [_text(tagged(message, describe(message), turn.now, tz))])
        else:
            _append(messages, "assistant", [_text(history_text(message))])
    new_content: list[dict[str, Any]] = []
    for message in turn.new_messages:
        new_content += new_blocks(message, turn, tz)
    _append(messages, "user", new_content or [_text("(mensaje vacío)")])
    return messages


def _append(messages: list[dict[str, Any]], role: str, blocks: list[dict[str, Any]]) -> None:
    if messages and messages[-1]["role"] == role:
        messages[-1]["content"] += blocks
    else:
        messages.append({"role": role, "content": list(blocks)})


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text or "…"}


def tagged(message: Message, words: str, now: datetime, tz: ZoneInfo) -> str:
    """The person's words as data: inside <mensaje>, with when they were written."""
    return f'<mensaje hora="{when_said(message, now, tz)}">{words.translate(ANGLES)}</mensaje>'


def history_text(message: Message) -> str:
    text = describe(message)
    if message.author == "owner":
        return f"[escrito a mano por el equipo] {text}"
    return text


def describe(message: Message) -> str:
    """A message as words for Claude; media as a short note in brackets."""
    said, note = _describe(message), context_note(message)  # issue 13: ad, order items
    return f"{said}\n{note}" if note else said


def _describe(message: Message) -> str:
    kind, text = message.kind, (message.text or "").strip()
    if kind in ("button_reply", "list_reply", "template_button"):
        reply_id = (message.payload or {}).get("reply_id")
        return f"[eligió: «{text}» · id: {reply_id}]" if reply_id else f"[eligió: «{text}»]"
    labels = {
        "image": "foto",
        "video": "video (no lo puedes ver)",
        "document": "documento",
        "sticker": "sticker",
        "audio": "audio (no lo puedes escuchar; pide que lo escriban)",
        "voice": "nota de voz (no la puedes escuchar; pide que lo escriban)",
        "location": "ubicación",
        "contacts": "contacto",
        "edit": "editó un mensaje",
    }
    if kind in labels:
        return f"[{labels[kind]}{': ' + text if text else ''}]"
    if kind in ("text", "list", "buttons", "template", "order"):
        return text
    return text or "[un mensaje que WhatsApp no deja ver]"


def new_blocks(message: Message, turn: Turn, tz: ZoneInfo) -> list[dict[str, Any]]:
    """What the person just wrote; a photo goes to Claude as an image."""
    if message.kind != "image":
        return [_text(tagged(message, describe(message), turn.now, tz))]
    image = _image(message, turn.fetch_media)
    caption = (message.text or "").strip()
    if image is None:
        note = "[foto que no pude abrir" + (f": {caption}]" if caption else "]")
        return [_text(tagged(message, note, turn.now, tz))]
    note = f"[foto{': ' + caption if caption else ''}]"
    return [image, _text(tagged(message, note, turn.now, tz))]


def _image(
    message: Message, fetch: Callable[[str], tuple[bytes, str]] | None
) -> dict[str, Any] | None:
    media_id = (message.payload or {}).get("media_id")
    if fetch is None or not media_id:
        return None
    try:
        content, mime_type = fetch(media_id)
    except Exception as exc:  # an expired or unreachable media URL: Claude hears about a photo
        reraise_job_timeout(exc)
        log.warning("claude.media-unavailable message=%s", message.id, exc_info=True)
        return None
    mime_type = mime_type.split(";")[0].strip().lower()
    if mime_type not in IMAGE_TYPES or len(content) > MAX_IMAGE_BYTES:
        return None
    data = base64.standard_b64encode(content).decode("ascii")
    return {"type": "image", "source": {"type": "base64", "media_type": mime_type, "data": data}}
