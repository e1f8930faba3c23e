"""Business-wide closures: days (or hours) when the whole business is closed
("cerramos el 25 de diciembre"). Nobody can be booked inside one, whatever their own
schedule or extra hours say; the engine subtracts them (yume/scheduling.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from peewee import ForeignKeyField, TextField

from yume.errors import Invalid, NotFound
from yume.models import (
    ACTIVE_STATUSES,
    Appointment,
    BaseModel,
    Organization,
    UTCDateTimeField,
    utcnow,
)
from yume.timeutil import local_midnight_utc, zone

MAX_CLOSURE = timedelta(days=92)  # a quarter: longer than any holiday, shorter than a typo


class BusinessClosure(BaseModel):
    organization = ForeignKeyField(Organization, backref="closures", on_delete="CASCADE")
    start_at = UTCDateTimeField()
    end_at = UTCDateTimeField()
    reason = TextField(default="")
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "business_closure"
        indexes = ((("organization", "start_at"), False),)


def days_span(
    org: Organization, first: date, last: date | None = None
) -> tuple[datetime, datetime]:
    """The UTC span of whole local days `first`…`last` (inclusive)."""
    tz = zone(org.timezone)
    end = local_midnight_utc((last or first) + timedelta(days=1), tz)
    return local_midnight_utc(first, tz), end


def add_closure(
    org: Organization, start: datetime, end: datetime, reason: str = "", now: datetime | None = None
) -> BusinessClosure:
    if end <= start:
        raise Invalid("el cierre debe terminar después de empezar")
    if end - start > MAX_CLOSURE:
        raise Invalid("un cierre puede durar a lo más 92 días")
    if end <= (now or utcnow()):
        raise Invalid("ese cierre ya pasó")
    existing = BusinessClosure.get_or_none(
        (BusinessClosure.organization == org)
        & (BusinessClosure.start_at == start)
        & (BusinessClosure.end_at == end)
    )
    if existing is not None:  # saying it twice closes once
        return existing
    return BusinessClosure.create(
        organization=org, start_at=start, end_at=end, reason=(reason or "").strip()[:300]
    )


def upcoming_closures(org: Organization, now: datetime | None = None) -> list[BusinessClosure]:
    return list(
        BusinessClosure.select()
        .where((BusinessClosure.organization == org) & (BusinessClosure.end_at > (now or utcnow())))
        .order_by(BusinessClosure.start_at)
    )


def remove_closure(org: Organization, closure_id: int) -> BusinessClosure:
    closure = BusinessClosure.get_or_none(
        (BusinessClosure.id == closure_id) & (BusinessClosure.organization == org)
    )
    if closure is None:
        raise NotFound(f"No existe el cierre {closure_id}.")
    closure.delete_instance()
    return closure


def appointments_inside(org: Organization, start: datetime, end: datetime) -> list[Appointment]:
    """Active appointments that fall in a closure: the owner decides what to do with them."""
    return list(
        Appointment.select()
        .where(
            (Appointment.organization == org)
            & Appointment.status.in_(ACTIVE_STATUSES)
            & (Appointment.start_at < end)
            & (Appointment.end_at > start)
        )
        .order_by(Appointment.start_at)
    )
