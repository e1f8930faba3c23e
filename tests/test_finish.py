"""Issue 12's finishing touches, each as a person meets it: the simulator run twice, the demo
banner, customer history, blocked time, list rows, walk-ins, the slot-list hint, README."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from tests import webhooks
from tests.cast import Cast
from tests.conftest import DATABASE_URL, SECRET_KEY, JobRunner
from tests.test_guided_brain import Chat, book, local
from tests.test_handover import CHUY, last_to, say
from yume.appointment_notices import queue_notices
from yume.booking import book_appointment, get_or_create_customer
from yume.brains.ui import fit_row, rows
from yume.business import add_time_off
from yume.cli import main
from yume.models import ACTIVE_STATUSES, Appointment, Conversation, Customer, utcnow
from yume.reminders_models import AppointmentEvent

REPO = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("America/Mexico_City")
BETO = "5215533334444"


@pytest.fixture
def guided(jobs: JobRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUME_BRAIN", "yume.brains.guided.GuidedBrain")


def test_a_second_chat_run_on_the_same_database_works(tmp_path: Path) -> None:
    """Two `python -m yume chat` processes, one after the other, on one SQLite file: the
    simulator's message ids never collide, and the log stays out of the chat."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'yume.db'}",
        "PYTHONPATH": str(REPO),
    }
    env.pop("REDIS_URL", None)

    def run(*args: str, lines: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "yume", *args], input=lines, capture_output=True, text=True,
            cwd=tmp_path, env=env, timeout=120,
        )  # fmt: skip

    assert run("demo", "--no-serve").returncode == 0
    for _ in range(2):
        chat = run("chat", lines="hola\n1\nsalir\n")
        assert chat.returncode == 0, chat.stderr
        assert "¿Qué servicio quieres?" in chat.stdout and "Traceback" not in chat.stderr
        assert " INFO " not in chat.stdout + chat.stderr  # the log went to its file
    assert (tmp_path / "yume-chat.log").exists()


def test_the_demo_banner_counts_the_upcoming_bookings() -> None:
    env = {"DATABASE_URL": DATABASE_URL, "YUME_SECRET_KEY": SECRET_KEY}
    result = CliRunner().invoke(main, ["demo", "--no-serve"], env=env)
    upcoming = (
        Appointment.select()
        .where((Appointment.start_at >= utcnow()) & Appointment.status.in_(ACTIVE_STATUSES))
        .count()
    )
    assert upcoming > 1
    assert f"  {upcoming} citas próximas, la primera: " in result.output
    assert "Rodrigo Hernández    +52 55 4123 8876" in result.output  # a formatted phone


def test_customer_history_uses_date_words_and_a_formatted_phone(
    wa, cast: Cast, jobs: JobRunner, fake_graph, guided
) -> None:
    juanito = get_or_create_customer(cast.org, "+525555550101", "Juanito Pérez")
    day = (datetime.now(TZ) + timedelta(days=8)).date()
    if day.weekday() == 6:  # the cast's barbershop is closed on Sundays
        day += timedelta(days=1)
    visit = book_appointment(
        cast.org, cast.haircut.id, datetime.combine(day, datetime.min.time(), TZ)
        .replace(hour=16), juanito, cast.owner.id, now=utcnow(),
    )  # fmt: skip
    say(wa, jobs, CHUY, "busca a Juanito Pérez")
    history = last_to(fake_graph, CHUY)
    assert "👤 *Juanito Pérez* (+52 55 5555 0101)" in history  # not «junio perez»
    local = visit.start_at.astimezone(TZ)
    weekday = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
    assert f"• {weekday[local.weekday()]} {local.day} de " in history and ", 4:00 PM — Corte" in (
        history
    )
    assert not re.search(r"\d\d/\d\d/\d{4}", history)
    say(wa, jobs, CHUY, "cliente 5555550101")
    assert "*Juanito Pérez*" in last_to(fake_graph, CHUY)


def test_blocked_time_shows_its_reason_once(cast: Cast) -> None:
    start = local(14, 15)
    add_time_off(cast.barber, start, start + timedelta(hours=1), "Bloqueado por WhatsApp")
    add_time_off(cast.barber, local(14, 17), local(14, 18), "comida")
    beto = Chat(cast, cast.barber.phone, "Beto")
    beto.say("agenda de mañana")
    assert "🚫 3:00 PM a 4:00 PM bloqueado\n" in beto.text
    assert "🚫 5:00 PM a 6:00 PM bloqueado (comida)" in beto.text
    assert beto.text.lower().count("bloqueado") == 2


def test_list_rows_put_the_overflow_into_the_description(cast: Cast) -> None:
    assert fit_row("Afeitado clásico con toalla caliente", "$220 · 30 min") == (
        "Afeitado clásico con",
        "toalla caliente · $220 · 30 min",
    )
    long = "en gel, con brillo y piedritas, " * 3
    listed = rows("¿Cuál?", "Ver", [("a", "Uñas acrílicas con diseño francés", long)])
    [(_, title, description)] = listed.rows
    assert title == "Uñas acrílicas con" and len(description) <= 72
    assert description.startswith("diseño francés · ") and description.endswith("…")


def test_a_walk_in_is_not_told_it_was_booked_nor_the_owner_of_what_he_did(cast: Cast) -> None:
    now = local(13, 11, 2)  # Wednesday, open
    chuy = Chat(cast, cast.owner.phone, "Chuy", now=now)
    chuy.say("cliente sin cita, corte ahorita")
    chuy.say("Pedro 55 1234 5678")
    assert "Registré a Pedro" in chuy.text
    told = notified(now)
    assert told == []  # Pedro is in the chair, and Chuy did it himself
    beto = Chat(cast, cast.barber.phone, "Beto", now=now)
    beto.say("llegó alguien sin cita, corte ahorita")
    beto.say("Luis 55 8765 4321")
    told = notified(now)
    assert [c.phone for c in told] == [cast.owner.phone]  # Beto's walk-in: the owner hears


def notified(now: datetime) -> list[Conversation]:
    """Whom the latest booking's notices go to (as jobs.appointments.process_event queues)."""
    event = AppointmentEvent.select().order_by(AppointmentEvent.id.desc()).get()
    ids = queue_notices(event, event.appointment, now)
    return [Conversation.get_by_id(i) for i in ids]


def test_the_slot_list_hint_never_says_el_viernes_when_tomorrow_is_friday(cast: Cast) -> None:
    thursday = datetime(2027, 1, 14, 9, 10, tzinfo=TZ)
    ana = Chat(cast, cast.customer.phone, now=thursday)
    ana.say("un corte mañana en la mañana")
    assert "«el viernes" not in ana.text and "p. ej. «el sábado a la 1»" in ana.text
    book(cast, local(15, 11))  # (and the rest of the dialogue still works)
    assert Customer.get(Customer.phone == cast.customer.phone).name == "Ana"


def test_the_readme_stands_alone_and_its_example_date_is_computed() -> None:
    readme = (REPO / "README.md").read_text()
    assert "CONTRACTS.md" not in readme and "../" not in readme
    curl = next(line for line in readme.splitlines() if line.startswith("curl "))
    assert "$(" in curl and not re.search(r"date=\d{4}-\d\d-\d\d", curl)


def test_a_template_button_tap_from_the_owner_is_understood(
    wa, cast: Cast, jobs: JobRunner, fake_graph, guided
) -> None:
    webhooks.post(wa, webhooks.template_button(CHUY, "own:yume:999999", "Que siga Yume"))
    jobs.run()
    assert "Ya no encontré esa conversación." in last_to(fake_graph, CHUY)
