"""Reminders: which ones an appointment needs, when they are due, and sending each once.

One `Reminder` row per appointment and offset (the organization's
`reminder_offsets_minutes`, default 24 h and 2 h), due at the start minus the offset in
absolute time. A row whose moment already passed when it was planned is `skipped`.

With Redis, each scheduled row due within the next `WINDOW` (2 h) has an rq-scheduler job
(`RQSchedulerClock`) named after the row and its due instant, so moving a reminder never
collides with a job already queued. Rows due later live only in the database: the reminder
reconciler tops the window up every minute (`jobs.reminders.rebuild`), so Redis holds a
couple of hours of reminders however far ahead the book is filled. In embedded mode and in
tests without Redis there are no jobs and a periodic sweep sends what is due
(`DatabaseClock`). Either way the job is only a wake-up call: `claim_and_queue`
decides from the database, with a conditional UPDATE, and a job that fires twice, early,
late, or for a moved reminder sends nothing it should not. Late reminders still go while
the appointment has not begun, unless a later reminder of the same appointment is due too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from yume.appointment_notices import facts, queue_either
from yume.brain import Buttons
from yume.conversations import conversation_with
from yume.customers import reachable
from yume.db import is_postgres, write_transaction
from yume.models import (
    ACTIVE_STATUSES,
    Appointment,
    Conversation,
    Message,
    Organization,
    utcnow,
)
from yume.queue import JOB_TIMEOUT, QUEUE_NAME, RedisQueue, default_queue
from yume.reminders_models import Reminder
from yume.templates import APPOINTMENT_REMINDER, CANCEL, CHANGE, CONFIRM

log = logging.getLogger(__name__)

SEND_JOB = "jobs.reminders.send_reminder"
DEFAULT_OFFSETS = (1440, 120)
# rq-scheduler compares whole seconds, and hosts' clocks differ a little.
EARLY_TOLERANCE = timedelta(seconds=5)
# Only reminders due this soon have a job in Redis; the reconciler's top-up (every minute)
# loads the rest as they come within reach.
WINDOW = timedelta(hours=2)
# A job loaded by a top-up on a host whose clock runs a little ahead is still unscheduled.
WINDOW_MARGIN = timedelta(minutes=5)
PAYLOAD_PREFIX = "rem"
ACTIONS = {"confirm": CONFIRM, "change": CHANGE, "cancel": CANCEL}


# -- button payloads ----------------------------------------------------------------------


def button_payload(action: str, appointment_id: int) -> str:
    return f"{PAYLOAD_PREFIX}:{action}:{appointment_id}"


def parse_payload(reply_id: str | None) -> tuple[str, int] | None:
    """('confirm', 12) from 'rem:confirm:12'; None for anything else."""
    prefix, _, rest = (reply_id or "").partition(":")
    action, _, number = rest.partition(":")
    if prefix != PAYLOAD_PREFIX or action not in ACTIONS or not number.isdigit():
        return None
    return action, int(number)


# -- where the jobs live ------------------------------------------------------------------


def job_id(reminder_id: int, due_at: datetime) -> str:
    return f"yume-reminder-{reminder_id}-{int(due_at.timestamp())}"


class ReminderClock(Protocol):
    def schedule(self, reminder_id: int, due_at: datetime) -> None: ...

    def unschedule(self, reminder_id: int, due_at: datetime) -> None: ...

    def missing(self, reminders: list[tuple[int, datetime]]) -> list[tuple[int, datetime]]:
        """The (id, due) pairs whose job is neither waiting in the scheduler nor queued."""
        ...


class DatabaseClock:
    """No jobs: `jobs.reminders.send_due_reminders` sweeps the table (embedded mode)."""

    def schedule(self, reminder_id: int, due_at: datetime) -> None:
        return None

    def unschedule(self, reminder_id: int, due_at: datetime) -> None:
        return None

    def missing(self, reminders: list[tuple[int, datetime]]) -> list[tuple[int, datetime]]:
        return []


IN_FLIGHT = {b"queued", b"started", b"scheduled", b"deferred"}


class RQSchedulerClock:
    """rq-scheduler jobs on the default queue, one per reminder and due instant."""

    def __init__(self, connection: Any) -> None:
        from rq_scheduler import Scheduler

        self.connection = connection
        self.scheduler = Scheduler(queue_name=QUEUE_NAME, connection=connection)

    def schedule(self, reminder_id: int, due_at: datetime) -> None:
        self.scheduler.enqueue_at(
            due_at,
            SEND_JOB,
            reminder_id,
            job_id=job_id(reminder_id, due_at),
            timeout=JOB_TIMEOUT,
            job_result_ttl=600,
            # at most 64 bytes: Redis then keeps the job's hash compact (listpack), half the
            # memory of a hash with one longer value
            job_description=f"send_reminder({reminder_id}) due {due_at:%Y-%m-%d %H:%M:%S}Z",
        )

    def unschedule(self, reminder_id: int, due_at: datetime) -> None:
        self.scheduler.cancel(job_id(reminder_id, due_at))

    def missing(self, reminders: list[tuple[int, datetime]]) -> list[tuple[int, datetime]]:
        ids = [job_id(reminder_id, due_at) for reminder_id, due_at in reminders]
        with self.connection.pipeline(transaction=False) as pipe:
            for one in ids:
                pipe.zscore(self.scheduler.scheduled_jobs_key, one)
                pipe.hget(f"rq:job:{one}", "status")
            answers = pipe.execute()
        waiting = answers[0::2]
        statuses = answers[1::2]
        return [
            pair
            for pair, score, status in zip(reminders, waiting, statuses, strict=True)
            if score is None and status not in IN_FLIGHT
        ]


def clock() -> ReminderClock:
    """rq-scheduler when this process's queue is Redis, the database sweep otherwise."""
    queue = default_queue()
    if isinstance(queue, RedisQueue):
        return RQSchedulerClock(queue.connection)
    return DatabaseClock()


