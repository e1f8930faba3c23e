"""The brain interface: what a brain is given and what it may answer.

A brain decides *what* to say; the pipeline (jobs/inbound.py) owns choosing the brain,
storing, sending and retrying. Brains: Claude (yume/brains/claude.py) when
ANTHROPIC_API_KEY is set, the guided brain (yume/brains/guided.py) otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from yume.config import Config
from yume.models import Conversation, Customer, Message, Organization, Staff
from yume.queue import resolve


@dataclass(frozen=True)
class Text:
    body: str


@dataclass(frozen=True)
class Buttons:
    """Up to three reply buttons: (id, title)."""

    body: str
    options: list[tuple[str, str]]


@dataclass(frozen=True)
class ListMessage:
    """A list of up to ten rows: (id, title, description)."""

    body: str
    button: str
    rows: list[tuple[str, str, str | None]]


@dataclass(frozen=True)
class Reaction:
    message_id: str
    emoji: str


Action = Text | Buttons | ListMessage | Reaction


@dataclass(frozen=True)
class Turn:
    """Everything a brain needs for one answer."""

    organization: Organization
    conversation: Conversation
    customer: Customer | None
    staff: Staff | None
    history: list[Message]
    new_messages: list[Message]
    now: datetime
    # Issue 4 (media): the bytes and MIME type of an inbound media id, when the pipeline can
    # fetch them (the Claude brain shows photos to Claude).
    fetch_media: Callable[[str], tuple[bytes, str]] | None = None

    @property
    def role(self) -> str:
        """'customer', 'staff' or 'owner'."""
        if self.staff is None:
            return "customer"
        return "owner" if self.staff.role == "owner" else "staff"


@dataclass
class Reply:
    actions: list[Action] = field(default_factory=list)
    handover: bool = False
    handover_reason: str = ""
    notify_owner: str = ""  # a short note for the owner (hand-over, insistence...)


class BrainUnavailable(Exception):
    """Issue 4, item 6: the brain cannot answer now (Claude overloaded or down, and no
    guided brain to stand in). The pipeline sends `holding` once and retries the job."""

    def __init__(self, holding: str) -> None:
        super().__init__(holding)
        self.holding = holding


class Brain(Protocol):
    def respond(self, turn: Turn) -> Reply: ...


def load_brain(config: Config) -> Brain:
    """Claude when a key is set, the guided brain otherwise; YUME_BRAIN (a dotted path to a
    brain class) overrides both, for tests and experiments."""
    override = os.environ.get("YUME_BRAIN")
    if override:
        return resolve(override)(config)
    if config.anthropic_api_key:
        return resolve("yume.brains.claude.ClaudeBrain")(config)
    return resolve("yume.brains.guided.GuidedBrain")(config)


def to_payload(action: Action) -> dict[str, Any]:
    """An action as stored in an outbound Message's payload (and sent from there)."""
    if isinstance(action, Text):
        return {"type": "text", "body": action.body}
    if isinstance(action, Buttons):
        return {
            "type": "buttons",
            "body": action.body,
            "options": [list(o) for o in action.options],
        }
    if isinstance(action, ListMessage):
        return {
            "type": "list",
            "body": action.body,
            "button": action.button,
            "rows": [list(r) for r in action.rows],
        }
    return {"type": "reaction", "message_id": action.message_id, "emoji": action.emoji}


def action_text(action: Action) -> str:
    """What the message says, for history and the owner's eyes."""
    if isinstance(action, Reaction):
        return action.emoji
    if isinstance(action, Text):
        return action.body
    choices = action.options if isinstance(action, Buttons) else action.rows
    return action.body + "\n" + "\n".join(f"• {c[1]}" for c in choices)
