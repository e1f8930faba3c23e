"""Redis holds only the near future: a reminder has an rq-scheduler job only once it is due
within `reminders.WINDOW` (2 h). A booking, move or cancel inside the window changes Redis at
once; outside it, only the database. The reminder reconciler tops the window up every minute.
Time is chosen per test (`now` three hours before an appointment puts its 2 h reminder one
hour away, inside the window)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jobs.reminders import rebuild
from tests.appointments import book, handle_events, local, reminder, weekday_ahead
from tests.conftest import REDIS_URL
from tests.test_reminders import reminder_jobs
from yume import reminders
from yume.booking import cancel_appointment, reschedule_appointment
from yume.reminders_models import Reminder

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs YUME_TEST_REDIS_URL: rq-scheduler")
MONDAY, WEDNESDAY = 0, 2


def job_of(row: Reminder) -> str:
    return reminders.job_id(row.id, row.due_at)


def test_a_booking_days_ahead_stays_in_the_database(cast, jobs):
    for hour in (10, 11, 12):  # a customer holds at most 3 upcoming appointments
        book(cast, local(cast.org, weekday_ahead(MONDAY), hour))
    jobs.run()
    assert Reminder.select().where(Reminder.status == "scheduled").count() == 6
    assert reminder_jobs(jobs) == {}
    assert not jobs.queue.connection.keys("rq:job:yume-reminder-*")


def test_a_booking_inside_the_window_is_in_redis_at_once(cast, jobs):
    start = local(cast.org, weekday_ahead(MONDAY), 11)
    now = start - timedelta(hours=3)
    appointment = book(cast, start, now=now)
    handle_events(now)
    soon, day_before = reminder(appointment, 120), reminder(appointment, 1440)
    assert (soon.status, day_before.status) == ("scheduled", "skipped")
    assert reminder_jobs(jobs) == {job_of(soon): soon.due_at.timestamp()}


def test_moves_and_a_cancel_inside_the_window_change_redis_at_once(cast, jobs):
    start = local(cast.org, weekday_ahead(MONDAY), 11)
    now = start - timedelta(hours=3)
    appointment = book(cast, start, now=now)
    handle_events(now)
    first = job_of(reminder(appointment, 120))

    reschedule_appointment(cast.org, appointment.id, start + timedelta(minutes=30), now=now)
    handle_events(now)  # still inside the window: the job moves with it
    moved = reminder(appointment, 120)
    assert reminder_jobs(jobs) == {job_of(moved): moved.due_at.timestamp()}
    assert job_of(moved) != first

    far = local(cast.org, weekday_ahead(WEDNESDAY, 5), 11)
    reschedule_appointment(cast.org, appointment.id, far, now=now)
    handle_events(now)  # out of the window: the job goes, the rows stay
    assert reminder_jobs(jobs) == {}
    assert {r.status for r in Reminder.select()} == {"scheduled"}

    reschedule_appointment(cast.org, appointment.id, start, now=now)
    handle_events(now)  # back inside
    back = reminder(appointment, 120)
    assert set(reminder_jobs(jobs)) == {job_of(back)}

    cancel_appointment(cast.org, appointment.id, now=now)
    handle_events(now)
    assert reminder_jobs(jobs) == {}
    assert reminder(appointment, 120).status == "cancelled"


def test_outside_the_window_a_move_or_cancel_never_talks_to_redis(cast, jobs, caplog):
    """With Redis unreachable, a change days ahead goes through without a word to Redis; one
    inside the window tries (and leaves the rest to the reconciler)."""
    from yume.queue import RedisQueue, set_queue

    far = book(cast, local(cast.org, weekday_ahead(WEDNESDAY, 5), 11))
    start = local(cast.org, weekday_ahead(MONDAY), 16)
    now = start - timedelta(hours=3)
    near = book(cast, start, now=now)
    handle_events(now)
    set_queue(RedisQueue("redis://127.0.0.1:1/0"))  # nothing listens there
    with caplog.at_level("ERROR"):
        reschedule_appointment(cast.org, far.id, local(cast.org, weekday_ahead(WEDNESDAY, 5), 12))
        cancel_appointment(cast.org, far.id)
        handle_events(now)
    assert "reminders.schedule-failed" not in caplog.text
    assert {r.status for r in far.reminders} == {"cancelled"}
    with caplog.at_level("ERROR"):
        cancel_appointment(cast.org, near.id, now=now)
        handle_events(now)
    assert "reminders.schedule-failed" in caplog.text
    assert reminder(near, 120).status == "cancelled"


def test_the_top_up_loads_each_reminder_as_it_comes_within_reach(cast, jobs):
    appointment = book(cast, local(cast.org, weekday_ahead(MONDAY), 11))
    jobs.run()
    day_before, soon = reminder(appointment, 1440), reminder(appointment, 120)
    assert rebuild(day_before.due_at - timedelta(hours=3))["rescheduled"] == 0
    at = day_before.due_at - reminders.WINDOW + timedelta(minutes=1)  # a minute's top-up later
    assert rebuild(at)["rescheduled"] == 1
    assert set(reminder_jobs(jobs)) == {job_of(day_before)}
    assert rebuild(at + timedelta(minutes=1))["rescheduled"] == 0  # loaded once
    at = soon.due_at - timedelta(minutes=119)
    assert rebuild(at)["rescheduled"] == 1
    assert set(reminder_jobs(jobs)) == {job_of(day_before), job_of(soon)}
