"""Intent before flow, through the whole pipeline as `python -m yume chat` runs it: a customer
with an appointment ahead who names another day or time is never booked a second time
without being asked. Each phrasing below is a dialogue: the first line as people write it,
then taps ("1" taps the first option) until Yume is done.

The goal: 0 silent second bookings. A second appointment exists only where the person asked
for one more ("otra cita", "para mi hijo") or chose "Agendar otra cita".

Real clock (as tests/test_guided_dialogues.py): Ana's appointment is on the coming Wednesday
at 11:00, and no phrasing below names a Wednesday.
"""

from __future__ import annotations

import pytest

from tests.cast import Cast
from tests.intent_helpers import active, asks_first, books_one_more, cancels_it, finish, moves_it
from tests.test_guided_dialogues import Person, at, coming
from yume.booking import book_appointment
from yume.models import Appointment, utcnow

pytest_plugins = ["tests.intent_fixtures"]

RESCHEDULE = [
    "cámbiala para el sábado",
    "la puedo mover para el sábado?",
    "no voy a llegar, la podemos pasar al lunes?",
    "me la recorres para el sábado?",
    "quiero cambiar mi cita al viernes",
    "¿me la cambias al viernes a las 5?",
    "pásala al lunes porfa",
    "¿la podemos pasar para el martes?",
    "muévela al sábado en la mañana",
    "reagéndame para el lunes",
    "quiero reprogramar mi cita",
    "¿se puede mover mi cita al viernes?",
    "cambia mi cita para el jueves a las 12",
    "¿me puedes recorrer la cita para el sábado?",
    "necesito cambiar la hora de mi cita",
    "¿la puedes adelantar al lunes?",
    "pospón mi cita para el viernes por fa",
    "¿hay chance de cambiar mi cita al martes?",
    "ocupo mover mi cita, ¿el viernes en la tarde?",
    "la cambio para el sábado a las 11",
    "mi cita pásala al viernes a las 4 y media",
    "¿me la pasas para el lunes temprano?",
    "cambio de horario porfa, al viernes",
]

# Another day or time with no verb that says what for: asked first, then moved.
AMBIGUOUS = [
    "mejor el viernes en la tarde",
    "siempre no, mejor el sábado",
    "mejor el lunes a las 5",
    "¿y el viernes tienes?",
    "¿tienen lugar el sábado?",
    "el martes a las 4 mejor",
    "quiero un corte el viernes",
    "¿puede ser el jueves en la tarde?",
    "mejor la otra semana",
    "¿hay espacio el sábado a las 12?",
    "el lunes temprano",
    "mejor en la tarde del viernes",
]

CANCEL = [
    "cancela mi cita porfa",
    "ya no voy a poder ir",
    "bórrame la cita",
    "quítame la cita por favor",
    "ya no la necesito",
    "siempre no voy a ir",
    "¿me la puedes cancelar?",
    "no podré asistir",
    "ya no quiero la cita",
    "cancélala",
    "necesito cancelar",
    "no voy a poder ir, una disculpa",
    "ya no voy, gracias",
    "anula mi cita",
    "dame de baja la cita",
    "me surgió algo y no podré ir a mi cita",
]

ANOTHER = [
    "quiero otra cita para el sábado",
    "agéndame otra el viernes a las 5",
    "también quiero un corte para mi hijo el sábado",
    "una cita más el lunes porfa",
    "sin cancelar la que tengo, otra el viernes",
    "otro corte para mi esposo el martes",
    "quiero agendar otra cita",
    "¿me apartas otra para el sábado en la tarde?",
    "nueva cita para el lunes a las 4",
    "para mi hermano también, el viernes",
    "aparte de la que tengo, ¿otra el sábado?",
    "otra más para el martes a las 12",
]


@pytest.mark.parametrize("phrase", RESCHEDULE)
def test_a_reschedule_phrasing_moves_the_appointment(
    cast: Cast, ana: Person, wednesday: Appointment, phrase: str
) -> None:
    moves_it(cast, ana, wednesday, phrase)


