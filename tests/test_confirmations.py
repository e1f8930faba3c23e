"""Confirmations and notices on every booking change, and the reminder's buttons.

The customer is told about every booking, change and cancellation they did not make in
their own chat; the owner and the staff member concerned get a short notice, once each.
Inside a person's 24-hour window that is a free message, outside it a template. Reminder
taps ("Confirmo", "Cambiar horario", "Cancelar") work days later, on the customer's own
appointments only.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from jobs.appointments import handle_event
from jobs.reminders import deliver_reminder
from tests import webhooks
from tests.appointments import (
    CUSTOMER_WA,
    book,
    local,
    reminder,
    template_tap,
    weekday_ahead,
)
from tests.brains import EchoBrain
from yume.booking import book_appointment, cancel_appointment, reschedule_appointment
from yume.conversations import conversation_with
from yume.db import database
from yume.errors import DomainError
from yume.models import Appointment, Conversation, Customer, utcnow
from yume.reminders_models import AppointmentEvent, Reminder
from yume.timeutil import zone

MONDAY = 0
OWNER_WA, BARBER_WA, ANA_WA = "525511112222", "525533334444", "525599998888"


def by_recipient(fake_graph) -> dict[str, list[dict]]:
    sent: dict[str, list[dict]] = {}
    for message in fake_graph.sent_messages():
        sent.setdefault(message["to"], []).append(message)
    return sent


def words(message: dict) -> str:
    """What a sent message says, template parameters included."""
    if message["type"] == "text":
        return message["text"]["body"]
    if message["type"] == "interactive":
        return message["interactive"]["body"]["text"]
    params = [
        p.get("text", "")
        for c in message["template"]["components"]
        if c["type"] == "body"
        for p in c["parameters"]
    ]
    return message["template"]["name"] + ": " + " | ".join(params)


def open_window(cast, phone: str) -> Conversation:
    conversation = conversation_with(cast.org, phone)
    conversation.last_inbound_at = utcnow() - timedelta(hours=1)
    conversation.save()
    return conversation


# -- notices -------------------------------------------------------------------------------


def test_it_confirms_a_booking_to_the_customer_the_owner_and_the_staff_member(
    cast, jobs, fake_graph
):
    book(cast, local(cast.org, weekday_ahead(MONDAY), 11), source="api")
    jobs.run()
    sent = by_recipient(fake_graph)
    assert sorted(sent) == sorted([ANA_WA, OWNER_WA, BARBER_WA])
    [to_ana] = sent[ANA_WA]
    assert to_ana["template"]["name"] == "yume_cita_agendada"  # no window: a template
    assert "Corte de cabello | Barbería Don Chuy | el lunes" in words(to_ana)
    for team in (OWNER_WA, BARBER_WA):
        [notice] = sent[team]
        assert notice["template"]["name"] == "yume_aviso_cita_equipo"
        assert "nueva cita | Corte de cabello | Ana (+525599998888)" in words(notice)


def test_it_sends_free_messages_inside_the_24_hour_window(cast, jobs, fake_graph):
    open_window(cast, cast.customer.phone)
    open_window(cast, cast.owner.phone)
    book(cast, local(cast.org, weekday_ahead(MONDAY), 11))
    jobs.run()
    sent = by_recipient(fake_graph)
    assert sent[ANA_WA][0]["to"] == ANA_WA
    assert sent[ANA_WA][0]["type"] == "text"
    assert words(sent[ANA_WA][0]).startswith("¡Listo, Ana! ✅ Tu cita de *Corte de cabello*")
    assert "📍 Av. Juárez 123, CDMX" in words(sent[ANA_WA][0])
    assert words(sent[OWNER_WA][0]).startswith("📅 Nueva cita: Corte de cabello de Ana")
    assert sent[BARBER_WA][0]["type"] == "template"  # Beto has not written today


def test_it_tells_the_owner_once_when_the_owner_is_the_staff_member(cast, jobs, fake_graph):
    book(cast, local(cast.org, weekday_ahead(MONDAY), 11), staff_id=cast.owner.id)
    jobs.run()
    sent = by_recipient(fake_graph)
    assert sorted(sent) == sorted([ANA_WA, OWNER_WA])
    assert len(sent[OWNER_WA]) == 1


def test_it_does_not_repeat_what_the_customer_just_did_in_their_own_chat(cast, jobs, fake_graph):
    conversation = conversation_with(cast.org, cast.customer.phone)
    Conversation.update(lease_until=utcnow() + timedelta(minutes=2), lease_owner="turn").where(
        Conversation.id == conversation.id
    ).execute()  # a turn of Ana's chat is running: the brain tells her itself
    book(cast, local(cast.org, weekday_ahead(MONDAY), 11), source="chat")
    jobs.run()
    assert AppointmentEvent.get().actor == "customer"
    assert ANA_WA not in by_recipient(fake_graph)
    assert sorted(by_recipient(fake_graph)) == sorted([OWNER_WA, BARBER_WA])


def test_it_never_tells_staff_about_their_own_change(cast, jobs, fake_graph):
    book(cast, local(cast.org, weekday_ahead(MONDAY), 11), actor=f"staff:{cast.barber.id}")
    jobs.run()
    assert sorted(by_recipient(fake_graph)) == sorted([ANA_WA, OWNER_WA])


def test_it_tells_both_staff_members_when_an_appointment_changes_hands(cast, jobs, fake_graph):
    day = weekday_ahead(MONDAY)
    appointment = book(cast, local(cast.org, day, 11))
    jobs.run()
    fake_graph.reset()
    reschedule_appointment(cast.org, appointment.id, local(cast.org, day, 16), cast.owner.id)
    jobs.run()
    sent = by_recipient(fake_graph)
    assert sorted(sent) == sorted([ANA_WA, OWNER_WA, BARBER_WA])
    assert sent[ANA_WA][0]["template"]["name"] == "yume_cita_cambiada"
    assert "a las 4:00 PM | Chuy" in words(sent[ANA_WA][0])
    assert "cita cambiada (antes: lunes" in words(sent[BARBER_WA][0])
    assert "a las 11:00 AM)" in words(sent[BARBER_WA][0])


def test_it_announces_a_cancellation(cast, jobs, fake_graph):
    appointment = book(cast, local(cast.org, weekday_ahead(MONDAY), 13))
    jobs.run()
    fake_graph.reset()
    cancel_appointment(cast.org, appointment.id, "cambio de planes")
    jobs.run()
    sent = by_recipient(fake_graph)
    assert sent[ANA_WA][0]["template"]["name"] == "yume_cita_cancelada"
    assert "a la 1:00 PM" in words(sent[ANA_WA][0])
    assert "cita cancelada" in words(sent[OWNER_WA][0])


def test_it_tells_nobody_about_bulk_loaded_bookings(cast, jobs, fake_graph):
    book(cast, local(cast.org, weekday_ahead(MONDAY), 11), source="demo")
    jobs.run()
    assert fake_graph.sent_messages() == []
    assert Reminder.select().count() == 2  # reminders all the same


def test_it_handles_an_event_exactly_once(cast, jobs, fake_graph):
    book(cast, local(cast.org, weekday_ahead(MONDAY), 11))
    event = AppointmentEvent.get()
    jobs.queue.enqueue("jobs.appointments.process_event", event.id)  # a retried job
    jobs.run()
    assert handle_event(event.id, utcnow()) == "done"
    assert len(fake_graph.sent_messages()) == 3


# -- the outbox ------------------------------------------------------------------------------


def test_it_writes_an_event_only_with_a_committed_change(cast, jobs):
    start = local(cast.org, weekday_ahead(MONDAY), 11)
    book(cast, start)
    with pytest.raises(DomainError):
        book(cast, start)  # taken: refused, no event
    with pytest.raises(RuntimeError), database.atomic():
        book(cast, start + timedelta(hours=1))
        raise RuntimeError("the caller's transaction fails after booking")
    assert AppointmentEvent.select().count() == 1
    assert Appointment.select().count() == 1
    assert jobs.pending() == 1  # enqueued after the commit


def test_it_leaves_events_of_a_callers_transaction_to_the_reconciler(cast, jobs):
    with database.atomic():
        book(cast, local(cast.org, weekday_ahead(MONDAY), 11))
    assert jobs.pending() == 0  # a job now could run before that commit
    assert AppointmentEvent.get().processed_at is None


# -- reminder taps -------------------------------------------------------------------------


@pytest.fixture
def reminded(cast, jobs, fake_graph, pipeline_config) -> Appointment:
    """Ana's appointment next week; its reminder went out three days ago as a template."""
    appointment = book(cast, local(cast.org, weekday_ahead(MONDAY, 5), 11))
    jobs.run()
    row = reminder(appointment, 1440)
    sent_at = utcnow() - timedelta(days=3)
    Reminder.update(due_at=sent_at).where(Reminder.id == row.id).execute()
    assert deliver_reminder(row.id, pipeline_config, sent_at) == "sent"
    fake_graph.reset()
    return appointment


