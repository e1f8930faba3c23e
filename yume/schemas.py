"""Request and response shapes of the REST API, as plain pydantic models.

The same models describe the OpenAPI document and, later, Claude's tool inputs, so every
field says what it means. Request bodies are strict (a string is not a number, unknown
fields are refused); query and path parameters arrive as text and are converted.

Times in requests are ISO 8601 strings; one without an offset means the organization's
local time. Times in responses always carry the organization's offset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from yume import models
from yume.business import BUFFER_RANGE, DURATION_RANGE, SETTING_RANGES, WeeklyInterval
from yume.scheduling import Slot as SlotValue
from yume.timeutil import UnknownTimezone, minutes_to_hhmm, zone

MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL
APPOINTMENT_STATUS = Literal["booked", "confirmed", "cancelled", "completed", "no_show"]
SETTABLE_STATUS = Literal["confirmed", "completed", "no_show"]
ROLE = Literal["owner", "staff"]

_YEAR = r"(19[7-9]\d|2\d{3})"
_DAY = rf"{_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
_TIME = r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?"
_OFFSET = r"(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?"
DATE_PATTERN = rf"^{_DAY}$"
DATETIME_PATTERN = rf"^{_DAY}T{_TIME}{_OFFSET}$"
HHMM_PATTERN = r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$"
TIMEZONE_PATTERN = r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$"


# -- reusable field types -------------------------------------------------------------------


def clean_text(value: str) -> str:
    """Refuse what no database column can hold: NUL characters and lone surrogates."""
    if "\x00" in value:
        raise ValueError("no puede contener caracteres NUL")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("debe ser texto Unicode válido") from None
    return value


def real_datetime(value: str) -> str:
    try:
        dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"no es una fecha y hora real ({exc})") from None
    return value


def real_date(value: str) -> str:
    try:
        dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"no es una fecha real ({exc})") from None
    return value


def known_timezone(value: str) -> str:
    try:
        zone(value)
    except (UnknownTimezone, OSError):  # OSError: a directory or an over-long name
        raise ValueError(f"zona horaria IANA desconocida: {value!r}") from None
    return value


CleanText = AfterValidator(clean_text)
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=r"\S"), CleanText]
Phone = Annotated[str, StringConstraints(min_length=1, max_length=40), CleanText]
Reason = Annotated[str, StringConstraints(max_length=500), CleanText]
Query = Annotated[str, StringConstraints(max_length=100), CleanText]
LocalDateTime = Annotated[
    str,
    StringConstraints(pattern=DATETIME_PATTERN),
    AfterValidator(real_datetime),
    Field(
        description=(
            "ISO 8601 date and time between 1970 and 2999, e.g. 2026-12-01T10:00 (the "
            "organization's local time) or 2026-12-01T16:00:00Z / 2026-12-01T10:00-06:00."
        ),
        examples=["2026-12-01T10:00", "2026-12-01T10:00:00-06:00"],
    ),
]
IsoDate = Annotated[
    str,
    StringConstraints(pattern=DATE_PATTERN),
    AfterValidator(real_date),
    Field(description="A local calendar day between 1970 and 2999, YYYY-MM-DD (2026-12-01)."),
]
Timezone = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=TIMEZONE_PATTERN),
    AfterValidator(known_timezone),
    Field(description="IANA time zone name.", examples=["America/Mexico_City"]),
]
HHMM = Annotated[
    str,
    StringConstraints(pattern=HHMM_PATTERN),
    Field(description="Local wall-clock time HH:MM; 24:00 is the end of the day."),
]
OffsetDateTime = Annotated[
    str,
    Field(
        description="ISO 8601 with the organization's UTC offset.",
        json_schema_extra={"format": "date-time"},
        examples=["2026-12-01T10:00:00-06:00"],
    ),
]


def _setting(name: str, description: str) -> Any:
    low, high = SETTING_RANGES.get(name, (0, 23))
    return Field(None, ge=low, le=high, description=description)


class Body(BaseModel):
    """A JSON request body: strict types, unknown fields refused."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Shape(BaseModel):
    """A response object."""


# -- errors ---------------------------------------------------------------------------------


class ErrorDetail(Shape):
    code: str = Field(
        description=(
            "Stable machine-readable code: bad_request, unauthorized, not_found, "
            "method_not_allowed, validation_error, invalid, invalid_phone, conflict, "
            "slot_unavailable, outside_hours, business_closed, in_the_past, too_soon, "
            "beyond_horizon, staff_cannot_perform, no_staff, appointment_not_active, "
            "unknown_service, unknown_staff, too_many_appointments."
        )
    )
    message: str = Field(description="What went wrong, for a person.")


class ErrorResponse(Shape):
    """Every error answer: 400, 401, 404, 405, 409 and 422."""

    error: ErrorDetail


