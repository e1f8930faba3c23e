"""The Claude brain through the real pipeline: signed webhook → job → ClaudeBrain → the real
`anthropic` SDK → the fake Messages API (tests/fake_anthropic.py) → fake Graph API.

Each test scripts what "Claude" answers, call by call, and checks what the customer got,
what changed in the database and what every request carried.
"""

from __future__ import annotations

import re
import time
from datetime import date, datetime
from typing import Any

import pytest

from jobs.inbound import process_conversation
from tests import webhooks
from tests.cast import next_weekday
from tests.fake_anthropic import message, text_of, tool_results, tool_use
from tests.test_pipeline import CUSTOMER_WA, texts_sent
from yume.brain import BrainUnavailable
from yume.brains import claude
from yume.brains.claude_tools import CUSTOMER_TOOLS, PRESENT_OPTIONS, STAFF_TOOLS
from yume.brains.usage import ClaudeUsage
from yume.formatting import spanish_date
from yume.models import Appointment, AvailabilityException, Conversation, Customer, Message
from yume.timeutil import local_to_utc, zone

pytest_plugins = ["tests.fixtures_anthropic"]

BETO_WA = "5215533334444"
OWNER_WA = "5215511112222"
TZ = zone("America/Mexico_City")
CHOSEN = re.compile(r"id: ([^\]]+)\]")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return local_to_utc(day, hour * 60 + minute, TZ)


def iso(day: date, hour: int, minute: int = 0) -> str:
    return at(day, hour, minute).astimezone(TZ).isoformat(timespec="minutes")


def book(cast, customer=None, day: date | None = None, hour: int = 12, staff=None) -> Appointment:
    from yume.booking import book_appointment

    return book_appointment(
        cast.org,
        cast.haircut.id,
        at(day or next_weekday(3), hour),
        customer or cast.customer,
        staff_id=(staff or cast.barber).id,
        source="import",  # set up quietly: no notice to the customer
    )


def interactive(wa_id: str, kind: str, reply_id: str, title: str) -> dict[str, Any]:
    return webhooks.envelope(
        {
            "contacts": [{"profile": {"name": "Ana"}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": f"wamid.L{time.monotonic_ns()}",
                    "timestamp": str(int(time.time())),
                    "type": "interactive",
                    "interactive": {"type": kind, kind: {"id": reply_id, "title": title}},
                }
            ],
        }
    )


def media(wa_id: str, kind: str, media_id: str, **extra: Any) -> dict[str, Any]:
    return webhooks.envelope(
        {
            "contacts": [{"profile": {"name": "Ana"}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": f"wamid.M{time.monotonic_ns()}",
                    "timestamp": str(int(time.time())),
                    "type": kind,
                    kind: {"id": media_id, "mime_type": "image/jpeg", **extra},
                }
            ],
        }
    )


def say(wa, jobs, text: str, wa_id: str = CUSTOMER_WA) -> None:
    webhooks.post(wa, webhooks.text(wa_id, text))
    jobs.run()


# -- booking, rescheduling, cancelling -----------------------------------------------------


def offer_slots(body: dict[str, Any]) -> dict[str, Any]:
    """'Claude' turns the slots it was given into a WhatsApp list."""
    slots = tool_results(body)[0]["content"]["slots"][:4]
    options = [
        {
            "id": f"{s['start']}|{s['staff_id']}",
            "title": datetime.fromisoformat(s["start"]).strftime("%I:%M %p").lstrip("0"),
            "description": f"con {s['staff_name']}",
        }
        for s in slots
    ]
    arguments = {"body": "Estos horarios tengo:", "options": options, "button": "Ver horarios"}
    return message([tool_use(PRESENT_OPTIONS, arguments)])


def ask_yes_no(question: str):
    """'Claude' asks with buttons, naming the `when` of the refusal it just got."""

    def step(body: dict[str, Any]) -> dict[str, Any]:
        refused = tool_results(body)[0]["content"]["error"]["message"]
        when = re.search(r"\((.+?)\)", refused).group(1)  # the day and time to show back
        arguments = {
            "body": question.format(when=when),
            "options": [{"id": "si", "title": "Sí"}, {"id": "no", "title": "No"}],
        }
        return message([tool_use(PRESENT_OPTIONS, arguments)])

    return step


def book_chosen(body: dict[str, Any]) -> dict[str, Any]:
    start, staff_id = CHOSEN.search(text_of(body)).group(1).split("|")
    arguments = {"service_id": 1, "start": start, "staff_id": int(staff_id)}
    return message([tool_use("book_appointment", arguments)])


