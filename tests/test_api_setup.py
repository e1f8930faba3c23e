"""Setting up a business through the REST API: organizations, staff, services, time off."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.cast import Cast, next_weekday
from tests.conftest import AUTH
from yume.models import DEFAULT_SETTINGS, Organization, ServiceType, Staff


def org_url(org: Any, *parts: Any) -> str:
    org_id = org if isinstance(org, int) else org.id
    return "/".join(["/api/v1/organizations", str(org_id), *map(str, parts)])


def new_org(**fields: Any) -> dict[str, Any]:
    return {"name": "Estética Rosy", "whatsapp_phone_number_id": "3003", **fields}


# -- organizations --------------------------------------------------------------------------


def test_it_creates_an_organization(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/organizations",
        headers=AUTH,
        json=new_org(
            timezone="America/Monterrey",
            whatsapp_access_token="EAAG-secret",
            settings={"slot_minutes": 30},
            address="Calle 5 de Mayo 10",
            opening_hours=[{"weekday": 0, "start": "09:00", "end": "18:00"}],
        ),
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["name"] == "Estética Rosy"
    assert body["timezone"] == "America/Monterrey"
    assert body["whatsapp_phone_number_id"] == "3003"
    assert body["settings"] == {**DEFAULT_SETTINGS, "slot_minutes": 30}
    assert body["address"] == "Calle 5 de Mayo 10"
    assert body["opening_hours"] == [{"weekday": 0, "start": "09:00", "end": "18:00"}]
    assert body["has_whatsapp_access_token"] is True
    assert "whatsapp_access_token" not in body
    assert Organization.get_by_id(body["id"]).whatsapp_access_token == "EAAG-secret"


def test_it_creates_an_organization_with_defaults(client: FlaskClient) -> None:
    response = client.post("/api/v1/organizations", headers=AUTH, json=new_org())
    body = response.get_json()
    assert response.status_code == 201
    assert body["timezone"] == "America/Mexico_City"
    assert body["settings"] == DEFAULT_SETTINGS
    assert body["opening_hours"] == []
    assert body["has_whatsapp_access_token"] is False


@pytest.mark.parametrize("timezone", ["Mars/Base", "America", "A" * 300, "../../etc/passwd", ""])
def test_it_refuses_an_unknown_timezone(client: FlaskClient, timezone: str) -> None:
    response = client.post("/api/v1/organizations", headers=AUTH, json=new_org(timezone=timezone))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_error"


def test_it_refuses_a_whatsapp_number_another_business_has(client: FlaskClient, cast: Cast) -> None:
    response = client.post(
        "/api/v1/organizations", headers=AUTH, json=new_org(whatsapp_phone_number_id="2002")
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


@pytest.mark.parametrize(
    "settings",
    [{"colour": "pink"}, {"slot_minutes": 7}, {"slot_minutes": 0}, {"booking_horizon_days": "9"}],
)
def test_it_refuses_settings_that_make_no_sense(
    client: FlaskClient, settings: dict[str, Any]
) -> None:
    response = client.post("/api/v1/organizations", headers=AUTH, json=new_org(settings=settings))
    assert response.status_code == 422


def test_it_refuses_overlapping_opening_hours(client: FlaskClient) -> None:
    hours = [
        {"weekday": 1, "start": "09:00", "end": "14:00"},
        {"weekday": 1, "start": "13:00", "end": "18:00"},
    ]
    response = client.post("/api/v1/organizations", headers=AUTH, json=new_org(opening_hours=hours))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid"


def test_it_reads_an_organization(client: FlaskClient, cast: Cast) -> None:
    response = client.get(org_url(cast.org), headers=AUTH)
    body = response.get_json()
    assert response.status_code == 200
    assert body["id"] == cast.org.id
    assert body["address"] == "Av. Juárez 123, CDMX"
    assert body["settings"]["min_notice_minutes"] == 0
    assert body["settings"]["slot_minutes"] == 15
    assert len(body["opening_hours"]) == 6
    assert body["opening_hours"][0] == {"weekday": 0, "start": "10:00", "end": "20:00"}


def test_it_answers_404_for_an_unknown_organization(client: FlaskClient, cast: Cast) -> None:
    response = client.get(org_url(cast.other_org.id + 100), headers=AUTH)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_it_changes_only_the_fields_sent(client: FlaskClient, cast: Cast) -> None:
    cast.org.whatsapp_access_token = "old"
    cast.org.save()
    response = client.patch(
        org_url(cast.org),
        headers=AUTH,
        json={
            "name": "Don Chuy",
            "settings": {"booking_horizon_days": 30},
            "opening_hours": [{"weekday": 5, "start": "08:00", "end": "12:00"}],
            "whatsapp_access_token": None,
            "timezone": None,
        },
    )
    body = response.get_json()
    assert response.status_code == 200
    assert body["name"] == "Don Chuy"
    assert body["timezone"] == "America/Mexico_City"
    assert body["settings"]["booking_horizon_days"] == 30
    assert body["settings"]["min_notice_minutes"] == 0  # merged, not replaced
    assert body["opening_hours"] == [{"weekday": 5, "start": "08:00", "end": "12:00"}]
    assert body["has_whatsapp_access_token"] is False
    assert body["whatsapp_phone_number_id"] == "1001"
    assert body["address"] == "Av. Juárez 123, CDMX"


def test_it_refuses_to_take_another_business_number_on_patch(
    client: FlaskClient, cast: Cast
) -> None:
    response = client.patch(
        org_url(cast.org), headers=AUTH, json={"whatsapp_phone_number_id": "2002"}
    )
    assert response.status_code == 409


# -- staff ----------------------------------------------------------------------------------

SCHEDULE = [
    {"weekday": 0, "start": "10:00", "end": "14:00"},
    {"weekday": 0, "start": "15:00", "end": "19:00"},
]


def test_it_adds_staff_with_a_normalised_phone(client: FlaskClient, cast: Cast) -> None:
    response = client.post(
        org_url(cast.org, "staff"),
        headers=AUTH,
        json={
            "name": "Memo",
            "phone": "044 55 1234 5678",
            "role": "staff",
            "schedule": SCHEDULE,
            "service_ids": [cast.beard.id],
        },
    )
    body = response.get_json()
    assert response.status_code == 201
    assert body["phone"] == "+525512345678"
    assert body["role"] == "staff"
    assert body["schedule"] == SCHEDULE
    assert body["service_ids"] == [cast.beard.id]
    assert body["active"] is True


def test_it_takes_absent_service_ids_as_every_service(client: FlaskClient, cast: Cast) -> None:
    response = client.post(
        org_url(cast.org, "staff"),
        headers=AUTH,
        json={"name": "Memo", "phone": "5512345678", "role": "owner", "schedule": []},
    )
    assert response.status_code == 201
    assert response.get_json()["service_ids"] is None


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("phone", "not a phone", "invalid"),
        ("role", "boss", "validation_error"),
        ("service_ids", [999], "invalid"),
        ("schedule", [{"weekday": 7, "start": "10:00", "end": "11:00"}], "validation_error"),
        ("schedule", [{"weekday": 1, "start": "12:00", "end": "11:00"}], "invalid"),
        ("schedule", [{"weekday": 1, "start": "25:00", "end": "26:00"}], "validation_error"),
    ],
)
def test_it_refuses_staff_that_cannot_work(
    client: FlaskClient, cast: Cast, field: str, value: Any, code: str
) -> None:
    staff = {"name": "Memo", "phone": "5512345678", "role": "staff", "schedule": SCHEDULE}
    response = client.post(org_url(cast.org, "staff"), headers=AUTH, json={**staff, field: value})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == code


def test_it_refuses_a_phone_someone_on_the_team_has(client: FlaskClient, cast: Cast) -> None:
    response = client.post(
        org_url(cast.org, "staff"),
        headers=AUTH,
        json={"name": "Otro", "phone": "55 1111 2222", "role": "staff", "schedule": []},
    )
    assert response.status_code == 409


def test_it_lists_the_staff_of_one_organization(client: FlaskClient, cast: Cast) -> None:
    response = client.get(org_url(cast.org, "staff"), headers=AUTH)
    staff = response.get_json()["staff"]
    assert [s["name"] for s in staff] == ["Chuy", "Beto"]
    assert staff[0]["service_ids"] is None
    assert staff[1]["service_ids"] == [cast.haircut.id]


def test_it_reads_a_staff_member(client: FlaskClient, cast: Cast) -> None:
    response = client.get(org_url(cast.org, "staff", cast.barber.id), headers=AUTH)
    body = response.get_json()
    assert body["name"] == "Beto"
    assert body["phone"] == "+525533334444"
    assert len(body["schedule"]) == 12


def test_it_replaces_schedule_and_services(client: FlaskClient, cast: Cast) -> None:
    response = client.patch(
        org_url(cast.org, "staff", cast.barber.id),
        headers=AUTH,
        json={"schedule": SCHEDULE, "service_ids": None, "name": "Alberto"},
    )
    body = response.get_json()
    assert response.status_code == 200
    assert body["name"] == "Alberto"
    assert body["schedule"] == SCHEDULE
    assert body["service_ids"] is None
    assert body["phone"] == "+525533334444"


def test_it_opts_staff_in_to_the_morning_agenda(client: FlaskClient, cast: Cast) -> None:
    response = client.post(
        org_url(cast.org, "staff"),
        headers=AUTH,
        json={
            "name": "Memo",
            "phone": "5512345678",
            "role": "staff",
            "schedule": SCHEDULE,
            "morning_agenda": True,
            "morning_agenda_hour": 7,
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert (body["morning_agenda"], body["morning_agenda_hour"]) == (True, 7)
    url = org_url(cast.org, "staff", body["id"])
    fetched = client.get(url, headers=AUTH).get_json()
    assert (fetched["morning_agenda"], fetched["morning_agenda_hour"]) == (True, 7)

    patched = client.patch(url, headers=AUTH, json={"morning_agenda_hour": None}).get_json()
    assert (patched["morning_agenda"], patched["morning_agenda_hour"]) == (True, None)
    patched = client.patch(url, headers=AUTH, json={"morning_agenda": False}).get_json()
    assert (patched["morning_agenda"], patched["morning_agenda_hour"]) == (False, None)
    patched = client.patch(url, headers=AUTH, json={"name": "Guillermo"}).get_json()
    assert (patched["morning_agenda"], patched["morning_agenda_hour"]) == (False, None)
    listed = client.get(org_url(cast.org, "staff"), headers=AUTH).get_json()["staff"]
    assert {(s["name"], s["morning_agenda"]) for s in listed} >= {("Guillermo", False)}


def test_it_patches_the_morning_agenda_hour_alone(client: FlaskClient, cast: Cast) -> None:
    url = org_url(cast.org, "staff", cast.barber.id)
    before = client.get(url, headers=AUTH).get_json()
    assert (before["morning_agenda"], before["morning_agenda_hour"]) == (False, None)
    patched = client.patch(url, headers=AUTH, json={"morning_agenda_hour": 9}).get_json()
    assert (patched["morning_agenda"], patched["morning_agenda_hour"]) == (False, 9)
    patched = client.patch(url, headers=AUTH, json={"morning_agenda": True}).get_json()
    assert (patched["morning_agenda"], patched["morning_agenda_hour"]) == (True, 9)


@pytest.mark.parametrize(
    "fields",
    [
        {"morning_agenda_hour": 24},
        {"morning_agenda_hour": -1},
        {"morning_agenda_hour": "9"},
        {"morning_agenda": "yes"},
    ],
)
def test_it_refuses_a_morning_agenda_that_cannot_be(
    client: FlaskClient, cast: Cast, fields: dict[str, Any]
) -> None:
    staff = {"name": "Memo", "phone": "5512345678", "role": "staff", "schedule": SCHEDULE}
    response = client.post(org_url(cast.org, "staff"), headers=AUTH, json={**staff, **fields})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_error"
    url = org_url(cast.org, "staff", cast.barber.id)
    response = client.patch(url, headers=AUTH, json=fields)
    assert response.status_code == 422
    assert client.get(url, headers=AUTH).get_json()["morning_agenda_hour"] is None


def test_it_deactivates_staff_on_delete(client: FlaskClient, cast: Cast) -> None:
    response = client.delete(org_url(cast.org, "staff", cast.barber.id), headers=AUTH)
    assert response.status_code == 204
    assert response.get_data() == b""
    assert Staff.get_by_id(cast.barber.id).active is False
    assert client.get(org_url(cast.org, "staff", cast.barber.id), headers=AUTH).status_code == 404
    names = [s["name"] for s in client.get(org_url(cast.org, "staff"), headers=AUTH).json["staff"]]
    assert names == ["Chuy"]


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_it_hides_staff_of_another_organization(
    client: FlaskClient, cast: Cast, method: str
) -> None:
    response = getattr(client, method)(
        org_url(cast.org, "staff", cast.other_staff.id), headers=AUTH, json={"name": "X"}
    )
    assert response.status_code == 404
    assert Staff.get_by_id(cast.other_staff.id).name == "Lupita"


def test_it_blocks_time_off_in_local_time(client: FlaskClient, cast: Cast) -> None:
    day = next_weekday(0)
    response = client.post(
        org_url(cast.org, "staff", cast.owner.id, "time-off"),
        headers=AUTH,
        json={"start": f"{day}T10:00", "end": f"{day}T20:00", "reason": "Dentista"},
    )
    body = response.get_json()
    assert response.status_code == 201
    assert body["staff_id"] == cast.owner.id
    assert body["start"] == f"{day}T10:00:00-06:00"
    assert body["end"] == f"{day}T20:00:00-06:00"
    assert body["reason"] == "Dentista"
    slots = client.get(
        org_url(cast.org, "availability"),
        headers=AUTH,
        query_string={"service_id": cast.haircut.id, "date": str(day)},
    ).json["slots"]
    assert slots and {s["staff_id"] for s in slots} == {cast.barber.id}


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-12-01T12:00", "2026-12-01T11:00"),
        ("0001-01-01T00:00", "0001-01-02T00:00"),
        ("9999-12-31T00:00", "9999-12-31T23:59"),
        ("2026-02-30T10:00", "2026-03-01T10:00"),
        ("mañana", "pasado"),
    ],
)
def test_it_refuses_time_off_that_cannot_be(
    client: FlaskClient, cast: Cast, start: str, end: str
) -> None:
    response = client.post(
        org_url(cast.org, "staff", cast.owner.id, "time-off"),
        headers=AUTH,
        json={"start": start, "end": end},
    )
    assert response.status_code == 422


# -- services -------------------------------------------------------------------------------


def test_it_adds_a_service(client: FlaskClient, cast: Cast) -> None:
    response = client.post(
        org_url(cast.org, "services"),
        headers=AUTH,
        json={"name": "Tinte", "duration_minutes": 90, "price_mxn": 650.5},
    )
    body = response.get_json()
    assert response.status_code == 201
    assert body == {
        "id": body["id"],
        "name": "Tinte",
        "duration_minutes": 90,
        "price_mxn": 650.5,
        "buffer_minutes": 0,
        "active": True,
    }


@pytest.mark.parametrize(
    "change",
    [{"duration_minutes": 3}, {"price_mxn": -1}, {"buffer_minutes": 500}, {"name": "   "}],
)
def test_it_refuses_services_that_make_no_sense(
    client: FlaskClient, cast: Cast, change: dict[str, Any]
) -> None:
    service = {"name": "Tinte", "duration_minutes": 90, "price_mxn": 650, **change}
    response = client.post(org_url(cast.org, "services"), headers=AUTH, json=service)
    assert response.status_code == 422


def test_it_lists_the_services_of_one_organization(client: FlaskClient, cast: Cast) -> None:
    services = client.get(org_url(cast.org, "services"), headers=AUTH).json["services"]
    assert [(s["name"], s["price_mxn"]) for s in services] == [
        ("Corte de cabello", 250.0),
        ("Arreglo de barba", 150.0),
    ]


def test_it_changes_a_service(client: FlaskClient, cast: Cast) -> None:
    response = client.patch(
        org_url(cast.org, "services", cast.beard.id),
        headers=AUTH,
        json={"price_mxn": 180, "buffer_minutes": 0, "name": None},
    )
    body = response.get_json()
    assert response.status_code == 200
    assert (body["name"], body["price_mxn"], body["buffer_minutes"]) == ("Arreglo de barba", 180, 0)
    assert client.get(org_url(cast.org, "services", cast.beard.id), headers=AUTH).json == body


def test_it_deactivates_a_service_on_delete(client: FlaskClient, cast: Cast) -> None:
    response = client.delete(org_url(cast.org, "services", cast.beard.id), headers=AUTH)
    assert response.status_code == 204
    assert ServiceType.get_by_id(cast.beard.id).active is False
    assert client.get(org_url(cast.org, "services", cast.beard.id), headers=AUTH).status_code == 404
    names = [
        s["name"] for s in client.get(org_url(cast.org, "services"), headers=AUTH).json["services"]
    ]
    assert names == ["Corte de cabello"]


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_it_hides_services_of_another_organization(
    client: FlaskClient, cast: Cast, method: str
) -> None:
    response = getattr(client, method)(
        org_url(cast.org, "services", cast.other_service.id), headers=AUTH, json={"name": "X"}
    )
    assert response.status_code == 404
    assert ServiceType.get_by_id(cast.other_service.id).active is True
