"""The Claude brain: a bounded tool loop over the Messages API (SDK `anthropic` 2.x).

Only the worker imports this module (through `yume.brain.load_brain`); the web process
never loads `anthropic`.

One turn:
1. Media that needs no thinking is answered here: a voice note gets a kind request to
   write (and the owner is told when the customer insists), stickers get no reply.
2. The request: tools of the person's role, then the system prompt in three blocks —
   house rules and the business (both static, each ending in a `cache_control`
   breakpoint), then the moment (clock, the next 7 days, the person, their appointments,
   a summary of older messages) after the breakpoints. Messages: a bounded window of the
   recent conversation plus what the person just wrote (photos as image blocks). The last
   block of the last message carries a third breakpoint, so the second call of a turn
   reads the first call's prefix from the cache.
3. The loop: every tool_use block of a response is answered, in one user message, with
   `is_error` on refusals, unknown tools and bad arguments; at most MAX_ROUNDS calls. A
   `present_options` call ends the turn as buttons or a list. The final text is sent once.
4. Failures: the SDK retries 408/409/429/5xx/529 and timeouts (MAX_RETRIES); after that the
   guided brain answers if it is installed, otherwise `BrainUnavailable` makes the pipeline
   send a short holding message once and retry the job. Something already done in this
   turn (a booking) is confirmed from the tool results instead.

Conversation state: `Conversation.state["claude"]` holds
  {"notes": [{"at": ISO, "text": "..."}],   what tools changed, newest last (≤ MAX_NOTES),
   "voice_asked_at": ISO, "voice_told_owner_at": ISO}
The notes feed the compact summary of what came before the history window.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import anthropic

from yume import conversations
from yume.brain import Action, BrainUnavailable, Buttons, ListMessage, Reply, Text, Turn
from yume.brains import prompts
from yume.brains.claude_tools import PRESENT_OPTIONS, Outcome, Toolbox, error, owner_summary
from yume.brains.claude_tools import tool_definitions as tools_for
from yume.brains.usage import record
from yume.config import Config
from yume.message_notes import context_note
from yume.models import ACTIVE_STATUSES, Appointment, Conversation, Message
from yume.queue import resolve

log = logging.getLogger(__name__)

MAX_ROUNDS = 6  # Claude calls per turn
MAX_TOKENS = 1024
MAX_RETRIES = 2  # the SDK's own retries per call (3 attempts)
CALL_TIMEOUT = 30.0  # seconds per attempt
MAX_RETRY_WAIT = 8.0  # cap on the SDK's wait between attempts (it obeys retry-after uncapped)
TURN_BUDGET = 80.0  # seconds of Claude per turn; the RQ job times out at 120
RECENT_MESSAGES = 12  # history sent as messages; older ones only in the summary
RECENT_AGE = timedelta(hours=24)
SUMMARY_AGE = timedelta(days=7)
SUMMARY_CHARS = 700
MAX_NOTES = 6
STATE_KEY = "claude"
GUIDED = "yume.brains.guided.GuidedBrain"  # the stand-in when Claude is down
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
MAX_IMAGE_BYTES = 3_750_000  # 5 MB once base64-encoded
TEXT_LIMIT = 4000
TRANSIENT = (408, 409, 429)

HOLDING = "¡Hola! Dame un momento, en cuanto pueda te respondo 🙏"
VOICE_ASK = (
    "Perdón, por aquí no puedo escuchar notas de voz 🙏 ¿Me lo escribes, por favor? "
    "Así te ayudo más rápido."
)
VOICE_INSIST = (
    "Ya le avisé al equipo para que escuche tu audio y te responda. Si me lo escribes, "
    "te ayudo de inmediato 🙂"
)
CONFUSED = "Perdón, no te entendí bien. ¿Me lo dices en otras palabras? 🙏"
REFUSED = "Con eso no te puedo ayudar, perdón. ¿Te ayudo con una cita?"


class ClaudeUnavailable(Exception):
    """Claude did not answer after the SDK's retries (rate limit, overload, 5xx, timeout)."""


class _Client(anthropic.Anthropic):
    def _calculate_retry_timeout(self, *args: Any, **kwargs: Any) -> float:
        # The SDK sleeps as long as `retry-after` says, without a cap; inside a job with a
        # 120 s timeout we would rather give up and let the fallback answer.
        return min(super()._calculate_retry_timeout(*args, **kwargs), MAX_RETRY_WAIT)


