"""Availability, appointments, customers and conversations through the REST API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.cast import Cast, next_weekday
from tests.conftest import AUTH
from yume.models import Appointment, Conversation, Customer, Message

MONDAY = next_weekday(0)


def org_url(org: Any, *parts: Any) -> str:
    return "/".join(["/api/v1/organizations", str(org.id), *map(str, parts)])


def book(client: FlaskClient, cast: Cast, start: str, **fields: Any) -> Any:
    body = {
        "service_id": cast.haircut.id,
        "start": start,
        "customer": {"phone": "55 9999 8888"},
        **fields,
    }
    return client.post(org_url(cast.org, "appointments"), headers=AUTH, json=body)


def error_code(response: Any) -> str:
    return response.get_json()["error"]["code"]


# -- availability ---------------------------------------------------------------------------


def test_it_lists_open_slots_with_the_organization_offset(client: FlaskClient, cast: Cast) -> None:
    response = client.get(
        org_url(cast.org, "availability"),
        headers=AUTH,
        query_string={"service_id": cast.haircut.id, "date": MONDAY.isoformat()},
    )
    slots = response.get_json()["slots"]
    assert response.status_code == 200
    assert slots[0] == {
        "start": f"{MONDAY}T10:00:00-06:00",
        "end": f"{MONDAY}T10:30:00-06:00",
        "staff_id": cast.owner.id,
    }
    assert all(s["start"].endswith("-06:00") for s in slots)


def test_it_lists_one_staff_members_slots(client: FlaskClient, cast: Cast) -> None:
    slots = client.get(
        org_url(cast.org, "availability"),
        headers=AUTH,
        query_string={
            "service_id": cast.haircut.id,
            "date": str(MONDAY),
            "staff_id": cast.barber.id,
        },
    ).json["slots"]
    assert slots and {s["staff_id"] for s in slots} == {cast.barber.id}


@pytest.mark.parametrize(
    "day", [date(2020, 1, 6), date(1970, 1, 1), date.today() + timedelta(days=200)]
)
def test_it_has_no_slots_in_the_past_or_beyond_the_horizon(
    client: FlaskClient, cast: Cast, day: date
) -> None:
    response = client.get(
        org_url(cast.org, "availability"),
        headers=AUTH,
        query_string={"service_id": cast.haircut.id, "date": day.isoformat()},
    )
    assert response.status_code == 200
    assert response.get_json() == {"slots": []}


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-02-30", "mañana", "20261201"])
def test_it_refuses_days_that_are_not_days(client: FlaskClient, cast: Cast, day: str) -> None:
    response = client.get(
        org_url(cast.org, "availability"),
        headers=AUTH,
        query_string={"service_id": cast.haircut.id, "date": day},
    )
    assert response.status_code == 422
    assert error_code(response) == "validation_error"


def test_it_needs_a_service_for_availability(client: FlaskClient, cast: Cast) -> None:
    response = client.get(
        org_url(cast.org, "availability"), headers=AUTH, query_string={"date": str(MONDAY)}
    )
    assert response.status_code == 422
    assert "service_id" in response.get_json()["error"]["message"]


def test_it_hides_services_and_staff_of_another_organization_from_availability(
    client: FlaskClient, cast: Cast
) -> None:
    query = {"service_id": cast.other_service.id, "date": str(MONDAY)}
    response = client.get(org_url(cast.org, "availability"), headers=AUTH, query_string=query)
    assert response.status_code == 404
    query = {"service_id": cast.haircut.id, "date": str(MONDAY), "staff_id": cast.other_staff.id}
    response = client.get(org_url(cast.org, "availability"), headers=AUTH, query_string=query)
    assert response.status_code == 404


# -- booking --------------------------------------------------------------------------------


def test_it_books_in_the_organizations_local_time(client: FlaskClient, cast: Cast) -> None:
    response = book(
        client, cast, f"{MONDAY}T10:00", customer={"phone": "5512121212", "name": "Leo"}
    )
    body = response.get_json()
    assert response.status_code == 201
    assert body["start"] == f"{MONDAY}T10:00:00-06:00"
    assert body["end"] == f"{MONDAY}T10:30:00-06:00"
    assert body["status"] == "booked"
    assert body["source"] == "api"
    assert body["staff_id"] == cast.owner.id
    customer = Customer.get_by_id(body["customer_id"])
    assert (customer.phone, customer.name) == ("+525512121212", "Leo")
    stored = Appointment.get_by_id(body["id"])
    assert stored.start_at == datetime.combine(MONDAY, datetime.min.time(), UTC) + timedelta(
        hours=16
    )


def test_it_reads_times_with_an_offset_as_instants(client: FlaskClient, cast: Cast) -> None:
    response = book(client, cast, f"{MONDAY}T17:00:00Z", staff_id=cast.barber.id)
    body = response.get_json()
    assert response.status_code == 201
    assert body["start"] == f"{MONDAY}T11:00:00-06:00"
    assert body["staff_id"] == cast.barber.id


def test_it_finds_the_existing_customer_by_phone(client: FlaskClient, cast: Cast) -> None:
    response = book(client, cast, f"{MONDAY}T10:00", customer={"phone": "+52 55 9999 8888"})
    assert response.get_json()["customer_id"] == cast.customer.id


def test_it_refuses_a_double_booking_with_409(client: FlaskClient, cast: Cast) -> None:
    start = f"{MONDAY}T12:00"
    assert book(client, cast, start, staff_id=cast.barber.id).status_code == 201
    again = book(client, cast, f"{MONDAY}T18:00:00Z", staff_id=cast.barber.id)
    assert again.status_code == 409
    assert error_code(again) == "slot_unavailable"
    assert Appointment.select().count() == 1


def test_it_gives_the_second_booking_to_the_next_free_barber(
    client: FlaskClient, cast: Cast
) -> None:
    first = book(client, cast, f"{MONDAY}T12:00").get_json()
    second = book(client, cast, f"{MONDAY}T12:00").get_json()
    assert (first["staff_id"], second["staff_id"]) == (cast.owner.id, cast.barber.id)
    assert error_code(book(client, cast, f"{MONDAY}T12:00")) == "slot_unavailable"


def test_it_keeps_no_customer_from_a_refused_booking(client: FlaskClient, cast: Cast) -> None:
    response = book(client, cast, f"{MONDAY}T03:00", customer={"phone": "5577776666"})
    assert response.status_code == 409
    assert error_code(response) == "outside_hours"
    assert not Customer.select().where(Customer.phone == "+525577776666").exists()


@pytest.mark.parametrize(
    ("start", "code"),
    [("2020-01-06T10:00", "in_the_past"), (f"{date.today() + timedelta(days=300)}T10:00", None)],
)
def test_it_refuses_times_that_cannot_be_booked(
    client: FlaskClient, cast: Cast, start: str, code: str | None
) -> None:
    response = book(client, cast, start)
    assert response.status_code == 409
    assert error_code(response) == (code or "beyond_horizon")


def test_it_refuses_a_staff_member_who_does_not_do_the_service(
    client: FlaskClient, cast: Cast
) -> None:
    response = book(
        client, cast, f"{MONDAY}T10:00", service_id=cast.beard.id, staff_id=cast.barber.id
    )
    assert response.status_code == 409
    assert error_code(response) == "staff_cannot_perform"


def test_it_refuses_a_customer_phone_that_is_not_a_phone(client: FlaskClient, cast: Cast) -> None:
    response = book(client, cast, f"{MONDAY}T10:00", customer={"phone": "hola"})
    assert response.status_code == 422
    assert error_code(response) == "invalid_phone"


def test_it_does_not_book_services_or_staff_of_another_organization(
    client: FlaskClient, cast: Cast
) -> None:
    assert (
        book(client, cast, f"{MONDAY}T10:00", service_id=cast.other_service.id).status_code == 404
    )
    assert book(client, cast, f"{MONDAY}T10:00", staff_id=cast.other_staff.id).status_code == 404
    assert Appointment.select().count() == 0


# -- reading, changing and cancelling -------------------------------------------------------


@pytest.fixture
def booked(client: FlaskClient, cast: Cast) -> list[dict[str, Any]]:
    """Three appointments: Monday 10:00 (owner), Monday 11:00 (barber), Tuesday 10:00."""
    tuesday = MONDAY + timedelta(days=1)
    return [
        book(client, cast, f"{MONDAY}T10:00").get_json(),
        book(client, cast, f"{MONDAY}T11:00", staff_id=cast.barber.id).get_json(),
        book(client, cast, f"{tuesday}T10:00", customer={"phone": "5512121212"}).get_json(),
    ]


def ids(response: Any) -> list[int]:
    return [a["id"] for a in response.get_json()["appointments"]]


def test_it_filters_appointments(
    client: FlaskClient, cast: Cast, booked: list[dict[str, Any]]
) -> None:
    url = org_url(cast.org, "appointments")
    monday, barber, tuesday = (a["id"] for a in booked)
    assert ids(client.get(url, headers=AUTH)) == [monday, barber, tuesday]
    assert ids(client.get(url, headers=AUTH, query_string={"date": str(MONDAY)})) == [
        monday,
        barber,
    ]
    assert ids(client.get(url, headers=AUTH, query_string={"staff_id": cast.barber.id})) == [barber]
    query = {"customer_id": cast.customer.id, "status": "booked"}
    assert ids(client.get(url, headers=AUTH, query_string=query)) == [monday, barber]
    assert ids(client.get(url, headers=AUTH, query_string={"status": "cancelled"})) == []


def test_it_refuses_an_unknown_status_filter(client: FlaskClient, cast: Cast) -> None:
    response = client.get(
        org_url(cast.org, "appointments"), headers=AUTH, query_string={"status": "maybe"}
    )
    assert response.status_code == 422


def test_it_lists_only_the_organizations_appointments(
    client: FlaskClient, cast: Cast, booked: list[dict[str, Any]]
) -> None:
    response = client.get(f"/api/v1/organizations/{cast.other_org.id}/appointments", headers=AUTH)
    assert response.get_json() == {"appointments": []}


def test_it_reads_an_appointment(
    client: FlaskClient, cast: Cast, booked: list[dict[str, Any]]
) -> None:
    response = client.get(org_url(cast.org, "appointments", booked[0]["id"]), headers=AUTH)
    assert response.get_json() == booked[0]


def test_it_reschedules_an_appointment(
    client: FlaskClient, cast: Cast, booked: list[dict[str, Any]]
) -> None:
    url = org_url(cast.org, "appointments", booked[0]["id"])
    response = client.patch(url, headers=AUTH, json={"start": f"{MONDAY}T16:00"})
    assert response.status_code == 200
    assert response.get_json()["start"] == f"{MONDAY}T16:00:00-06:00"
    assert response.get_json()["end"] == f"{MONDAY}T16:30:00-06:00"
    response = client.patch(url, headers=AUTH, json={"staff_id": cast.barber.id})
    assert response.get_json()["staff_id"] == cast.barber.id


def test_it_refuses_to_reschedule_onto_a_taken_slot(
    client: FlaskClient, cast: Cast, booked: list[dict[str, Any]]
) -> None:
    url = org_url(cast.org, "appointments", booked[1]["id"])
    response = client.patch(url, headers=AUTH, json={"start": f"{MONDAY}T10:15"})
    assert response.status_code == 200  # the owner is busy at 10:00, the barber is not
    clash = client.patch(
        org_url(cast.org, "appointments", booked[0]["id"]),
        headers=AUTH,
        json={"staff_id": cast.barber.id},
    )
    assert clash.status_code == 409
    assert error_code(clash) == "slot_unavailable"


def test_it_records_what_happened_to_an_appointment(
    client: FlaskClient, cast: Cast, booked: list[dict[str, Any]]
) -> None:
    url = org_url(cast.org, "appointments", booked[0]["id"])
    assert (
        client.patch(url, headers=AUTH, json={"status": "confirmed"}).json["status"] == "confirmed"
    )
    assert client.patch(url, headers=AUTH, json={"status": "no_show"}).json["status"] == "no_show"
    refused = client.patch(url, headers=AUTH, json={"status": "completed"})
    assert refused.status_code == 409
    assert error_code(refused) == "appointment_not_active"
    assert client.patch(url, headers=AUTH, json={"status": "cancelled"}).status_code == 422


def test_it_cancels_an_appointment_without_a_body(
    client: FlaskClient, cast: Cast, booked: list[dict[str, Any]]
) -> None:
    response = client.post(
        org_url(cast.org, "appointments", booked[0]["id"], "cancel"), headers=AUTH
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"
    assert book(client, cast, f"{MONDAY}T10:00").get_json()["staff_id"] == cast.owner.id


def test_it_keeps_the_reason_of_a_cancellation(
    client: FlaskClient, cast: Cast, booked: list[dict[str, Any]]
) -> None:
    url = org_url(cast.org, "appointments", booked[0]["id"], "cancel")
    response = client.post(url, headers=AUTH, json={"reason": "Se enfermó"})
    assert response.get_json()["status"] == "cancelled"
    assert Appointment.get_by_id(booked[0]["id"]).cancel_reason == "Se enfermó"
    assert client.post(url, headers=AUTH, json={}).status_code == 200  # twice is harmless
    assert client.post(url, headers=AUTH, json={"reason": 5}).status_code == 422
    reschedule = client.patch(
        org_url(cast.org, "appointments", booked[0]["id"]),
        headers=AUTH,
        json={"start": f"{MONDAY}T16:00"},
    )
    assert error_code(reschedule) == "appointment_not_active"


@pytest.mark.parametrize(("method", "suffix"), [("get", ""), ("patch", ""), ("post", "/cancel")])
def test_it_hides_appointments_of_another_organization(
    client: FlaskClient, cast: Cast, booked: list[dict[str, Any]], method: str, suffix: str
) -> None:
    url = f"/api/v1/organizations/{cast.other_org.id}/appointments/{booked[0]['id']}{suffix}"
    body = {"status": "confirmed"} if method == "patch" else None
    response = getattr(client, method)(url, headers=AUTH, json=body)
    assert response.status_code == 404
    assert Appointment.get_by_id(booked[0]["id"]).status == "booked"


# -- customers ------------------------------------------------------------------------------


def customer_ids(response: Any) -> list[int]:
    return [c["id"] for c in response.get_json()["customers"]]


def test_it_finds_customers_by_phone_in_any_format(client: FlaskClient, cast: Cast) -> None:
    url = org_url(cast.org, "customers")
    for phone in ("5599998888", "+52 1 55 9999 8888", "525599998888"):
        assert customer_ids(client.get(url, headers=AUTH, query_string={"phone": phone})) == [
            cast.customer.id
        ]


@pytest.mark.parametrize("phone", ["hola", "", "+", "1" * 30])
def test_it_answers_an_unreadable_phone_with_no_customers(
    client: FlaskClient, cast: Cast, phone: str
) -> None:
    response = client.get(
        org_url(cast.org, "customers"), headers=AUTH, query_string={"phone": phone}
    )
    assert response.status_code == 200
    assert response.get_json() == {"customers": []}


def test_it_searches_customers_by_name_or_phone(client: FlaskClient, cast: Cast) -> None:
    other = Customer.create(organization=cast.org, phone="+525511110000", name="Mariana López")
    url = org_url(cast.org, "customers")
    assert customer_ids(client.get(url, headers=AUTH, query_string={"q": "ANA"})) == [
        cast.customer.id,
        other.id,
    ]
    assert customer_ids(client.get(url, headers=AUTH, query_string={"q": "lópez"})) == [other.id]
    assert customer_ids(client.get(url, headers=AUTH, query_string={"q": "1111"})) == [other.id]
    assert customer_ids(client.get(url, headers=AUTH, query_string={"q": "%"})) == []
    assert customer_ids(client.get(url, headers=AUTH, query_string={"q": "a_a"})) == []
    assert len(customer_ids(client.get(url, headers=AUTH))) == 2


def test_it_lists_only_the_organizations_customers(client: FlaskClient, cast: Cast) -> None:
    response = client.get(
        org_url(cast.org, "customers"), headers=AUTH, query_string={"phone": "+523398765432"}
    )
    assert response.get_json() == {"customers": []}


def test_it_shows_a_customer_with_their_history_newest_first(
    client: FlaskClient, cast: Cast, booked: list[dict[str, Any]]
) -> None:
    response = client.get(org_url(cast.org, "customers", cast.customer.id), headers=AUTH)
    body = response.get_json()
    assert response.status_code == 200
    assert (body["id"], body["phone"], body["name"], body["notes"]) == (
        cast.customer.id,
        "+525599998888",
        "Ana",
        "",
    )
    assert [a["id"] for a in body["appointments"]] == [booked[1]["id"], booked[0]["id"]]


def test_it_hides_customers_of_another_organization(client: FlaskClient, cast: Cast) -> None:
    response = client.get(org_url(cast.org, "customers", cast.other_customer.id), headers=AUTH)
    assert response.status_code == 404
    assert error_code(response) == "not_found"


# -- conversations --------------------------------------------------------------------------


def test_it_lists_the_messages_of_a_conversation_oldest_first(
    client: FlaskClient, cast: Cast
) -> None:
    chat = Conversation.create(organization=cast.org, phone=cast.customer.phone)
    at = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    later = Message.create(
        conversation=chat, direction="out", author="yume", text="¡Hola!", created_at=at
    )
    first = Message.create(
        conversation=chat,
        direction="in",
        author="customer",
        text="Hola",
        wa_message_id="wamid.1",
        created_at=at - timedelta(minutes=1),
    )
    response = client.get(org_url(cast.org, "conversations", chat.id, "messages"), headers=AUTH)
    messages = response.get_json()["messages"]
    assert [m["id"] for m in messages] == [first.id, later.id]
    assert messages[0] == {
        "id": first.id,
        "direction": "in",
        "author": "customer",
        "kind": "text",
        "text": "Hola",
        "status": "received",
        "wa_message_id": "wamid.1",
        "created_at": "2026-12-01T09:59:00-06:00",
    }


def test_it_hides_conversations_of_another_organization(client: FlaskClient, cast: Cast) -> None:
    chat = Conversation.create(organization=cast.other_org, phone=cast.other_customer.phone)
    Message.create(conversation=chat, direction="in", author="customer", text="secreto")
    response = client.get(org_url(cast.org, "conversations", chat.id, "messages"), headers=AUTH)
    assert response.status_code == 404
    assert "secreto" not in response.get_data(as_text=True)
