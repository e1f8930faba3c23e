"""Reminders: planned at the organization's offsets when a booking is made, moved with it,
cancelled with it, sent once each whatever the schedulers do, rebuilt after Redis forgets.

With YUME_TEST_REDIS_URL the jobs go through real RQ and rq-scheduler; without it the
database sweep (embedded mode's scheduler) sends them. Time is chosen per test: every
service takes `now`.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from jobs.reminders import deliver_reminder, rebuild, send_due_reminders
from tests.appointments import (
    book,
    handle_events,
    local,
    reminder,
    tijuana_salon,
    weekday_ahead,
)
from tests.conftest import REDIS_URL
from yume import reminders
from yume.booking import book_appointment, cancel_appointment, reschedule_appointment
from yume.db import database
from yume.models import Customer, Message, utcnow
from yume.reminders_models import Reminder

MONDAY, TUESDAY = 0, 1


def sent(fake_graph, kind: str | None = None) -> list[dict]:
    return [m for m in fake_graph.sent_messages() if kind is None or m["type"] == kind]


def scheduler(jobs):
    from rq_scheduler import Scheduler

    return Scheduler(queue_name="default", connection=jobs.queue.connection)


def scheduled_jobs(jobs) -> dict[str, float]:
    """rq-scheduler's jobs: id → due (epoch seconds)."""
    key = "rq:scheduler:scheduled_jobs"
    pairs = jobs.queue.connection.zrange(key, 0, -1, withscores=True)
    return {job_id.decode(): score for job_id, score in pairs}


def reminder_jobs(jobs) -> dict[str, float]:
    return {k: v for k, v in scheduled_jobs(jobs).items() if k.startswith("yume-reminder-")}


def make_due(row: Reminder, jobs, at=None) -> None:
    """Pretend the reminder's time has come: its row and its job say so."""
    due = at or utcnow() - timedelta(seconds=1)
    reminders.apply_jobs([], [(row.id, row.due_at)])
    Reminder.update(due_at=due).where(Reminder.id == row.id).execute()
    reminders.apply_jobs([(row.id, due)], [])


# -- planning ----------------------------------------------------------------------------


def test_it_plans_a_reminder_per_offset_when_a_booking_is_made(cast, jobs):
    start = local(cast.org, weekday_ahead(MONDAY), 11)
    appointment = book(cast, start)
    jobs.run()  # the event's job
    rows = list(Reminder.select().where(Reminder.appointment == appointment))
    assert sorted((r.offset_minutes, r.status) for r in rows) == [
        (120, "scheduled"),
        (1440, "scheduled"),
    ]
    assert reminder(appointment, 1440).due_at == start - timedelta(hours=24)
    assert reminder(appointment, 120).due_at == start - timedelta(hours=2)
    if jobs.redis_url:  # days away: in the database only, until the window reaches them
        assert reminder_jobs(jobs) == {}
        for row in rows:
            rebuild(row.due_at - timedelta(minutes=90))  # the top-up, 90 min before each
        expected = {reminders.job_id(r.id, r.due_at): r.due_at.timestamp() for r in rows}
        assert reminder_jobs(jobs) == expected


def test_it_uses_the_organizations_offsets(cast, jobs):
    cast.org.settings = {**cast.org.settings, "reminder_offsets_minutes": [2880, 60]}
    cast.org.save()
    appointment = book(cast, local(cast.org, weekday_ahead(MONDAY), 11))
    jobs.run()
    offsets = [r.offset_minutes for r in appointment.reminders.order_by(Reminder.offset_minutes)]
    assert offsets == [60, 2880]


def test_it_skips_offsets_already_passed_at_booking(cast, jobs):
    day = weekday_ahead(MONDAY)
    now = local(cast.org, day, 9)  # booked at 9:00 for 12:00: the 24 h reminder is moot
    appointment = book(cast, local(cast.org, day, 12), now=now)
    handle_events(now)
    assert (reminder(appointment, 1440).status, reminder(appointment, 1440).reason) == (
        "skipped",
        "offset_passed",
    )
    assert reminder(appointment, 120).status == "scheduled"
    late = book(cast, local(cast.org, day, 10), staff_id=cast.owner.id, now=now)
    handle_events(now)
    assert {r.status for r in late.reminders} == {"skipped"}