def client_for(api_key: str) -> anthropic.Anthropic:
    """One client per key and base URL in a process (its connection pool is reused across
    turns). The SDK itself reads ANTHROPIC_BASE_URL; it is part of the key here only so a
    changed environment gets a new client."""
    return _client(api_key, os.environ.get("ANTHROPIC_BASE_URL"))


@lru_cache(maxsize=4)
def _client(api_key: str, base_url: str | None) -> anthropic.Anthropic:
    return _Client(api_key=api_key, max_retries=MAX_RETRIES, timeout=CALL_TIMEOUT)


class ClaudeBrain:
    def __init__(self, config: Config, client: anthropic.Anthropic | None = None) -> None:
        if client is None and not config.anthropic_api_key:
            raise ValueError("ClaudeBrain needs ANTHROPIC_API_KEY")
        self.config = config
        self.model = config.model
        self.client = client or client_for(config.anthropic_api_key or "")

    def respond(self, turn: Turn) -> Reply:
        quick = media_reply(turn)
        if quick is not None:
            return quick
        box = Toolbox(turn)
        try:
            return Loop(self, turn, box).run()
        except ClaudeUnavailable as exc:
            log.warning("claude.unavailable conversation=%s: %s", turn.conversation.id, exc)
            if box.effects or box.handover:
                return finish(turn, box, "\n".join(box.effects))
            return fallback(self.config, turn, exc)
        except anthropic.APIError:  # ours or the account's (400, 401, 404…)
            log.exception("claude.refused conversation=%s", turn.conversation.id)
            if box.effects or box.handover:
                return finish(turn, box, "\n".join(box.effects))
            guided = guided_reply(self.config, turn)
            if guided is None:
                raise
            return guided

    def create(self, turn: Turn, request: dict[str, Any], timeout: float) -> Any:
        """One Messages API call, its usage recorded; transient failures as
        ClaudeUnavailable once the SDK's retries are spent."""
        try:
            response = self.client.messages.create(**request, timeout=timeout)
        except anthropic.APIConnectionError as exc:  # includes timeouts
            raise ClaudeUnavailable(str(exc)) from exc
        except anthropic.APIStatusError as exc:
            if exc.status_code in TRANSIENT or exc.status_code >= 500:
                raise ClaudeUnavailable(f"{exc.status_code} {exc.message}") from exc
            raise
        record(turn.organization, turn.conversation, self.model, response.usage, turn.now)
        return response


# -- the tool loop --------------------------------------------------------------------------


@dataclass
class Loop:
    brain: ClaudeBrain
    turn: Turn
    box: Toolbox
    said: str = ""  # the latest text Claude wrote, in case the final response is empty
    started: float = field(default_factory=time.monotonic)

    def run(self) -> Reply:
        request = build_request(self.brain.model, self.turn)
        for _ in range(MAX_ROUNDS):
            response = self.brain.create(self.turn, with_breakpoint(request), self.timeout())
            texts = [b.text.strip() for b in response.content if b.type == "text" and b.text]
            self.said = "\n\n".join(t for t in texts if t) or self.said
            uses = [b for b in response.content if b.type == "tool_use"]
            if response.stop_reason != "tool_use" or not uses:
                return self.final(response.stop_reason)
            results = self.run_tools(uses)
            if self.box.options is not None:  # the choices end the turn
                return finish(self.turn, self.box, "\n\n".join(texts), options=True)
            request["messages"] += [
                {"role": "assistant", "content": [_block(b) for b in response.content]},
                {"role": "user", "content": results},
            ]
        log.warning("claude.rounds-exhausted conversation=%s", self.turn.conversation.id)
        return finish(self.turn, self.box, self.said or "\n".join(self.box.effects) or CONFUSED)

    def timeout(self) -> float:
        left = TURN_BUDGET - (time.monotonic() - self.started)
        if left < 5:
            raise ClaudeUnavailable("out of time for this turn")
        return min(CALL_TIMEOUT, left)

    def run_tools(self, uses: list[Any]) -> list[dict[str, Any]]:
        """Every tool_use answered, in order; present_options only when it comes alone."""
        alone = len(uses) == 1
        return [self.result(use, alone) for use in uses]

    def result(self, use: Any, alone: bool) -> dict[str, Any]:
        if use.name == PRESENT_OPTIONS and not alone:
            outcome = Outcome(error("not_alone", "Llama present_options sola, al final."), True)
        else:
            outcome = self.box.call(use.name, use.input)
        log.info("claude.tool name=%s error=%s", use.name, outcome.is_error)
        block: dict[str, Any] = {
            "type": "tool_result",
            "tool_use_id": use.id,
            "content": json.dumps(outcome.result, ensure_ascii=False),
        }
        if outcome.is_error:
            block["is_error"] = True
        return block

    def final(self, stop_reason: str | None) -> Reply:
        if stop_reason == "refusal":
            return finish(self.turn, self.box, REFUSED)
        text = self.said or "\n".join(self.box.effects) or CONFUSED
        return finish(self.turn, self.box, text)


