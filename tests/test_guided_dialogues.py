"""The guided brain through the whole pipeline, as `python -m yume chat` runs it: each line
is a signed webhook, the inbound job answers, and the console transport shows what
WhatsApp would. A number taps the Nth button or row.

These run on the real clock, so they book on days computed from today in Mexico City:
the coming Wednesday and Thursday (the cast's shop is open Monday to Saturday, 10–20).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.cast import Cast, next_weekday
from yume.booking import book_appointment
from yume.chat import Simulator
from yume.config import Config
from yume.formatting import spanish_date
from yume.models import Appointment, utcnow

TZ = ZoneInfo("America/Mexico_City")


def coming(weekday: int) -> date:
    """The next such weekday strictly after today in the business's zone."""
    return next_weekday(weekday, after=datetime.now(TZ).date())


def on_day(day: date) -> str:
    """How Yume names the day: 'mañana, jueves 26 de noviembre' or 'el jueves 3 de …'."""
    if day == datetime.now(TZ).date() + timedelta(days=1):
        return f"mañana, {spanish_date(day)}"
    return f"el {spanish_date(day)}"


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TZ)


class Person:
    def __init__(self, config: Config, cast: Cast, phone: str, name: str) -> None:
        self.lines: list[str] = []
        self.simulator = Simulator(config, cast.org.id, phone, name, echo=self.lines.append)

    def say(self, line: str) -> str:
        """What Yume answered to this line."""
        start = len(self.lines)
        self.simulator.say(line)
        return "\n".join(self.lines[start:])


@pytest.fixture
def ana(config: Config, cast: Cast) -> Person:
    return Person(config, cast, cast.customer.phone, "Ana")


def test_a_customer_books_changes_and_cancels_in_free_text(cast: Cast, ana: Person) -> None:
    wednesday, thursday = coming(2), coming(3)
    assert "Agendar una cita" in ana.say("hola")
    answer = ana.say("quiero un korte el miércoles a las 11")
    assert f"¿Te agendo *Corte de cabello* {on_day(wednesday)} a las 11:00 AM" in answer
    assert "[1] Sí, agendar" in answer
    assert "¡Listo, Ana! ✅" in ana.say("1")
    appointment = Appointment.get()
    assert appointment.start_at == at(wednesday, 11) and appointment.source == "chat"

    assert f"{spanish_date(wednesday)} a las 11:00 AM" in ana.say("mis citas")
    answer = ana.say("cambia mi cita al jueves a las 12")
    assert f"para {on_day(thursday)} a las 12:00 PM" in answer
    assert "¡Listo, la cambié" in ana.say("sí")
    assert Appointment.get_by_id(appointment.id).start_at == at(thursday, 12)

    assert "¿Cancelo tu cita" in ana.say("ya no voy a poder ir, cancela mi cita")
    assert "Listo, cancelé" in ana.say("1")
    assert Appointment.get_by_id(appointment.id).status == "cancelled"


def test_a_customer_books_by_tapping_numbers(cast: Cast, ana: Person) -> None:
    wednesday = coming(2)
    ana.say("hola")
    assert "[1] Corte de cabello" in ana.say("1")
    ana.say("1")
    answer = ana.say("el miércoles")
    assert "[2] En la tarde" in answer
    assert "[1] 1:00 PM" in ana.say("2")  # the afternoon starts at one
    assert "a la 1:00 PM" in ana.say("1")
    ana.say("1")
    assert Appointment.get().start_at == at(wednesday, 13)


def test_the_owner_reads_the_agenda_and_a_staff_member_only_theirs(
    config: Config, cast: Cast
) -> None:
    wednesday = coming(2)
    book_appointment(cast.org, cast.haircut.id, at(wednesday, 11), cast.customer,
                     staff_id=cast.barber.id, now=utcnow())  # fmt: skip
    owner = Person(config, cast, cast.owner.phone, "Chuy")
    assert "Agenda de hoy" in owner.say("hola")
    answer = owner.say("agenda del miércoles")
    # "Agenda del miércoles 9 …", or "Agenda de mañana, miércoles 9 …" on a Tuesday
    assert spanish_date(wednesday) in answer and "📅 Agenda de" in answer
    assert "11:00 AM Corte de cabello — Ana" in answer and "*Chuy*" in answer
    beto = Person(config, cast, cast.barber.phone, "Beto")
    answer = beto.say("agenda del miércoles")
    assert "11:00 AM Corte de cabello — Ana" in answer and "*Chuy*" not in answer
