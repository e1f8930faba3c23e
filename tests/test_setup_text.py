"""Reading an owner's setup answers: services, opening hours, staff and closure days."""

from __future__ import annotations

from datetime import date

import pytest

from yume.onboarding.setup_text import (
    ServiceText,
    describe_week,
    is_yes,
    read_closure_days,
    read_services,
    read_staff,
    read_week,
)

TODAY = date(2026, 12, 4)  # a Friday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "corte 40 min 250, barba 30 min 150, corte y barba 1 hora $350",
            [("Corte", 40, 250), ("Barba", 30, 150), ("Corte y barba", 60, 350)],
        ),
        (
            "Tinte de cabello 2 horas 800 pesos; manicure 45 minutos $300",
            [("Tinte de cabello", 120, 800), ("Manicure", 45, 300)],
        ),  # fmt: skip
        ("Corte de niño: 30 min a 180", [("Corte de niño", 30, 180)]),
        ("Alaciado 1 h 30 min 1200", [("Alaciado", 90, 1200)]),
        ("corte 250", []),  # no duration: not guessed
        ("los de siempre", []),
    ],
)
def test_it_reads_services_with_minutes_and_price(text, expected):
    assert read_services(text) == [ServiceText(*item) for item in expected]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "lunes a sábado de 10 a 8, domingo cerrado",
            "lunes a sábado de 10:00 a 20:00; domingo cerrado",
        ),  # fmt: skip
        ("diario de 9 a 2 y de 4 a 8", "lunes a domingo de 9:00 a 14:00 y de 16:00 a 20:00"),
        (
            "Lunes a viernes 10:00-20:00, sábado de 9am a 3pm",
            "lunes a viernes de 10:00 a 20:00; sábado de 9:00 a 15:00; domingo cerrado",
        ),  # fmt: skip
        (
            "entre semana de 11 a 7; sábados 10 a 4",
            "lunes a viernes de 11:00 a 19:00; sábado de 10:00 a 16:00; domingo cerrado",
        ),  # fmt: skip
    ],
)
def test_it_reads_opening_hours(text, shown):
    assert describe_week(read_week(text)) == shown


def test_unreadable_hours_are_none():
    assert read_week("cuando se pueda") is None


def test_it_reads_staff_with_phones_and_what_they_do():
    people = read_staff("Ana López +52 33 1234 5678 hace uñas, pedicure y tinte, Karla 5587654321")
    assert [(p.name, p.phone, p.services) for p in people] == [
        ("Ana López", "+52 33 1234 5678", ["unas", "pedicure", "tinte"]),
        ("Karla", "5587654321", []),
    ]
    assert read_staff("Pedro hace cortes") == []  # no phone: nobody to recognise


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("cerramos el 25 de diciembre", (date(2026, 12, 25), date(2026, 12, 25))),
        ("del 24 al 26 de diciembre no abrimos", (date(2026, 12, 24), date(2026, 12, 26))),
        ("del 31 de diciembre al 2 de enero", (date(2026, 12, 31), date(2027, 1, 2))),
        ("cerramos el 3 de dic", (date(2027, 12, 3), date(2027, 12, 3))),  # passed: next year
        ("mañana cerramos", (date(2026, 12, 5), date(2026, 12, 5))),
        ("el lunes cerramos", (date(2026, 12, 7), date(2026, 12, 7))),
        ("cerramos pronto", None),
    ],
)
def test_it_reads_closure_days(text, days):
    assert read_closure_days(text, TODAY) == days


def test_it_hears_yes():
    assert is_yes("Sí") and is_yes("si, así es") and not is_yes("no")
