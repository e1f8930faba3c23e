"""Load what the engine needs from the database, in a handful of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from peewee import JOIN

from yume.errors import NotFound
from yume.models import (
    ACTIVE_STATUSES,
    Appointment,
    AvailabilityException,
    Location,
    OpeningHours,
    Organization,
    ServiceType,
    Staff,
    StaffService,
    WorkingHours,
)
from yume.scheduling import (
    BookingRules,
    ServiceSpec,
    Slot,
    StaffCalendar,
    WeeklyHours,
    epoch,
    open_slots,
)
from yume.timeutil import local_midnight_utc, zone


def booking_rules(org: Organization) -> BookingRules:
    settings = org.effective_settings
    return BookingRules(
        tz=zone(org.timezone),
        slot_minutes=int(settings["slot_minutes"]),
        min_notice_minutes=int(settings["min_notice_minutes"]),
        horizon_days=int(settings["booking_horizon_days"]),
        opening_hours=opening_hours(org),
    )


def opening_hours(org: Organization) -> WeeklyHours | None:
    """The location's weekly hours, or None when none were given (open when staff work)."""
    rows = (
        OpeningHours.select(
            OpeningHours.weekday, OpeningHours.start_minute, OpeningHours.end_minute
        )
        .join(Location)
        .where(Location.organization == org)
        .tuples()
    )
    hours: WeeklyHours = defaultdict(list)
    for weekday, start, end in rows:
        hours[weekday].append((start, end))
    return dict(hours) if hours else None


def get_service(org: Organization, service_id: int) -> ServiceType:
    service = ServiceType.get_or_none(
        (ServiceType.id == service_id) & (ServiceType.organization == org) & ServiceType.active
    )
    if service is None:
        raise NotFound(f"No existe el servicio {service_id}.", "unknown_service")
    return service


def service_spec(service: ServiceType) -> ServiceSpec:
    return ServiceSpec(service.id, service.duration_minutes, service.buffer_minutes)


def staff_for_service(
    org: Organization, service_id: int, staff_id: int | None = None
) -> list[Staff]:
    """Active staff who perform the service, by id; optionally just one of them."""
    query = (
        Staff.select(Staff.id, Staff.name)
        .join(
            StaffService,
            JOIN.LEFT_OUTER,
            on=(StaffService.staff == Staff.id) & (StaffService.service == service_id),
        )
        .where(
            (Staff.organization == org)
            & Staff.active
            & (Staff.all_services | StaffService.id.is_null(False))
        )
        .order_by(Staff.id)
    )
    if staff_id is not None:
        query = query.where(Staff.id == staff_id)
    return list(query)


def load_calendars(
    staff: Sequence[Staff],
    start: datetime,
    end: datetime,
    exclude_appointment_id: int | None = None,
) -> list[StaffCalendar]:
    """Calendars of `staff` holding everything that touches [start, end)."""
    ids = [s.id for s in staff]
    if not ids:
        return []
    weekly: dict[int, WeeklyHours] = {i: defaultdict(list) for i in ids}
    for staff_id, weekday, s, e in (
        WorkingHours.select(
            WorkingHours.staff,
            WorkingHours.weekday,
            WorkingHours.start_minute,
            WorkingHours.end_minute,
        )
        .where(WorkingHours.staff.in_(ids))
        .tuples()
    ):
        weekly[staff_id][weekday].append((s, e))
    extra: dict[int, list] = defaultdict(list)
    off: dict[int, list] = defaultdict(list)
    for staff_id, kind, s, e in (
        AvailabilityException.select(
            AvailabilityException.staff,
            AvailabilityException.kind,
            AvailabilityException.start_at,
            AvailabilityException.end_at,
        )
        .where(
            AvailabilityException.staff.in_(ids)
            & (AvailabilityException.end_at > start)
            & (AvailabilityException.start_at < end)
        )
        .tuples()
    ):
        (extra if kind == "extra" else off)[staff_id].append((epoch(s), epoch(e)))
    busy: dict[int, list] = defaultdict(list)
    appointments = Appointment.select(
        Appointment.staff, Appointment.start_at, Appointment.busy_until
    ).where(
        Appointment.staff.in_(ids)
        & Appointment.status.in_(ACTIVE_STATUSES)
        & (Appointment.busy_until > start)
        & (Appointment.start_at < end)
    )
    if exclude_appointment_id is not None:
        appointments = appointments.where(Appointment.id != exclude_appointment_id)
    for staff_id, s, e in appointments.tuples():
        busy[staff_id].append((epoch(s), epoch(e)))
    return [
        StaffCalendar(
            staff_id=member.id,
            name=member.name,
            weekly=dict(weekly[member.id]),
            extra=extra[member.id],
            time_off=off[member.id],
            busy=busy[member.id],
        )
        for member in staff
    ]


def find_slots(
    org: Organization,
    service_id: int,
    day: date,
    now: datetime,
    staff_id: int | None = None,
) -> list[Slot]:
    return find_slots_between(org, service_id, day, day, now, staff_id)


def find_slots_between(
    org: Organization,
    service_id: int,
    first_day: date,
    last_day: date,
    now: datetime,
    staff_id: int | None = None,
) -> list[Slot]:
    """Open slots on every local day from first_day to last_day, loaded in one pass."""
    service = get_service(org, service_id)
    staff = staff_for_service(org, service.id, staff_id)
    if staff_id is not None and not staff:
        raise NotFound(f"No hay personal {staff_id} que realice ese servicio.", "unknown_staff")
    rules = booking_rules(org)
    start = local_midnight_utc(first_day, rules.tz)
    end = local_midnight_utc(last_day + timedelta(days=1), rules.tz)
    calendars = load_calendars(staff, start, end)
    spec = service_spec(service)
    slots: list[Slot] = []
    day = first_day
    while day <= last_day:
        slots.extend(open_slots(day, spec, calendars, rules, now))
        day += timedelta(days=1)
    return slots
