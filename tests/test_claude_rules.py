"""What the Claude tools decide in code (issue 11, items 1, 7, 8 and 9): exact answers about
one time, the cap on a customer's upcoming appointments (on every path), companions,
what non-owner staff may read, whose time the owner may block, and the confirmation of a
day and time before it is booked, moved or cancelled."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from tests.cast import next_weekday
from tests.conftest import AUTH
from tests.test_claude_turns import NOW, WEDNESDAY, call, spoken, turn
from tests.test_guided_dialogues import Person, at, coming
from yume.availability import find_slots
from yume.booking import book_appointment
from yume.brain import Turn
from yume.brains import claude
from yume.brains.booking_flow import TOO_MANY
from yume.brains.claude_tools import Toolbox
from yume.db import database
from yume.errors import Conflict
from yume.formatting import spanish_date
from yume.models import Appointment, AvailabilityException, Customer, Message, Organization
from yume.timeutil import local_to_utc, zone

TZ = zone("America/Mexico_City")
ANA = "+525599998888"
BETO = "+525533334444"
OWNER = "+525511112222"


def local(day, hour: int, minute: int = 0):
    return local_to_utc(day, hour * 60 + minute, TZ)


def taken_by_both(cast, day, hour: int) -> None:
    """Both barbers busy at `hour` (two other customers)."""
    for i, member in enumerate((cast.owner, cast.barber)):
        someone = Customer.create(organization=cast.org, phone=f"+52550000000{i}", name=f"C{i}")
        book_appointment(
            cast.org, cast.haircut.id, local(day, hour), someone, member.id, source="import"
        )


def slots(box: Toolbox, day, **extra) -> dict:
    """Free haircut starts (the cast's first service) on `day`."""
    haircut = box.org.services.order_by(1).first().id
    return call(box, "find_available_slots", service_id=haircut, date=str(day), **extra)


# -- exact times -----------------------------------------------------------------------------


def test_a_free_time_missing_from_the_sample_is_answered_as_free(cast):
    box = Toolbox(turn(cast.org, ANA, "¿y más tarde?"))
    sample = slots(box, WEDNESDAY)
    shown = {s["start"] for s in sample["slots"]}
    every = [s.start for s in find_slots(cast.org, cast.haircut.id, WEDNESDAY, NOW)]
    missing = next(start for start in every if box.local_iso(start) not in shown)
    assert sample["more"] == len(every) - len(shown) > 0  # the sample left some out...
    clock = missing.astimezone(TZ).strftime("%H:%M")
    exactly = slots(box, WEDNESDAY, time=clock)
    assert exactly["time"] == {  # ...but they are free, and the tool says so
        "start": box.local_iso(missing),
        "when": box.when(missing),
        "free": True,
        "staff_id": cast.owner.id,
        "staff_name": "Chuy",
    }
    assert [s["start"] for s in exactly["slots"]] == [box.local_iso(missing)]


def test_a_taken_time_comes_with_the_nearest_free_starts_on_both_sides(cast):
    taken_by_both(cast, WEDNESDAY, 16)
    box = Toolbox(turn(cast.org, ANA, "¿a las 4?"))
    answer = slots(box, WEDNESDAY, time="16:00")
    assert (answer["time"]["free"], answer["time"]["reason"]) == (False, "slot_unavailable")
    assert answer["nearest"]["before"]["when"] == f"{spanish_date(WEDNESDAY)}, 3:30 PM"
    assert answer["nearest"]["after"]["when"] == f"{spanish_date(WEDNESDAY)}, 4:30 PM"


def test_a_time_outside_hours_a_closed_day_and_the_past_say_why(cast):
    box = Toolbox(turn(cast.org, ANA, "¿a las 2:15?"))
    lunch = slots(box, WEDNESDAY, time="14:15")
    assert lunch["time"]["reason"] == "outside_hours"
    assert [s["start"][11:16] for s in lunch["slots"]] == ["13:30", "15:00"]
    sunday = WEDNESDAY + timedelta(days=4)
    closed = slots(box, sunday, time="12:00")
    assert closed["nearest"]["before"] is None
    assert closed["nearest"]["after"]["start"] == f"{sunday + timedelta(days=1)}T10:00-06:00"
    past = slots(box, WEDNESDAY, time="10:00")  # it is 11:00 AM
    assert (past["time"]["free"], past["time"]["reason"]) == (False, "in_the_past")


def test_a_range_lists_its_free_starts(cast):
    taken_by_both(cast, WEDNESDAY, 16)
    box = Toolbox(turn(cast.org, ANA, "en la tarde"))
    answer = slots(box, WEDNESDAY, time="15:00", until="17:00")
    assert [s["start"][11:16] for s in answer["slots"]] == [
        "15:00",
        "15:15",
        "15:30",
        "16:30",
        "16:45",
        "17:00",
    ]


# -- the cap on upcoming appointments ----------------------------------------------------------


def test_claude_cannot_book_a_fourth_upcoming_appointment(cast):
    for hour in (12, 13, 15):
        book_appointment(cast.org, cast.haircut.id, local(WEDNESDAY, hour), cast.customer)
    box = Toolbox(turn(cast.org, ANA, "y otra " + spoken(WEDNESDAY, "5:00 PM")))
    refused = call(box, "book_appointment", service_id=cast.haircut.id, start=f"{WEDNESDAY}T17:00")
    assert refused["error"]["code"] == "too_many_appointments"
    assert Appointment.select().count() == 3


def test_the_api_refuses_a_fourth_upcoming_appointment(client, cast):
    day = next_weekday(1)
    url = f"/api/v1/organizations/{cast.org.id}/appointments"
    for hour in (10, 11, 12, 13):
        response = client.post(
            url,
            headers=AUTH,
            json={
                "service_id": cast.haircut.id,
                "start": f"{day}T{hour}:00",
                "customer": {"phone": "55 9999 8888"},
            },
        )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "too_many_appointments"
    assert Appointment.select().count() == 3
    Organization.update(settings={"min_notice_minutes": 0, "max_active_appointments": 4}).execute()
    assert (
        client.post(
            url,
            headers=AUTH,
            json={
                "service_id": cast.haircut.id,
                "start": f"{day}T13:00",
                "customer": {"phone": ANA},
            },
        ).status_code
        == 201
    )


def test_the_guided_brain_explains_the_cap(config, cast):
    for hour in (12, 13, 15):
        book_appointment(cast.org, cast.haircut.id, at(coming(3), hour), cast.customer)
    ana = Person(config, cast, cast.customer.phone, "Ana")
    ana.say("hola")
    asked = ana.say("quiero un korte el miércoles a las 11")
    assert "lo máximo que puedo apartar por persona" in asked
    assert "Agendar otra" not in asked and "Cambiar una cita" in asked
    assert Appointment.select().count() == 3
    ana.say("hola")
    assert "¿Te agendo" in ana.say("quiero un korte el miércoles a las 11 para mi hermana")
    assert TOO_MANY.format(limit=3) in ana.say("1")
    assert Appointment.select().count() == 3


def test_racing_bookings_of_one_customer_never_pass_the_cap(cast):
    for hour in (12, 13):
        book_appointment(cast.org, cast.haircut.id, local(WEDNESDAY, hour), cast.customer)
    starts = [local(WEDNESDAY, hour) for hour in (15, 16, 17, 18, 19)]
    database.close()  # every racer opens its own connection
    barrier = threading.Barrier(len(starts))
    outcomes: list[str] = []

    def race(start) -> None:
        barrier.wait()
        try:
            book_appointment(
                cast.org, cast.haircut.id, start, cast.customer, source="chat", now=NOW
            )
            outcomes.append("booked")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            database.close()

    threads = [threading.Thread(target=race, args=(start,)) for start in starts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["booked"] + ["too_many_appointments"] * (len(starts) - 1)
    assert Appointment.select().count() == 3


# -- companions ------------------------------------------------------------------------------------


def test_a_customer_books_for_a_companion_at_the_same_time_and_keeps_their_name(cast):
    Customer.update(name=None).execute()  # we only know the profile name, "Ana"
    box = Toolbox(turn(cast.org, ANA, "somos dos, " + spoken(WEDNESDAY, "5:00 PM")))
    start = f"{WEDNESDAY}T17:00"
    mine = call(
        box, "book_appointment", service_id=cast.haircut.id, start=start, customer_name="Ana"
    )
    theirs = call(
        box,
        "book_appointment",
        service_id=cast.haircut.id,
        start=start,
        customer_name="Luis",  # the model's mistake: the companion's name as the customer's
        companion_name="Luis",
    )
    assert mine["appointment"]["staff_name"] == "Chuy"
    assert (
        theirs["appointment"]["staff_name"] == "Beto" and theirs["appointment"]["for"] == "«Luis»"
    )
    assert Customer.get(Customer.phone == ANA).name == "Ana"
    rows = Appointment.select().order_by(Appointment.id)
    assert [(a.customer_id, a.guest_name) for a in rows] == [(cast.customer.id, None)] * 1 + [
        (cast.customer.id, "Luis")
    ]
    again = call(
        box,
        "book_appointment",
        service_id=cast.haircut.id,
        start=start,
        customer_name="Luis",
        companion_name="Luis",
    )
    assert again["appointment"]["id"] == theirs["appointment"]["id"]  # the same call: once
    twice = call(
        box, "book_appointment", service_id=cast.beard.id, start=start, companion_name="Luis"
    )
    assert twice["error"]["code"] == "already_booked"  # Luis cannot sit in two chairs


def test_companions_count_towards_the_cap(cast):
    for hour, guest in ((12, None), (13, "Luis"), (15, "Pepe")):
        book_appointment(
            cast.org, cast.haircut.id, local(WEDNESDAY, hour), cast.customer, guest_name=guest
        )
    box = Toolbox(turn(cast.org, ANA, "y para Toño " + spoken(WEDNESDAY, "5:00 PM")))
    refused = call(
        box,
        "book_appointment",
        service_id=cast.haircut.id,
        start=f"{WEDNESDAY}T17:00",
        companion_name="Toño",
    )
    assert refused["error"]["code"] == "too_many_appointments"
    assert Appointment.select().count() == 3


# -- staff roles ---------------------------------------------------------------------------


def test_lookup_customer_shows_non_owner_staff_only_what_their_agenda_would(cast):
    with_beto = book_appointment(
        cast.org, cast.haircut.id, local(WEDNESDAY, 12), cast.customer, cast.barber.id
    )
    book_appointment(cast.org, cast.beard.id, local(WEDNESDAY, 15), cast.customer, cast.owner.id)
    stranger = Customer.create(organization=cast.org, phone="+525500000009", name="Anabel")
    book_appointment(cast.org, cast.beard.id, local(WEDNESDAY, 16), stranger, cast.owner.id)
    beto = call(Toolbox(turn(cast.org, BETO, "busca a ana")), "lookup_customer", query="ana")
    assert [(c["name"], [a["id"] for a in c["appointments"]]) for c in beto["customers"]] == [
        ("«Ana»", [with_beto.id])
    ]
    owner = call(Toolbox(turn(cast.org, OWNER, "busca a ana")), "lookup_customer", query="ana")
    assert [c["name"] for c in owner["customers"]] == ["«Ana»", "«Anabel»"]
    assert len(owner["customers"][0]["appointments"]) == 2


def test_the_owner_blocks_anyones_time_and_staff_only_their_own(cast):
    span = {"start": f"{WEDNESDAY}T15:00", "end": f"{WEDNESDAY}T17:00", "reason": "curso"}
    owner = call(
        Toolbox(turn(cast.org, OWNER, "bloquea a Beto")),
        "block_time",
        staff_id=cast.barber.id,
        **span,
    )
    assert owner["blocked"]["staff_name"] == "Beto"
    beto_box = Toolbox(turn(cast.org, BETO, "bloquea a Chuy"))
    refused = call(beto_box, "block_time", staff_id=cast.owner.id, **span)
    assert refused["error"]["code"] == "forbidden"
    mine = call(beto_box, "block_time", **{**span, "reason": "comida"})
    assert mine["blocked"]["staff_id"] == cast.barber.id
    assert sorted((b.staff_id, b.reason) for b in AvailabilityException.select()) == [
        (cast.barber.id, "comida"),
        (cast.barber.id, "curso"),
    ]


# -- confirmation of a day and time ---------------------------------------------------------------


def with_our_last_message(org, phone: str, shown: str, said: str, by_claude: bool) -> Turn:
    """`said` answering our last message `shown`: Claude's own reply, or a notice."""
    first = turn(org, phone, "hola", now=NOW - timedelta(minutes=3))
    ours = Message.create(
        conversation=first.conversation,
        direction="out",
        author="yume",
        text=shown,
        created_at=NOW - timedelta(minutes=2),
    )
    if by_claude:
        claude.remember(first, [], shown)
    return turn(org, phone, said, history=[*first.new_messages, ours])


@pytest.mark.parametrize(
    ("shown", "by_claude", "said", "books"),
    [
        (None, False, "a las 7", False),  # a guess: 7 PM? never booked unseen
        (None, False, "el viernes a las 5", False),  # which Friday? which 5?
        (None, False, "{day} a las 5:00 PM", True),  # the person said it all
        ("¿Te agendo corte el {day} a las 5:00 PM?", True, "sí", True),  # shown, accepted
        ("¿Te agendo corte el {day} a las 4:00 PM?", True, "sí", False),  # another time
        ("Recordatorio: tu cita es el {day} a las 5:00 PM", False, "ok", False),  # a notice
    ],
)
def test_a_booking_needs_its_day_and_time_seen_and_accepted(cast, shown, by_claude, said, books):
    day = spanish_date(WEDNESDAY)
    if shown is None:
        chat = turn(cast.org, ANA, said.format(day=day))
    else:
        chat = with_our_last_message(cast.org, ANA, shown.format(day=day), said, by_claude)
    result = call(
        Toolbox(chat), "book_appointment", service_id=cast.haircut.id, start=f"{WEDNESDAY}T17:00"
    )
    assert ("appointment" in result) is books
    if not books:
        assert result["error"]["code"] == "confirm_first"
        assert f"{day}, 5:00 PM" in result["error"]["message"]  # what to show back


def test_a_tap_on_a_slot_is_acceptance(cast):
    chat = turn(cast.org, ANA, "5:00 PM")
    tap = chat.new_messages[0]
    tap.kind, tap.payload = "list_reply", {"reply_id": f"{WEDNESDAY}T17:00-06:00|{cast.owner.id}"}
    tap.save()
    result = call(
        Toolbox(chat), "book_appointment", service_id=cast.haircut.id, start=f"{WEDNESDAY}T17:00"
    )
    assert result["appointment"]["staff_name"] == "Chuy"


def test_the_cap_is_a_setting_with_a_range(client, cast):
    url = f"/api/v1/organizations/{cast.org.id}"
    refused = client.patch(url, headers=AUTH, json={"settings": {"max_active_appointments": 0}})
    assert refused.status_code == 422
    changed = client.patch(url, headers=AUTH, json={"settings": {"max_active_appointments": 5}})
    assert changed.get_json()["settings"]["max_active_appointments"] == 5
    assert client.get(url, headers=AUTH).get_json()["settings"]["max_active_appointments"] == 5
