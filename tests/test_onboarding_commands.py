"""`python -m yume invite` and `orgs`, and the API's signup links and connection state."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from tests.conftest import AUTH, DATABASE_URL, SECRET_KEY
from yume.cli import main
from yume.models import Organization, Staff
from yume.onboarding.links import resolve
from yume.onboarding.models import Connection
from yume.onboarding.templates import record
from yume.templates import ALL

LINK = re.compile(r"(https?://\S+/connect/(\S+))")


@pytest.fixture
def run():
    env = {"DATABASE_URL": DATABASE_URL, "YUME_SECRET_KEY": SECRET_KEY, "YUME_PUBLIC_URL": ""}

    def invoke(*args: str):
        return CliRunner().invoke(main, list(args), env=env)

    return invoke


def test_invite_makes_a_pending_business_and_prints_its_one_time_link(run):
    result = run("invite", "--name", "Barbería X", "--owner-phone", "+52 55 4123 8876")
    assert result.exit_code == 0, result.output
    url, token = LINK.search(result.output).groups()
    assert url.startswith("http://127.0.0.1:8000/connect/")
    org = Organization.get(Organization.name == "Barbería X")
    assert resolve(token).organization_id == org.id
    owner = Staff.get(Staff.organization == org)
    assert (owner.role, owner.phone) == ("owner", "+525541238876")
    again = run("invite", "--org", str(org.id), "--base-url", "https://yume.example.com")
    assert "https://yume.example.com/connect/" in again.output


def test_invite_refuses_what_it_cannot_use_with_a_clear_message(run):
    assert "da --name y --owner-phone" in run("invite", "--name", "Solo nombre").output
    bad = run("invite", "--name", "X", "--owner-phone", "hola")
    assert bad.exit_code != 0 and "número inválido" in bad.output
    assert run("invite", "--org", "999").exit_code != 0


def test_orgs_lists_connection_and_template_status(run, cast):
    Connection.insert(
        organization=cast.org, state="degraded", reason="plantilla rechazada", steps={}
    ).execute()
    for template in ALL[:3]:
        record(cast.org, template.name, template.language, "APPROVED")
    record(cast.org, ALL[3].name, ALL[3].language, "REJECTED", "INVALID_FORMAT")
    result = run("orgs")
    assert result.exit_code == 0, result.output
    assert (
        "Barbería Don Chuy" in result.output and "degraded (plantilla rechazada)" in result.output
    )
    assert f"3 de 4 aprobadas · {ALL[3].name} REJECTED" in result.output
    assert "Uñas Lupita" in result.output and "pending" in result.output


def test_the_api_makes_signup_links_and_shows_the_connection(client, cast):
    made = client.post(
        "/api/v1/signup-links",
        json={"name": "Salón Sol", "owner_phone": "55 1111 2222", "days": 3},
        headers=AUTH,
    )
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert "/connect/" in body["url"]
    shown = client.get(f"/api/v1/organizations/{body['organization_id']}/connection", headers=AUTH)
    assert shown.get_json()["state"] == "pending"
    assert shown.get_json()["missing_setup"] == ["servicios", "alguien con horario"]
    assert client.post("/api/v1/signup-links", json={"name": "X"}, headers=AUTH).status_code == 422
    assert (
        client.post("/api/v1/signup-links", json={"organization_id": 99}, headers=AUTH).status_code
        == 404
    )
    assert client.post("/api/v1/signup-links", json={"name": "X"}).status_code == 401
    assert client.get("/api/v1/organizations/99/connection", headers=AUTH).status_code == 404