def test_it_moves_the_reminders_when_the_appointment_moves(cast, jobs):
    appointment = book(cast, local(cast.org, weekday_ahead(MONDAY), 11))
    jobs.run()
    old = {r.offset_minutes: (r.id, r.due_at) for r in appointment.reminders}
    new_start = local(cast.org, weekday_ahead(TUESDAY, 5), 16)
    reschedule_appointment(cast.org, appointment.id, new_start)
    jobs.run()
    for offset in (1440, 120):
        row = reminder(appointment, offset)
        assert (row.id, row.status) == (old[offset][0], "scheduled")
        assert row.due_at == new_start - timedelta(minutes=offset)
    if jobs.redis_url:
        assert reminder_jobs(jobs) == {}  # both moves were days away: the database only


def test_it_cancels_the_reminders_when_the_appointment_is_cancelled(cast, jobs):
    appointment = book(cast, local(cast.org, weekday_ahead(MONDAY), 11))
    jobs.run()
    cancel_appointment(cast.org, appointment.id, "ya no puedo")
    jobs.run()
    assert {(r.status, r.reason) for r in appointment.reminders} == {
        ("cancelled", "appointment_cancelled")
    }
    if jobs.redis_url:
        assert reminder_jobs(jobs) == {}


def test_it_never_sends_the_reminder_of_a_cancelled_appointment(
    cast, jobs, fake_graph, pipeline_config
):
    appointment = book(cast, local(cast.org, weekday_ahead(MONDAY), 11))
    jobs.run()
    row = reminder(appointment, 1440)
    fake_graph.reset()
    cancel_appointment(cast.org, appointment.id)  # its event not handled yet: a stale job fires
    assert deliver_reminder(row.id, pipeline_config, row.due_at) == "skipped:appointment_cancelled"
    assert sent(fake_graph, "template") == []


# -- sending -----------------------------------------------------------------------------


def test_it_sends_the_reminder_template_outside_the_window(cast, jobs, fake_graph, pipeline_config):
    start = local(cast.org, weekday_ahead(MONDAY), 11)
    appointment = book(cast, start)
    jobs.run()
    fake_graph.reset()
    row = reminder(appointment, 1440)
    assert deliver_reminder(row.id, pipeline_config, row.due_at) == "sent"
    [message] = sent(fake_graph)
    template = message["template"]
    assert (message["to"], template["name"], template["language"]["code"]) == (
        "525599998888",
        "yume_recordatorio_cita",
        "es_MX",
    )
    body = [c for c in template["components"] if c["type"] == "body"][0]
    assert [p["text"] for p in body["parameters"]][:2] == ["Corte de cabello", "Barbería Don Chuy"]
    assert body["parameters"][2]["text"].startswith("mañana lunes")
    assert body["parameters"][2]["text"].endswith("a las 11:00 AM")
    payloads = [
        c["parameters"][0]["payload"] for c in template["components"] if c["type"] == "button"
    ]
    assert payloads == [f"rem:{a}:{appointment.id}" for a in ("confirm", "change", "cancel")]
    row = Reminder.get_by_id(row.id)
    assert (row.status, row.sent_at is not None, row.message.status) == ("sent", True, "sent")


def test_it_sends_free_buttons_inside_the_window(cast, jobs, fake_graph, pipeline_config):
    from yume.conversations import conversation_with

    appointment = book(cast, local(cast.org, weekday_ahead(MONDAY), 11))
    jobs.run()
    row = reminder(appointment, 120)
    conversation = conversation_with(cast.org, cast.customer.phone)
    conversation.last_inbound_at = row.due_at - timedelta(hours=3)  # Ana wrote this morning
    conversation.save()
    fake_graph.reset()
    assert deliver_reminder(row.id, pipeline_config, row.due_at) == "sent"
    [message] = sent(fake_graph)
    interactive = message["interactive"]
    assert interactive["type"] == "button"
    assert "hoy a las 11:00 AM" in interactive["body"]["text"]
    titles = [b["reply"]["title"] for b in interactive["action"]["buttons"]]
    assert titles == ["Confirmo", "Cambiar horario", "Cancelar"]