def test_it_books_a_slot_chosen_from_a_list(wa, cast, claude_pipeline, jobs, fake_graph):
    day = next_weekday(2)
    claude_pipeline.use(
        ("find_available_slots", {"service_id": cast.haircut.id, "date": day.isoformat()})
    ).then(offer_slots)
    say(wa, jobs, "hola, quiero un corte el miércoles")
    listing = fake_graph.sent_messages()[-1]["interactive"]
    rows = listing["action"]["sections"][0]["rows"]
    assert listing["type"] == "list" and len(rows) == 4
    assert rows[0]["title"] == "10:00 AM"  # the first slot the engine offered
    assert len(claude_pipeline.calls) == 2  # the list ended the turn: no third call

    claude_pipeline.then(book_chosen).say("¡Listo, Ana! Quedó tu corte.")
    webhooks.post(wa, interactive(CUSTOMER_WA, "list_reply", rows[1]["id"], rows[1]["title"]))
    jobs.run()
    chosen = rows[1]["id"].split("|")[0]
    assert f"[eligió: «{rows[1]['title']}» · id: {rows[1]['id']}]" in text_of(
        claude_pipeline.calls[2].body
    )
    appointment = Appointment.get()
    assert appointment.start_at == datetime.fromisoformat(chosen)
    assert (appointment.customer_id, appointment.source) == (cast.customer.id, "chat")
    assert texts_sent(fake_graph)[-1] == "¡Listo, Ana! Quedó tu corte."
    booked = claude_pipeline.calls[3].tool_results()[0]
    assert booked["content"]["appointment"]["when"].startswith(spanish_date(day))
    assert jobs.failures == []


def test_it_reschedules_the_customers_appointment_once_they_saw_the_new_time(
    wa, cast, claude_pipeline, jobs, fake_graph
):
    appointment = book(cast)
    new_day = next_weekday(4)
    move = (
        "reschedule_appointment",
        {"appointment_id": appointment.id, "start": new_day.isoformat() + "T17:00"},
    )
    question = f"¿La muevo al {spanish_date(new_day)} a las 5:00 PM?"
    claude_pipeline.use(move).say(question)  # a guess of "a las 5": refused until shown
    say(wa, jobs, "puedo cambiar mi cita al viernes a las 5?")
    moment = claude_pipeline.calls[0].body["system"][2]["text"]
    assert f"cita {appointment.id}: Corte de cabello con Beto" in moment
    assert claude_pipeline.calls[1].tool_results()[0]["content"]["error"]["code"] == (
        "confirm_first"
    )
    assert Appointment.get_by_id(appointment.id).start_at == at(next_weekday(3), 12)
    claude_pipeline.use(move).say("Listo, la moví al viernes a las 5:00 PM.")
    say(wa, jobs, "sí")
    assert Appointment.get_by_id(appointment.id).start_at == at(new_day, 17)
    assert texts_sent(fake_graph) == [question, "Listo, la moví al viernes a las 5:00 PM."]


def test_it_cancels_the_customers_appointment_once_they_accepted(
    wa, cast, claude_pipeline, jobs, fake_graph
):
    appointment = book(cast)
    cancel = ("cancel_appointment", {"appointment_id": appointment.id})
    claude_pipeline.use(cancel).then(ask_yes_no("¿Cancelo tu corte del {when}?"))
    say(wa, jobs, "ya no voy a poder ir, cancélala porfa")
    assert Appointment.get_by_id(appointment.id).status == "booked"  # not before their sí
    claude_pipeline.use(cancel).say("Quedó cancelada.")
    webhooks.post(wa, interactive(CUSTOMER_WA, "button_reply", "si", "Sí, cancélala"))
    jobs.run()
    assert Appointment.get_by_id(appointment.id).status == "cancelled"
    assert texts_sent(fake_graph)[-1] == "Quedó cancelada."


def test_it_lists_only_the_customers_own_appointments(wa, cast, claude_pipeline, jobs):
    mine = book(cast)
    someone = Customer.create(organization=cast.org, phone="+525500000001", name="Otro")
    book(cast, customer=someone, hour=15)
    claude_pipeline.use(("list_my_appointments", {})).say("Tienes una cita.")
    say(wa, jobs, "q citas tengo?")
    listed = claude_pipeline.calls[1].tool_results()[0]["content"]["appointments"]
    assert [a["id"] for a in listed] == [mine.id]


