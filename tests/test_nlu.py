"""Yume's Spanish understanding: the development set as a whole, and the cases that matter
most one by one (business-hours rule, booking semantics, colloquial times, services)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.nlu_devset import (
    CATALOGUE,
    DATE_TIME_KINDS,
    MON_SAT_10_20,
    TUE_SUN_12_22,
    cases,
    expected_services,
    expected_when,
)
from yume.nlu import intents as nlu
from yume.nlu.services import match_services
from yume.nlu.text import prepare
from yume.nlu.when import BusinessClock, read_when

TZ = ZoneInfo("America/Mexico_City")
WEDNESDAY = BusinessClock(datetime(2027, 1, 13, 9, 10, tzinfo=TZ), MON_SAT_10_20)


def when(text: str, clock: BusinessClock = WEDNESDAY) -> dict | None:
    found = read_when(text, clock)
    return found.as_dict() if found else None


def services(text: str) -> list[str]:
    return [CATALOGUE[i] for i in match_services(text, list(enumerate(CATALOGUE)))]


def test_it_reads_at_least_95_percent_of_the_development_set() -> None:
    date_cases = cases(DATE_TIME_KINDS)
    right = 0
    for case in date_cases:
        ref = case.ref
        clock = BusinessClock(ref.now.replace(tzinfo=ZoneInfo(ref.timezone)), ref.hours)
        right += when(case.text, clock) == expected_when(case.expected)
    service_cases = cases(["service"])
    right += sum(services(c.text) == expected_services(c.expected) for c in service_cases)
    total = len(date_cases) + len(service_cases)
    assert len(date_cases) >= 200
    assert right / total >= 0.95


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a las 4", {"time": "16:00"}),  # open 10–20: 4 PM, never 4 AM
        ("a las 11", {"time": "11:00"}),
        ("a la una", {"time": "13:00"}),
        ("4 y media", {"time": "16:30"}),
        ("cuarto para las 5", {"time": "16:45"}),
        ("mediodía", {"time": "12:00"}),
        ("después de las 6", {"from": "18:00", "to": "24:00"}),
        ("mañana en la tarde", {"date": "2027-01-14", "from": "13:00", "to": "19:00"}),
        ("el lunes", {"date": "2027-01-18"}),  # said on a Wednesday: the coming Monday
        ("el miércoles", {"date": "2027-01-20"}),  # today is Wednesday: next week's
        ("el 10", {"date": "2027-02-10"}),  # the 10th has passed: next month's
        ("15 de enero", {"date": "2027-01-15"}),
        ("pasado mañana a las 11", {"date": "2027-01-15", "time": "11:00"}),
        ("ahorita", {"date": "2027-01-13", "from": "09:10", "to": "24:00", "asap": True}),
        ("al rato", {"date": "2027-01-13", "from": "10:10", "to": "24:00"}),
        ("el mierkoles a las 3", {"date": "2027-01-20", "time": "15:00"}),
        ("hola buenas tardes", None),
    ],
)
def test_it_reads_days_and_times_the_way_people_write_them(text: str, expected: dict) -> None:
    assert when(text) == expected


def test_it_reads_an_ambiguous_hour_by_the_hours_the_business_keeps() -> None:
    late_bar = BusinessClock(datetime(2027, 1, 30, 11, 0, tzinfo=TZ), TUE_SUN_12_22)
    assert when("a las 9", late_bar) == {"time": "21:00"}
    assert when("a las 9") == {"time": "09:00"}  # the salon is closed at both: morning
    assert when("a las 9 de la noche") == {"time": "21:00"}


def test_it_matches_services_with_typos_slang_and_accents() -> None:
    assert services("korte") == ["Corte de cabello", "Corte de dama"]
    assert services("barva") == ["Arreglo de barba"]
    assert services("uñas") == ["Manicure", "Pedicure"]
    assert services("las uñas de los pies") == ["Pedicure"]
    assert services("manikur") == ["Manicure"]
    assert services("quiero pintarme el pelo") == ["Tinte"]
    assert services("mañana a las 4") == []


def test_it_normalises_text_for_the_rules() -> None:
    assert prepare("¿Mañana a las CUATRO y media P.M.?") == "manana a las 4 y media pm"
    assert prepare("el juebes") == "el jueves"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("cancela mi cita", nlu.CANCEL),
        ("ya no voy a poder ir", nlu.CANCEL),
        ("quiero cambiar mi cita", nlu.RESCHEDULE),
        ("¿cuándo es mi cita?", nlu.MY_APPOINTMENTS),
        ("quiero hablar con una persona", nlu.HUMAN),
        ("¿a qué hora abren?", nlu.HOURS),
        ("¿dónde están?", nlu.ADDRESS),
        ("¿cuánto cuesta el corte?", nlu.PRICES),
        ("menú", nlu.MENU),
        ("Sí, por favor", nlu.YES),
        ("bloquea mañana de 3 a 5", nlu.BLOCK),
    ],
)
def test_it_recognises_what_a_message_asks_for(text: str, intent: str) -> None:
    assert nlu.intents(text)[0] == intent


def test_it_tells_a_bare_greeting_from_a_greeting_with_a_request() -> None:
    assert nlu.is_only_greeting("Hola, buenas tardes!")
    assert not nlu.is_only_greeting("hola, quiero un corte")
    assert nlu.without_greeting("hola buenas tardes quiero un corte") == "quiero un corte"


def test_the_typo_fixer_only_corrects_time_words_never_real_words_or_names() -> None:
    assert prepare("el biernes en la tade") == "el viernes en la tarde"
    assert prepare("tengo tarea") == "tengo tarea"  # not "tarde"
    assert prepare("busca a juanito") == "busca a juanito"  # not "junio"
    assert prepare("busca a Mayito Ruiz") == "busca a mayito ruiz"  # a name, as written
    assert prepare("quiero una manzana") == "quiero 1 manzana"
    assert nlu.without_greeting("hola, busca a Juanito Pérez") == "busca a juanito perez"


def test_the_afternoon_is_the_businesss_afternoon() -> None:
    split = {day: [(600, 840), (960, 1200)] for day in range(6)}  # 10–14 and 16–20
    after_lunch = BusinessClock(WEDNESDAY.now, split)
    assert when("en la tarde") == {"from": "13:00", "to": "19:00"}  # twelve is "mediodía"
    assert when("en la tarde", after_lunch) == {"from": "16:00", "to": "19:00"}
    assert WEDNESDAY.day_parts()["morning"] == (0, 13 * 60)  # the buttons leave no gap


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("de 4-6", {"from": "16:00", "to": "18:00"}),  # hours
        ("17-2", {"date": "2027-02-17"}),  # a day and a month
        ("el 4-6", {"date": "2027-06-04"}),
        ("somos 2 a 3 personas", None),  # no range of hours
        ("mi cel es 55-1234-5678", None),
    ],
)
def test_a_hyphen_is_a_range_of_hours_or_a_date_by_its_context(text: str, expected) -> None:
    assert when(text) == expected
