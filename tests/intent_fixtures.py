"""What the intent-before-flow dialogues share: Ana, her appointment on the coming Wednesday
at 11:00, and what they look at afterwards (tests/test_guided_intent_*.py)."""

from __future__ import annotations

import pytest

from tests.cast import Cast
from tests.test_guided_dialogues import Person, at, coming
from yume.booking import book_appointment
from yume.config import Config
from yume.models import ACTIVE_STATUSES, Appointment, Conversation, utcnow


@pytest.fixture
def ana(config: Config, cast: Cast) -> Person:
    return Person(config, cast, cast.customer.phone, "Ana")


@pytest.fixture
def wednesday(cast: Cast) -> Appointment:
    day = coming(2)
    return book_appointment(
        cast.org, cast.haircut.id, at(day, 11), cast.customer, cast.owner.id, now=utcnow()
    )


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