@pytest.mark.parametrize("phrase", AMBIGUOUS)
def test_another_day_without_a_verb_asks_change_or_another(
    cast: Cast, ana: Person, wednesday: Appointment, phrase: str
) -> None:
    first = asks_first(ana, wednesday, phrase)
    assert "[1] Cambiar mi cita" in first and "[2] Agendar otra cita" in first
    finish(ana, ana.say("1"), "¡Listo, la cambié")
    [moved] = active()
    assert moved.id == wednesday.id and moved.start_at != wednesday.start_at


@pytest.mark.parametrize("phrase", CANCEL)
def test_a_cancel_phrasing_cancels_after_asking(
    cast: Cast, ana: Person, wednesday: Appointment, phrase: str
) -> None:
    cancels_it(ana, phrase)


@pytest.mark.parametrize("phrase", ANOTHER)
def test_asking_for_one_more_books_one_more_and_says_so(
    cast: Cast, ana: Person, wednesday: Appointment, phrase: str
) -> None:
    books_one_more(cast, ana, wednesday, phrase)


def test_choosing_another_from_the_question_books_one_more(
    cast: Cast, ana: Person, wednesday: Appointment
) -> None:
    ana.say("mejor el viernes a las 5")
    answer = ana.say("2")  # "Agendar otra cita"
    assert "¿Te agendo *Corte de cabello*" in answer or "¿Qué servicio" in answer
    finish(ana, answer, "¡Listo")
    assert len(active()) == 2


def test_with_two_appointments_it_asks_which_one_to_move(
    cast: Cast, ana: Person, wednesday: Appointment
) -> None:
    later = book_appointment(
        cast.org, cast.beard.id, at(coming(2), 17), cast.customer, cast.owner.id, now=utcnow()
    )
    answer = ana.say("cámbiala para el sábado a las 12")
    assert "¿Cuál cita quieres cambiar?" in answer
    assert "Arreglo de barba" in answer and "Corte de cabello" in answer
    answer = ana.say("2")  # the beard one
    # "para el sábado …", or "para mañana, sábado …" when today is Friday
    assert "¿Cambio tu cita de Arreglo de barba para" in answer
    assert "sábado" in answer and "12:00 PM" in answer
    ana.say("1")
    assert Appointment.get_by_id(later.id).start_at != later.start_at
    assert Appointment.get_by_id(wednesday.id).start_at == wednesday.start_at
    assert len(active()) == 2


def test_with_two_appointments_the_question_lists_both(
    cast: Cast, ana: Person, wednesday: Appointment
) -> None:
    book_appointment(
        cast.org, cast.beard.id, at(coming(2), 17), cast.customer, cast.owner.id, now=utcnow()
    )
    answer = ana.say("mejor el viernes")
    assert "Tienes 2 citas próximas" in answer and "[1] Cambiar una cita" in answer
    assert "¿Cuál cita quieres cambiar?" in ana.say("1")


def test_a_second_booking_on_the_same_day_always_asks_first(
    cast: Cast, ana: Person, wednesday: Appointment
) -> None:
    answer = ana.say("quiero otro corte el miércoles a las 5")
    assert "Ojo: ese día ya tienes tu cita de *Corte de cabello*" in answer
    assert "[1] Sí, otra cita" in answer and "[2] Mejor cambiarla" in answer
    answer = ana.say("2")  # move the one they have instead
    assert "¿Cambio tu cita de Corte de cabello para" in answer and "5:00 PM" in answer
    ana.say("1")
    [moved] = active()
    assert moved.id == wednesday.id and moved.start_at == at(coming(2), 17)


def test_a_late_arrival_is_asked_move_or_cancel(
    cast: Cast, ana: Person, wednesday: Appointment
) -> None:
    answer = ana.say("no voy a llegar")
    assert "¿Quieres cambiar tu cita" in answer and "o cancelarla?" in answer
    assert "¿Para qué día cambiamos tu cita" in ana.say("1")
    assert active() == [wednesday]


def test_a_typed_answer_to_the_question_is_understood(
    cast: Cast, ana: Person, wednesday: Appointment
) -> None:
    ana.say("mejor el viernes a las 5")
    answer = ana.say("cámbiala")
    assert "¿Cambio tu cita de Corte de cabello para" in answer
    assert "viernes" in answer and "5:00 PM" in answer
    ana.say("mejor el sábado a las 12")
    assert active() == [wednesday]  # still asking, nothing booked