def in_window(due_at: datetime, now: datetime, margin: timedelta = timedelta(0)) -> bool:
    """Whether a reminder due at `due_at` belongs in Redis now."""
    return due_at <= now + WINDOW + margin


def apply_jobs(
    schedule: Iterable[tuple[int, datetime]],
    unschedule: Iterable[tuple[int, datetime]],
    now: datetime | None = None,
) -> None:
    """Tell the clock (after the commit) about the reminders due within the window; later
    ones stay in the database until a top-up loads them. Redis down is not an error: the
    reconciler rebuilds every missing job from the database."""
    now = now or utcnow()
    try:
        where = clock()
        for reminder_id, due_at in unschedule:
            if in_window(due_at, now, WINDOW_MARGIN):
                where.unschedule(reminder_id, due_at)
        for reminder_id, due_at in schedule:
            if in_window(due_at, now):
                where.schedule(reminder_id, due_at)
    except Exception:
        log.exception("reminders.schedule-failed; the reconciler will rebuild the jobs")


# -- planning -------------------------------------------------------------------------------


@dataclass
class Plan:
    schedule: list[tuple[int, datetime]] = field(default_factory=list)
    unschedule: list[tuple[int, datetime]] = field(default_factory=list)


def offsets(org: Organization) -> list[int]:
    value = org.effective_settings.get("reminder_offsets_minutes") or DEFAULT_OFFSETS
    return sorted({int(v) for v in value}, reverse=True)


def lock_appointment(appointment_id: int) -> Appointment | None:
    """The appointment, locked until the transaction ends where the database can (SQLite's
    write transaction already serialises writers)."""
    query = Appointment.select().where(Appointment.id == appointment_id)
    if is_postgres():
        query = query.for_update()
    return query.first()


def plan_reminders(appointment: Appointment, now: datetime) -> Plan:
    """Bring the appointment's reminder rows in line with it (call inside a transaction;
    apply the plan's jobs after the commit). Idempotent: it reads the appointment as it
    is now, whatever event asked for it."""
    plan = Plan()
    rows = {
        r.offset_minutes: r for r in Reminder.select().where(Reminder.appointment == appointment)
    }
    live = appointment.status in ACTIVE_STATUSES and appointment.start_at > now
    wanted = offsets(appointment.organization) if live else []
    for offset, row in rows.items():
        if offset not in wanted and row.status == "scheduled":
            reason = "offset_removed" if live else "appointment_" + appointment.status
            _update(row.id, now, status="cancelled", reason=reason)
            plan.unschedule.append((row.id, row.due_at))
    for offset in wanted:
        _plan_offset(appointment, offset, rows.get(offset), now, plan)
    return plan


def _plan_offset(
    appointment: Appointment, offset: int, row: Reminder | None, now: datetime, plan: Plan
) -> None:
    due = appointment.start_at - timedelta(minutes=offset)
    if row is not None and row.due_at == due and row.status != "cancelled":
        return  # unchanged: scheduled, sent or skipped as it was
    if row is not None and row.status == "sent" and due <= now:
        return  # moved a little: the reminder already sent is recent enough, keep its record
    status, reason = ("scheduled", "") if due > now else ("skipped", "offset_passed")
    fields = {"due_at": due, "status": status, "reason": reason, "claimed_at": None}
    if row is None:
        row = Reminder.create(
            appointment=appointment, offset_minutes=offset, created_at=now, updated_at=now, **fields
        )
    else:
        if row.status == "scheduled":
            plan.unschedule.append((row.id, row.due_at))
        _update(row.id, now, sent_at=None, message=None, **fields)
    if status == "scheduled":
        plan.schedule.append((row.id, due))


def _update(reminder_id: int, now: datetime, **fields: Any) -> None:
    Reminder.update(updated_at=now, **fields).where(Reminder.id == reminder_id).execute()


