"""The Claude brain one turn at a time, at a fixed moment: the tools' rules, the prompt's
clock and zone, the history window, and the size of what is sent."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.cast import next_weekday
from tests.fake_anthropic import estimate_tokens, static_prefix
from yume import conversations
from yume.brain import Turn
from yume.brains import claude, claude_client
from yume.brains.claude_tools import SPECS, Toolbox, tool_definitions
from yume.brains.usage import min_cacheable
from yume.config import DEFAULT_MODEL
from yume.formatting import spanish_date
from yume.models import Appointment, Customer, Message, Organization
from yume.timeutil import local_to_utc, zone

pytest_plugins = ["tests.fixtures_anthropic"]

TZ = zone("America/Mexico_City")
WEDNESDAY = next_weekday(2)
NOW = local_to_utc(WEDNESDAY, 11 * 60, TZ)  # Wednesday, 11:00 AM in Mexico City


def turn(org: Organization, phone: str, *texts: str, now: datetime = NOW, history=()) -> Turn:
    conversation = conversations.open_conversation(org, phone, profile_name="Ana")
    new = [
        Message.create(
            conversation=conversation,
            direction="in",
            author="staff" if conversation.staff_id else "customer",
            text=text,
            created_at=now,
        )
        for text in texts
    ]
    return Turn(
        organization=org,
        conversation=conversation,
        customer=conversation.customer,
        staff=conversation.staff,
        history=list(history),
        new_messages=new,
        now=now,
    )


def spoken(day, clock: str) -> str:
    """A day and time said in full ("miércoles 9 de diciembre a las 3:00 PM"): words that
    need no confirmation (yume/brains/confirmation.py)."""
    return f"{spanish_date(day)} a las {clock}"


def call(box: Toolbox, name: str, **arguments):
    outcome = box.call(name, arguments)
    return outcome.result


# -- the tools' rules -----------------------------------------------------------------------


def test_it_registers_a_walk_in_right_now_despite_the_notice_rule(cast):
    Organization.update(settings={"min_notice_minutes": 60}).execute()
    cast.org = Organization.get_by_id(cast.org.id)
    box = Toolbox(turn(cast.org, "+525533334444", "llegó Luis"))
    result = call(box, "register_walk_in", customer_name="Luis", service_id=cast.haircut.id)
    assert result["appointment"]["start"] == f"{WEDNESDAY.isoformat()}T11:00-06:00"
    assert result["appointment"]["staff_name"] == "Beto"
    customer_box = Toolbox(turn(cast.org, "+525599998888", spoken(WEDNESDAY, "11:30 AM")))
    refused = call(
        customer_box,
        "book_appointment",
        service_id=cast.haircut.id,
        start=WEDNESDAY.isoformat() + "T11:30",
    )
    assert refused["error"]["code"] == "too_soon"


def test_it_keeps_staff_to_their_own_appointments_and_lets_the_owner_touch_all(cast):
    chuy_box = Toolbox(turn(cast.org, "+525511112222", "agenda"))
    theirs = call(
        chuy_box,
        "book_appointment",
        service_id=cast.haircut.id,
        start=WEDNESDAY.isoformat() + "T12:00",
        staff_id=cast.owner.id,
        customer_phone="55 1234 0000",
        customer_name="Pepe",
    )["appointment"]
    beto_box = Toolbox(turn(cast.org, "+525533334444", "cancela"))
    refused = call(beto_box, "cancel_appointment", appointment_id=theirs["id"])
    assert refused["error"]["code"] == "not_found"
    forbidden = call(
        beto_box,
        "book_appointment",
        service_id=cast.haircut.id,
        start=WEDNESDAY.isoformat() + "T13:00",
        staff_id=cast.owner.id,
        customer_phone="5512340000",
    )
    assert forbidden["error"]["code"] == "forbidden"
    unconfirmed = call(chuy_box, "cancel_appointment", appointment_id=theirs["id"])
    assert unconfirmed["error"]["code"] == "confirm_first"  # staff name the one they cancel
    sure = Toolbox(turn(cast.org, "+525511112222", f"cancela la de {spoken(WEDNESDAY, '12')} PM"))
    cancelled = call(sure, "cancel_appointment", appointment_id=theirs["id"])
    assert cancelled["appointment"]["status"] == "cancelled"
    assert Customer.get(Customer.phone == "+525512340000").name == "Pepe"


def test_it_takes_the_name_a_customer_gives_and_refuses_a_double_booking(cast):
    conversation_customer = Customer.create(organization=cast.org, phone="+525512345678")
    box = Toolbox(turn(cast.org, "+525512345678", "soy Lalo, " + spoken(WEDNESDAY, "3:00 PM")))
    start = WEDNESDAY.isoformat() + "T15:00"
    booked = call(
        box, "book_appointment", service_id=cast.haircut.id, start=start, customer_name="Lalo"
    )
    assert booked["appointment"]["customer_id"] == conversation_customer.id
    assert Customer.get_by_id(conversation_customer.id).name == "Lalo"
    again = call(box, "book_appointment", service_id=cast.beard.id, start=start)
    assert again["error"]["code"] == "already_booked"


def test_it_offers_a_handful_of_slots_and_the_next_open_day(cast):
    box = Toolbox(turn(cast.org, "+525599998888", "hola"))
    slots = call(box, "find_available_slots", service_id=cast.haircut.id, date=str(WEDNESDAY))
    assert len(slots["slots"]) == 10 and slots["more"] > 0 and "time" in slots["note"]
    assert slots["slots"][0]["start"] == f"{WEDNESDAY.isoformat()}T11:00-06:00"
    assert slots["slots"][0]["when"] == f"{spanish_date(WEDNESDAY)}, 11:00 AM"
    assert slots["slots"][-1]["start"] == f"{WEDNESDAY.isoformat()}T19:30-06:00"
    sunday = WEDNESDAY + timedelta(days=4)
    closed = call(box, "find_available_slots", service_id=cast.haircut.id, date=str(sunday))
    assert closed == {"slots": [], "next_date_with_slots": str(sunday + timedelta(days=1))}


def test_it_generates_input_schemas_from_the_api_types():
    schema = SPECS["book_appointment"].definition(staff=False)["input_schema"]
    assert schema["required"] == ["service_id", "start"]
    assert "organization's local time" in schema["properties"]["start"]["description"]
    assert "customer_phone" not in schema["properties"]
    assert "title" not in json.dumps(schema) and "anyOf" not in json.dumps(schema)
    staff = SPECS["book_appointment"].definition(staff=True)["input_schema"]
    assert "customer_phone" in staff["properties"]


# -- the prompt ---------------------------------------------------------------------------------


def test_it_names_today_in_the_organizations_zone(cast, fake_claude, claude_config):
    Organization.update(timezone="America/Tijuana").where(Organization.id == cast.org.id).execute()
    org = Organization.get_by_id(cast.org.id)
    late = datetime(2027, 1, 14, 7, 30, tzinfo=UTC)  # 1:30 AM Thursday in CDMX
    fake_claude.say("Hola")
    claude.ClaudeBrain(claude_config).respond(turn(org, "+525599998888", "hola", now=late))
    moment = fake_claude.calls[0].body["system"][2]["text"]
    assert "hoy es miércoles 13 de enero de 2027, 11:30 PM" in moment
    assert "- mañana jueves 14 de enero = 2027-01-14" in moment
    assert "America/Tijuana" in fake_claude.calls[0].body["system"][1]["text"]


def test_it_sends_a_bounded_window_and_summarises_the_rest(cast, fake_claude, claude_config):
    first = turn(cast.org, "+525599998888", "hola")
    conversation = first.conversation
    history = []
    for i in range(30):
        history.append(
            Message.create(
                conversation=conversation,
                direction="in" if i % 2 == 0 else "out",
                author="customer" if i % 2 == 0 else "yume",
                text=f"mensaje número {i} " + "bla " * 20,
                created_at=NOW - timedelta(hours=30) + timedelta(minutes=i),
            )
        )
    for i in range(6):
        history.append(
            Message.create(
                conversation=conversation,
                direction="in" if i % 2 == 0 else "out",
                author="customer" if i % 2 == 0 else "yume",
                text=f"reciente {i}",
                created_at=NOW - timedelta(minutes=10 - i),
            )
        )
    claude.save_state(
        conversation, {"notes": [{"at": NOW.isoformat(), "text": "Quedó agendada la cita X."}]}
    )
    fake_claude.say("ok")
    now_turn = turn(cast.org, "+525599998888", "¿y mi cita?", history=history)
    claude.ClaudeBrain(claude_config).respond(now_turn)
    body = fake_claude.calls[0].body
    context, *texts = [b["text"] for m in body["messages"] for b in m["content"]]
    assert [t.split(">", 1)[-1].removesuffix("</mensaje>") for t in texts] == [
        f"reciente {i}" for i in range(6)
    ] + ["¿y mi cita?"]
    assert texts[0].startswith('<mensaje hora="hoy 10:50 AM">')  # the person's, with its time
    assert texts[1] == "reciente 1"  # Yume's own words, as they were
    assert context.startswith("<contexto>") and context.endswith("</contexto>")
    assert "Quedó agendada la cita X." in context and "mensaje número 29" in context
    assert "(ayer " in context  # the summary says when each line was written
    assert "mensaje número 0 " not in context  # beyond the summary's budget
    assert len(context) < 2500
    assert "mensaje número" not in body["system"][2]["text"]  # never in the system role


@pytest.mark.parametrize("role_phone", ["+525599998888", "+525533334444"])
def test_it_keeps_the_static_prefix_above_the_models_cache_minimum(
    cast, fake_claude, claude_config, role_phone
):
    fake_claude.say("Hola")
    claude.ClaudeBrain(claude_config).respond(turn(cast.org, role_phone, "hola"))
    body = fake_claude.calls[0].body
    assert estimate_tokens(static_prefix(body)) >= 1.2 * min_cacheable(DEFAULT_MODEL)
    changing = json.dumps([body["system"][2], body["messages"]], ensure_ascii=False)
    assert estimate_tokens(changing) < 1500


def test_the_tool_sets_are_the_contracts():
    customer = [t["name"] for t in tool_definitions("customer")]
    staff = [t["name"] for t in tool_definitions("staff")]
    assert customer == [
        "list_services",
        "find_available_slots",
        "book_appointment",
        "list_my_appointments",
        "reschedule_appointment",
        "cancel_appointment",
        "request_human",
        "present_options",
    ]
    assert staff == customer[:-1] + [
        "get_schedule",
        "register_walk_in",
        "lookup_customer",
        "block_time",
        "save_faq_answer",  # owner-only, beyond the contract (issue 12: the business's FAQ)
        "delete_faq_answer",
        "present_options",
    ]
    owner = tool_definitions("owner")  # issue 10: the staff set, then the owner's setup tools
    assert owner[: len(staff)] == tool_definitions("staff")
    assert {t["name"] for t in owner[len(staff) :]} >= {"get_setup", "add_closure"}


def test_a_customer_tool_refuses_a_staff_tool_even_if_called(cast):
    box = Toolbox(turn(cast.org, "+525599998888", "hola"))
    assert call(box, "lookup_customer", query="Ana")["error"]["code"] == "unknown_tool"
    assert Appointment.select().count() == 0


# -- failures ---------------------------------------------------------------------------------


def test_it_waits_a_short_retry_after_and_gives_up_at_once_on_a_long_one(
    cast, fake_claude, claude_config, monkeypatch
):
    monkeypatch.setattr(claude, "GUIDED", "tests.brains.EchoBrain")
    fake_claude.fail(429, retry_after_ms=300).say("¡Hola!")
    started = time.monotonic()
    reply = claude.ClaudeBrain(claude_config).respond(turn(cast.org, "+525599998888", "hola"))
    assert 0.3 <= time.monotonic() - started < 5  # what the server asked, no more
    assert [a.body for a in reply.actions] == ["¡Hola!"]

    fake_claude.reset()
    fake_claude.fail(529, retry_after_ms=3_600_000).say("(no llega)")
    started = time.monotonic()
    reply = claude.ClaudeBrain(claude_config).respond(turn(cast.org, "+525599998888", "otra"))
    assert time.monotonic() - started < 3  # an hour is more than a turn has: no sleeping
    assert [c.status for c in fake_claude.calls] == [529]  # and no retry against its wish
    assert [a.body for a in reply.actions] == ["[customer] Recibí: otra"]  # the stand-in


def test_it_treats_timeouts_as_an_outage_after_the_sdks_retries(
    cast, fake_claude, claude_config, monkeypatch
):
    monkeypatch.setattr(claude_client, "CALL_TIMEOUT", 0.3)
    monkeypatch.setattr(claude, "GUIDED", "tests.brains.EchoBrain")
    fake_claude.stall(1.5, times=3)
    reply = claude.ClaudeBrain(claude_config).respond(turn(cast.org, "+525599998888", "hola"))
    assert len(fake_claude.calls) == 3
    assert [a.body for a in reply.actions] == ["[customer] Recibí: hola"]
