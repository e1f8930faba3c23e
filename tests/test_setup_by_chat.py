"""Setup by chat with the guided brain, through the whole pipeline as `python -m yume chat`
runs it: the owner of a freshly connected business sets it up in a few WhatsApp messages,
changes it later in plain words, and customers are held kindly until it is ready."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.cast import next_weekday
from yume.availability import find_slots
from yume.chat import Simulator
from yume.closures import BusinessClosure
from yume.config import Config
from yume.models import Message, Organization, ServiceType, Staff, WorkingHours, utcnow
from yume.onboarding import readiness
from yume.onboarding.links import create_invite

TZ = ZoneInfo("America/Mexico_City")
OWNER = "+52 55 4123 8876"
SETUP = [
    "hola",
    "1",  # Sí, así se llama
    "Av. Insurgentes Sur 1234, Del Valle, CDMX",
    "corte 40 min 250, barba 30 min 150, corte y barba 1 hora 350",
    "lunes a sábado de 10 a 8, domingo cerrado",
    "1",  # Sí, también atiendo
    "Pedro 55 1234 5678 hace cortes y barba; Luis 55 8765 4321 hace cortes",
    "1",  # Es todo
]


class Chat:
    def __init__(self, config: Config, org: Organization, phone: str, name: str) -> None:
        self.lines: list[str] = []
        self.sent = 0
        self.simulator = Simulator(config, org.id, phone, name, echo=self.lines.append)

    def say(self, line: str) -> str:
        start = len(self.lines)
        self.sent += 1
        self.simulator.say(line)
        return "\n".join(self.lines[start:])


@pytest.fixture
def salon() -> Organization:
    made = create_invite("Barbería La Navaja", OWNER, owner_name="Rodrigo Salas")
    Organization.update(whatsapp_phone_number_id="3003").where(
        Organization.id == made.organization.id
    ).execute()
    return Organization.get_by_id(made.organization.id)


@pytest.fixture
def owner(config: Config, salon: Organization) -> Chat:
    return Chat(config, salon, OWNER, "Rodrigo")


def set_up(owner: Chat) -> list[str]:
    return [owner.say(line) for line in SETUP]


def test_the_owner_sets_up_services_hours_and_staff_in_a_few_messages(owner, salon):
    answers = set_up(owner)
    assert owner.sent <= 12
    assert "¿tu negocio se llama «Barbería La Navaja»?" in answers[0]
    assert "Corte · 40 min · $250" in answers[3] and "Corte y barba · 60 min · $350" in answers[3]
    assert "lunes a sábado de 10:00 a 20:00; domingo cerrado" in answers[4]
    assert "Agregué a Pedro (Corte, Barba) y a Luis (Corte)" in answers[6]
    assert "Terminamos de configurar Barbería La Navaja" in answers[7]
    services = {s.name: (s.duration_minutes, int(s.price_mxn)) for s in ServiceType.select()}
    assert services == {"Corte": (40, 250), "Barba": (30, 150), "Corte y barba": (60, 350)}
    team = {m.name: m for m in Staff.select().where(Staff.organization == salon)}
    assert set(team) == {"Rodrigo Salas", "Pedro", "Luis"}
    assert team["Pedro"].phone == "+525512345678" and not team["Luis"].all_services
    for member in team.values():  # everyone works the opening hours, Monday to Saturday
        days = {w.weekday for w in WorkingHours.select().where(WorkingHours.staff == member)}
        assert days == set(range(6))
    assert readiness.is_ready(salon)
    monday = next_weekday(0)
    haircut = ServiceType.get(ServiceType.name == "Corte")
    slots = find_slots(salon, haircut.id, monday, utcnow())
    assert slots and slots[0].start.astimezone(TZ).hour == 10


def test_the_owner_changes_prices_staff_and_closes_a_day_in_plain_words(owner, salon):
    set_up(owner)
    assert "Corte ahora cuesta $280" in owner.say("sube el corte a 280")
    assert ServiceType.get(ServiceType.name == "Corte").price_mxn == 280
    assert "quité a Pedro" in owner.say("Pedro ya no trabaja aquí")
    assert not Staff.get(Staff.name == "Pedro").active
    today = datetime.now(TZ).date()
    christmas = (
        date(today.year, 12, 25)
        if today <= date(today.year, 12, 25)
        else date(today.year + 1, 12, 25)
    )
    answer = owner.say("cerramos el 25 de diciembre")
    assert "cierra el" in answer and "25 de diciembre" in answer
    closure = BusinessClosure.get()
    assert closure.start_at.astimezone(TZ).date() == christmas
    haircut = ServiceType.get(ServiceType.name == "Corte")
    if christmas.weekday() != 6 and christmas - today <= timedelta(days=60):
        assert find_slots(salon, haircut.id, christmas, utcnow()) == []
        assert find_slots(salon, haircut.id, christmas + timedelta(days=1), utcnow()) or (
            christmas.weekday() == 5
        )
    added = owner.say("agrega tinte 90 min 600")
    assert "Tinte (90 min, $600)" in added


def test_an_unreadable_answer_gets_an_example_not_a_guess(owner, salon):
    owner.say("hola")
    owner.say("1")
    owner.say("Calle 5 de Mayo 10")
    assert "No logré leer tus servicios" in owner.say("los de siempre")
    assert not ServiceType.select().exists()
    assert "Seguimos" in owner.say("hola")  # a greeting mid-way repeats where we are


def test_customers_are_held_kindly_until_the_business_is_ready(config, salon, owner):
    customer = Chat(config, salon, "+52 55 9999 0000", "Lupe")
    first = customer.say("hola, quiero un corte")
    assert "Estamos terminando de preparar nuestra agenda" in first
    customer.say("¿hay lugar mañana?")
    to_owner = [m for m in Message.select() if "escribió y aún no puedo agendar" in m.text]
    assert len(to_owner) == 1  # told once, not at every message
    set_up(owner)
    assert "Estamos terminando" not in customer.say("hola")