# -- sending --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | not_due | gone | raced | skipped:<reason> | already_<status>
    conversation_id: int | None = None
    message_id: int | None = None


def claim_and_queue(reminder_id: int, now: datetime) -> Outcome:
    """Claim the reminder and queue its message in one transaction, or say why not."""
    with write_transaction():
        reminder = Reminder.get_or_none(Reminder.id == reminder_id)
        if reminder is None:
            return Outcome("gone")
        if reminder.status != "scheduled":
            return Outcome(f"already_{reminder.status}")
        if reminder.due_at > now + EARLY_TOLERANCE:
            return Outcome("not_due")  # moved later: the job for its new time will come
        appointment = reminder.appointment
        reason = skip_reason(reminder, appointment, now)
        if reason:
            _close(reminder.id, "skipped", reason, now)
            return Outcome(f"skipped:{reason}")
        if not _claim(reminder.id, now):
            return Outcome("raced")
        conversation = conversation_with(appointment.organization, appointment.customer.phone)
        message = queue_reminder(conversation, appointment, now)
        _update(reminder.id, now, message=message.id)
        return Outcome("sent", conversation.id, message.id)


def skip_reason(reminder: Reminder, appointment: Appointment, now: datetime) -> str:
    """Why sending this reminder now would not help; '' when it would."""
    if not reachable(appointment.customer):
        return "no_phone"  # a walk-in known only by name
    if appointment.status not in ACTIVE_STATUSES:
        return "appointment_" + appointment.status
    if appointment.start_at <= now:
        return "appointment_started"
    later_one_due = Reminder.select().where(
        (Reminder.appointment == appointment)
        & (Reminder.offset_minutes < reminder.offset_minutes)
        & (Reminder.due_at <= now + EARLY_TOLERANCE)
        & Reminder.status.in_(("scheduled", "sent"))
    )
    return "superseded" if later_one_due.exists() else ""


def _claim(reminder_id: int, now: datetime) -> bool:
    return (
        Reminder.update(status="sent", claimed_at=now, updated_at=now)
        .where((Reminder.id == reminder_id) & (Reminder.status == "scheduled"))
        .execute()
        == 1
    )


def _close(reminder_id: int, status: str, reason: str, now: datetime) -> None:
    Reminder.update(status=status, reason=reason, updated_at=now).where(
        (Reminder.id == reminder_id) & (Reminder.status == "scheduled")
    ).execute()


def queue_reminder(conversation: Conversation, appointment: Appointment, now: datetime) -> Message:
    """Buttons inside the customer's 24-hour window, the reminder template outside it."""
    said = facts(appointment, now)
    payloads = [button_payload(action, appointment.id) for action in ACTIONS]
    ask = (
        "Ya la tienes confirmada ✅, ¡te esperamos!"
        if appointment.status == "confirmed"
        else "¿Me confirmas que vienes?"
    )
    body = (
        f"¡Hola{said.hello}! 👋 Te recuerdo tu cita de *{said.service}* {said.when}, "
        f"con {said.staff}, en {said.business}.\n{ask}"
    )
    options = list(zip(payloads, ACTIONS.values(), strict=True))
    if appointment.status == "confirmed":
        options = options[1:]
    values = [said.service, said.business, said.when, said.staff]
    return queue_either(
        conversation, Buttons(body, options), APPOINTMENT_REMINDER, values, now, payloads
    )


def not_sent(reminder_id: int, reason: str, now: datetime) -> None:
    """A claimed reminder whose message could not leave at all (no WhatsApp connection)."""
    Reminder.update(status="skipped", reason=reason, updated_at=now).where(
        (Reminder.id == reminder_id) & (Reminder.status == "sent")
    ).execute()


def record_delivery(reminder_id: int, message_id: int, now: datetime) -> None:
    """WhatsApp accepted the reminder's message: note when."""
    if Message.get_or_none((Message.id == message_id) & (Message.status == "sent")):
        Reminder.update(sent_at=now).where(Reminder.id == reminder_id).execute()


# -- what the periodic jobs look for --------------------------------------------------------


def due_reminders(now: datetime, limit: int = 500) -> list[int]:
    rows = (
        Reminder.select(Reminder.id)
        .where((Reminder.status == "scheduled") & (Reminder.due_at <= now + EARLY_TOLERANCE))
        .order_by(Reminder.due_at)
        .limit(limit)
        .tuples()
    )
    return [reminder_id for (reminder_id,) in rows]


def scheduled_reminders(
    after: datetime | None = None, before: datetime | None = None
) -> list[tuple[int, datetime]]:
    """(id, due) of the reminders still to send, due in (after, before]."""
    query = Reminder.select(Reminder.id, Reminder.due_at).where(Reminder.status == "scheduled")
    if after is not None:
        query = query.where(Reminder.due_at > after)
    if before is not None:
        query = query.where(Reminder.due_at <= before)
    return [(row.id, row.due_at) for row in query.order_by(Reminder.due_at)]
