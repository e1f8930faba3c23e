"""What follows a booking change: tell the people concerned and (re)plan the reminders.

`process_event(event_id)` claims the event (a conditional UPDATE of `processed_at`) in the
same transaction that queues the messages and rewrites the reminder rows, so an event is
handled exactly once however many times its job runs; the sends and the rq-scheduler jobs
follow the commit, and both are rebuilt by the reconcilers if this job dies in between.
"""

from __future__ import annotations

import logging
from datetime import datetime

from jobs.outbound import JOB as DELIVER
from jobs.runtime import current
from yume import reminders
from yume.appointment_notices import held_back, queue_notices
from yume.db import database, write_transaction
from yume.models import Conversation, utcnow
from yume.queue import default_queue
from yume.reminders_models import AppointmentEvent

log = logging.getLogger(__name__)

JOB = "jobs.appointments.process_event"


def process_event(event_id: int) -> str:
    """The RQ job. Returns what happened (shown in rq-dashboard)."""
    current()
    with database.connection_context():
        return handle_event(event_id, utcnow())


def handle_event(event_id: int, now: datetime) -> str:
    with write_transaction():
        event = AppointmentEvent.get_or_none(AppointmentEvent.id == event_id)
        if event is None:
            return "gone"
        appointment = reminders.lock_appointment(event.appointment_id)
        if appointment is None or not claim_event(event_id, now):
            return "done"
        conversation_ids = queue_notices(event, appointment, now)
        plan = reminders.plan_reminders(appointment, now)
    reminders.apply_jobs(plan.schedule, plan.unschedule, now)
    hand_over(conversation_ids)
    log.info(
        "appointment-event.processed event=%s kind=%s appointment=%s told=%s reminders=%s",
        event_id,
        event.kind,
        event.appointment_id,
        len(conversation_ids),
        len(plan.schedule),
    )
    return f"{event.kind}: told {len(conversation_ids)}, scheduled {len(plan.schedule)}"


def hand_over(conversation_ids: list[int]) -> None:
    """Enqueue the delivery of each conversation once (logged instead when the business
    is not connected to WhatsApp)."""
    for conversation_id in dict.fromkeys(conversation_ids):
        if not held_back(Conversation.get_by_id(conversation_id)):
            default_queue().enqueue(DELIVER, conversation_id)


def claim_event(event_id: int, now: datetime) -> bool:
    return (
        AppointmentEvent.update(processed_at=now)
        .where((AppointmentEvent.id == event_id) & AppointmentEvent.processed_at.is_null())
        .execute()
        == 1
    )


def unprocessed_events(older_than: datetime, limit: int = 500) -> list[int]:
    rows = (
        AppointmentEvent.select(AppointmentEvent.id)
        .where(AppointmentEvent.processed_at.is_null() & (AppointmentEvent.created_at < older_than))
        .order_by(AppointmentEvent.id)
        .limit(limit)
        .tuples()
    )
    return [event_id for (event_id,) in rows]
