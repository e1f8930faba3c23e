"""The staff morning agenda (opt-in, at a local hour, once a day) and appointments becoming
`completed` after their end unless staff marked a no-show; embedded mode runs it all."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.appointments import book, handle_events, local, tijuana_salon, weekday_ahead
from yume import agenda
from yume.booking import book_appointment, mark_no_show
from yume.errors import DomainError
from yume.models import Appointment, Customer, Message, WorkingHours
from yume.reminders_models import AgendaDelivery, set_morning_agenda
from yume.timeutil import zone

MONDAY, SUNDAY = 0, 6


def agenda_at(now) -> list[int]:
    """Run the agenda job's work at `now`; the conversations it queued messages in."""
    queued = []
    for member, own_hour in agenda.subscribers():
        day = agenda.due_day(member, own_hour, now)
        conversation_id = agenda.send_agenda(member, day, now) if day else None
        if conversation_id is not None:
            queued.append(conversation_id)
    return queued


def queued_texts(conversation_id: int) -> list[str]:
    rows = Message.select().where(
        (Message.conversation == conversation_id) & (Message.direction == "out")
    )
    return [m.text for m in rows.order_by(Message.id)]


def test_it_sends_the_morning_agenda_to_staff_who_opted_in(cast, jobs):
    day = weekday_ahead(MONDAY)
    book(cast, local(cast.org, day, 11))
    book(cast, local(cast.org, day, 16, 30))
    book(cast, local(cast.org, day, 12), staff_id=cast.owner.id)
    set_morning_agenda(cast.barber.id, True)
    assert agenda_at(local(cast.org, day, 7, 59)) == []  # before 8:00 local
    [conversation_id] = agenda_at(local(cast.org, day, 8, 1))
    [text] = queued_texts(conversation_id)  # outside Beto's window: the template
    assert text.startswith("Buenos días, Beto ☀️ Tu agenda de hoy, lunes")
    assert "11:00 AM Corte de cabello con Ana; 4:30 PM Corte de cabello con Ana." in text
    assert "12:00" not in text  # the owner's appointment is not Beto's


def test_it_sends_the_agenda_once_a_day(cast, jobs):
    day = weekday_ahead(MONDAY)
    book(cast, local(cast.org, day, 11))
    set_morning_agenda(cast.barber.id, True)
    assert len(agenda_at(local(cast.org, day, 8))) == 1
    assert agenda_at(local(cast.org, day, 8, 1)) == []
    assert agenda_at(local(cast.org, day, 9, 30)) == []
    assert AgendaDelivery.select().count() == 1


def test_it_lets_the_owner_see_the_whole_day_at_their_own_hour(cast, jobs):
    day = weekday_ahead(MONDAY)
    book(cast, local(cast.org, day, 11))
    cast.org.settings = {**cast.org.settings, "morning_agenda_hour": 9}
    cast.org.save()
    set_morning_agenda(cast.owner.id, True, hour=7)
    [conversation_id] = agenda_at(local(cast.org, day, 7, 5))
    assert "(atiende Beto)" in queued_texts(conversation_id)[0]
    set_morning_agenda(cast.barber.id, True)
    assert agenda_at(local(cast.org, day, 8, 30)) == []  # Beto follows the business: 9:00


def test_it_skips_an_agenda_that_comes_too_late(cast, jobs):
    day = weekday_ahead(MONDAY)
    book(cast, local(cast.org, day, 16))
    set_morning_agenda(cast.barber.id, True)
    assert agenda_at(local(cast.org, day, 11, 30)) == []  # the day is well under way


def test_it_sends_nothing_on_a_day_off_with_nothing_booked(cast, jobs):
    set_morning_agenda(cast.barber.id, True)
    sunday = weekday_ahead(SUNDAY)
    assert agenda_at(local(cast.org, sunday, 8)) == []
    monday = weekday_ahead(MONDAY)
    [conversation_id] = agenda_at(local(cast.org, monday, 8))
    assert "sin citas por ahora" in queued_texts(conversation_id)[0]


def test_it_uses_the_local_hour_across_daylight_saving(jobs):
    org, service, stylist = tijuana_salon()
    customer = Customer.create(organization=org, phone="+526649876543", name="Lupe")
    set_morning_agenda(stylist.id, True)
    for day in (date(2027, 3, 13), date(2027, 3, 14)):  # PST, then PDT
        start = local(org, day, 10)
        book_appointment(
            org, service.id, start, customer, stylist.id, now=start - timedelta(days=2)
        )
        assert agenda_at(local(org, day, 7, 59)) == []
        assert len(agenda_at(local(org, day, 8, 0))) == 1
    hours = [d.created_at.astimezone(zone(org.timezone)).hour for d in AgendaDelivery.select()]
    assert hours == [8, 8]


