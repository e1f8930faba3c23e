"""The templates Yume needs, defined in one place; shown and submitted from the CLI."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from tests.conftest import DATABASE_URL
from yume import business
from yume.commands.templates import templates
from yume.reminders_models import business_account_id, set_business_account_id
from yume.template_sync import graph_definition
from yume.templates import ALL, TEMPLATES

NEEDED = {
    "yume_recordatorio_cita",
    "yume_cita_agendada",
    "yume_cita_cambiada",
    "yume_cita_cancelada",
    "yume_aviso_cita_equipo",
    "yume_agenda_del_dia",
}
VARIABLE = re.compile(r"\{\{(\d+)\}\}")


@pytest.fixture
def run(fake_graph):
    runner = CliRunner()
    env = {"DATABASE_URL": DATABASE_URL, "META_GRAPH_URL": fake_graph.url}

    def invoke(*args: str):
        return runner.invoke(templates, list(args), env=env)

    return invoke


@pytest.mark.parametrize("template", ALL, ids=lambda t: t.name)
def test_it_defines_each_template_the_way_meta_accepts_it(template):
    numbers = [int(n) for n in VARIABLE.findall(template.body)]
    assert numbers == list(range(1, len(template.variables) + 1))
    assert len(template.examples) == len(template.variables)
    assert (template.language, template.category) == ("es_MX", "UTILITY")
    assert not template.body.startswith("{{") and not template.body.endswith("}}")
    assert len(template.body) <= 1024 and "\n" not in template.body
    assert len(template.buttons) <= 3 and all(len(b) <= 25 for b in template.buttons)
    assert re.fullmatch(r"[a-z0-9_]+", template.name)


def test_it_defines_every_template_yume_needs():
    assert set(TEMPLATES) >= NEEDED
    assert TEMPLATES["yume_recordatorio_cita"].buttons == (
        "Confirmo",
        "Cambiar horario",
        "Cancelar",
    )


def test_it_builds_the_graph_definition_with_examples_and_buttons():
    definition = graph_definition(TEMPLATES["yume_recordatorio_cita"])
    assert definition["language"] == "es_MX" and definition["category"] == "UTILITY"
    body, buttons = definition["components"]
    assert body["type"] == "BODY" and len(body["example"]["body_text"][0]) == 4
    assert [b["text"] for b in buttons["buttons"]] == ["Confirmo", "Cambiar horario", "Cancelar"]
    assert {b["type"] for b in buttons["buttons"]} == {"QUICK_REPLY"}


def test_it_shows_the_templates(run):
    result = run()
    assert result.exit_code == 0, result.output
    for name in NEEDED:
        assert name in result.output
    assert "botones: Confirmo | Cambiar horario | Cancelar" in result.output
    assert "{{3}} día y hora" in result.output


def test_it_submits_the_templates_and_reports_their_status(cast, run, fake_graph):
    result = run("sync", "--org", str(cast.org.id), "--waba", "WABA42")
    assert result.exit_code == 0, result.output
    assert business_account_id(cast.org.id) == "WABA42"
    posts = [r for r in fake_graph.requests if r.method == "POST"]
    assert {r.path for r in posts} == {"/v23.0/WABA42/message_templates"}
    assert {t["name"] for t in fake_graph.templates} == set(TEMPLATES)
    assert all(r.token == "token-1001" for r in fake_graph.requests)
    assert "yume_recordatorio_cita" in result.output and "PENDING" in result.output
    assert "0 de 9 aprobadas." in result.output
    fake_graph.set_template_status("yume_recordatorio_cita", "APPROVED")
    again = run("sync", "--org", str(cast.org.id))
    assert again.exit_code == 0, again.output
    assert "ya existía" in again.output
    assert re.search(r"yume_recordatorio_cita\s+es_MX\s+APPROVED", again.output)
    assert len(fake_graph.templates) == len(TEMPLATES)  # nothing created twice


def test_it_reports_the_approval_status(cast, run, fake_graph):
    set_business_account_id(cast.org.id, "WABA42")
    missing = run("status", "--org", str(cast.org.id))
    assert "MISSING" in missing.output
    run("sync", "--org", str(cast.org.id))
    fake_graph.set_template_status("yume_agenda_del_dia", "REJECTED")
    result = run("status", "--org", str(cast.org.id))
    assert re.search(r"yume_agenda_del_dia\s+es_MX\s+REJECTED", result.output)


def test_it_needs_a_business_account_to_sync(cast, run, fake_graph):
    result = run("sync", "--org", str(cast.org.id))
    assert result.exit_code != 0
    assert "whatsapp_business_account_id" in result.output
    assert fake_graph.requests == []
    assert run("sync", "--org", "999").exit_code != 0


def test_it_keeps_the_business_account_on_the_organization(cast):
    org = business.create_organization(
        "Salón Bella", whatsapp_phone_number_id="4004", whatsapp_business_account_id="WABA7"
    )
    assert business_account_id(org.id) == "WABA7"
    business.update_organization(org, {"whatsapp_business_account_id": "WABA8"})
    assert business_account_id(org.id) == "WABA8"
    business.update_organization(org, {"whatsapp_business_account_id": None})
    assert business_account_id(org.id) is None