# -- shared pieces --------------------------------------------------------------------------


class Interval(Body):
    """A weekly interval: the same weekday every week, local time."""

    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday.")
    start: HHMM
    end: HHMM

    @classmethod
    def of(cls, interval: WeeklyInterval) -> Interval:
        return cls(
            weekday=interval.weekday,
            start=minutes_to_hhmm(interval.start_minute),
            end=minutes_to_hhmm(interval.end_minute),
        )


Week = Annotated[
    list[Interval],
    Field(max_length=100, description="Weekly intervals; several in a day make breaks."),
]


class SettingsIn(Body):
    """Organization settings to change; omitted (or null) settings keep their value."""

    slot_minutes: int | None = _setting(
        "slot_minutes", "Grid of offered start times, minutes; must divide 1440 (15 default)."
    )
    min_notice_minutes: int | None = _setting(
        "min_notice_minutes", "How long before a slot it can still be booked."
    )
    booking_horizon_days: int | None = _setting(
        "booking_horizon_days", "How many days ahead customers may book."
    )
    reminder_offsets_minutes: list[Annotated[int, Field(ge=1, le=60 * 24 * 14)]] | None = Field(
        None, max_length=10, description="Reminders sent this many minutes before a visit."
    )
    takeover_minutes: int | None = _setting(
        "takeover_minutes", "How long Yume stays quiet after the owner writes by hand."
    )
    morning_agenda_hour: int | None = _setting(
        "morning_agenda_hour", "Local hour at which staff receive the day's agenda."
    )
    max_active_appointments: int | None = _setting(
        "max_active_appointments",
        "Upcoming appointments one customer may hold at once, by any path (3 default).",
    )


class Settings(Shape):
    """Effective settings: the organization's own merged over the defaults (others, such
    as morning_agenda_hour, appear once set)."""

    model_config = ConfigDict(extra="allow")

    slot_minutes: int
    min_notice_minutes: int
    booking_horizon_days: int
    reminder_offsets_minutes: list[int]
    takeover_minutes: int
    max_active_appointments: int


# -- organizations --------------------------------------------------------------------------

PhoneNumberId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64),
    CleanText,
    Field(description="Meta's WhatsApp phone number id; null until WhatsApp is connected."),
]
AccessToken = Annotated[
    str,
    StringConstraints(min_length=1, max_length=4000),
    CleanText,
    Field(description="WhatsApp access token; write-only, never returned."),
]
Address = Annotated[
    str,
    StringConstraints(max_length=500),
    CleanText,
    Field(description="Street address, shown to customers."),
]


class OrganizationCreate(Body):
    name: Name
    timezone: Timezone = "America/Mexico_City"
    whatsapp_phone_number_id: PhoneNumberId | None
    whatsapp_access_token: AccessToken | None = None
    settings: SettingsIn | None = None
    address: Address = ""
    opening_hours: Week = Field(
        default_factory=list,
        description="When the place is open; empty = open whenever staff work.",
    )


class OrganizationUpdate(Body):
    """Fields to change. Omitted fields stay; null clears whatsapp_phone_number_id,
    whatsapp_access_token and address, and leaves the others unchanged."""

    name: Name | None = None
    timezone: Timezone | None = None
    whatsapp_phone_number_id: PhoneNumberId | None = None
    whatsapp_access_token: AccessToken | None = None
    settings: SettingsIn | None = None
    address: Address | None = None
    opening_hours: Week | None = None


class Organization(Shape):
    id: int
    name: str
    timezone: str
    whatsapp_phone_number_id: str | None
    settings: Settings
    address: str
    opening_hours: list[Interval]
    has_whatsapp_access_token: bool


# -- staff ----------------------------------------------------------------------------------

ServiceIds = Annotated[
    list[Id],
    Field(max_length=500, description="Services this person performs; null = all services."),
]


MORNING_AGENDA = "Whether they receive the day's agenda on WhatsApp every morning (opt-in)."
MORNING_AGENDA_HOUR = (
    "Local hour (0–23) at which they receive the morning agenda; null = the business's "
    "morning_agenda_hour setting (8 when unset)."
)
AgendaHour = Annotated[int, Field(ge=0, le=23)]


class StaffCreate(Body):
    name: Name
    phone: Phone = Field(description="Their WhatsApp number; any common Mexican format.")
    role: ROLE = Field(description="owner (sees and changes everything) or staff.")
    schedule: Week
    service_ids: ServiceIds | None = None
    morning_agenda: bool = Field(False, description=MORNING_AGENDA)
    morning_agenda_hour: AgendaHour | None = Field(None, description=MORNING_AGENDA_HOUR)