def _block(block: Any) -> dict[str, Any]:
    """A response content block as request content (thinking blocks keep their signature)."""
    data: dict[str, Any] = block.to_dict(exclude_none=True)
    return data


def finish(turn: Turn, box: Toolbox, text: str, options: bool = False) -> Reply:
    """The reply: the text (or the choices) once, the hand-over, and the notes kept."""
    actions: list[Action] = []
    if options and box.options is not None:
        actions.append(_with_intro(box.options, text))
    elif text.strip():
        actions.append(Text(text.strip()[:TEXT_LIMIT]))
    reply = Reply(actions=actions)
    if box.handover is not None:
        reply.handover = True
        reply.handover_reason = box.handover
        reply.notify_owner = owner_summary(box)
    remember(turn, box.effects)
    return reply


def _with_intro(options: Buttons | ListMessage, text: str) -> Buttons | ListMessage:
    """Text Claude wrote beside present_options goes above the choices, in one message."""
    intro = text.strip()
    if not intro or intro in options.body:
        return options
    return replace(options, body=f"{intro}\n\n{options.body}"[:1024])


# -- the request ----------------------------------------------------------------------------

EPHEMERAL = {"type": "ephemeral"}


def build_request(model: str, turn: Turn) -> dict[str, Any]:
    state = claude_state(turn.conversation)
    window, older = split_history(turn)
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
            {"type": "text", "text": moment(turn, summary(turn, older, state))},
        ],
        "messages": conversation_messages(window, turn),
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


def moment(turn: Turn, older: str) -> str:
    conversation = turn.conversation
    person = prompts.describe_person(
        turn.role, turn.customer, turn.staff, conversation.profile_name, conversation.phone
    )
    return prompts.moment_block(turn.organization, turn.now, person, upcoming(turn), older)


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


# -- history: a bounded window and a compact summary ------------------------------------------


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


def summary(turn: Turn, older: list[Message], state: dict[str, Any]) -> str:
    """What changed lately (always), then the latest older messages that fit."""
    notes = [f"- {n['text']}" for n in state.get("notes", []) if _recent(n.get("at"), turn.now)]
    budget = SUMMARY_CHARS - sum(len(n) + 1 for n in notes)
    lines: list[str] = []
    for message in reversed(older):
        line = f"- {_who(message)}: {_squeeze(message.text, 90)}"
        budget -= len(line) + 1
        if budget < 0:
            break
        lines.insert(0, line)
    return "\n".join(notes + lines)


def _recent(at: str | None, now: datetime) -> bool:
    return at is not None and now - datetime.fromisoformat(at) <= SUMMARY_AGE


def _who(message: Message) -> str:
    if message.direction == "in":
        return "persona"
    return "equipo" if message.author == "owner" else "Yume"


def _squeeze(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def conversation_messages(window: list[Message], turn: Turn) -> list[dict[str, Any]]:
    """Alternating user/assistant messages: the window, then what the person just wrote."""
    messages: list[dict[str, Any]] = []
    for message in window:
        role = "user" if message.direction == "in" else "assistant"
        _append(messages, role, [_text(history_text(message))])
    new_content: list[dict[str, Any]] = []
    for message in turn.new_messages:
        new_content += new_blocks(message, turn.fetch_media)
    _append(messages, "user", new_content or [_text("(mensaje vacío)")])
    return messages


def _append(messages: list[dict[str, Any]], role: str, blocks: list[dict[str, Any]]) -> None:
    if messages and messages[-1]["role"] == role:
        messages[-1]["content"] += blocks
    else:
        messages.append({"role": role, "content": list(blocks)})


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text or "…"}


