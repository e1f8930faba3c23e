"""Setting up a business: organization, hours, staff, services, time off.

Used alike by the REST API, `python -m yume import` and the demo; it validates what
it is given and raises `Invalid` / `NotFound` with a message a person can act on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from peewee import ForeignKeyField

from yume.db import database
from yume.errors import Conflict, Invalid, NotFound
from yume.models import (
    DEFAULT_SETTINGS,
    AvailabilityException,
    Location,
    OpeningHours,
    Organization,
    ServiceType,
    Staff,
    StaffService,
    WorkingHours,
)
from yume.phones import InvalidPhone, normalize_phone
from yume.reminders_models import clean_business_account_id, set_morning_agenda
from yume.timeutil import hhmm_to_minutes, is_valid_timezone

ROLES = ("owner", "staff")
SETTING_RANGES: dict[str, tuple[int, int]] = {
    "slot_minutes": (5, 240),
    "min_notice_minutes": (0, 60 * 24 * 30),
    "booking_horizon_days": (1, 365),
    "takeover_minutes": (0, 60 * 24 * 7),
    "max_active_appointments": (1, 50),
}
DURATION_RANGE = (5, 12 * 60)  # a service's minutes
BUFFER_RANGE = (0, 4 * 60)  # minutes the staff member stays held after it


@dataclass(frozen=True)
class WeeklyInterval:
    weekday: int
    start_minute: int
    end_minute: int

    @classmethod
    def parse(cls, weekday: int, start: str, end: str) -> WeeklyInterval:
        try:
            interval = cls(int(weekday), hhmm_to_minutes(start), hhmm_to_minutes(end))
        except (TypeError, ValueError) as exc:
            raise Invalid(str(exc)) from None
        if not 0 <= interval.weekday <= 6:
            raise Invalid(f"día inválido {weekday}: 0 = lunes … 6 = domingo")
        if interval.start_minute >= interval.end_minute:
            raise Invalid(f"el horario {start}–{end} termina antes de empezar")
        return interval


def parse_week(entries: Iterable[dict[str, Any]]) -> list[WeeklyInterval]:
    """[{weekday, start "HH:MM", end "HH:MM"}] → intervals, refusing overlaps in a day."""
    intervals = sorted(
        (WeeklyInterval.parse(e["weekday"], e["start"], e["end"]) for e in entries),
        key=lambda i: (i.weekday, i.start_minute),
    )
    for before, after in zip(intervals, intervals[1:], strict=False):
        if before.weekday == after.weekday and after.start_minute < before.end_minute:
            raise Invalid(f"horarios encimados el día {before.weekday}")
    return intervals


def validate_settings(settings: dict[str, Any]) -> dict[str, Any]:
    unknown = set(settings) - set(DEFAULT_SETTINGS) - {"morning_agenda_hour"}
    if unknown:
        raise Invalid(f"ajustes desconocidos: {', '.join(sorted(unknown))}")
    clean: dict[str, Any] = {}
    for key, value in settings.items():
        if key == "reminder_offsets_minutes":
            if not isinstance(value, list) or not all(
                isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 60 * 24 * 14
                for v in value
            ):
                raise Invalid("reminder_offsets_minutes debe ser una lista de minutos positivos")
            clean[key] = sorted(set(value), reverse=True)
            continue
        clean[key] = _minutes(key, value, *SETTING_RANGES.get(key, (0, 23)))
    if "slot_minutes" in clean and 1440 % clean["slot_minutes"]:
        raise Invalid("slot_minutes debe dividir el día exactamente (5, 10, 15, 20, 30, 60…)")
    return clean


def _timezone(name: str) -> str:
    if not is_valid_timezone(name):
        raise Invalid(f"zona horaria desconocida: {name}")
    return name


def _phone(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except InvalidPhone as exc:
        raise Invalid(str(exc)) from None


def location_of(org: Organization) -> Location:
    location = Location.get_or_none(Location.organization == org)
    return location or Location.create(organization=org, name=org.name)


def _replace_week(owner: ForeignKeyField, owner_id: int, week: Sequence[WeeklyInterval]) -> None:
    """Replace the weekly rows that hang from `owner` (OpeningHours.location or
    WorkingHours.staff) with `week`."""
    model = owner.model
    model.delete().where(owner == owner_id).execute()
    if week:
        model.insert_many(
            [
                {
                    owner.name: owner_id,
                    "weekday": interval.weekday,
                    "start_minute": interval.start_minute,
                    "end_minute": interval.end_minute,
                }
                for interval in week
            ]
        ).execute()


def set_opening_hours(org: Organization, hours: Sequence[WeeklyInterval]) -> None:
    _replace_week(OpeningHours.location, location_of(org).id, hours)


def opening_week(org: Organization) -> list[WeeklyInterval]:
    return [
        WeeklyInterval(h.weekday, h.start_minute, h.end_minute)
        for h in OpeningHours.select()
        .join(Location)
        .where(Location.organization == org)
        .order_by(OpeningHours.weekday, OpeningHours.start_minute)
    ]


def _check_phone_number_id(value: str | None, org_id: int | None = None) -> None:
    if not value:
        return
    taken = Organization.select().where(Organization.whatsapp_phone_number_id == value)
    if org_id is not None:
        taken = taken.where(Organization.id != org_id)
    if taken.exists():
        raise Conflict("Ese número de WhatsApp ya está conectado a otro negocio.", "conflict")


def create_organization(
    name: str,
    whatsapp_phone_number_id: str | None = None,
    timezone: str = "America/Mexico_City",
    whatsapp_access_token: str | None = None,
    settings: dict[str, Any] | None = None,
    address: str = "",
    opening_hours: Sequence[WeeklyInterval] = (),
    whatsapp_business_account_id: str | None = None,
) -> Organization:
    with database.atomic():
        _check_phone_number_id(whatsapp_phone_number_id)
        org = Organization.create(
            name=name.strip(),
            timezone=_timezone(timezone),
            whatsapp_phone_number_id=whatsapp_phone_number_id or None,
            whatsapp_access_token=whatsapp_access_token,
            settings=validate_settings(settings or {}),
            whatsapp_business_account_id=clean_business_account_id(whatsapp_business_account_id),
        )
        Location.create(organization=org, name=org.name, address=address)
        set_opening_hours(org, opening_hours)
        return org


def update_organization(org: Organization, changes: dict[str, Any]) -> Organization:
    with database.atomic():
        if "name" in changes:
            org.name = changes["name"].strip()
        if "timezone" in changes:
            org.timezone = _timezone(changes["timezone"])
        if "whatsapp_phone_number_id" in changes:
            _check_phone_number_id(changes["whatsapp_phone_number_id"], org.id)
            org.whatsapp_phone_number_id = changes["whatsapp_phone_number_id"] or None
        if "whatsapp_access_token" in changes:
            org.whatsapp_access_token = changes["whatsapp_access_token"]
        if "whatsapp_business_account_id" in changes:
            org.whatsapp_business_account_id = clean_business_account_id(
                changes["whatsapp_business_account_id"]
            )
        if changes.get("settings") is not None:
            org.settings = {**(org.settings or {}), **validate_settings(changes["settings"])}
        if "address" in changes:
            location = location_of(org)
            location.address = changes["address"] or ""
            location.save()
        if changes.get("opening_hours") is not None:
            set_opening_hours(org, changes["opening_hours"])
        org.save()
        return org


def get_organization(org_id: int) -> Organization:
    org = Organization.get_or_none(Organization.id == org_id)
    if org is None:
        raise NotFound(f"No existe el negocio {org_id}.")
    return org


# -- services -----------------------------------------------------------------------------


def _price(value: Any) -> Decimal:
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        raise Invalid("price_mxn debe ser un número") from None
    if not price.is_finite() or price < 0 or price >= Decimal("100000000"):
        raise Invalid("price_mxn debe ser un número positivo")
    price = price.quantize(Decimal("0.01"))
    if price >= Decimal("100000000"):  # 99999999.995 rounds up past numeric(10, 2)
        raise Invalid("price_mxn es demasiado grande")
    return price


def _minutes(name: str, value: Any, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise Invalid(f"{name} debe ser un entero entre {low} y {high}")
    return value


def add_service(
    org: Organization, name: str, duration_minutes: int, price_mxn: Any, buffer_minutes: int = 0
) -> ServiceType:
    return ServiceType.create(
        organization=org,
        name=name.strip(),
        duration_minutes=_minutes("duration_minutes", duration_minutes, *DURATION_RANGE),
        price_mxn=_price(price_mxn),
        buffer_minutes=_minutes("buffer_minutes", buffer_minutes, *BUFFER_RANGE),
    )


def get_service_any(org: Organization, service_id: int) -> ServiceType:
    service = ServiceType.get_or_none(
        (ServiceType.id == service_id) & (ServiceType.organization == org)
    )
    if service is None:
        raise NotFound(f"No existe el servicio {service_id}.")
    return service


def update_service(service: ServiceType, changes: dict[str, Any]) -> ServiceType:
    if "name" in changes:
        service.name = changes["name"].strip()
    if "duration_minutes" in changes:
        service.duration_minutes = _minutes(
            "duration_minutes", changes["duration_minutes"], *DURATION_RANGE
        )
    if "price_mxn" in changes:
        service.price_mxn = _price(changes["price_mxn"])
    if "buffer_minutes" in changes:
        service.buffer_minutes = _minutes(
            "buffer_minutes", changes["buffer_minutes"], *BUFFER_RANGE
        )
    if "active" in changes:
        service.active = bool(changes["active"])
    service.save()
    return service


# -- staff --------------------------------------------------------------------------------


def _service_ids(org: Organization, service_ids: Sequence[int]) -> list[int]:
    ids = sorted(set(service_ids))
    found = {
        s.id
        for s in ServiceType.select(ServiceType.id).where(
            (ServiceType.organization == org) & ServiceType.id.in_(ids)
        )
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise Invalid(f"servicios desconocidos: {', '.join(map(str, missing))}")
    return ids


def set_schedule(staff: Staff, schedule: Sequence[WeeklyInterval]) -> None:
    _replace_week(WorkingHours.staff, staff.id, schedule)


def set_services(staff: Staff, service_ids: Sequence[int] | None) -> None:
    """None means "every service, including ones added later"."""
    StaffService.delete().where(StaffService.staff == staff).execute()
    staff.all_services = service_ids is None
    staff.save()
    if service_ids:
        StaffService.insert_many(
            [
                {"staff": staff.id, "service": sid}
                for sid in _service_ids(staff.organization, service_ids)
            ]
        ).execute()


def _check_staff_phone(org: Organization, phone: str, staff_id: int | None = None) -> None:
    """One active staff member per phone: the phone is how Yume recognises them."""
    others = Staff.select().where(
        (Staff.organization == org) & (Staff.phone == phone) & Staff.active
    )
    if staff_id is not None:
        others = others.where(Staff.id != staff_id)
    if others.exists():
        raise Conflict(f"Ya hay alguien del equipo con el número {phone}.", "conflict")


def _role(role: str) -> str:
    if role not in ROLES:
        raise Invalid("role debe ser 'owner' o 'staff'")
    return role


def add_staff(
    org: Organization,
    name: str,
    phone: str,
    role: str = "staff",
    schedule: Sequence[WeeklyInterval] = (),
    service_ids: Sequence[int] | None = None,
    morning_agenda: bool = False,
    morning_agenda_hour: int | None = None,
) -> Staff:
    key = _phone(phone)
    with database.atomic():
        _check_staff_phone(org, key)
        staff = Staff.create(organization=org, name=name.strip(), phone=key, role=_role(role))
        set_schedule(staff, schedule)
        set_services(staff, service_ids)
        if morning_agenda or morning_agenda_hour is not None:
            _set_morning_agenda(staff, morning_agenda, morning_agenda_hour)
        return staff


def _set_morning_agenda(staff: Staff, enabled: bool, hour: int | None) -> None:
    if not isinstance(enabled, bool):
        raise Invalid("morning_agenda debe ser true o false")
    if hour is not None and (isinstance(hour, bool) or not isinstance(hour, int)):
        raise Invalid("morning_agenda_hour debe ser un entero entre 0 y 23")
    try:
        set_morning_agenda(staff.id, enabled, hour)
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    staff.morning_agenda, staff.morning_agenda_hour = enabled, hour


def staff_morning_agenda(staff: Staff) -> tuple[bool, int | None]:
    """(opted in to the morning agenda, own local hour or None = the business's setting)."""
    return bool(staff.morning_agenda), staff.morning_agenda_hour


def get_staff(org: Organization, staff_id: int) -> Staff:
    staff = Staff.get_or_none((Staff.id == staff_id) & (Staff.organization == org) & Staff.active)
    if staff is None:
        raise NotFound(f"No existe el personal {staff_id}.")
    return staff


def update_staff(staff: Staff, changes: dict[str, Any]) -> Staff:
    with database.atomic():
        if "name" in changes:
            staff.name = changes["name"].strip()
        if "phone" in changes:
            staff.phone = _phone(changes["phone"])
            _check_staff_phone(staff.organization, staff.phone, staff.id)
        if "role" in changes:
            staff.role = _role(changes["role"])
        staff.save()
        if changes.get("schedule") is not None:
            set_schedule(staff, changes["schedule"])
        if "service_ids" in changes:
            set_services(staff, changes["service_ids"])
        if "morning_agenda" in changes or "morning_agenda_hour" in changes:
            enabled, hour = staff_morning_agenda(staff)
            _set_morning_agenda(
                staff,
                changes.get("morning_agenda", enabled),
                changes.get("morning_agenda_hour", hour),
            )
        return staff


def deactivate_staff(staff: Staff) -> None:
    staff.active = False
    staff.save()


def staff_schedule(staff: Staff) -> list[WeeklyInterval]:
    return [
        WeeklyInterval(w.weekday, w.start_minute, w.end_minute)
        for w in staff.working_hours.order_by(WorkingHours.weekday, WorkingHours.start_minute)
    ]


def staff_service_ids(staff: Staff) -> list[int] | None:
    if staff.all_services:
        return None
    return sorted(link.service_id for link in staff.service_links)


def add_time_off(
    staff: Staff, start: datetime, end: datetime, reason: str = "", kind: str = "time_off"
) -> AvailabilityException:
    if end <= start:
        raise Invalid("el fin debe ser después del inicio")
    if kind not in ("time_off", "extra"):
        raise Invalid("kind debe ser 'time_off' o 'extra'")
    return AvailabilityException.create(
        staff=staff, kind=kind, start_at=start, end_at=end, reason=(reason or "")[:500]
    )