def test_it_refuses_to_cancel_someone_elses_appointment(wa, cast, claude_pipeline, jobs):
    someone = Customer.create(organization=cast.org, phone="+525500000001", name="Otro")
    theirs = book(cast, customer=someone)
    from yume.booking import book_appointment

    elsewhere = book_appointment(
        cast.other_org,
        cast.other_service.id,
        at(next_weekday(3), 12),
        cast.other_customer,
        source="import",
    )
    claude_pipeline.use(
        ("cancel_appointment", {"appointment_id": theirs.id}),
        ("cancel_appointment", {"appointment_id": elsewhere.id}),
    ).say("No encuentro esa cita entre las tuyas.")
    say(wa, jobs, "cancela la cita 1 y la 2")
    results = claude_pipeline.calls[1].tool_results()
    assert [r["content"]["error"]["code"] for r in results] == ["not_found", "not_found"]
    assert all(r["is_error"] for r in results)
    assert Appointment.get_by_id(theirs.id).status == "booked"
    assert Appointment.get_by_id(elsewhere.id).status == "booked"


# -- staff ---------------------------------------------------------------------------------


def test_it_gives_staff_their_agenda_and_only_theirs(wa, cast, claude_pipeline, jobs, fake_graph):
    day = next_weekday(3)
    mine = book(cast, day=day, hour=12)
    book(cast, day=day, hour=12, staff=cast.owner)
    claude_pipeline.use(("get_schedule", {"date": day.isoformat()})).say("Tienes 1 cita.")
    claude_pipeline.use(("get_schedule", {"date": day.isoformat(), "staff_id": cast.owner.id}))
    claude_pipeline.say("Solo el dueño puede ver eso.")
    say(wa, jobs, "¿qué tengo el jueves?", wa_id=BETO_WA)
    say(wa, jobs, "¿y Chuy?", wa_id=BETO_WA)
    agenda = claude_pipeline.calls[1].tool_results()[0]["content"]["staff"]
    assert [(s["staff_name"], [a["id"] for a in s["appointments"]]) for s in agenda] == [
        ("Beto", [mine.id])
    ]
    assert agenda[0]["appointments"][0]["customer_name"] == "«Ana»"  # quoted data
    refused = claude_pipeline.calls[3].tool_results()[0]
    assert refused["is_error"] and refused["content"]["error"]["code"] == "forbidden"
    assert claude_pipeline.calls[0].tool_names == [*STAFF_TOOLS, PRESENT_OPTIONS]


def test_it_lets_the_owner_read_everyones_agenda(wa, cast, claude_pipeline, jobs):
    day = next_weekday(3)
    book(cast, day=day, hour=12)
    claude_pipeline.use(("get_schedule", {"date": day.isoformat()})).say("Hay 1 cita.")
    say(wa, jobs, "agenda del jueves", wa_id=OWNER_WA)
    agenda = claude_pipeline.calls[1].tool_results()[0]["content"]["staff"]
    assert [s["staff_name"] for s in agenda] == ["Chuy", "Beto"]


def test_it_registers_a_walk_in(wa, cast, claude_pipeline, jobs):
    day = next_weekday(3)
    claude_pipeline.use(
        (
            "register_walk_in",
            {
                "customer_name": "Luis",
                "service_id": cast.haircut.id,
                "start": day.isoformat() + "T11:00",
            },
        )
    ).say("Anotado Luis.")
    say(wa, jobs, "anota a Luis para corte el jueves a las 11", wa_id=BETO_WA)
    walk_in = Appointment.get(Appointment.source == "walk_in")
    assert walk_in.staff_id == cast.barber.id and walk_in.start_at == at(day, 11)
    assert walk_in.customer.name == "Luis"
    jobs.run()  # the notices of the booking
    assert jobs.failures == []


def test_it_looks_up_a_customer_with_history(wa, cast, claude_pipeline, jobs):
    visit = book(cast)
    claude_pipeline.use(("lookup_customer", {"query": "ana"})).say("Ana, +52 55 9999 8888.")
    say(wa, jobs, "busca a ana", wa_id=OWNER_WA)
    found = claude_pipeline.calls[1].tool_results()[0]["content"]["customers"]
    assert [(c["name"], c["phone"]) for c in found] == [("«Ana»", "+525599998888")]
    assert [a["id"] for a in found[0]["appointments"]] == [visit.id]


