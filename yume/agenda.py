"""The staff morning agenda, and appointments becoming `completed` once they are over.

A staff member who opted in (`staff.morning_agenda`) gets the day's appointments at their
`morning_agenda_hour`, else the organization's setting `morning_agenda_hour` (default 8),
local time, once a day: the unique (staff, day) row of `agenda_delivery` is the claim. If
the job could not run at that hour it still sends within `LATE_HOURS`; later the day is
under way and the agenda is skipped. The owner's agenda lists the whole business.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from peewee import ModelSelect

from yume.appointment_notices import queue_either
from yume.brain import Text
from yume.conversations import conversation_with
from yume.db import write_transaction
from yume.formatting import spanish_date, spanish_time
from yume.models import (
    ACTIVE_STATUSES,
    Appointment,
    AvailabilityException,
    Customer,
    ServiceType,
    Staff,
    WorkingHours,
)
from yume.reminders_models import AgendaDelivery
from yume.templates import MORNING_AGENDA
from yume.timeutil import local_midnight_utc, zone

DEFAULT_HOUR = 8
LATE_HOURS = 3
TEMPLATE_LIST_MAX = 700  # characters of the agenda inside the template's variable


def subscribers() -> list[tuple[Staff, int | None]]:
    """Active staff who opted in, with their own hour if they set one."""
    members = (
        Staff.select()
        .where((Staff.morning_agenda == True) & Staff.active)  # noqa: E712 (SQL, not Python)
        .order_by(Staff.id)
    )
    return [(member, member.morning_agenda_hour) for member in members]


def agenda_hour(member: Staff, own_hour: int | None) -> int:
    if own_hour is not None:
        return own_hour
    return int(member.organization.effective_settings.get("morning_agenda_hour", DEFAULT_HOUR))


def due_day(member: Staff, own_hour: int | None, now: datetime) -> date | None:
    """The local day whose agenda is due now for this member, if any."""
    local = now.astimezone(zone(member.organization.timezone))
    hour = agenda_hour(member, own_hour)
    return local.date() if hour <= local.hour < hour + LATE_HOURS else None


def day_appointments(member: Staff, day: date, tz: ZoneInfo) -> list[Appointment]:
    start = local_midnight_utc(day, tz)
    end = local_midnight_utc(day + timedelta(days=1), tz)
    query = (  # customer, service and staff in the same query: one line each, no lookups
        Appointment.select(Appointment, Customer, ServiceType, Staff)
        .join(Customer)
        .switch(Appointment)
        .join(ServiceType)
        .switch(Appointment)
        .join(Staff)
    ).where(
        (Appointment.organization == member.organization_id)
        & Appointment.status.in_(ACTIVE_STATUSES)
        & (Appointment.start_at >= start)
        & (Appointment.start_at < end)
    )
    if member.role != "owner":
        query = query.where(Appointment.staff == member)
    return list(query.order_by(Appointment.start_at, Appointment.id))


def appointments_between(
    org_id: int,
    staff_ids: list[int],
    start: datetime,
    end: datetime,
    statuses: tuple[str, ...] = ACTIVE_STATUSES,
) -> list[Appointment]:
    """Appointments of these staff starting in [start, end), in time order, with their
    service and customer read in the same query (the staff agendas of both brains)."""
    query = _appointments_of(org_id, staff_ids, statuses)
    return list(query.where((Appointment.start_at >= start) & (Appointment.start_at < end)))


def appointments_overlapping(
    org_id: int, staff_ids: list[int], start: datetime, end: datetime
) -> list[Appointment]:
    """Active appointments of these staff that overlap [start, end) (a block of time off)."""
    query = _appointments_of(org_id, staff_ids, ACTIVE_STATUSES)
    return list(query.where((Appointment.start_at < end) & (Appointment.end_at > start)))


def _appointments_of(org_id: int, staff_ids: list[int], statuses: tuple[str, ...]) -> ModelSelect:
    return (
        Appointment.select(Appointment, ServiceType, Customer)
        .join(ServiceType)
        .switch(Appointment)
        .join(Customer)
        .where(
            (Appointment.organization == org_id)
            & Appointment.staff.in_(staff_ids)
            & Appointment.status.in_(statuses)
        )
        .order_by(Appointment.start_at)
    )


def time_off_between(
    staff_ids: list[int], start: datetime, end: datetime
) -> list[AvailabilityException]:
    """Time blocked off by these staff that overlaps [start, end), in time order."""
    return list(
        AvailabilityException.select()
        .where(
            AvailabilityException.staff.in_(staff_ids)
            & (AvailabilityException.kind == "time_off")
            & (AvailabilityException.end_at > start)
            & (AvailabilityException.start_at < end)
        )
        .order_by(AvailabilityException.start_at)
    )


def works_on(member: Staff, day: date) -> bool:
    return (
        WorkingHours.select()
        .where((WorkingHours.staff == member) & (WorkingHours.weekday == day.weekday()))
        .exists()
    )


def send_agenda(member: Staff, day: date, now: datetime) -> int | None:
    """Claim today's agenda for this member and queue it; the conversation to deliver, or
    None when it was already claimed or there is nothing worth saying."""
    with write_transaction():
        if not _claim(member, day, now):
            return None
        tz = zone(member.organization.timezone)
        appointments = day_appointments(member, day, tz)
        if not appointments and not works_on(member, day):
            return None  # a day off with nothing booked: no message
        conversation = conversation_with(member.organization, member.phone)
        text, values = agenda_texts(member, day, appointments, tz)
        message = queue_either(conversation, Text(text), MORNING_AGENDA, values, now)
        AgendaDelivery.update(message=message.id).where(
            (AgendaDelivery.staff == member) & (AgendaDelivery.day == day)
        ).execute()
        return conversation.id


def _claim(member: Staff, day: date, now: datetime) -> bool:
    """Insert the (staff, day) row; only one insert can win the unique index."""
    inserted = (
        AgendaDelivery.insert(staff=member, day=day, created_at=now)
        .on_conflict_ignore()
        .as_rowcount()
        .execute()
    )
    return inserted == 1


def agenda_texts(
    member: Staff, day: date, appointments: list[Appointment], tz: ZoneInfo
) -> tuple[str, list[str]]:
    """The free message (one line per appointment) and the template's values."""
    owner = member.role == "owner"
    items = [_item(a, tz, owner) for a in appointments]
    when = spanish_date(day)
    first = member.name.split()[0] if member.name.strip() else member.name
    if not items:
        text = f"Buenos días, {first} ☀️ Hoy, {when}, no tienes citas agendadas por ahora."
        return text, [first, when, member.organization.name, "sin citas por ahora"]
    count = f"{len(items)} cita{'s' if len(items) != 1 else ''}"
    lines = "\n".join(f"• {item}" for item in items)
    text = (
        f"Buenos días, {first} ☀️ Tu agenda de hoy, {when}:\n{lines}\n"
        f"{count}. ¡Que tengas un excelente día!"
    )
    return text, [first, when, member.organization.name, _compact(items)]


def _item(appointment: Appointment, tz: ZoneInfo, with_staff: bool) -> str:
    local = appointment.start_at.astimezone(tz)
    customer = appointment.customer.name or appointment.customer.phone
    line = f"{spanish_time(local.replace(tzinfo=None))} {appointment.service.name} con {customer}"
    if with_staff:
        line += f" (atiende {appointment.staff.name})"
    return line + (" ✅" if appointment.status == "confirmed" else "")


def _compact(items: list[str]) -> str:
    """The agenda on one line, cut to fit the template, saying how many were left out."""
    kept: list[str] = []
    for index, item in enumerate(items):
        rest = len(items) - index
        if len("; ".join([*kept, item])) + len(f"; y {rest} más") > TEMPLATE_LIST_MAX:
            return "; ".join(kept) + f"; y {rest} más"
        kept.append(item)
    return "; ".join(kept)


# -- completion -------------------------------------------------------------------------------


def complete_finished(now: datetime) -> int:
    """Active appointments whose end has passed become `completed` (staff may still mark a
    no-show afterwards); returns how many."""
    return (
        Appointment.update(status="completed", updated_at=now)
        .where(Appointment.status.in_(ACTIVE_STATUSES) & (Appointment.end_at <= now))
        .execute()
    )
