"""`python -m yume import FILE`: a whole business from one JSON or YAML file.

The format is documented in README.md ("The business file") with the example
examples/barberia.yaml. Everything is created in one transaction: a file with a
mistake creates nothing, and the error names the place (`staff[1].phone: …`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from yume import business, faq
from yume.db import database
from yume.errors import DomainError
from yume.models import Organization, ServiceType
from yume.timeutil import parse_instant, zone
from yume.validation import problems


class BusinessFileError(ValueError):
    """The file cannot be imported; the message says where and why."""


class Interval(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weekday: int | None = Field(None, ge=0, le=6)
    weekdays: list[int] | None = None
    start: str
    end: str

    def expand(self) -> list[dict[str, Any]]:
        days = self.weekdays if self.weekdays is not None else [self.weekday]
        if not days or any(d is None or not 0 <= d <= 6 for d in days):
            raise ValueError("pon weekday (0 = lunes … 6 = domingo) o weekdays: [..]")
        return [{"weekday": d, "start": self.start, "end": self.end} for d in days]


class TimeOff(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: str
    end: str
    reason: str = ""


class ServiceEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    duration_minutes: int
    price_mxn: float
    buffer_minutes: int = 0


class StaffEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    phone: str
    role: str = "staff"
    services: list[str] | None = None  # service names; absent = all
    schedule: list[Interval] = []
    time_off: list[TimeOff] = []
    morning_agenda: bool = False  # the day's agenda on WhatsApp every morning
    morning_agenda_hour: int | None = Field(None, ge=0, le=23)  # None = the business's hour


class OrganizationEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    timezone: str = "America/Mexico_City"
    whatsapp_phone_number_id: str | None = None
    address: str = ""
    settings: dict[str, Any] = {}
    opening_hours: list[Interval] = []

    @field_validator("whatsapp_phone_number_id", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class FaqItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1)
    answer: str = Field(min_length=1)


class BusinessFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organization: OrganizationEntry
    services: list[ServiceEntry] = Field(min_length=1)
    staff: list[StaffEntry] = Field(min_length=1)
    faq: list[FaqItem] = []  # what customers ask, and the business's answers


def read_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BusinessFileError(f"no se pudo leer {path}: {exc.strerror}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise BusinessFileError(f"{path} no es JSON/YAML válido: {exc}") from None
    if not isinstance(data, dict):
        raise BusinessFileError(f"{path}: se esperaba un objeto con organization, services y staff")
    return data


def parse_business(data: dict[str, Any]) -> BusinessFile:
    try:
        return BusinessFile.model_validate(data)
    except ValidationError as exc:
        first = problems(exc, brackets=True)[0]
        raise BusinessFileError(f"{first} ({exc.error_count()} error(es) en total)") from None


def _week(entries: list[Interval], where: str) -> list[business.WeeklyInterval]:
    return _at(where, business.parse_week, (e for entry in entries for e in entry.expand()))


def _create(spec: BusinessFile) -> Organization:
    o = spec.organization
    org = business.create_organization(
        name=o.name,
        whatsapp_phone_number_id=o.whatsapp_phone_number_id,
        timezone=o.timezone,
        settings=o.settings,
        address=o.address,
        opening_hours=_week(o.opening_hours, "organization.opening_hours"),
    )
    services: dict[str, ServiceType] = {}
    for i, s in enumerate(spec.services):
        where = f"services[{i}]"
        if s.name.casefold() in services:
            raise BusinessFileError(f"{where}.name: servicio repetido {s.name!r}")
        services[s.name.casefold()] = _at(
            where,
            business.add_service,
            org,
            s.name,
            s.duration_minutes,
            s.price_mxn,
            s.buffer_minutes,
        )
    tz = zone(org.timezone)
    for i, member in enumerate(spec.staff):
        where = f"staff[{i}]"
        ids = None
        if member.services is not None:
            unknown = [n for n in member.services if n.casefold() not in services]
            if unknown:
                raise BusinessFileError(f"{where}.services: servicios desconocidos {unknown}")
            ids = [services[n.casefold()].id for n in member.services]
        staff = _at(
            where,
            business.add_staff,
            org,
            member.name,
            member.phone,
            member.role,
            _week(member.schedule, f"{where}.schedule"),
            ids,
            member.morning_agenda,
            member.morning_agenda_hour,
        )
        for j, off in enumerate(member.time_off):
            start, end = _at(f"{where}.time_off[{j}]", _instants, off, tz)
            _at(f"{where}.time_off[{j}]", business.add_time_off, staff, start, end, off.reason)
    for i, item in enumerate(spec.faq):
        _at(f"faq[{i}]", faq.set_entry, org, item.question, item.answer)
    return org


def _instants(off: TimeOff, tz: Any) -> tuple[Any, Any]:
    return parse_instant(off.start, tz), parse_instant(off.end, tz)


def _at(where: str, fn: Any, *args: Any) -> Any:
    """Call `fn`, turning domain and value errors into an BusinessFileError that names `where`."""
    try:
        return fn(*args)
    except BusinessFileError:
        raise
    except DomainError as exc:
        raise BusinessFileError(f"{where}: {exc.message}") from None
    except ValueError as exc:
        raise BusinessFileError(f"{where}: {exc}") from None


def import_business(path: Path) -> Organization:
    spec = parse_business(read_file(path))
    with database.atomic():
        return _at("organization", _create, spec)
