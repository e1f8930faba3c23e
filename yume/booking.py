"""Book, reschedule and cancel: one transaction each, domain errors out.

Two bookings can never hold one staff member at the same minute: on PostgreSQL the
exclusion constraint `appointment_staff_no_overlap` refuses the second insert; on
SQLite the whole check-then-write runs under BEGIN IMMEDIATE.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from peewee import IntegrityError

from yume.appointment_events import announce, record_event
from yume.availability import (
    get_service,
    load_calendars,
    service_spec,
    staff_for_service,
)
from yume.db import is_postgres, write_transaction
from yume.errors import Conflict, Invalid, NotFound, booking_refused
from yume.models import (
    ACTIVE_STATUSES,
    Appointment,
    Customer,
    Organization,
    ServiceType,
    Staff,
    utcnow,
)
from yume.phones import normalize_phone
from yume.scheduling import refusal

# Called inside a change's own transaction with the appointment, so that what the caller
# records about the change (yume/effects.py) commits with it, or not at all.
Journal = Callable[[Appointment], None]

# Refusals ranked from most to least telling when no staff member can take a time.
REFUSAL_ORDER = (
    "in_the_past",
    "too_soon",
    "beyond_horizon",
    "business_closed",
    "slot_unavailable",
    "outside_hours",
)


def get_or_create_customer(org: Organization, phone: str, name: str | None = None) -> Customer:
    key = normalize_phone(phone)
    customer, created = Customer.get_or_create(organization=org, phone=key)
    if name and (created or not customer.name):
        customer.name = name.strip()[:120]
        customer.save()
    return customer


def get_appointment(org: Organization, appointment_id: int) -> Appointment:
    appointment = Appointment.get_or_none(
        (Appointment.id == appointment_id) & (Appointment.organization == org)
    )
    if appointment is None:
        raise NotFound(f"No existe la cita {appointment_id}.")
    return appointment


def _choose_staff(
    org: Organization,
    service: ServiceType,
    start: datetime,
    staff_id: int | None,
    now: datetime,
    exclude_appointment_id: int | None = None,
) -> Staff:
    """The first staff member (by id) who can take the service at `start`."""
    staff = staff_for_service(org, service.id, staff_id)
    if staff_id is not None and not staff:
        if Staff.get_or_none((Staff.id == staff_id) & (Staff.organization == org) & Staff.active):
            raise booking_refused("staff_cannot_perform")
        raise NotFound(f"No existe el personal {staff_id}.", "unknown_staff")
    if not staff:
        raise booking_refused("no_staff")
    spec = service_spec(service)
    _end, busy_until = _spans(service, start)
    window = (start - timedelta(days=1), busy_until + timedelta(days=1))
    rules, calendars = load_calendars(org, staff, *window, exclude_appointment_id)
    reasons = []
    for member, calendar in zip(staff, calendars, strict=True):
        reason = refusal(start, spec, calendar, rules, now)
        if reason is None:
            return member
        reasons.append(reason)
    raise booking_refused(min(reasons, key=REFUSAL_ORDER.index))


def who_can_take(
    org: Organization, service_id: int, start: datetime, now: datetime, staff_id: int | None = None
) -> Staff:
    """The staff member a booking at `start` would get; raises the refusal a booking would
    (so an answer about one exact time is the engine's, not a guess)."""
    return _choose_staff(org, get_service(org, service_id), start, staff_id, now)


def check_active_limit(org: Organization, customer: Customer, now: datetime) -> None:
    """A customer holds at most `max_active_appointments` upcoming appointments (their
    companions' included): nobody books out a whole Saturday. Call inside the booking's
    transaction; on PostgreSQL the customer's row is locked so two bookings racing cannot
    both see room."""
    limit = int(org.setting("max_active_appointments"))
    if is_postgres():
        Customer.select(Customer.id).where(Customer.id == customer.id).for_update().execute()
    held = (
        Appointment.select()
        .where(
            (Appointment.customer == customer.id)
            & Appointment.status.in_(ACTIVE_STATUSES)
            & (Appointment.start_at > now)
        )
        .count()
    )
    if held >= limit:
        raise Conflict(
            f"Ya tiene {held} citas próximas; el máximo es {limit}. Para otra, primero "
            "cancela o cambia una.",
            "too_many_appointments",
        )


def _spans(service: ServiceType, start: datetime) -> tuple[datetime, datetime]:
    end = start + timedelta(minutes=service.duration_minutes)
    return end, end + timedelta(minutes=service.buffer_minutes)


def book_appointment(
    org: Organization,
    service_id: int,
    start: datetime,
    customer: Customer,
    staff_id: int | None = None,
    source: str = "api",
    created_by: str = "",
    now: datetime | None = None,
    actor: str | None = None,
    guest_name: str | None = None,
    journal: Journal | None = None,
) -> Appointment:
    """Book `customer` (or, with `guest_name`, a companion of theirs, under their phone)."""
    now = now or utcnow()
    if customer.organization_id != org.id:
        raise Invalid("Ese cliente no es de este negocio.")
    try:
        with write_transaction():
            service = get_service(org, service_id)
            check_active_limit(org, customer, now)
            staff = _choose_staff(org, service, start, staff_id, now)
            end, busy_until = _spans(service, start)
            appointment = Appointment.create(
                organization=org,
                staff=staff,
                service=service,
                customer=customer,
                start_at=start,
                end_at=end,
                busy_until=busy_until,
                status="booked",
                source=source,
                created_by=created_by,
                guest_name=guest_name or None,
                created_at=now,
                updated_at=now,
            )
            event = record_event(appointment, "booked", now, actor, source)
            if journal is not None:
                journal(appointment)
    except IntegrityError:
        # PostgreSQL's exclusion constraint: another booking won the race.
        raise booking_refused("slot_unavailable") from None
    announce(event)
    return appointment


def reschedule_appointment(
    org: Organization,
    appointment_id: int,
    start: datetime | None = None,
    staff_id: int | None = None,
    now: datetime | None = None,
    actor: str | None = None,
    journal: Journal | None = None,
) -> Appointment:
    now = now or utcnow()
    event = None
    try:
        with write_transaction():
            appointment = get_appointment(org, appointment_id)
            if appointment.status not in ACTIVE_STATUSES:
                raise Conflict("Esa cita ya no está activa.", "appointment_not_active")
            before = (appointment.start_at, appointment.staff_id)
            service = ServiceType.get_by_id(appointment.service_id)
            new_start = start or appointment.start_at
            new_staff = staff_id if staff_id is not None else appointment.staff_id
            chosen = _choose_staff(
                org, service, new_start, new_staff, now, exclude_appointment_id=appointment.id
            )
            end, busy_until = _spans(service, new_start)
            appointment.start_at, appointment.end_at, appointment.busy_until = (
                new_start,
                end,
                busy_until,
            )
            appointment.staff = chosen
            appointment.status = "booked"
            appointment.updated_at = now
            appointment.save()
            if (appointment.start_at, appointment.staff_id) != before:
                event = record_event(
                    appointment, "rescheduled", now, actor, "", before[0], before[1]
                )
            if journal is not None:
                journal(appointment)
    except IntegrityError:
        raise booking_refused("slot_unavailable") from None
    announce(event)
    return appointment


def cancel_appointment(
    org: Organization,
    appointment_id: int,
    reason: str = "",
    now: datetime | None = None,
    actor: str | None = None,
    journal: Journal | None = None,
) -> Appointment:
    now = now or utcnow()
    with write_transaction():
        appointment = get_appointment(org, appointment_id)
        if appointment.status == "cancelled":
            return appointment
        if appointment.status not in ACTIVE_STATUSES:
            raise Conflict("Esa cita ya no se puede cancelar.", "appointment_not_active")
        appointment.status = "cancelled"
        appointment.cancel_reason = (reason or "")[:500]
        appointment.updated_at = now
        appointment.save()
        event = record_event(appointment, "cancelled", now, actor)
        if journal is not None:
            journal(appointment)
    announce(event)
    return appointment


def confirm_appointment(
    org: Organization, appointment_id: int, now: datetime | None = None, actor: str = "customer"
) -> Appointment:
    """The customer confirmed they are coming (a reminder's "Confirmo"); idempotent."""
    now = now or utcnow()
    with write_transaction():
        appointment = get_appointment(org, appointment_id)
        if appointment.status == "confirmed":
            return appointment
        if appointment.status != "booked" or appointment.start_at <= now:
            raise Conflict("Esa cita ya no está activa.", "appointment_not_active")
        appointment.status = "confirmed"
        appointment.updated_at = now
        appointment.save()
        event = record_event(appointment, "confirmed", now, actor)
    announce(event)
    return appointment


def mark_no_show(
    org: Organization, appointment_id: int, now: datetime | None = None, actor: str = "staff"
) -> Appointment:
    """Staff say the customer never came (also after the appointment was completed)."""
    now = now or utcnow()
    with write_transaction():
        appointment = get_appointment(org, appointment_id)
        if appointment.status == "no_show":
            return appointment
        if appointment.status == "cancelled" or appointment.start_at > now:
            raise Conflict("Solo una cita que ya empezó puede ser falta.", "appointment_not_active")
        appointment.status = "no_show"
        appointment.updated_at = now
        appointment.save()
        event = record_event(appointment, "no_show", now, actor)
    announce(event)
    return appointment
