"""Load what the engine needs from the database, in a handful of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from peewee import JOIN

from yume.db import database
from yume.errors import NotFound
from yume.models import (
    ACTIVE_STATUSES,
    Appointment,
    Location,
    OpeningHours,
    Organization,
    ServiceType,
    Staff,
    StaffService,
)
from yume.scheduling import (
    BookingRules,
    ServiceSpec,
    Slot,
    Span,
    StaffCalendar,
    WeeklyHours,
    open_slots,
)
from yume.timeutil import local_midnight_utc, zone

EXTRA, TIME_OFF = "extra", "time_off"  # AvailabilityException kinds
BUSY = "busy"  # what an active appointment is, beside them
CLOSED = "closed"  # a business-wide closure (yume/closures.py), under staff id 0
# No booking holds anyone this long (services: at most 12 h plus a 4 h buffer, see
# yume.business); the bound lets the (staff, start_at) index skip every older booking.
LONGEST_HOLD = timedelta(days=2)
NAIVE_EPOCH = datetime(1970, 1, 1)
ONE_SECOND = timedelta(seconds=1)


def booking_rules(
    org: Organization, opening: WeeklyHours | None, closed: Sequence[Span] = ()
) -> BookingRules:
    settings = org.effective_settings
    return BookingRules(
        tz=zone(org.timezone),
        slot_minutes=int(settings["slot_minutes"]),
        min_notice_minutes=int(settings["min_notice_minutes"]),
        horizon_days=int(settings["booking_horizon_days"]),
        opening_hours=opening,
        closed=tuple(closed),
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


# The two calendar queries below run on every availability request; written out in SQL
# they take a fifth of the time peewee needed just to compile them (bench/availability.py).


def fetch(sql: str, params: Sequence[object]) -> list[tuple]:
    return database.execute_sql(sql, params).fetchall()


def placeholders(count: int) -> str:
    return ", ".join([database.param] * count)


def stored(instant: datetime) -> datetime:
    """An instant as the columns hold it (naive UTC)."""
    return Appointment.start_at.db_value(instant)


def stored_epoch(value: str | datetime) -> int:
    """Epoch seconds of a stored naive-UTC instant (SQLite hands back ISO text)."""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    if instant.tzinfo is not None:
        instant = instant.astimezone(UTC).replace(tzinfo=None)
    return (instant - NAIVE_EPOCH) // ONE_SECOND


def dated_spans_sql(staff_count: int, excluding: bool) -> str:
    """Business closures, exceptions and active appointments touching [start, end) as
    (staff id, kind, start, end) rows; closures come as staff 0, kind CLOSED, and
    appointments as kind BUSY, held until `busy_until`."""
    ids, p = placeholders(staff_count), database.param
    sql = (
        f"SELECT 0, '{CLOSED}', start_at, end_at FROM business_closure"
        f" WHERE organization_id = {p} AND end_at > {p} AND start_at < {p}"
        " UNION ALL SELECT staff_id, kind, start_at, end_at FROM availability_exception"
        f" WHERE staff_id IN ({ids}) AND end_at > {p} AND start_at < {p}"
        f" UNION ALL SELECT staff_id, '{BUSY}', start_at, busy_until FROM appointment"
        f" WHERE staff_id IN ({ids}) AND status IN ({placeholders(len(ACTIVE_STATUSES))})"
        f" AND start_at > {p} AND busy_until > {p} AND start_at < {p}"
    )
    if excluding:
        sql += f" AND id <> {p}"
    return sql


def dated_spans(
    org_id: int,
    ids: Sequence[int],
    start: datetime,
    end: datetime,
    exclude_appointment_id: int | None,
) -> dict[str, dict[int, list[Span]]]:
    """Spans by kind ("extra", "time_off", BUSY, CLOSED), then by staff id (0: closures)."""
    excluding = exclude_appointment_id is not None
    window = [stored(start), stored(end)]
    params = [org_id, *window, *ids, *window, *ids, *ACTIVE_STATUSES]
    params += [stored(start - LONGEST_HOLD), *window]
    if excluding:
        params.append(exclude_appointment_id)
    spans: dict[str, dict[int, list[Span]]] = {
        kind: defaultdict(list) for kind in (EXTRA, TIME_OFF, BUSY, CLOSED)
    }
    for staff_id, kind, s, e in fetch(dated_spans_sql(len(ids), excluding), params):
        kind = kind if kind in (EXTRA, BUSY, CLOSED) else TIME_OFF
        spans[kind][staff_id].append((stored_epoch(s), stored_epoch(e)))
    return spans


def load_calendars(
    org: Organization,
    staff: Sequence[Staff],
    start: datetime,
    end: datetime,
    exclude_appointment_id: int | None = None,
) -> tuple[BookingRules, list[StaffCalendar]]:
    """The business's rules and the calendars of `staff` holding everything that touches
    [start, end), in two queries (staff must not be empty)."""
    ids = [s.id for s in staff]
    weekly, opening = weeks_and_opening(ids, org)
    spans = dated_spans(org.id, ids, start, end, exclude_appointment_id)
    return booking_rules(org, opening, spans[CLOSED][0]), _calendars(staff, weekly, spans)


def _calendars(
    staff: Sequence[Staff],
    weekly: dict[int, WeeklyHours],
    spans: dict[str, dict[int, list[Span]]],
) -> list[StaffCalendar]:
    return [
        StaffCalendar(
            staff_id=member.id,
            weekly=weekly[member.id],
            extra=spans[EXTRA][member.id],
            time_off=spans[TIME_OFF][member.id],
            busy=spans[BUSY][member.id],
        )
        for member in staff
    ]


# The availability request's own path: three round trips (service with its staff; their
# weeks with the opening hours; dated spans), which matters on a PostgreSQL server.


def service_and_staff(
    org: Organization, service_id: int, staff_id: int | None = None
) -> tuple[ServiceSpec, list[Staff]]:
    """The active service and, by id, the active staff who perform it, in one query."""
    p = database.param
    only = f" AND st.id = {p}" if staff_id is not None else ""
    sql = (
        "SELECT sv.id, sv.duration_minutes, sv.buffer_minutes, st.id, st.name"
        " FROM service_type sv LEFT JOIN staff st"
        " ON st.organization_id = sv.organization_id AND st.active AND (st.all_services"
        " OR EXISTS (SELECT 1 FROM staff_service ss"
        " WHERE ss.staff_id = st.id AND ss.service_id = sv.id))"
        + only
        + f" WHERE sv.id = {p} AND sv.organization_id = {p} AND sv.active ORDER BY st.id"
    )
    params = ([staff_id] if staff_id is not None else []) + [service_id, org.id]
    rows = fetch(sql, params)
    if not rows:
        raise NotFound(f"No existe el servicio {service_id}.", "unknown_service")
    spec = ServiceSpec(rows[0][0], rows[0][1], rows[0][2])
    return spec, [Staff(id=row[3], name=row[4]) for row in rows if row[3] is not None]


def weeks_and_opening(
    ids: Sequence[int], org: Organization
) -> tuple[dict[int, WeeklyHours], WeeklyHours | None]:
    """Working weeks of `ids` and the business's opening hours (None: none given)."""
    weekly: dict[int, WeeklyHours] = {i: defaultdict(list) for i in ids}
    opening: WeeklyHours = defaultdict(list)
    sql = (
        "SELECT staff_id, weekday, start_minute, end_minute FROM working_hours"
        f" WHERE staff_id IN ({placeholders(len(ids))})"
        " UNION ALL SELECT 0, oh.weekday, oh.start_minute, oh.end_minute FROM opening_hours oh"
        f" JOIN location l ON l.id = oh.location_id WHERE l.organization_id = {database.param}"
    )
    for staff_id, weekday, start, end in fetch(sql, [*ids, org.id]):
        (weekly[staff_id] if staff_id else opening)[weekday].append((start, end))
    return {i: dict(hours) for i, hours in weekly.items()}, (dict(opening) or None)


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
    spec, staff = service_and_staff(org, service_id, staff_id)
    if staff_id is not None and not staff:
        raise NotFound(f"No hay personal {staff_id} que realice ese servicio.", "unknown_staff")
    if not staff:
        return []
    tz = zone(org.timezone)
    start = local_midnight_utc(first_day, tz)
    end = local_midnight_utc(last_day + timedelta(days=1), tz)
    rules, calendars = load_calendars(org, staff, start, end)
    slots: list[Slot] = []
    day = first_day
    while day <= last_day:
        slots.extend(open_slots(day, spec, calendars, rules, now))
        day += timedelta(days=1)
    return slots