def test_it_sends_the_agenda_through_the_job(cast, jobs, fake_graph, monkeypatch):
    from jobs import reminders as reminder_jobs

    day = weekday_ahead(MONDAY)
    book(cast, local(cast.org, day, 11))
    jobs.run()
    fake_graph.reset()
    set_morning_agenda(cast.barber.id, True)
    monkeypatch.setattr(reminder_jobs, "utcnow", lambda: local(cast.org, day, 8, 15))
    assert reminder_jobs.send_morning_agendas() == 1
    jobs.run()
    [message] = fake_graph.sent_messages()
    assert message["template"]["name"] == "yume_agenda_del_dia"


# -- completion ------------------------------------------------------------------------------


def test_it_completes_appointments_after_their_end_unless_a_no_show(cast, jobs):
    day = weekday_ahead(MONDAY)
    first = book(cast, local(cast.org, day, 11))
    second = book(cast, local(cast.org, day, 12))
    later = book(cast, local(cast.org, day, 16))
    mark_no_show(cast.org, second.id, now=local(cast.org, day, 12, 20))
    assert agenda.complete_finished(local(cast.org, day, 11, 29)) == 0  # 11:00 ends at 11:30
    assert agenda.complete_finished(local(cast.org, day, 12, 31)) == 1  # 12:00 was a no-show
    statuses = {a.id: a.status for a in Appointment.select()}
    assert (statuses[first.id], statuses[second.id], statuses[later.id]) == (
        "completed",
        "no_show",
        "booked",
    )


def test_it_lets_staff_mark_a_no_show_only_once_it_began(cast, jobs):
    day = weekday_ahead(MONDAY)
    appointment = book(cast, local(cast.org, day, 11))
    with pytest.raises(DomainError):
        mark_no_show(cast.org, appointment.id, now=local(cast.org, day, 10))
    agenda.complete_finished(local(cast.org, day, 12))
    mark_no_show(cast.org, appointment.id, now=local(cast.org, day, 12, 5))  # after completion
    assert Appointment.get_by_id(appointment.id).status == "no_show"
    handle_events(local(cast.org, day, 12, 6))


def test_it_runs_reminders_agendas_and_completion_in_embedded_mode():
    from yume.embedded import PERIODIC_JOBS
    from yume.queue import resolve

    for job in (
        "jobs.reminders.send_due_reminders",
        "jobs.reminders.reconcile_reminders",
        "jobs.reminders.send_morning_agendas",
        "jobs.reminders.complete_appointments",
    ):
        assert job in PERIODIC_JOBS
        assert callable(resolve(job))


def test_it_works_staff_hours_into_the_agenda(cast, jobs):
    set_morning_agenda(cast.barber.id, True)
    WorkingHours.delete().where(WorkingHours.staff == cast.barber).execute()
    assert agenda_at(local(cast.org, weekday_ahead(MONDAY), 8)) == []  # never works, no bookings


def test_it_lists_the_agenda_line_by_line_inside_the_window(cast, jobs):
    from yume.conversations import conversation_with

    day = weekday_ahead(MONDAY)
    book(cast, local(cast.org, day, 11))
    set_morning_agenda(cast.barber.id, True)
    conversation = conversation_with(cast.org, cast.barber.phone)
    conversation.last_inbound_at = local(cast.org, day, 7)  # Beto wrote at 7:00
    conversation.save()
    [conversation_id] = agenda_at(local(cast.org, day, 8))
    [text] = queued_texts(conversation_id)
    assert text.splitlines()[1] == "• 11:00 AM Corte de cabello con Ana"
    assert text.endswith("1 cita. ¡Que tengas un excelente día!")


def test_staff_opted_in_through_the_api_get_the_agenda_at_their_hour(
    cast, jobs, fake_graph, client, monkeypatch
):
    from jobs import reminders as reminder_jobs
    from tests.conftest import AUTH

    day = weekday_ahead(MONDAY)
    book(cast, local(cast.org, day, 11))
    jobs.run()
    fake_graph.reset()
    url = f"/api/v1/organizations/{cast.org.id}/staff/{cast.barber.id}"
    response = client.patch(url, headers=AUTH, json={"morning_agenda": True})
    assert response.status_code == 200
    response = client.patch(url, headers=AUTH, json={"morning_agenda_hour": 10})
    assert response.get_json()["morning_agenda_hour"] == 10
    for minute, sent in ((local(cast.org, day, 8, 30), 0), (local(cast.org, day, 9, 59), 0)):
        monkeypatch.setattr(reminder_jobs, "utcnow", lambda at=minute: at)
        assert reminder_jobs.send_morning_agendas() == sent  # not the business's 8:00
    monkeypatch.setattr(reminder_jobs, "utcnow", lambda: local(cast.org, day, 10, 1))
    assert reminder_jobs.send_morning_agendas() == 1
    jobs.run()
    [message] = fake_graph.sent_messages()
    assert message["template"]["name"] == "yume_agenda_del_dia"
    [delivery] = AgendaDelivery.select()
    assert delivery.staff_id == cast.barber.id
