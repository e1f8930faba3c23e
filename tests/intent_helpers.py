"""What the intent-before-flow dialogues look at (tests/test_guided_intent_*.py)."""

from __future__ import annotations

from tests.cast import Cast
from tests.test_guided_dialogues import Person
from yume.models import ACTIVE_STATUSES, Appointment, Conversation


def active() -> list[Appointment]:
    return list(Appointment.select().where(Appointment.status.in_(ACTIVE_STATUSES)))


def flow_of(cast: Cast) -> str | None:
    conversation = Conversation.get(Conversation.phone == cast.customer.phone)
    return ((conversation.state or {}).get("guided") or {}).get("flow")


def finish(person: Person, answer: str, done: str) -> str:
    """Tap the first option until `done` shows up (at most six taps)."""
    for _ in range(6):
        if done in answer:
            return answer
        answer = person.say("1")
    raise AssertionError(f"never got {done!r}; last answer:\n{answer}")