def history_text(message: Message) -> str:
    text = describe(message)
    if message.direction == "out" and message.author == "owner":
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


def new_blocks(
    message: Message, fetch: Callable[[str], tuple[bytes, str]] | None
) -> list[dict[str, Any]]:
    """What the person just wrote; a photo goes to Claude as an image."""
    if message.kind != "image":
        return [_text(describe(message))]
    image = _image(message, fetch)
    caption = (message.text or "").strip()
    if image is None:
        note = "[foto que no pude abrir" + (f": {caption}]" if caption else "]")
        return [_text(note)]
    return [image, _text(f"[foto{': ' + caption if caption else ''}]")]


def _image(
    message: Message, fetch: Callable[[str], tuple[bytes, str]] | None
) -> dict[str, Any] | None:
    media_id = (message.payload or {}).get("media_id")
    if fetch is None or not media_id:
        return None
    try:
        content, mime_type = fetch(media_id)
    except Exception:  # an expired or unreachable media URL: Claude hears about a photo
        log.warning("claude.media-unavailable message=%s", message.id, exc_info=True)
        return None
    mime_type = mime_type.split(";")[0].strip().lower()
    if mime_type not in IMAGE_TYPES or len(content) > MAX_IMAGE_BYTES:
        return None
    data = base64.standard_b64encode(content).decode("ascii")
    return {"type": "image", "source": {"type": "base64", "media_type": mime_type, "data": data}}


# -- media that needs no thinking -------------------------------------------------------------

SILENT_ALONE = {"sticker", "reaction"}
VOICE = {"voice", "audio"}


def media_reply(turn: Turn) -> Reply | None:
    """Stickers alone get no answer; voice notes alone get a kind request to write."""
    kinds = {m.kind for m in turn.new_messages}
    if kinds and kinds <= SILENT_ALONE:
        return Reply()
    if kinds and kinds <= VOICE:
        return voice_reply(turn)
    return None


def voice_reply(turn: Turn) -> Reply:
    state = claude_state(turn.conversation)
    asked = state.get("voice_asked_at")
    insisting = asked is not None and turn.now - datetime.fromisoformat(asked) < RECENT_AGE
    state["voice_asked_at"] = turn.now.isoformat()
    if not insisting:
        save_state(turn.conversation, state)
        return Reply([Text(VOICE_ASK)])
    reply = Reply([Text(VOICE_INSIST)])
    told = state.get("voice_told_owner_at")
    if turn.staff is None and (told is None or _older(told, turn.now, RECENT_AGE)):
        who = turn.conversation.profile_name or "Un cliente"
        reply.notify_owner = (
            f"{who} ({turn.conversation.phone}) sigue mandando notas de voz y no escribe; "
            "escúchalas en WhatsApp y respóndele."
        )
        state["voice_told_owner_at"] = turn.now.isoformat()
    save_state(turn.conversation, state)
    return reply


def _older(at: str, now: datetime, age: timedelta) -> bool:
    return now - datetime.fromisoformat(at) >= age


# -- fallbacks --------------------------------------------------------------------------------


def guided_reply(config: Config, turn: Turn) -> Reply | None:
    """The guided brain's answer, if it is installed and answers."""
    try:
        guided = resolve(GUIDED)
    except (ImportError, AttributeError):
        return None
    try:
        reply: Reply = guided(config).respond(turn)
    except Exception:
        log.exception("claude.guided-fallback-failed conversation=%s", turn.conversation.id)
        return None
    return reply


def fallback(config: Config, turn: Turn, cause: Exception) -> Reply:
    reply = guided_reply(config, turn)
    if reply is None:
        raise BrainUnavailable(HOLDING) from cause
    return reply


# -- state ------------------------------------------------------------------------------------


def claude_state(conversation: Conversation) -> dict[str, Any]:
    state = (conversation.state or {}).get(STATE_KEY)
    return dict(state) if isinstance(state, dict) else {}


def save_state(conversation: Conversation, state: dict[str, Any]) -> None:
    conversations.save_state(conversation, STATE_KEY, state)


def remember(turn: Turn, effects: list[str]) -> None:
    """Keep what changed, for the summary of later turns."""
    if not effects:
        return
    state = claude_state(turn.conversation)
    notes = state.get("notes", []) + [{"at": turn.now.isoformat(), "text": e} for e in effects]
    state["notes"] = notes[-MAX_NOTES:]
    save_state(turn.conversation, state)
