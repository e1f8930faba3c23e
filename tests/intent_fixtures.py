"""Fixtures of the intent-before-flow dialogues (tests/test_guided_intent_*.py, through
pytest_plugins): Ana, and her appointment on the coming Wednesday at 11:00."""

from __future__ import annotations

import pytest

from tests.cast import Cast
from tests.test_guided_dialogues import Person, at, coming
from yume.booking import book_appointment
from yume.config import Config
from yume.models import Appointment, utcnow


@pytest.fixture
def ana(config: Config, cast: Cast) -> Person:
    return Person(config, cast, cast.customer.phone, "Ana")


@pytest.fixture
def wednesday(cast: Cast) -> Appointment:
    day = coming(2)
    return book_appointment(
        cast.org, cast.haircut.id, at(day, 11), cast.customer, cast.owner.id, now=utcnow()
    )