def test_it_blocks_time_in_the_staff_members_own_schedule(wa, cast, claude_pipeline, jobs):
    from yume.availability import find_slots

    day = next_weekday(3)
    inside = book(cast, day=day, hour=16)
    claude_pipeline.use(
        (
            "block_time",
            {"start": iso(day, 15), "end": iso(day, 17), "reason": "dentista"},
        )
    ).say("Bloqueado; tienes una cita a las 4:00 PM dentro.")
    say(wa, jobs, "bloquéame el jueves de 3 a 5, voy al dentista", wa_id=BETO_WA)
    blocked = AvailabilityException.get()
    assert (blocked.staff_id, blocked.reason) == (cast.barber.id, "dentista")
    result = claude_pipeline.calls[1].tool_results()[0]["content"]
    assert [a["id"] for a in result["appointments_inside"]] == [inside.id]
    starts = {s.start for s in find_slots(cast.org, cast.haircut.id, day, at(day, 0))}
    beto_free = {
        s.start
        for s in find_slots(cast.org, cast.haircut.id, day, at(day, 0), staff_id=cast.barber.id)
    }
    assert at(day, 15, 30) in starts and at(day, 15, 30) not in beto_free


# -- hand-over -----------------------------------------------------------------------------


def test_it_hands_over_and_tells_the_owner_without_links(
    wa, cast, claude_pipeline, jobs, fake_graph
):
    """request_human ends in the same state machine as the guided brain (yume/handover.py)."""
    claude_pipeline.use(
        ("request_human", {"reason": "Queja por su último corte, ver https://fotos.example/x"})
    ).say("Ya le avisé al equipo.")
    say(wa, jobs, "quiero hablar con el dueño, mi corte quedó horrible")
    jobs.run()  # the owner's alert
    conversation = Conversation.get(Conversation.phone == "+525599998888")
    assert conversation.handover_at is not None
    alert = [m for m in fake_graph.sent_messages() if m["to"] == "525511112222"]
    assert alert and "Queja por su último corte" in str(alert[0])
    assert "mi corte quedó horrible" in str(alert[0])  # what the customer wrote, quoted
    assert "http" not in str(alert[0]) and "fotos.example" not in str(alert[0])
    assert texts_sent(fake_graph)[0] == "Ya le avisé al equipo."
    assert "Alguien del equipo te contesta por aquí" in texts_sent(fake_graph)[1]
    calls = len(claude_pipeline.calls)
    say(wa, jobs, "¿sigue alguien?")
    assert len(claude_pipeline.calls) == calls  # waiting for a person: Claude is not asked
    assert "Sigo aquí" in texts_sent(fake_graph)[-1]  # and yet never silence


# -- the loop ------------------------------------------------------------------------------


def test_it_answers_bad_tool_calls_as_errors_in_one_message(wa, cast, claude_pipeline, jobs):
    claude_pipeline.use(
        ("delete_everything", {}),
        ("find_available_slots", {"service_id": "corte", "date": "mañana"}),
        ("get_schedule", {"date": "2026-01-01"}),  # a staff tool, offered only to staff
        ("list_services", {}),
    ).say("¿Qué servicio te interesa?")
    say(wa, jobs, "hola")
    results = claude_pipeline.calls[1].tool_results()
    assert [r.get("is_error", False) for r in results] == [True, True, True, False]
    assert [r["content"].get("error", {}).get("code") for r in results[:3]] == [
        "unknown_tool",
        "invalid_arguments",
        "unknown_tool",
    ]
    assert "services" in results[3]["content"]
    assert jobs.failures == []


def test_it_stops_a_loop_that_never_ends_and_says_what_it_did_in_its_own_words(
    wa, cast, claude_pipeline, jobs, fake_graph
):
    day = next_weekday(3)
    said = f"apártame corte el {spanish_date(day)} a las 12:00 PM"
    claude_pipeline.use(
        ("book_appointment", {"service_id": cast.haircut.id, "start": day.isoformat() + "T12:00"}),
        text="Un momento, reviso…",
    )
    for _ in range(claude.MAX_ROUNDS + 2):
        claude_pipeline.use(("list_services", {}), text="Déjame ver…")
    say(wa, jobs, said)
    assert len(claude_pipeline.calls) == claude.MAX_ROUNDS
    assert Appointment.select().count() == 1
    [sent] = texts_sent(fake_graph)
    assert sent == (
        f"Quedó agendada tu cita: Corte de cabello el {spanish_date(day)} a las 12:00 PM con Chuy."
    )


