"""`python -m yume`: migrate, demo, import, help, clear errors."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from tests.conftest import DATABASE_URL, SECRET_KEY
from yume.cli import main
from yume.demo import DEMO_PHONE_NUMBER_ID
from yume.models import (
    Appointment,
    AvailabilityException,
    Organization,
    ServiceType,
    Staff,
    WorkingHours,
    utcnow,
)
from yume.reminders_models import morning_agenda_of

EXAMPLE = "examples/barberia.yaml"


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str):
        env = {"DATABASE_URL": DATABASE_URL, "YUME_SECRET_KEY": SECRET_KEY}
        return runner.invoke(main, list(args), env=env)

    return invoke


def test_it_lists_its_commands(run):
    result = run("--help")
    assert result.exit_code == 0
    for command in ("serve", "migrate", "demo", "import"):
        assert command in result.output


def test_it_migrates_idempotently(run):
    result = run("migrate")
    assert result.exit_code == 0, result.output
    assert "Nada que migrar" in result.output


def test_it_creates_a_realistic_demo_barbershop_once(run):
    result = run("demo", "--no-serve")
    assert result.exit_code == 0, result.output
    org = Organization.get(Organization.whatsapp_phone_number_id == DEMO_PHONE_NUMBER_ID)
    staff = list(Staff.select().where(Staff.organization == org))
    assert [s.role for s in staff].count("owner") == 1 and len(staff) == 3
    assert all(s.phone.startswith("+52") and len(s.phone) == 13 for s in staff)
    assert ServiceType.select().where(ServiceType.organization == org).count() == 5
    # a lunch break: two working intervals on Monday for the owner
    owner = next(s for s in staff if s.role == "owner")
    assert (
        WorkingHours.select()
        .where((WorkingHours.staff == owner) & (WorkingHours.weekday == 0))
        .count()
        == 2
    )
    # a day off: somebody has no hours on some weekday from Monday to Friday
    assert any(
        not WorkingHours.select()
        .where((WorkingHours.staff == s) & (WorkingHours.weekday == d))
        .exists()
        for s in staff
        for d in range(5)
    )
    week = Appointment.select().where(
        (Appointment.organization == org)
        & (Appointment.start_at >= utcnow())
        & (Appointment.start_at < utcnow() + timedelta(days=7))
    )
    assert week.count() >= 5
    assert "Barbería El Güero" in result.output

    again = run("demo", "--no-serve")
    assert again.exit_code == 0
    assert Organization.select().count() == 1


def test_it_imports_the_example_business(run):
    result = run("import", EXAMPLE)
    assert result.exit_code == 0, result.output
    org = Organization.get(Organization.name == "Barbería La Navaja")
    jorge = Staff.get(Staff.name == "Jorge Salinas")
    assert jorge.phone == "+525534567890"
    assert not jorge.all_services and jorge.service_links.count() == 2
    assert WorkingHours.select().where(WorkingHours.staff == jorge).count() == 10
    assert AvailabilityException.select().where(AvailabilityException.staff == jorge).count() == 1
    assert org.setting("booking_horizon_days") == 30
    mariana = Staff.get(Staff.name == "Mariana Torres")
    assert morning_agenda_of(mariana.id) == (True, 9)
    assert morning_agenda_of(jorge.id) == (False, None)


def test_it_imports_the_morning_agenda(run, tmp_path):
    path = tmp_path / "salon.yaml"
    path.write_text(
        "organization: {name: X}\n"
        "services: [{name: Corte, duration_minutes: 30, price_mxn: 100}]\n"
        "staff:\n"
        "  - {name: A, phone: '+52 55 1234 5678', morning_agenda: true}\n"
        "  - {name: B, phone: '55 8765 4321', morning_agenda: true, morning_agenda_hour: 7}\n"
    )
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    assert morning_agenda_of(Staff.get(Staff.name == "A").id) == (True, None)
    assert morning_agenda_of(Staff.get(Staff.name == "B").id) == (True, 7)


def test_it_refuses_a_morning_agenda_hour_past_23(run, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "organization: {name: X}\n"
        "services: [{name: Corte, duration_minutes: 30, price_mxn: 100}]\n"
        "staff: [{name: A, phone: '+52 55 1234 5678', morning_agenda_hour: 24}]\n"
    )
    result = run("import", str(path))
    assert result.exit_code != 0
    assert "staff[0].morning_agenda_hour: debe ser menor o igual a 23" in result.output
    assert Organization.select().count() == 0


def test_it_imports_json_too(run, tmp_path):
    path = tmp_path / "salon.json"
    path.write_text(
        json.dumps(
            {
                "organization": {"name": "Salón Bella", "whatsapp_phone_number_id": 555},
                "services": [{"name": "Uñas acrílicas", "duration_minutes": 90, "price_mxn": 450}],
                "staff": [
                    {
                        "name": "Lupita",
                        "phone": "5215511112222",
                        "role": "owner",
                        "schedule": [{"weekday": 0, "start": "10:00", "end": "18:00"}],
                    }
                ],
            }
        )
    )
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    assert Staff.get(Staff.name == "Lupita").phone == "+525511112222"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("organization: [", "no es JSON/YAML válido"),
        ("- 1\n- 2\n", "se esperaba un objeto"),
        ("organization: {name: X}\nservices: []\nstaff: []\n", "services"),
    ],
)
def test_it_explains_a_broken_file(run, tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    result = run("import", str(path))
    assert result.exit_code != 0
    assert message in result.output
    assert Organization.select().count() == 0


def test_it_names_the_bad_place_and_creates_nothing(run, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "organization: {name: X}\n"
        "services: [{name: Corte, duration_minutes: 30, price_mxn: 100}]\n"
        "staff:\n"
        "  - {name: A, phone: '+52 55 1234 5678'}\n"
        "  - {name: B, phone: 'hola'}\n"
    )
    result = run("import", str(path))
    assert result.exit_code != 0
    assert "staff[1]" in result.output and "número inválido" in result.output
    assert Organization.select().count() == 0


def test_it_says_when_the_file_is_missing(run):
    result = run("import", "no-such-file.yaml")
    assert result.exit_code != 0
    assert "no se pudo leer" in result.output


def test_ops_see_and_retry_the_deliveries_that_gave_up(run):
    from yume.queue import get_queue
    from yume.webhook_journal import MAX_ATTEMPTS, InboundWebhook

    InboundWebhook.create(body=b"{}", attempts=MAX_ATTEMPTS, last_error="RuntimeError('bug')")
    InboundWebhook.create(body=b"{}")
    shown = run("journal")
    assert shown.exit_code == 0, shown.output
    assert "por procesar: 1" in shown.output and "intentos: 1" in shown.output
    assert "RuntimeError('bug')" in shown.output
    retried = run("journal", "--retry")
    assert "1 entregas vuelven a la cola." in retried.output
    assert InboundWebhook.select().where(InboundWebhook.attempts == 0).count() == 2
    assert [job for job, _args, _delay in get_queue(None).jobs] == ["jobs.ingest.ingest_webhooks"]


def test_it_names_the_staff_schedule_that_overlaps(run, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "organization: {name: X}\n"
        "services: [{name: Corte, duration_minutes: 30, price_mxn: 100}]\n"
        "staff:\n"
        "  - name: A\n"
        "    phone: '+52 55 1234 5678'\n"
        "    schedule:\n"
        "      - {weekday: 0, start: '10:00', end: '14:00'}\n"
        "      - {weekday: 0, start: '13:00', end: '18:00'}\n"
    )
    result = run("import", str(path))
    assert result.exit_code != 0
    assert "staff[0].schedule" in result.output, result.output
    assert Organization.select().count() == 0


def test_the_serve_banner_never_prints_a_password():
    from yume.cli import without_password

    assert without_password("rediss://:s3cret@redis.example.com:6380/0?ssl_cert_reqs=none") == (
        "rediss://:***@redis.example.com:6380/0"
    )
    assert without_password("postgres://yume:p%40ss@db.example.com/yume?sslmode=require") == (
        "postgres://yume:***@db.example.com/yume"
    )
    assert without_password("sqlite:///yume.db") == "sqlite:///yume.db"
