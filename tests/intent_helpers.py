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


# -- the four outcomes every phrasing is checked against ------------------------------------


def moves_it(cast: Cast, ana: Person, wednesday: Appointment, phrase: str) -> None:
    """A reschedule phrasing: the reschedule flow, then the same appointment moved."""
    first = ana.say(phrase)
    assert "¿Qué servicio quieres?" not in first and flow_of(cast) == "reschedule", first
    finish(ana, first, "¡Listo, la cambié")
    [moved] = active()  # moved, never doubled
    assert moved.id == wednesday.id and moved.start_at != wednesday.start_at


def asks_first(ana: Person, wednesday: Appointment, phrase: str) -> str:
    """Another day or time with no verb: "¿la cambio o te agendo otra?", nothing booked."""
    first = ana.say(phrase)
    assert "¿La cambio para" in first and "o te agendo otra cita aparte?" in first, first
    assert active() == [wednesday]
    return first


def cancels_it(ana: Person, phrase: str) -> None:
    first = ana.say(phrase)
    assert "¿Cancelo tu cita de *Corte de cabello*" in first, first
    assert "Listo, cancelé" in ana.say("1")
    assert active() == []


def books_one_more(cast: Cast, ana: Person, wednesday: Appointment, phrase: str) -> None:
    """'Another one': the booking flow, a confirmation that says they have one already."""
    first = ana.say(phrase)
    assert "¿La cambio" not in first and flow_of(cast) == "book", first
    confirm = finish(ana, first, "¿Te agendo")
    assert "Ya tienes tu cita de" in confirm or "Ojo: ese día ya tienes" in confirm
    assert "¡Listo" in ana.say("1")
    assert len(active()) == 2 and wednesday.id in [a.id for a in active()]
