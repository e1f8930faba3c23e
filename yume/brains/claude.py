"""The Claude brain: a bounded tool loop over the Messages API (SDK `anthropic` 2.x).

Only the worker imports this module (through `yume.brain.load_brain`); the web process
never loads `anthropic`.

One turn:
1. Media that needs no thinking is answered here: a voice note gets a kind request to
   write (and the owner is told when the customer insists), stickers get no reply.
2. A retried turn whose changes were already made (yume/effects.py) is answered from
   those records, in words written here, without asking Claude again.
3. The request (claude_context.py): tools, house rules and the business (cached), the
   moment; what people typed only in the user role, tagged as data.
4. The loop: every tool_use block of a response is answered, in one user message, with
   `is_error` on refusals, unknown tools and bad arguments; at most MAX_ROUNDS calls. A
   `present_options` call ends the turn as buttons or a list. The final text is sent once.
   Stop reasons: `max_tokens` is asked again once with more room (its tool calls are not
   run); `refusal`, an empty answer or rounds spent end in `stand_in`.
5. Time (claude_client.py): per-attempt timeouts, the SDK's bounded retries, and a
   deadline for the whole turn (TURN_DEADLINE, half of RQ's job timeout). RQ's own
   timeout is never swallowed.
6. `stand_in`: what the turn already did is told from the tool results, in code-written
   words with day and time; otherwise the guided brain answers; failing that, the
   pipeline sends one holding message and retries the job.

Conversation state: `Conversation.state["claude"]` holds
  {"notes": [{"at": ISO, "text": "..."}],   what tools changed, newest last (≤ MAX_NOTES),
   "voice_asked_at": ISO, "voice_told_owner_at": ISO}
The notes feed the compact summary of what came before the history window.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import anthropic

from yume import conversations
from yume.brain import (
    Action,
    BrainUnavailable,
    Buttons,
    ListMessage,
    Reply,
    Text,
    Turn,
    action_text,
)
from yume.brains.claude_client import ClaudeUnavailable, bounded, client_for
from yume.brains.claude_context import RECENT_AGE, SUMMARY_AGE, build_request, with_breakpoint
from yume.brains.claude_tools import (
    PRESENT_OPTIONS,
    Outcome,
    Toolbox,
    error,
    owner_summary,
    quoted,
)
from yume.brains.confirmation import SHOWN, STATE_KEY
from yume.brains.usage import record
from yume.config import Config
from yume.deadlines import Deadline, reraise_job_timeout
from yume.models import Conversation
from yume.queue import JOB_TIMEOUT, resolve

log = logging.getLogger(__name__)

MAX_ROUNDS = 6  # Claude calls per turn
ROOMY_TOKENS = 4096  # the one retry of a response cut off by max_tokens
# The whole Claude part of a turn. What is left of RQ's job timeout covers the guided
# brain standing in, storing the reply and sending it; the conversation's lease is kept
# by the pipeline however long that takes.
TURN_DEADLINE = JOB_TIMEOUT / 2
MAX_NOTES = 6
GUIDED = "yume.brains.guided.GuidedBrain"  # the stand-in when Claude is down
TEXT_LIMIT = 4000
TRUNCATED = ("max_tokens", "model_context_window_exceeded")

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


class Refused(Exception):
    """Claude declined to answer (stop_reason "refusal")."""


class Stuck(Exception):
    """The tool loop ended without an answer to send: rounds spent, or a response cut off
    with nothing usable in it."""


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
        if box.recall():  # a retry of a turn whose changes were made: tell them, ask nothing
            log.info("claude.retold conversation=%s", turn.conversation.id)
            return finish(turn, box, "\n".join(box.effects))
        client = bounded(self.client, Deadline.within(TURN_DEADLINE))
        try:
            return Loop(self, turn, box, client).run()
        except ClaudeUnavailable as exc:
            log.warning("claude.unavailable conversation=%s: %s", turn.conversation.id, exc)
            return stand_in(self.config, turn, box, exc, holding=True)
        except Refused as exc:
            log.warning("claude.refusal conversation=%s", turn.conversation.id)
            return stand_in(self.config, turn, box, exc, text=REFUSED)
        except Stuck as exc:
            log.warning("claude.stuck conversation=%s: %s", turn.conversation.id, exc)
            return stand_in(self.config, turn, box, exc, text=CONFUSED)
        except anthropic.APIError as exc:  # ours or the account's (400, 401, 404…)
            reraise_job_timeout(exc)
            log.exception("claude.refused conversation=%s", turn.conversation.id)
            return stand_in(self.config, turn, box, exc, holding=True)

    def create(self, turn: Turn, client: anthropic.Anthropic, request: dict[str, Any]) -> Any:
        """One Messages API call, its usage recorded; transient failures as
        ClaudeUnavailable once the SDK's retries (and the turn's time) are spent."""
        try:
            response = client.messages.create(**request)
        except anthropic.APIConnectionError as exc:  # includes timeouts
            reraise_job_timeout(exc)
            raise ClaudeUnavailable(str(exc)) from exc
        except anthropic.APIStatusError as exc:
            if exc.status_code in (408, 409, 429) or exc.status_code >= 500:
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
    client: anthropic.Anthropic
    said: str = ""  # the latest text Claude wrote, in case the final response is empty

    def run(self) -> Reply:
        request = build_request(self.brain.model, self.turn, notes(self.turn), self.box.effects)
        for _ in range(MAX_ROUNDS):
            response = self.ask(request)
            texts = [b.text.strip() for b in response.content if b.type == "text" and b.text]
            uses = [b for b in response.content if b.type == "tool_use"]
            if response.stop_reason == "refusal":
                raise Refused()
            if response.stop_reason in TRUNCATED:
                return self.truncated(texts)
            self.said = "\n\n".join(t for t in texts if t) or self.said
            if response.stop_reason != "tool_use" or not uses:
                return self.final()
            results = self.run_tools(uses)
            if self.box.options is not None:  # the choices end the turn
                return finish(self.turn, self.box, "\n\n".join(texts), options=True)
            request["messages"] += [
                {"role": "assistant", "content": [_block(b) for b in response.content]},
                {"role": "user", "content": results},
            ]
        raise Stuck(f"{MAX_ROUNDS} rounds without a final answer")

    def ask(self, request: dict[str, Any]) -> Any:
        """One call; a response cut off by max_tokens is asked again once with more room
        (its tool calls, possibly incomplete, are never run)."""
        response = self.brain.create(self.turn, self.client, with_breakpoint(request))
        if response.stop_reason in TRUNCATED:
            log.warning("claude.truncated conversation=%s", self.turn.conversation.id)
            roomy = {**with_breakpoint(request), "max_tokens": ROOMY_TOKENS}
            response = self.brain.create(self.turn, self.client, roomy)
        return response

    def truncated(self, texts: list[str]) -> Reply:
        """Cut off even with more room: whole sentences of the text, if any, else stuck."""
        text = _whole_sentences("\n\n".join(texts))
        if not text:
            raise Stuck("the response was cut off twice")
        return finish(self.turn, self.box, text)

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

    def final(self) -> Reply:
        text = self.said or "\n".join(self.box.effects)
        if not text:
            raise Stuck("an empty answer")
        return finish(self.turn, self.box, text)


def _whole_sentences(text: str) -> str:
    """`text` up to its last finished sentence (a cut-off reply must not end mid-word)."""
    text = text.strip()
    ends = [text.rfind(mark) for mark in (".", "!", "?", "🙂", "🙏", "\n")]
    last = max(ends)
    return text[: last + 1].strip() if last > 0 else ""


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
    remember(turn, box.effects, action_text(actions[-1]) if actions else None)
    return reply


def _with_intro(options: Buttons | ListMessage, text: str) -> Buttons | ListMessage:
    """Text Claude wrote beside present_options goes above the choices, in one message."""
    intro = text.strip()
    if not intro or intro in options.body:
        return options
    return replace(options, body=f"{intro}\n\n{options.body}"[:1024])


def notes(turn: Turn) -> list[str]:
    """What earlier turns changed, lately (kept in the conversation's state)."""
    kept = claude_state(turn.conversation).get("notes", [])
    return [n["text"] for n in kept if _recent(n.get("at"), turn.now)]


def _recent(at: str | None, now: datetime) -> bool:
    return at is not None and now - datetime.fromisoformat(at) <= SUMMARY_AGE


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
        who = quoted(turn.conversation.profile_name) or "Un cliente"
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


def stand_in(
    config: Config,
    turn: Turn,
    box: Toolbox,
    cause: Exception,
    holding: bool = False,
    text: str = "",
) -> Reply:
    """The answer when Claude gave none. What this turn already did is told in words
    written here, from the tool results (never Claude's "déjame ver…"); otherwise the
    guided brain answers; failing that, `text`, or (Claude unavailable) the holding
    message once and a retry of the job."""
    if box.effects or box.handover:
        return finish(turn, box, "\n".join(box.effects))
    reply = guided_reply(config, turn)
    if reply is not None:
        return reply
    if holding:
        raise BrainUnavailable(HOLDING) from cause
    return finish(turn, box, text)


def guided_reply(config: Config, turn: Turn) -> Reply | None:
    """The guided brain's answer, if it is installed and answers."""
    try:
        guided = resolve(GUIDED)
    except (ImportError, AttributeError):
        return None
    try:
        reply: Reply = guided(config).respond(turn)
    except Exception as exc:
        reraise_job_timeout(exc)
        log.exception("claude.guided-fallback-failed conversation=%s", turn.conversation.id)
        return None
    return reply


# -- state ------------------------------------------------------------------------------------


def claude_state(conversation: Conversation) -> dict[str, Any]:
    state = (conversation.state or {}).get(STATE_KEY)
    return dict(state) if isinstance(state, dict) else {}


def save_state(conversation: Conversation, state: dict[str, Any]) -> None:
    conversations.save_state(conversation, STATE_KEY, state)


def remember(turn: Turn, effects: list[str], shown: str | None = None) -> None:
    """Keep what changed, for the summary of later turns, and what the person was shown
    last (yume/brains/confirmation.py accepts only times this brain itself showed)."""
    state = claude_state(turn.conversation)
    if effects:
        notes = state.get("notes", []) + [{"at": turn.now.isoformat(), "text": e} for e in effects]
        state["notes"] = notes[-MAX_NOTES:]
    if shown is not None:
        state[SHOWN] = shown
    if effects or shown is not None:
        save_state(turn.conversation, state)
