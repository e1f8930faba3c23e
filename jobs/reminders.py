"""Reminder jobs: send one, sweep what is due (embedded mode), rebuild what Redis forgot,
the staff morning agenda, and completing appointments that are over.

Every job is safe to run twice, early or late: the database decides (see yume/reminders.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from jobs.appointments import JOB as PROCESS_EVENT
from jobs.appointments import hand_over, unprocessed_events
from jobs.outbound import JOB as DELIVER
from jobs.runtime import current
from yume import agenda, delivery, reminders
from yume.appointment_notices import held_back
from yume.config import Config
from yume.db import database
from yume.models import Conversation, utcnow
from yume.queue import default_queue

log = logging.getLogger(__name__)

SEND = reminders.SEND_JOB
# Leave fresh work to the jobs already on their way before calling it lost.
EVENT_GRACE = timedelta(seconds=30)
LATE_GRACE = timedelta(seconds=60)


def send_reminder(reminder_id: int) -> str:
    """The rq-scheduler job: claim the reminder, queue its message, send it."""
    config = current()
    with database.connection_context():
        return deliver_reminder(reminder_id, config, utcnow())


def deliver_reminder(reminder_id: int, config: Config, now: datetime) -> str:
    outcome = reminders.claim_and_queue(reminder_id, now)
    if outcome.status != "sent":
        log.info("reminder.not-sent reminder=%s outcome=%s", reminder_id, outcome.status)
        return outcome.status
    assert outcome.conversation_id is not None and outcome.message_id is not None
    conversation = Conversation.get_by_id(outcome.conversation_id)
    if held_back(conversation):
        reminders.not_sent(reminder_id, "not_connected", now)
        return "not_connected"
    client = delivery.client_for(conversation.organization, config)
    try:
        delivery.deliver(conversation, client, now)
    except delivery.RetryLater:
        # the message stays queued: the delivery job retries it with backoff
        default_queue().enqueue(DELIVER, conversation.id, delay=15)
        return "queued"
    reminders.record_delivery(reminder_id, outcome.message_id, utcnow())
    log.info("reminder.sent reminder=%s conversation=%s", reminder_id, conversation.id)
    return "sent"


def send_due_reminders() -> int:
    """Embedded mode's scheduler: send every reminder whose time has come."""
    config = current()
    with database.connection_context():
        now = utcnow()
        outcomes = [deliver_reminder(rid, config, now) for rid in reminders.due_reminders(now)]
    return outcomes.count("sent")


def reconcile_reminders() -> dict[str, int]:
    """Rebuild from the database what Redis lost or does not hold yet: events never
    processed, the jobs of the reminders due within the window (lost, or come within reach
    since the last run: every minute this tops the window up), and reminders past due that
    nobody sent (sent late if still useful)."""
    current()
    with database.connection_context():
        return rebuild(utcnow())


def rebuild(now: datetime) -> dict[str, int]:
    queue = default_queue()
    events = unprocessed_events(now - EVENT_GRACE)
    for event_id in events:
        queue.enqueue(PROCESS_EVENT, event_id)
    clock = reminders.clock()
    window = reminders.scheduled_reminders(after=now, before=now + reminders.WINDOW)
    future = clock.missing(window)  # the top-up: what came within reach since the last run
    reminders.apply_jobs(future, [], now)
    overdue = clock.missing(reminders.scheduled_reminders(before=now - LATE_GRACE))
    for reminder_id, _ in overdue:
        queue.enqueue(SEND, reminder_id)
    counts = {"events": len(events), "rescheduled": len(future), "overdue": len(overdue)}
    if any(counts.values()):
        log.info("reminders.reconciled %s", counts)
    return counts


def send_morning_agendas() -> int:
    """Each opted-in staff member's agenda, once a day at their local hour."""
    current()
    with database.connection_context():
        now = utcnow()
        sent = 0
        for member, own_hour in agenda.subscribers():
            day = agenda.due_day(member, own_hour, now)
            conversation_id = agenda.send_agenda(member, day, now) if day else None
            if conversation_id is not None:
                hand_over([conversation_id])
                sent += 1
    return sent


def complete_appointments() -> int:
    """Appointments whose end has passed become `completed` unless marked no-show."""
    current()
    with database.connection_context():
        return agenda.complete_finished(utcnow())