def test_it_sends_a_reminder_once_however_often_its_job_runs(
    cast, jobs, fake_graph, pipeline_config
):
    appointment = book(cast, local(cast.org, weekday_ahead(MONDAY), 11))
    jobs.run()
    fake_graph.reset()
    row = reminder(appointment, 1440)
    outcomes = [deliver_reminder(row.id, pipeline_config, row.due_at) for _ in range(3)]
    assert outcomes == ["sent", "already_sent", "already_sent"]
    assert len(sent(fake_graph)) == 1


def test_it_lets_one_of_two_racing_workers_send(cast, jobs, fake_graph, pipeline_config):
    appointment = book(cast, local(cast.org, weekday_ahead(MONDAY), 11))
    jobs.run()
    fake_graph.reset()
    row = reminder(appointment, 1440)
    database.close()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker() -> None:
        barrier.wait()
        with database.connection_context():
            outcomes.append(deliver_reminder(row.id, pipeline_config, row.due_at))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes)[1] == "sent" and sorted(outcomes)[0] in ("already_sent", "raced")
    assert len(sent(fake_graph)) == 1


def test_it_does_nothing_when_an_old_job_fires_for_a_moved_reminder(
    cast, jobs, fake_graph, pipeline_config
):
    appointment = book(cast, local(cast.org, weekday_ahead(MONDAY), 11))
    jobs.run()
    row = reminder(appointment, 1440)
    week_later = weekday_ahead(MONDAY) + timedelta(days=7)
    reschedule_appointment(cast.org, appointment.id, local(cast.org, week_later, 11))
    jobs.run()
    fake_graph.reset()
    assert deliver_reminder(row.id, pipeline_config, row.due_at) == "not_due"
    assert sent(fake_graph) == []


def test_it_skips_a_late_reminder_once_the_appointment_began(
    cast, jobs, fake_graph, pipeline_config
):
    start = local(cast.org, weekday_ahead(MONDAY), 11)
    appointment = book(cast, start)
    jobs.run()
    fake_graph.reset()
    row = reminder(appointment, 120)
    late = start + timedelta(minutes=1)
    assert deliver_reminder(row.id, pipeline_config, late) == "skipped:appointment_started"
    assert sent(fake_graph) == []
    assert Reminder.get_by_id(row.id).status == "skipped"


def test_it_sends_a_late_reminder_while_still_useful_and_only_the_latest(
    cast, jobs, fake_graph, pipeline_config
):
    start = local(cast.org, weekday_ahead(MONDAY), 11)
    appointment = book(cast, start)
    jobs.run()
    fake_graph.reset()
    now = start - timedelta(minutes=50)  # both reminders overdue: say it once, the latest
    day_before, two_hours = reminder(appointment, 1440), reminder(appointment, 120)
    assert deliver_reminder(day_before.id, pipeline_config, now) == "skipped:superseded"
    assert deliver_reminder(two_hours.id, pipeline_config, now) == "sent"
    [message] = sent(fake_graph)
    assert "hoy a las 11:00 AM" in str(message)


def test_it_sweeps_due_reminders_from_the_database(cast, jobs, fake_graph, pipeline_config):
    appointment = book(cast, local(cast.org, weekday_ahead(MONDAY), 11))
    jobs.run()
    fake_graph.reset()
    Reminder.update(due_at=utcnow() - timedelta(minutes=5)).where(
        Reminder.id == reminder(appointment, 1440).id
    ).execute()
    assert send_due_reminders() == 1
    assert send_due_reminders() == 0
    assert len(sent(fake_graph)) == 1