def test_it_confirms_from_a_reminder_tap_days_later(cast, wa, jobs, fake_graph, reminded):
    webhooks.post(wa, template_tap(f"rem:confirm:{reminded.id}", "Confirmo"))
    jobs.run()
    assert Appointment.get_by_id(reminded.id).status == "confirmed"
    [answer] = fake_graph.sent_messages()
    assert answer["to"] == CUSTOMER_WA and answer["type"] == "text"
    assert words(answer).startswith("¡Gracias, Ana! ✅ Tu cita de *Corte de cabello* quedó")
    assert EchoBrain.turns == []  # handled before the brain
    event = AppointmentEvent.get(AppointmentEvent.kind == "confirmed")
    assert event.actor == "customer"


def test_it_cancels_from_a_reminder_tap_and_tells_the_owner(cast, wa, jobs, fake_graph, reminded):
    webhooks.post(wa, template_tap(f"rem:cancel:{reminded.id}", "Cancelar"))
    jobs.run()
    assert Appointment.get_by_id(reminded.id).status == "cancelled"
    sent = by_recipient(fake_graph)
    [to_ana] = sent[CUSTOMER_WA]  # the answer; no second "cancelada" notice
    assert words(to_ana).startswith("Listo, cancelé tu cita de *Corte de cabello*")
    assert "cita cancelada" in words(sent[OWNER_WA][0])
    assert "cita cancelada" in words(sent[BARBER_WA][0])
    assert {r.status for r in Reminder.select()} <= {"sent", "cancelled"}