def test_it_lets_the_guided_brain_answer_when_rounds_run_out_with_nothing_done(
    wa, cast, claude_pipeline, jobs, fake_graph, monkeypatch
):
    monkeypatch.setattr(claude, "GUIDED", "tests.brains.EchoBrain")
    for _ in range(claude.MAX_ROUNDS + 2):
        claude_pipeline.use(("list_services", {}), text="Déjame ver…")
    say(wa, jobs, "hola")
    assert len(claude_pipeline.calls) == claude.MAX_ROUNDS
    assert texts_sent(fake_graph) == ["[customer] Recibí: hola"]  # never a bare "déjame ver"


def test_it_sends_the_final_text_once_even_when_it_came_before_the_tools(
    wa, cast, claude_pipeline, jobs, fake_graph
):
    claude_pipeline.use(("list_services", {}), text="El corte cuesta $250.").then(
        lambda body: message([], "end_turn")  # the empty end_turn the docs warn about
    )
    say(wa, jobs, "cuanto el corte")
    assert texts_sent(fake_graph) == ["El corte cuesta $250."]


def test_it_refuses_present_options_beside_other_tools(wa, cast, claude_pipeline, jobs):
    options = {"body": "¿Cuál?", "options": [{"id": "a", "title": "A"}, {"id": "b", "title": "A"}]}
    claude_pipeline.use(("list_services", {}), (PRESENT_OPTIONS, options))
    claude_pipeline.use((PRESENT_OPTIONS, options)).say("¿Corte o barba?")
    say(wa, jobs, "hola")
    first = claude_pipeline.calls[1].tool_results()
    assert first[1]["content"]["error"]["code"] == "not_alone"
    second = claude_pipeline.calls[2].tool_results()
    assert second[0]["content"]["error"]["code"] == "duplicate_titles"


# -- what every request carries ------------------------------------------------------------


def test_it_sends_customers_their_tools_a_cached_prefix_and_todays_date(
    wa, cast, claude_pipeline, jobs
):
    claude_pipeline.use(("list_services", {})).say("Hola")
    say(wa, jobs, "hola")
    first, second = claude_pipeline.calls
    assert first.tool_names == [*CUSTOMER_TOOLS, PRESENT_OPTIONS]
    system = first.body["system"]
    assert [("cache_control" in block) for block in system] == [True, True, False]
    assert "Barbería Don Chuy" in system[1]["text"] and "Av. Juárez 123" in system[1]["text"]
    today = datetime.now(TZ).date()
    assert f"hoy es {spanish_date(today)}" in system[2]["text"]
    assert f"= {today.isoformat()}" in system[2]["text"]
    assert first.headers["authorization"] == "Bearer sk-ant-test"
    assert first.headers["anthropic-version"]
    assert "temperature" not in first.body
    assert second.body["system"] == system  # the same prefix, byte for byte
    assert second.usage["cache_read_input_tokens"] > 0  # the first call's prefix was read
    rows = list(ClaudeUsage.select().order_by(ClaudeUsage.id))
    assert len(rows) == 2 and rows[0].cache_write_tokens > 0 and rows[1].cache_read_tokens > 0


def test_it_keeps_the_static_prefix_identical_across_turns_and_people(
    wa, cast, claude_pipeline, jobs
):
    claude_pipeline.say("Hola").say("Hola de nuevo").say("Hola Pepe")
    say(wa, jobs, "hola")
    say(wa, jobs, "otra cosa")
    say(wa, jobs, "hola", wa_id="5215512340000")
    prefixes = [(c.body["tools"], c.body["system"][:2]) for c in claude_pipeline.calls]
    assert prefixes[0] == prefixes[1] == prefixes[2]
    assert [c.usage["cache_read_input_tokens"] > 0 for c in claude_pipeline.calls] == [
        False,
        True,
        True,
    ]


# -- when Claude fails ---------------------------------------------------------------------


def test_it_lets_the_sdk_retry_a_rate_limit(wa, cast, claude_pipeline, jobs, fake_graph):
    claude_pipeline.fail(429).say("¡Hola!")
    say(wa, jobs, "hola")
    assert [c.status for c in claude_pipeline.calls] == [429, 200]
    assert texts_sent(fake_graph) == ["¡Hola!"]