# -- Redis and rq-scheduler -------------------------------------------------------------

redis_only = pytest.mark.skipif(not REDIS_URL, reason="needs YUME_TEST_REDIS_URL")


@redis_only
def test_it_runs_a_reminder_through_rq_scheduler_and_a_worker(cast, jobs, fake_graph):
    appointment = book(cast, local(cast.org, weekday_ahead(MONDAY), 11))
    jobs.run()
    fake_graph.reset()
    row = reminder(appointment, 1440)
    make_due(row, jobs)
    due = Reminder.get_by_id(row.id).due_at
    scheduler(jobs).enqueue_jobs()
    assert jobs.queue.queue.job_ids == [reminders.job_id(row.id, due)]
    jobs.run()
    assert len(sent(fake_graph, "template")) == 1
    assert Reminder.get_by_id(row.id).status == "sent"


@redis_only
def test_it_sends_once_with_two_schedulers_and_a_duplicated_job(cast, jobs, fake_graph):
    appointment = book(cast, local(cast.org, weekday_ahead(MONDAY), 11))
    jobs.run()
    fake_graph.reset()
    row = reminder(appointment, 1440)
    make_due(row, jobs)
    first, second = scheduler(jobs), scheduler(jobs)
    # both read the due jobs before either moves them (rq-scheduler#312: the lock expired)
    seen_first, seen_second = list(first.get_jobs_to_queue()), list(second.get_jobs_to_queue())
    for job in seen_first:
        first.enqueue_job(job)
    for job in seen_second:
        second.enqueue_job(job)
    jobs.queue.enqueue(reminders.SEND_JOB, row.id)  # and a retried / restored job
    assert jobs.queue.queue.count == 3
    jobs.run()
    assert len(sent(fake_graph)) == 1


@redis_only
def test_it_rebuilds_the_reminder_jobs_after_redis_is_flushed(cast, jobs, fake_graph):
    appointment = book(cast, local(cast.org, weekday_ahead(MONDAY), 11))
    jobs.run()
    soon = reminder(appointment, 120).due_at - timedelta(hours=1)  # the 2 h one is in reach
    assert rebuild(soon)["rescheduled"] == 1
    before = reminder_jobs(jobs)
    assert len(before) == 1
    jobs.queue.connection.flushdb()  # Redis forgets everything
    assert reminder_jobs(jobs) == {}
    assert rebuild(soon)["rescheduled"] == 1
    assert reminder_jobs(jobs) == before
    assert rebuild(soon)["rescheduled"] == 0  # nothing missing any more
    row = reminder(appointment, 1440)
    Reminder.update(due_at=utcnow() - timedelta(minutes=10)).where(Reminder.id == row.id).execute()
    jobs.queue.connection.flushdb()
    fake_graph.reset()
    counts = rebuild(utcnow())
    assert (counts["overdue"], counts["rescheduled"]) == (1, 0)  # sent late, still useful
    jobs.run()
    assert len(sent(fake_graph)) == 1
    assert rebuild(utcnow())["overdue"] == 0


@redis_only
def test_it_reregisters_the_periodic_jobs_redis_forgot(jobs):
    from jobs.periodic import PERIODIC_JOBS, YumeScheduler

    periodic = YumeScheduler(queue_name="default", connection=jobs.queue.connection)
    periodic.enqueue_jobs()
    assert {job.job_id for job in PERIODIC_JOBS} <= set(scheduled_jobs(jobs)) | {
        job.id for job in jobs.queue.queue.jobs
    }
    jobs.queue.connection.flushdb()
    periodic.enqueue_jobs()
    due = sorted(job.func_name for job in jobs.queue.queue.jobs)  # at once after the flush,
    recovery = ["jobs.maintenance.reconcile", "jobs.reminders.reconcile_reminders"]  # and these
    assert due == sorted([*(job.func for job in PERIODIC_JOBS), *recovery])