def test_it_opens_a_reschedule_from_a_reminder_tap(cast, wa, jobs, fake_graph, reminded):
    webhooks.post(wa, template_tap(f"rem:change:{reminded.id}", "Cambiar horario"))
    jobs.run()
    [answer] = fake_graph.sent_messages()
    assert "¿Qué día y a qué hora te queda mejor" in words(answer)
    state = Conversation.get(Conversation.customer == cast.customer).state
    assert state["guided"]["flow"] == "reschedule"
    assert state["guided"]["appointment_id"] == reminded.id
    assert state["guided"]["service_id"] == cast.haircut.id
    assert Appointment.get_by_id(reminded.id).status == "booked"  # unchanged until a new time


def test_it_refuses_a_tap_on_someone_elses_appointment(cast, wa, jobs, fake_graph, reminded):
    other = Customer.create(organization=cast.org, phone="+525512340000", name="Pepe")
    theirs = book(cast, local(cast.org, weekday_ahead(MONDAY, 5), 16), customer=other)
    jobs.run()
    fake_graph.reset()
    webhooks.post(wa, template_tap(f"rem:cancel:{theirs.id}", "Cancelar"))
    elsewhere = book_appointment(
        cast.other_org,
        cast.other_service.id,
        local(cast.other_org, weekday_ahead(MONDAY, 5), 12),
        cast.other_customer,
        cast.other_staff.id,
    )
    webhooks.post(wa, template_tap(f"rem:cancel:{elsewhere.id}", "Cancelar"))
    jobs.run()
    assert Appointment.get_by_id(theirs.id).status == "booked"
    assert Appointment.get_by_id(elsewhere.id).status == "booked"
    answers = [words(m) for m in fake_graph.sent_messages() if m["to"] == CUSTOMER_WA]
    assert len(answers) == 2
    assert all(a.startswith("No encontré esa cita entre las tuyas") for a in answers)


