"""Book, reschedule and cancel: one transaction each, domain errors out.

Two bookings can never hold one staff member at the same minute: on PostgreSQL the
exclusion constraint `appointment_staff_no_overlap` refuses the second insert; on
SQLite the whole check-then-write runs under BEGIN IMMEDIATE.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from peewee import IntegrityError

from yume.appointment_events import announce, record_event
from yume.availability import (
    get_service,
    load_calendars,
    service_spec,
    staff_for_service,
)
from yume.db import write_transaction
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
) -> Appointment:
    now = now or utcnow()
    if customer.organization_id != org.id:
        raise Invalid("Ese cliente no es de este negocio.")
    try:
        with write_transaction():
            service = get_service(org, service_id)
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
                created_at=now,
                updated_at=now,
            )
            event = record_event(appointment, "booked", now, actor, source)
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