def test_it_rebuilds_unprocessed_events(cast, jobs):
    from jobs.appointments import JOB

    appointment = book(cast, local(cast.org, weekday_ahead(MONDAY), 11))
    if jobs.redis_url:
        jobs.queue.connection.flushdb()
    else:
        jobs.queue.jobs.clear()
    assert rebuild(utcnow())["events"] == 0  # fresh: its job may still be on its way
    assert rebuild(utcnow() + timedelta(minutes=2))["events"] == 1
    assert jobs.pending() == 1
    if not jobs.redis_url:
        assert jobs.queue.jobs[0][0] == JOB
    jobs.run()
    assert appointment.reminders.count() == 2


# -- time zones ------------------------------------------------------------------------------


def test_it_words_reminders_in_the_business_time_zone(cast, jobs, fake_graph, pipeline_config):
    cast.org.timezone = "America/Cancun"  # UTC−5 all year
    cast.org.save()
    start = local(cast.org, weekday_ahead(MONDAY), 10, 30)
    appointment = book(cast, start)
    jobs.run()
    fake_graph.reset()
    row = reminder(appointment, 1440)
    deliver_reminder(row.id, pipeline_config, row.due_at)
    assert "mañana lunes" in str(sent(fake_graph)) and "a las 10:30 AM" in str(sent(fake_graph))


@pytest.mark.parametrize(
    ("day", "due_local"),
    [
        ("2027-03-14", "2027-03-13 09:00"),  # spring forward at 2:00: 24 h before is 9:00 PST
        ("2027-11-07", "2027-11-06 11:00"),  # fall back at 2:00: 24 h before is 11:00 PDT
    ],
)
def test_it_keeps_reminders_24_hours_ahead_across_daylight_saving(
    jobs, fake_graph, pipeline_config, day, due_local
):
    from datetime import date, datetime

    org, service, stylist = tijuana_salon()
    customer = Customer.create(organization=org, phone="+526649876543", name="Lupe")
    start = local(org, date.fromisoformat(day), 10)
    now = start - timedelta(days=3)
    appointment = book_appointment(org, service.id, start, customer, stylist.id, now=now)
    handle_events(now)
    row = reminder(appointment, 1440)
    assert row.due_at == start - timedelta(hours=24)
    wall = row.due_at.astimezone(org_zone(org)).replace(tzinfo=None)
    assert wall == datetime.fromisoformat(due_local)
    fake_graph.reset()
    deliver_reminder(row.id, pipeline_config, row.due_at)
    text = str(sent(fake_graph))
    assert "mañana domingo" in text and "a las 10:00 AM" in text


def org_zone(org):
    from yume.timeutil import zone

    return zone(org.timezone)


def test_it_keeps_messages_and_their_reminders_linked(cast, jobs, pipeline_config):
    appointment = book(cast, local(cast.org, weekday_ahead(MONDAY), 11))
    jobs.run()
    row = reminder(appointment, 1440)
    deliver_reminder(row.id, pipeline_config, row.due_at)
    message = Message.get_by_id(Reminder.get_by_id(row.id).message_id)
    assert (message.kind, message.direction, message.author) == ("template", "out", "yume")


def test_it_logs_what_it_would_send_for_a_business_not_on_whatsapp_yet(
    cast, jobs, fake_graph, pipeline_config, caplog
):
    cast.org.whatsapp_access_token = None  # like the demo: nothing can leave
    cast.org.save()
    appointment = book(cast, local(cast.org, weekday_ahead(MONDAY), 11))
    jobs.run()
    row = reminder(appointment, 1440)
    with caplog.at_level("INFO"):
        assert deliver_reminder(row.id, pipeline_config, row.due_at) == "not_connected"
    assert "Te recordamos tu cita de Corte de cabello" in caplog.text
    assert fake_graph.sent_messages() == []
    assert Message.get_by_id(Reminder.get_by_id(row.id).message_id).status == "failed"
    assert (Reminder.get_by_id(row.id).status, Reminder.get_by_id(row.id).reason) == (
        "skipped",
        "not_connected",
    )
