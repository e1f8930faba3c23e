"""The guided conversation's state: a small JSON object in `Conversation.state["guided"]`.

It survives restarts (it is in the database) and is forgotten after `EXPIRY` of silence,
so a customer who comes back tomorrow starts afresh instead of in yesterday's step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta

from yume import conversations
from yume.models import Conversation

KEY = "guided"
EXPIRY = timedelta(minutes=30)


@dataclass
class FlowState:
    # book | reschedule | cancel | choose (change or book another?) | walk_in | lookup | block
    # | agenda | faq
    flow: str | None = None
    step: str | None = None  # service | day | time | confirm | name | pick | when | query
    service_id: int | None = None
    day: str | None = None  # ISO local date
    first_day: str | None = None  # the first day to offer ("la próxima semana")
    window: list[int] | None = None  # [start, end) minutes after local midnight
    time: int | None = None  # a wished exact time, minutes after local midnight
    start: str | None = None  # ISO UTC instant of the chosen slot or block start
    end: str | None = None  # ISO UTC instant of a block's end
    staff_id: int | None = None
    appointment_id: int | None = None
    name: str | None = None
    phone: str | None = None
    options: list[str] | None = None  # ids of the buttons or rows last offered, in order
    pending: str | None = None  # what they asked for, kept while a question is answered first
    misses: int = 0  # messages in a row that were not understood
    updated_at: str | None = None

    def reset(self) -> None:
        for field in fields(self):
            setattr(self, field.name, field.default)

    def begin(self, flow: str, step: str | None = None) -> None:
        self.reset()
        self.flow, self.step = flow, step


def load(conversation: Conversation, now: datetime) -> FlowState:
    data = (conversation.state or {}).get(KEY) or {}
    known = {f.name for f in fields(FlowState)}
    state = FlowState(**{k: v for k, v in data.items() if k in known})
    if state.updated_at and now - datetime.fromisoformat(state.updated_at) > EXPIRY:
        return FlowState()
    return state


def save(conversation: Conversation, state: FlowState, now: datetime) -> None:
    state.updated_at = now.isoformat()
    conversations.save_state(conversation, KEY, asdict(state))