def test_it_falls_back_to_the_guided_brain_when_claude_is_overloaded(
    wa, cast, claude_pipeline, jobs, fake_graph, monkeypatch
):
    monkeypatch.setattr(claude, "GUIDED", "tests.brains.EchoBrain")
    claude_pipeline.fail(529, times=3)
    say(wa, jobs, "hola")
    assert [c.status for c in claude_pipeline.calls] == [529, 529, 529]  # the SDK's retries
    assert texts_sent(fake_graph) == ["[customer] Recibí: hola"]
    assert jobs.failures == []


@pytest.mark.parametrize("guided", ["yume.brains.missing.Brain", "tests.brains.EchoBrain"])
def test_it_holds_once_and_retries_when_no_guided_brain_can_answer(
    wa, cast, claude_pipeline, jobs, fake_graph, monkeypatch, guided
):
    monkeypatch.setattr(claude, "GUIDED", guided)
    say_fail = "falla"  # the echo brain raises on it: a guided brain that breaks
    claude_pipeline.fail(500, times=3)
    say(wa, jobs, f"hola {say_fail}")
    assert texts_sent(fake_graph) == [claude.HOLDING]
    assert [type(f) for f in jobs.failures] == [BrainUnavailable]  # the job will retry
    conversation = Conversation.get(Conversation.phone == "+525599998888")
    claude_pipeline.fail(529, times=3)
    with pytest.raises(BrainUnavailable):
        process_conversation(conversation.id)  # RQ's retry, Claude still down
    assert texts_sent(fake_graph) == [claude.HOLDING]  # not twice
    claude_pipeline.say("¡Ya estoy! ¿En qué te ayudo?")
    assert process_conversation(conversation.id) == "answered"
    assert texts_sent(fake_graph) == [claude.HOLDING, "¡Ya estoy! ¿En qué te ayudo?"]


def test_it_confirms_what_it_did_when_claude_fails_halfway(
    wa, cast, claude_pipeline, jobs, fake_graph
):
    day = next_weekday(3)
    claude_pipeline.use(
        ("book_appointment", {"service_id": cast.haircut.id, "start": day.isoformat() + "T12:00"})
    ).fail(529, times=3)
    say(wa, jobs, f"apártame el corte del {spanish_date(day)} a las 12:00 PM")
    assert Appointment.select().count() == 1
    [sent] = texts_sent(fake_graph)
    assert sent == (
        f"Quedó agendada tu cita: Corte de cabello el {spanish_date(day)} a las 12:00 PM con Chuy."
    )
    assert jobs.failures == []


# -- media ---------------------------------------------------------------------------------


def test_it_shows_claude_the_photo(wa, cast, claude_pipeline, jobs, fake_graph):
    fake_graph.add_media("IMG1", b"\xff\xd8\xff fake jpeg", "image/jpeg")
    claude_pipeline.say("¡Qué buen corte! Es un fade; te lo hace Beto.")
    webhooks.post(wa, media(CUSTOMER_WA, "image", "IMG1", caption="así lo quiero"))
    jobs.run()
    blocks = claude_pipeline.calls[0].last_user_blocks
    image = next(b for b in blocks if b["type"] == "image")
    assert image["source"]["media_type"] == "image/jpeg" and image["source"]["data"]
    assert any("así lo quiero" in b.get("text", "") for b in blocks)
    assert texts_sent(fake_graph) == ["¡Qué buen corte! Es un fade; te lo hace Beto."]


def test_it_asks_kindly_for_text_and_tells_the_owner_when_voice_notes_insist(
    wa, cast, claude_pipeline, jobs, fake_graph
):
    webhooks.post(wa, media(CUSTOMER_WA, "audio", "AUD1", voice=True))
    jobs.run()
    assert texts_sent(fake_graph) == [claude.VOICE_ASK]
    webhooks.post(wa, media(CUSTOMER_WA, "audio", "AUD2", voice=True))
    jobs.run()
    jobs.run()  # the owner's alert
    assert texts_sent(fake_graph)[1] == claude.VOICE_INSIST
    alert = [m for m in fake_graph.sent_messages() if m["to"] == "525511112222"]
    assert alert and "notas de voz" in str(alert[0])
    assert claude_pipeline.calls == []  # no need to ask Claude


def test_it_does_not_answer_a_sticker(wa, cast, claude_pipeline, jobs, fake_graph):
    webhooks.post(wa, media(CUSTOMER_WA, "sticker", "STK1"))
    jobs.run()
    assert fake_graph.sent_messages() == [] and claude_pipeline.calls == []
    assert Message.get(Message.kind == "sticker").processed_at is not None