class StaffUpdate(Body):
    """Fields to change; schedule and service_ids replace the old ones (service_ids null =
    all services, morning_agenda_hour null = the business's hour). Other omitted or null
    fields stay as they are."""

    name: Name | None = None
    phone: Phone | None = None
    role: ROLE | None = None
    schedule: Week | None = None
    service_ids: ServiceIds | None = None
    morning_agenda: bool | None = Field(None, description=MORNING_AGENDA)
    morning_agenda_hour: AgendaHour | None = Field(None, description=MORNING_AGENDA_HOUR)


class Staff(Shape):
    id: int
    name: str
    phone: str = Field(description="E.164, e.g. +525512345678.")
    role: str
    schedule: list[Interval]
    service_ids: list[int] | None = Field(description="null = performs every service.")
    active: bool
    morning_agenda: bool = Field(False, description=MORNING_AGENDA)
    morning_agenda_hour: int | None = Field(None, description=MORNING_AGENDA_HOUR)


class StaffList(Shape):
    staff: list[Staff]


class TimeOffCreate(Body):
    start: LocalDateTime
    end: LocalDateTime
    reason: Reason = ""


class TimeOff(Shape):
    id: int
    staff_id: int
    start: OffsetDateTime
    end: OffsetDateTime
    reason: str


# -- services -------------------------------------------------------------------------------

Duration = Annotated[
    int,
    Field(
        ge=DURATION_RANGE[0], le=DURATION_RANGE[1], description="Length of the service, minutes."
    ),
]
Buffer = Annotated[
    int,
    Field(
        ge=BUFFER_RANGE[0],
        le=BUFFER_RANGE[1],
        description="Minutes the staff member stays held afterwards.",
    ),
]
Price = Annotated[
    float,
    Field(ge=0, le=99_999_999.99, allow_inf_nan=False, description="Price in pesos (MXN)."),
]


class ServiceCreate(Body):
    name: Name
    duration_minutes: Duration
    price_mxn: Price
    buffer_minutes: Buffer = 0


class ServiceUpdate(Body):
    """Fields to change; omitted or null fields stay as they are."""

    name: Name | None = None
    duration_minutes: Duration | None = None
    price_mxn: Price | None = None
    buffer_minutes: Buffer | None = None


class Service(Shape):
    id: int
    name: str
    duration_minutes: int
    price_mxn: float
    buffer_minutes: int
    active: bool


class ServiceList(Shape):
    services: list[Service]


# -- availability ---------------------------------------------------------------------------


class AvailabilityQuery(BaseModel):
    service_id: Id
    date: IsoDate
    staff_id: Id | None = Field(None, description="Only this staff member's slots.")


class Slot(Shape):
    start: OffsetDateTime
    end: OffsetDateTime
    staff_id: int


class SlotList(Shape):
    slots: list[Slot]


# -- customers and appointments -------------------------------------------------------------


class CustomerIn(Body):
    phone: Phone = Field(description="The customer's phone; any common Mexican format.")
    name: Name | None = None


class AppointmentCreate(Body):
    service_id: Id
    start: LocalDateTime
    staff_id: Id | None = Field(None, description="Omit to take the first free staff member.")
    customer: CustomerIn


class AppointmentUpdate(Body):
    """Reschedule (start and/or staff_id) or record what happened (status)."""

    start: LocalDateTime | None = None
    staff_id: Id | None = None
    status: SETTABLE_STATUS | None = Field(
        None,
        description=(
            "confirmed, completed or no_show; only for an active (booked or confirmed) "
            "appointment. Cancel with POST …/cancel."
        ),
    )


