"""The appointment outbox: booking.py records an event in the same transaction as each
change, then announces it (enqueues `jobs.appointments.process_event`) after the commit.

An event recorded inside a caller's own transaction is not announced (a job could run
before that commit and find nothing); `jobs.reminders.reconcile_reminders` picks up every
event left unprocessed for a while, so nothing is ever lost, only later.
"""

from __future__ import annotations

import logging
from datetime import datetime

from yume.db import database
from yume.models import Appointment, Conversation
from yume.queue import default_queue
from yume.reminders_models import AppointmentEvent

log = logging.getLogger(__name__)

PROCESS_EVENT = "jobs.appointments.process_event"
CUSTOMER = "customer"


def record_event(
    appointment: Appointment,
    kind: str,
    now: datetime,
    actor: str | None = None,
    source: str = "",
    previous_start_at: datetime | None = None,
    previous_staff_id: int | None = None,
) -> AppointmentEvent:
    return AppointmentEvent.create(
        appointment=appointment,
        kind=kind,
        actor=actor or infer_actor(appointment, source, now),
        source=source,
        previous_start_at=previous_start_at,
        previous_staff=previous_staff_id,
        created_at=now,
    )


def infer_actor(appointment: Appointment, source: str, now: datetime) -> str:
    """Who made the change when the caller did not say: the customer when it came from their
    own chat (a turn of their conversation holds its lease right now), else the source
    ('' when unknown: an API or staff change to an existing appointment)."""
    if customer_in_turn(appointment, now):
        return CUSTOMER
    return source


def customer_in_turn(appointment: Appointment, now: datetime) -> bool:
    return (
        Conversation.select()
        .where(
            (Conversation.organization == appointment.organization_id)
            & (Conversation.customer == appointment.customer_id)
            & (Conversation.staff.is_null())
            & (Conversation.lease_until > now)
        )
        .exists()
    )


def announce(event: AppointmentEvent | None) -> None:
    """Enqueue the event's processing; call after the transaction that wrote it."""
    if event is None:
        return
    if database.transaction_depth() > 0:
        log.info("appointment-event.deferred event=%s (caller's transaction)", event.id)
        return
    default_queue().enqueue(PROCESS_EVENT, event.id)
