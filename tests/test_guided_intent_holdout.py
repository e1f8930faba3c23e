"""Held-out dialogue phrasings for intent before flow (issue 12), written after the work on
tests/test_guided_intent_dialogues.py was done and committed before they were first run;
the rules were not tuned to them afterwards. Same setup and the same checks: a reschedule
moves, a cancel cancels, "another one" books one more and says so, and another day or time
without a verb asks first. Never a silent second booking."""

from __future__ import annotations

import pytest

from tests.cast import Cast
from tests.intent_helpers import asks_first, books_one_more, cancels_it, moves_it
from tests.test_guided_dialogues import Person
from yume.models import Appointment

pytest_plugins = ["tests.intent_fixtures"]

RESCHEDULE = [
    "oye, ¿me cambias la cita para el sábado?",
    "necesito moverla al lunes, ¿se puede?",
    "¿podemos recorrerla al viernes en la tarde?",
    "mejor cámbiamela para el martes a las 5",
    "pásamela al jueves porfis",
    "¿la puedes pasar para el sábado temprano?",
    "quisiera reagendar para el viernes",
    "¿me mueves mi cita al lunes a las 12?",
]
AMBIGUOUS = [
    "mejor el sábado a las 11",
    "¿qué tal el lunes en la tarde?",
    "siempre no, el viernes mejor",
    "¿tendrás algo el martes?",
    "mejor pasado el fin de semana, el lunes",
    "el viernes a las 6 ¿se puede?",
]
CANCEL = [
    "siempre no voy a poder ir, cancélamela",
    "ya no voy a ir, gracias",
    "¿me puedes quitar la cita?",
    "borra mi cita por favor",
    "no podré ir, cancela porfa",
    "ya no la ocupo, gracias",
]
# The held-out set's two misses, as first run and left untuned: Yume asks "¿la cambio o
# agendo otra?" instead of booking one more at once (the safe side: nothing is booked).
MISSED = pytest.mark.xfail(strict=True, reason="held-out miss: asks change-or-another first")
ANOTHER = [
    "quiero otra para el sábado, aparte de la que tengo",
    pytest.param("¿me agendas también a mi hija el viernes?", marks=MISSED),
    pytest.param("una cita nueva para el lunes a las 5", marks=MISSED),
    "otro corte el martes, para mi papá",
    "además de mi cita, quiero otra el sábado",
]


@pytest.mark.parametrize("phrase", RESCHEDULE)
def test_held_out_reschedule(cast: Cast, ana: Person, wednesday: Appointment, phrase: str) -> None:
    moves_it(cast, ana, wednesday, phrase)


@pytest.mark.parametrize("phrase", AMBIGUOUS)
def test_held_out_another_day_asks(ana: Person, wednesday: Appointment, phrase: str) -> None:
    asks_first(ana, wednesday, phrase)


@pytest.mark.parametrize("phrase", CANCEL)
def test_held_out_cancel(ana: Person, wednesday: Appointment, phrase: str) -> None:
    cancels_it(ana, phrase)


@pytest.mark.parametrize("phrase", ANOTHER)
def test_held_out_another_one(cast: Cast, ana: Person, wednesday: Appointment, phrase: str) -> None:
    books_one_more(cast, ana, wednesday, phrase)