class AppointmentCancel(Body):
    """The body may be omitted."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        openapi_extra={"required": False},  # type: ignore[typeddict-unknown-key]
    )

    reason: Reason = ""

    @model_validator(mode="before")
    @classmethod
    def _absent_body(cls, data: Any) -> Any:
        return {} if data is None else data


class AppointmentQuery(BaseModel):
    date: IsoDate | None = Field(None, description="Local day of the appointments' start.")
    staff_id: Id | None = None
    customer_id: Id | None = None
    status: APPOINTMENT_STATUS | None = None


class Appointment(Shape):
    id: int
    service_id: int
    staff_id: int
    customer_id: int
    start: OffsetDateTime
    end: OffsetDateTime
    status: APPOINTMENT_STATUS
    source: str = Field(description="chat, staff, walk_in, api, import or demo.")


class AppointmentList(Shape):
    appointments: list[Appointment]


class CustomerQuery(BaseModel):
    phone: Query | None = Field(None, description="Exact phone, in any common format.")
    q: Query | None = Field(None, description="Part of the name or phone, any case.")


class Customer(Shape):
    id: int
    phone: str
    name: str | None
    notes: str


class CustomerDetail(Customer):
    appointments: list[Appointment] = Field(description="History, newest first.")


class CustomerList(Shape):
    customers: list[Customer]


# -- conversations --------------------------------------------------------------------------


class Message(Shape):
    id: int
    direction: str = Field(description="in or out.")
    author: str = Field(description="customer, staff, owner or yume.")
    kind: str
    text: str
    status: str
    wa_message_id: str | None
    created_at: OffsetDateTime


class MessageList(Shape):
    messages: list[Message] = Field(description="Oldest first.")


# -- path parameters ------------------------------------------------------------------------


class OrgPath(BaseModel):
    org: Id = Field(description="Organization id.")


class OrgItemPath(BaseModel):
    org: Id = Field(description="Organization id.")
    id: Id = Field(description="Id of the item, within that organization.")


# -- frequently asked questions (issue 12) ---------------------------------------------------

FaqQuestion = Annotated[
    str,
    StringConstraints(min_length=1, max_length=300, pattern=r"\S"),
    CleanText,
    Field(description="What customers ask, e.g. «¿Aceptan tarjeta?» or «Estacionamiento»."),
]
FaqAnswer = Annotated[
    str,
    StringConstraints(min_length=1, max_length=1000, pattern=r"\S"),
    CleanText,
    Field(description="What Yume answers, in the business's words."),
]


class FaqCreate(Body):
    """A question and its answer; a question already there gets the new answer."""

    question: FaqQuestion
    answer: FaqAnswer


class FaqUpdate(Body):
    """Fields to change; omitted or null fields stay as they are."""

    question: FaqQuestion | None = None
    answer: FaqAnswer | None = None


class FaqEntry(Shape):
    id: int
    question: str
    answer: str


class FaqList(Shape):
    faq: list[FaqEntry]


def faq_entry_of(entry: Any) -> FaqEntry:
    return FaqEntry(id=entry.id, question=entry.question, answer=entry.answer)


# -- rows to shapes -------------------------------------------------------------------------


def local_iso(instant: dt.datetime, tz: ZoneInfo) -> str:
    return instant.astimezone(tz).isoformat(timespec="seconds")


def organization_of(
    org: models.Organization, address: str, opening_hours: Iterable[WeeklyInterval]
) -> Organization:
    return Organization(
        id=org.id,
        name=org.name,
        timezone=org.timezone,
        whatsapp_phone_number_id=org.whatsapp_phone_number_id,
        settings=Settings(**org.effective_settings),
        address=address,
        opening_hours=[Interval.of(i) for i in opening_hours],
        has_whatsapp_access_token=bool(org.whatsapp_access_token),
    )


def staff_of(
    staff: models.Staff,
    schedule: Iterable[WeeklyInterval],
    service_ids: list[int] | None,
    morning_agenda: tuple[bool, int | None] = (False, None),
) -> Staff:
    return Staff(
        id=staff.id,
        name=staff.name,
        phone=staff.phone,
        role=staff.role,
        schedule=[Interval.of(i) for i in schedule],
        service_ids=service_ids,
        active=staff.active,
        morning_agenda=morning_agenda[0],
        morning_agenda_hour=morning_agenda[1],
    )


def time_off_of(row: models.AvailabilityException, tz: ZoneInfo) -> TimeOff:
    return TimeOff(
        id=row.id,
        staff_id=row.staff_id,
        start=local_iso(row.start_at, tz),
        end=local_iso(row.end_at, tz),
        reason=row.reason,
    )


def service_of(service: models.ServiceType) -> Service:
    return Service(
        id=service.id,
        name=service.name,
        duration_minutes=service.duration_minutes,
        price_mxn=float(service.price_mxn),
        buffer_minutes=service.buffer_minutes,
        active=service.active,
    )


def slot_of(slot: SlotValue, tz: ZoneInfo) -> Slot:
    return Slot(
        start=local_iso(slot.start, tz), end=local_iso(slot.end, tz), staff_id=slot.staff_id
    )


def appointment_of(appointment: models.Appointment, tz: ZoneInfo) -> Appointment:
    return Appointment(
        id=appointment.id,
        service_id=appointment.service_id,
        staff_id=appointment.staff_id,
        customer_id=appointment.customer_id,
        start=local_iso(appointment.start_at, tz),
        end=local_iso(appointment.end_at, tz),
        status=appointment.status,
        source=appointment.source,
    )


def customer_of(customer: models.Customer) -> Customer:
    return Customer(id=customer.id, phone=customer.phone, name=customer.name, notes=customer.notes)


def message_of(message: models.Message, tz: ZoneInfo) -> Message:
    return Message(
        id=message.id,
        direction=message.direction,
        author=message.author,
        kind=message.kind,
        text=message.text,
        status=message.status,
        wa_message_id=message.wa_message_id,
        created_at=local_iso(message.created_at, tz),
    )