def test_it_answers_a_tap_on_the_interactive_reminder_buttons(cast, wa, jobs, fake_graph):
    appointment = book(cast, local(cast.org, weekday_ahead(MONDAY), 11))
    jobs.run()
    webhooks.post(
        wa, webhooks.button_reply(CUSTOMER_WA, f"rem:confirm:{appointment.id}", "Confirmo")
    )
    jobs.run()
    assert Appointment.get_by_id(appointment.id).status == "confirmed"


def test_it_passes_what_else_was_written_to_the_brain(cast, wa, jobs, fake_graph, reminded):
    webhooks.post(wa, template_tap(f"rem:confirm:{reminded.id}", "Confirmo"))
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, "¿tienen estacionamiento?"))
    jobs.run()
    assert [m.text for m in EchoBrain.turns[-1].new_messages] == ["¿tienen estacionamiento?"]
    assert len(fake_graph.sent_messages()) == 2
    assert Appointment.get_by_id(reminded.id).status == "confirmed"


def test_it_says_so_when_the_appointment_is_no_longer_active(cast, wa, jobs, fake_graph, reminded):
    cancel_appointment(cast.org, reminded.id, "la dueña cerró ese día")
    jobs.run()
    fake_graph.reset()
    webhooks.post(wa, template_tap(f"rem:confirm:{reminded.id}", "Confirmo"))
    jobs.run()
    [answer] = fake_graph.sent_messages()
    assert words(answer).startswith("Esa cita ya no está activa")
    assert Appointment.get_by_id(reminded.id).status == "cancelled"


def test_it_hands_the_change_over_to_the_guided_brain(
    cast, wa, jobs, fake_graph, reminded, monkeypatch
):
    monkeypatch.setenv("YUME_BRAIN", "yume.brains.guided.GuidedBrain")
    webhooks.post(wa, template_tap(f"rem:change:{reminded.id}", "Cambiar horario"))
    jobs.run()
    fake_graph.reset()
    new_day = reminded.start_at.astimezone(zone(cast.org.timezone)).date() + timedelta(days=1)
    webhooks.post(wa, webhooks.text(CUSTOMER_WA, f"el {new_day.day} a las 4 de la tarde"))
    jobs.run()
    [question] = fake_graph.sent_messages()
    assert words(question).startswith("¿Cambio tu cita de Corte de cabello para el")
    fake_graph.reset()
    webhooks.post(wa, webhooks.button_reply(CUSTOMER_WA, "confirm:yes", "Sí"))
    jobs.run()
    moved = Appointment.get_by_id(reminded.id)
    assert moved.start_at.astimezone(zone(cast.org.timezone)).date() == new_day
    assert AppointmentEvent.get(AppointmentEvent.kind == "rescheduled").actor == "customer"
    to_ana = by_recipient(fake_graph)[CUSTOMER_WA]
    assert len(to_ana) == 1  # the brain's answer; no second "cambió" notice
    assert reminder(moved, 1440).due_at == moved.start_at - timedelta(hours=24)


def test_it_never_writes_to_a_walk_in_without_a_phone(cast, jobs, fake_graph, pipeline_config):
    from datetime import UTC, datetime

    from jobs import reminders as reminder_jobs
    from tests.cast import next_weekday
    from yume.booking import book_appointment
    from yume.customers import customer_without_phone
    from yume.reminders_models import Reminder

    walk_in = customer_without_phone(cast.org, "Don Ramón")
    day = next_weekday(2)
    start = datetime(day.year, day.month, day.day, 18, 0, tzinfo=UTC)  # 12:00 in CDMX
    book_appointment(
        cast.org,
        cast.haircut.id,
        start,
        walk_in,
        cast.barber.id,
        source="walk_in",
        actor=f"staff:{cast.barber.id}",
    )
    jobs.run()
    jobs.run()
    recipients = {m["to"] for m in fake_graph.sent_messages()}
    assert recipients and recipients <= {
        "525511112222"
    }  # the owner hears; nobody else is written to
    reminders = list(Reminder.select())
    assert reminders  # planned like any booking's, and refused at sending time
    for planned in reminders:
        outcome = reminder_jobs.deliver_reminder(planned.id, pipeline_config, planned.due_at)
        assert outcome == "skipped:no_phone"
    assert {m["to"] for m in fake_graph.sent_messages()} == recipients
