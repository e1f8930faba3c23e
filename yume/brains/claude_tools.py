"""Claude's tools: the names and shapes of CONTRACTS.md ("Claude's tools"), calling the
scheduling services directly.

A `Toolbox` is built for one turn and knows who is writing. Customers get the customer
set, staff the staff set; the role is checked again inside every tool, so a tool the model
was never offered still refuses. A customer's tools only ever see and change that
customer's own appointments: an id of somebody else's appointment is answered exactly as
an id that does not exist. Non-owner staff act on their own schedule only. Every refusal
is a result, `{"error": {"code", "message"}}`, never an exception that ends the turn.

Input schemas are generated from pydantic models built from the API's own field types
(`yume.schemas`), so a date, a time or an id means the same thing to Claude and to the API.

One tool is not in the contract: `present_options`, the presentation tool. Claude calls it
(alone) to offer choices as native WhatsApp reply buttons or a list; the brain sends it
and ends the turn, and the person's tap comes back as their next message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from peewee import OP, SQL, Expression, NodeList, Value
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from yume import booking, business
from yume.agenda import appointments_between, appointments_overlapping, time_off_between
from yume.availability import find_slots, find_slots_between, get_service
from yume.brain import Buttons, ListMessage, Turn
from yume.brains.ui import choose
from yume.customers import customer_without_phone
from yume.errors import DomainError
from yume.formatting import local_date_time, money
from yume.models import (
    ACTIVE_STATUSES,
    Appointment,
    AvailabilityException,
    Customer,
    Organization,
    ServiceType,
    Staff,
    StaffService,
    WorkingHours,
)
from yume.phones import InvalidPhone
from yume.schemas import Id, IsoDate, LocalDateTime, Name, Phone, Query, Reason
from yume.timeutil import local_midnight_utc, minutes_to_hhmm, parse_instant, zone

log = logging.getLogger(__name__)

CUSTOMER_TOOLS = (
    "list_services",
    "find_available_slots",
    "book_appointment",
    "list_my_appointments",
    "reschedule_appointment",
    "cancel_appointment",
    "request_human",
)
STAFF_TOOLS = CUSTOMER_TOOLS + ("get_schedule", "register_walk_in", "lookup_customer", "block_time")
PRESENT_OPTIONS = "present_options"
MAX_SLOTS = 12  # slots shown per call: enough to choose from, few enough to stay cheap
LOOK_AHEAD_DAYS = 14  # an empty day answers with the next day that has room
STAFF_PAST_GRACE = timedelta(minutes=30)  # a walk-in who sat down a moment ago
URL = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)

Result = dict[str, Any]


class Refusal(Exception):
    """A tool says no; becomes `{"error": {"code", "message"}}` for Claude."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def error(code: str, message: str) -> Result:
    return {"error": {"code": code, "message": message}}


# -- inputs: the API's field types, lax enough for a model ---------------------------------


class ToolInput(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoInput(ToolInput):
    pass


StaffFilter = Annotated[Id | None, Field(description="Only this staff member (their id).")]


class FindSlotsInput(ToolInput):
    service_id: Id
    date: IsoDate
    staff_id: StaffFilter = None


class BookInput(ToolInput):
    service_id: Id
    start: LocalDateTime
    staff_id: Annotated[Id | None, Field(description="Omit to take whoever is free.")] = None
    customer_name: Annotated[
        Name | None, Field(description="The customer's name, when they said it.")
    ] = None


class StaffBookInput(BookInput):
    customer_phone: Annotated[
        Phone | None,
        Field(description="Staff only: the phone of the customer you book for."),
    ] = None


class RescheduleInput(ToolInput):
    appointment_id: Id
    start: LocalDateTime
    staff_id: Annotated[Id | None, Field(description="Omit to keep the same person.")] = None


class CancelInput(ToolInput):
    appointment_id: Id


class RequestHumanInput(ToolInput):
    reason: Annotated[
        Reason, Field(min_length=1, description="What the person needs, in one sentence.")
    ]


class ScheduleInput(ToolInput):
    date: IsoDate
    staff_id: Annotated[
        Id | None, Field(description="Owner only: another staff member. Omit = yours (owner: all).")
    ] = None


class WalkInInput(ToolInput):
    customer_name: Name
    service_id: Id
    customer_phone: Phone | None = None
    start: Annotated[LocalDateTime | None, Field(description="Omit = right now.")] = None
    staff_id: Annotated[Id | None, Field(description="Omit = you, if you do the service.")] = None


class LookupInput(ToolInput):
    query: Annotated[Query, Field(min_length=2, description="Part of a name or phone number.")]


class BlockInput(ToolInput):
    start: LocalDateTime
    end: LocalDateTime
    reason: Reason = ""


class Option(ToolInput):
    id: Annotated[
        str,
        StringConstraints(min_length=1, max_length=200),
        Field(description="Comes back when tapped, e.g. the slot's start and staff_id."),
    ]
    title: Annotated[str, StringConstraints(min_length=1, max_length=24)]
    description: Annotated[str | None, StringConstraints(max_length=72)] = None


class PresentOptionsInput(ToolInput):
    body: Annotated[
        str,
        StringConstraints(min_length=1, max_length=1024),
        Field(description="The whole message above the choices."),
    ]
    options: Annotated[list[Option], Field(min_length=1, max_length=10)]
    button: Annotated[
        str,
        StringConstraints(min_length=1, max_length=20),
        Field(description="Label of the list's button (4+ options)."),
    ] = "Ver opciones"


# -- schemas for Claude ---------------------------------------------------------------------


def input_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema, trimmed: no titles or regexes (pydantic still enforces
    them), `X | None` written as an optional X."""
    schema = _trim(model.model_json_schema())
    schema.setdefault("properties", {})
    schema["additionalProperties"] = False
    return schema


def _trim(node: Any) -> Any:
    if isinstance(node, list):
        return [_trim(item) for item in node]
    if not isinstance(node, dict):
        return node
    options = node.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        inner = next(o for o in options if o != {"type": "null"})
        node = {**{k: v for k, v in node.items() if k != "anyOf"}, **inner}
    skip = {"title", "pattern"} | ({"default"} if node.get("default", 0) is None else set())
    return {k: _trim(v) for k, v in node.items() if k not in skip}


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    model: type[ToolInput]
    staff_model: type[ToolInput] | None = None  # a staff variant of the inputs
    staff_description: str | None = None

    def definition(self, staff: bool) -> dict[str, Any]:
        model = self.staff_model if staff and self.staff_model else self.model
        return {
            "name": self.name,
            "description": (staff and self.staff_description) or self.description,
            "input_schema": input_schema(model),
        }


SPECS: dict[str, ToolSpec] = {
    spec.name: spec
    for spec in (
        ToolSpec(
            "list_services",
            "The services with id, minutes, price in MXN and who does them.",
            NoInput,
        ),
        ToolSpec(
            "find_available_slots",
            "Open start times for a service on one local day (YYYY-MM-DD), at most "
            f"{MAX_SLOTS}, spread over the day; `more` says how many were left out. An empty "
            "day answers `next_date_with_slots`. Offer only times this tool returned.",
            FindSlotsInput,
        ),
        ToolSpec(
            "book_appointment",
            "Book the customer you are talking to. Only after they confirmed service, day and "
            "time.",
            BookInput,
            StaffBookInput,
            "Book for a customer, given by customer_phone (or an exact known name), after "
            "confirming service, day and time.",
        ),
        ToolSpec(
            "list_my_appointments",
            "Upcoming appointments of the person you talk to (staff: the ones they attend).",
            NoInput,
        ),
        ToolSpec(
            "reschedule_appointment",
            "Move one of their appointments to a new start (check it with "
            "find_available_slots first).",
            RescheduleInput,
        ),
        ToolSpec(
            "cancel_appointment",
            "Cancel one of their appointments, after they confirmed which one.",
            CancelInput,
        ),
        ToolSpec(
            "request_human",
            "Hand the conversation to a person of the team: alerts the owner and you stay "
            "quiet here until they answer. For complaints, special requests, or when asked.",
            RequestHumanInput,
        ),
        ToolSpec(
            "get_schedule",
            "Staff: the agenda of a local day: hours, appointments with customer, blocked time.",
            ScheduleInput,
        ),
        ToolSpec(
            "register_walk_in",
            "Staff: record a customer who is here without an appointment (or book one for a "
            "customer in person), now or at `start`.",
            WalkInInput,
        ),
        ToolSpec(
            "lookup_customer",
            "Staff: customers whose name or phone contains `query`, with their visits.",
            LookupInput,
        ),
        ToolSpec(
            "block_time",
            "Staff: block time in your own schedule (lunch, an errand, a day off). Reports "
            "appointments inside it, which stay booked.",
            BlockInput,
        ),
        ToolSpec(
            PRESENT_OPTIONS,
            "Send your message with native WhatsApp choices (1-3 short ones become buttons, "
            "more become a list). Call it alone, as the last step: put your whole message in "
            "`body` and write nothing else. The tap comes back as the person's next message.",
            PresentOptionsInput,
        ),
    )
}


def tool_definitions(role: str) -> list[dict[str, Any]]:
    """The tools offered to `role`, in a fixed order (they are part of the cached prefix)."""
    from yume.brains import setup_tools  # issue 10: the owner's setup tools

    staff = role in ("staff", "owner")
    names = (STAFF_TOOLS if staff else CUSTOMER_TOOLS) + (PRESENT_OPTIONS,)
    return [SPECS[name].definition(staff) for name in names] + setup_tools.definitions(role)


# -- one turn's toolbox ---------------------------------------------------------------------


@dataclass
class Outcome:
    result: Result
    is_error: bool


@dataclass
class Toolbox:
    """The tools of one turn, acting as the person who wrote; collects what happened."""

    turn: Turn
    effects: list[str] = field(default_factory=list)  # what changed, in Spanish, for fallbacks
    handover: str | None = None  # set by request_human: the reason
    options: Buttons | ListMessage | None = None  # set by present_options

    @property
    def role(self) -> str:
        return self.turn.role

    @property
    def is_staff(self) -> bool:
        return self.role in ("staff", "owner")

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"

    @property
    def member(self) -> Staff:
        """The staff member writing (the staff tools are never offered to customers)."""
        if self.turn.staff is None:
            raise Refusal("forbidden", "Eso solo lo puede hacer alguien del equipo.")
        return self.turn.staff

    @property
    def actor(self) -> str:
        """Who changes an appointment, as the appointment notices read it: the customer in
        their own chat is told by this answer, staff are not told of their own changes."""
        return f"staff:{self.member.id}" if self.is_staff else "customer"

    @property
    def now(self) -> datetime:
        return self.turn.now

    @cached_property
    def tz(self) -> ZoneInfo:
        return zone(self.turn.organization.timezone)

    @property
    def org(self) -> Organization:
        return self.turn.organization

    @cached_property
    def me(self) -> Customer:
        """The customer writing (created on first need, as the pipeline would)."""
        if self.turn.customer is not None:
            return self.turn.customer
        conversation = self.turn.conversation
        customer, _ = Customer.get_or_create(
            organization=self.org,
            phone=conversation.phone,
            defaults={"name": conversation.profile_name},
        )
        return customer

    @property
    def offered(self) -> tuple[str, ...]:
        return (STAFF_TOOLS if self.is_staff else CUSTOMER_TOOLS) + (PRESENT_OPTIONS,)

    def call(self, name: str, arguments: Any) -> Outcome:
        """Run one tool call; whatever happens, an outcome Claude can read."""
        from yume.brains import setup_tools  # issue 10: owner-only, checked inside

        if name in setup_tools.TOOLS:
            return setup_tools.call(self, name, arguments)
        if name not in self.offered:
            known = ", ".join(self.offered)
            return Outcome(error("unknown_tool", f"No existe '{name}'. Usa: {known}."), True)
        spec = SPECS[name]
        model = spec.staff_model if self.is_staff and spec.staff_model else spec.model
        try:
            params = model.model_validate(arguments if isinstance(arguments, dict) else {})
            return Outcome(HANDLERS[name](self, params), False)
        except ValidationError as exc:
            return Outcome(error("invalid_arguments", _describe(exc)), True)
        except Refusal as exc:
            return Outcome(error(exc.code, exc.message), True)
        except DomainError as exc:
            return Outcome(error(exc.code, exc.message), True)
        except Exception:  # a bug in a tool must not end the conversation
            log.exception("claude.tool-failed tool=%s", name)
            return Outcome(error("internal_error", "Falló la herramienta; intenta otra vez."), True)

    # -- helpers ---------------------------------------------------------------------------

    def local_iso(self, instant: datetime) -> str:
        return instant.astimezone(self.tz).isoformat(timespec="minutes")

    def when(self, instant: datetime) -> str:
        return local_date_time(instant, self.tz)

    def instant(self, value: str) -> datetime:
        return parse_instant(value, self.tz)

    @cached_property
    def team(self) -> dict[int, Staff]:
        rows = Staff.select().where(Staff.organization == self.org).order_by(Staff.id)
        return {member.id: member for member in rows}

    def staff_name(self, staff_id: int) -> str:
        member = self.team.get(staff_id)
        return member.name if member else ""

    @cached_property
    def service_names(self) -> dict[int, str]:
        """Every service of the business by id, retired ones included (old appointments)."""
        rows = ServiceType.select(ServiceType.id, ServiceType.name).where(
            ServiceType.organization == self.org
        )
        return {row.id: row.name for row in rows}

    def appointment(self, appointment: Appointment) -> Result:
        return {
            "id": appointment.id,
            "service_id": appointment.service_id,
            "service_name": self.service_names[appointment.service_id],
            "staff_id": appointment.staff_id,
            "staff_name": self.staff_name(appointment.staff_id),
            "customer_id": appointment.customer_id,
            "start": self.local_iso(appointment.start_at),
            "end": self.local_iso(appointment.end_at),
            "when": self.when(appointment.start_at),
            "status": appointment.status,
        }

    def rules_now(self, start: datetime) -> datetime:
        """The clock the booking rules see. Staff book at any minute, even a moment
        ago (a walk-in); customers get the business's minimum notice."""
        if not self.is_staff:
            return self.now
        if start < self.now - STAFF_PAST_GRACE:
            raise Refusal("in_the_past", "Ese horario ya pasó.")
        notice = timedelta(minutes=int(self.org.setting("min_notice_minutes")))
        return min(self.now, start - notice)

    def own_appointment(self, appointment_id: int) -> Appointment:
        """An appointment this person may see and change; others' look nonexistent."""
        appointment = Appointment.get_or_none(
            (Appointment.id == appointment_id) & (Appointment.organization == self.org)
        )
        if appointment is not None and self.may_touch(appointment):
            return appointment
        raise Refusal("not_found", f"No encuentro la cita {appointment_id} entre las tuyas.")

    def may_touch(self, appointment: Appointment) -> bool:
        if self.is_owner:
            return True
        if self.is_staff:
            return appointment.staff_id == self.member.id
        return appointment.customer_id == self.me.id

    def check_staff(self, staff_id: int | None) -> int | None:
        """Non-owner staff act on their own schedule; the owner on anyone's."""
        if not self.is_staff or self.is_owner:
            return staff_id
        mine = self.member.id
        if staff_id is not None and staff_id != mine:
            raise Refusal("forbidden", "Solo el dueño puede ver o cambiar la agenda de otros.")
        return mine


def _describe(exc: ValidationError) -> str:
    parts = []
    for problem in exc.errors()[:4]:
        where = ".".join(str(p) for p in problem["loc"]) or "entrada"
        parts.append(f"{where}: {problem['msg']}")
    return "Argumentos inválidos — " + "; ".join(parts)


def without_links(text: str) -> str:
    return re.sub(r"\s+", " ", URL.sub("[enlace]", text)).strip()


# -- the tools ------------------------------------------------------------------------------


def list_services(box: Toolbox, _: NoInput) -> Result:
    services = (
        ServiceType.select()
        .where((ServiceType.organization == box.org) & ServiceType.active)
        .order_by(ServiceType.id)
    )
    return {"services": [_service(box, service) for service in services]}


def _service(box: Toolbox, service: ServiceType) -> Result:
    linked = {
        link.staff_id for link in StaffService.select().where(StaffService.service == service)
    }
    who = [m.name for m in box.team.values() if m.active and (m.all_services or m.id in linked)]
    return {
        "id": service.id,
        "name": service.name,
        "duration_minutes": service.duration_minutes,
        "price_mxn": float(service.price_mxn),
        "price": money(service.price_mxn),
        "staff": who,
    }


def find_available_slots(box: Toolbox, params: FindSlotsInput) -> Result:
    day = date.fromisoformat(params.date)
    slots = find_slots(box.org, params.service_id, day, box.now, params.staff_id)  # one per start
    if not slots:
        return {"slots": [], "next_date_with_slots": _next_open_day(box, params, day)}
    shown = spread(slots, MAX_SLOTS)
    result: Result = {
        "slots": [
            {
                "start": box.local_iso(s.start),
                "end": box.local_iso(s.end),
                "staff_id": s.staff_id,
                "staff_name": box.staff_name(s.staff_id),
            }
            for s in shown
        ]
    }
    if len(slots) > len(shown):
        result["more"] = len(slots) - len(shown)
    return result


def spread(items: list[Any], limit: int) -> list[Any]:
    """At most `limit` items evenly spread, always keeping the first and the last."""
    if len(items) <= limit:
        return items
    step = (len(items) - 1) / (limit - 1)
    return [items[round(i * step)] for i in range(limit)]


def _next_open_day(box: Toolbox, params: FindSlotsInput, day: date) -> str | None:
    last = day + timedelta(days=LOOK_AHEAD_DAYS)
    found = find_slots_between(
        box.org, params.service_id, day + timedelta(days=1), last, box.now, params.staff_id
    )
    return found[0].start.astimezone(box.tz).date().isoformat() if found else None


def book_appointment(box: Toolbox, params: BookInput) -> Result:
    start = box.instant(params.start)
    customer = _customer_for_booking(box, params)
    _refuse_double_booking(box, customer, start)
    staff_id = box.check_staff(params.staff_id)
    appointment = booking.book_appointment(
        box.org,
        params.service_id,
        start,
        customer,
        staff_id=staff_id,
        source="staff" if box.is_staff else "chat",
        created_by=_author(box),
        now=box.rules_now(start),
        actor=box.actor,
    )
    shown = box.appointment(appointment)
    who = "" if not box.is_staff else f" para {customer.name or customer.phone}"
    box.effects.append(
        f"Quedó agendada la cita{who}: {shown['service_name']}, {shown['when']} "
        f"con {shown['staff_name']}."
    )
    return {"appointment": shown}


def _author(box: Toolbox) -> str:
    if box.is_staff:
        return f"claude:staff:{box.member.id}"
    return f"claude:customer:{box.me.id}"


def _customer_for_booking(box: Toolbox, params: BookInput) -> Customer:
    if not box.is_staff:
        _maybe_name(box, box.me, params.customer_name)
        return box.me
    phone = getattr(params, "customer_phone", None)
    if phone:
        return _customer_by_phone(box, phone, params.customer_name)
    return _customer_by_exact_name(box, params.customer_name)


def _maybe_name(box: Toolbox, customer: Customer, name: str | None) -> None:
    """Take the name they gave when we had none, or only WhatsApp's profile name."""
    if not name:
        return
    if not customer.name or customer.name == box.turn.conversation.profile_name:
        customer.name = name.strip()[:120]
        customer.save()


def _customer_by_phone(box: Toolbox, phone: str, name: str | None) -> Customer:
    try:
        return booking.get_or_create_customer(box.org, phone, name)
    except InvalidPhone:
        raise Refusal("invalid_phone", f"No entiendo el teléfono {phone!r}.") from None


def _customer_by_exact_name(box: Toolbox, name: str | None) -> Customer:
    wanted = (name or "").strip().lower()
    matches = (
        Customer.select()
        .where((Customer.organization == box.org) & _contains(Customer.name, wanted))
        .limit(5)
    )
    exact = [c for c in matches if wanted and (c.name or "").strip().lower() == wanted]
    if len(exact) == 1:
        return exact[0]
    raise Refusal(
        "customer_required",
        "¿Para qué cliente? Dame su teléfono (customer_phone), o usa register_walk_in.",
    )


def _refuse_double_booking(box: Toolbox, customer: Customer, start: datetime) -> None:
    clash = Appointment.get_or_none(
        (Appointment.customer == customer)
        & Appointment.status.in_(ACTIVE_STATUSES)
        & (Appointment.start_at <= start)
        & (Appointment.end_at > start)
    )
    if clash is not None:
        raise Refusal(
            "already_booked",
            f"Ya tiene la cita {clash.id} a esa hora ({box.when(clash.start_at)}).",
        )


def list_my_appointments(box: Toolbox, _: NoInput) -> Result:
    rows = Appointment.select().where(
        (Appointment.organization == box.org)
        & Appointment.status.in_(ACTIVE_STATUSES)
        & (Appointment.end_at > box.now)
    )
    if box.is_staff:
        rows = rows.where(Appointment.staff == box.member.id)
    else:
        rows = rows.where(Appointment.customer == box.me)
    rows = rows.order_by(Appointment.start_at).limit(20)
    return {"appointments": [box.appointment(row) for row in rows]}


def reschedule_appointment(box: Toolbox, params: RescheduleInput) -> Result:
    appointment = box.own_appointment(params.appointment_id)
    start = box.instant(params.start)
    staff_id = box.check_staff(params.staff_id) if params.staff_id is not None else None
    before = box.when(appointment.start_at)
    moved = booking.reschedule_appointment(
        box.org, appointment.id, start, staff_id, now=box.rules_now(start), actor=box.actor
    )
    shown = box.appointment(moved)
    box.effects.append(
        f"Cambié la cita de {shown['service_name']} del {before} al {shown['when']} "
        f"con {shown['staff_name']}."
    )
    return {"appointment": shown}


def cancel_appointment(box: Toolbox, params: CancelInput) -> Result:
    appointment = box.own_appointment(params.appointment_id)
    cancelled = booking.cancel_appointment(
        box.org,
        appointment.id,
        reason=f"cancelada por WhatsApp ({box.role})",
        now=box.now,
        actor=box.actor,
    )
    shown = box.appointment(cancelled)
    box.effects.append(f"Cancelé la cita de {shown['service_name']} del {shown['when']}.")
    return {"appointment": shown}


def request_human(box: Toolbox, params: RequestHumanInput) -> Result:
    if box.is_owner:
        return error("not_needed", "Tú eres quien atiende; no hay a quién pasar la plática.")
    box.handover = without_links(params.reason)[:300]
    box.effects.append("Le avisé al equipo; en un momento te escriben.")
    return {  # yume.handover tells the person when someone answers, by the business's hours
        "ok": True,
        "note": "Avisé al equipo; Yume le dirá a la persona cuándo le contestan. Dile solo "
        "que ya avisaste, sin prometer tiempos.",
    }


def owner_summary(box: Toolbox) -> str:
    """The owner's alert for a hand-over: who, what they need, their next visit; no links."""
    conversation = box.turn.conversation
    if box.is_staff:
        who = f"{box.member.name} (equipo)"
    else:
        who = box.me.name or conversation.profile_name or "Un cliente"
    text = f"{who}, {conversation.phone}, pide hablar con alguien: {box.handover}"
    return without_links(text)[:600]


def get_schedule(box: Toolbox, params: ScheduleInput) -> Result:
    day = date.fromisoformat(params.date)
    wanted = box.check_staff(params.staff_id)
    members = [m for m in box.team.values() if m.active and wanted in (None, m.id)]
    start = local_midnight_utc(day, box.tz)
    end = local_midnight_utc(day + timedelta(days=1), box.tz)
    ids = [member.id for member in members]
    statuses = ACTIVE_STATUSES + ("completed", "no_show")
    booked = appointments_between(box.org.id, ids, start, end, statuses)
    blocks = time_off_between(ids, start, end)
    return {
        "date": day.isoformat(),
        "staff": [
            _agenda(
                box,
                member,
                day,
                [a for a in booked if a.staff_id == member.id],
                [b for b in blocks if b.staff_id == member.id],
            )
            for member in members
        ],
    }


def _agenda(
    box: Toolbox,
    member: Staff,
    day: date,
    appointments: list[Appointment],
    blocked: list[AvailabilityException],
) -> Result:
    return {
        "staff_id": member.id,
        "staff_name": member.name,
        "hours": _hours(member, day),
        "appointments": [
            {**box.appointment(a), "customer_name": a.customer.name, "phone": a.customer.phone}
            for a in appointments
        ],
        "blocked": [
            {"start": box.local_iso(b.start_at), "end": box.local_iso(b.end_at), "reason": b.reason}
            for b in blocked
        ],
    }


def _hours(member: Staff, day: date) -> list[str]:
    rows = (
        WorkingHours.select()
        .where((WorkingHours.staff == member) & (WorkingHours.weekday == day.weekday()))
        .order_by(WorkingHours.start_minute)
    )
    return [f"{minutes_to_hhmm(r.start_minute)}-{minutes_to_hhmm(r.end_minute)}" for r in rows]


def register_walk_in(box: Toolbox, params: WalkInInput) -> Result:
    start = box.instant(params.start) if params.start else box.now.replace(second=0, microsecond=0)
    customer = _walk_in_customer(box, params)
    staff_id = box.check_staff(params.staff_id)
    if staff_id is None and not box.is_owner:
        staff_id = box.member.id
    get_service(box.org, params.service_id)
    appointment = booking.book_appointment(
        box.org,
        params.service_id,
        start,
        customer,
        staff_id=staff_id,
        source="walk_in",
        created_by=_author(box),
        now=box.rules_now(start),
        actor=box.actor,
    )
    shown = box.appointment(appointment)
    box.effects.append(
        f"Registré a {customer.name}: {shown['service_name']}, {shown['when']} "
        f"con {shown['staff_name']}."
    )
    return {"appointment": shown}


def _walk_in_customer(box: Toolbox, params: WalkInInput) -> Customer:
    if params.customer_phone:
        return _customer_by_phone(box, params.customer_phone, params.customer_name)
    try:
        return _customer_by_exact_name(box, params.customer_name)
    except Refusal:
        # No phone: a customer known by name only, under a key that is no phone at all.
        return customer_without_phone(box.org, params.customer_name, box.now)


def lookup_customer(box: Toolbox, params: LookupInput) -> Result:
    query = params.query.strip()
    matches = Customer.select().where(
        (Customer.organization == box.org)
        & (_contains(Customer.name, query) | _contains(Customer.phone, _digits_or(query)))
    )
    return {
        "customers": [_customer_history(box, c) for c in matches.order_by(Customer.id).limit(5)]
    }


def _digits_or(query: str) -> str:
    digits = re.sub(r"\D", "", query)
    return digits if len(digits) >= 4 else query


def _customer_history(box: Toolbox, customer: Customer) -> Result:
    visits = (
        Appointment.select()
        .where(Appointment.customer == customer)
        .order_by(Appointment.start_at.desc())
        .limit(6)
    )
    return {
        "id": customer.id,
        "name": customer.name,
        "phone": customer.phone,
        "notes": customer.notes,
        "appointments": [box.appointment(a) for a in visits],
    }


def block_time(box: Toolbox, params: BlockInput) -> Result:
    start, end = box.instant(params.start), box.instant(params.end)
    member = box.member
    blocked = business.add_time_off(member, start, end, params.reason)
    inside = appointments_overlapping(box.org.id, [member.id], start, end)
    box.effects.append(f"Bloqueé tu agenda del {box.when(start)} al {box.when(end)}.")
    return {
        "blocked": {
            "id": blocked.id,
            "start": box.local_iso(start),
            "end": box.local_iso(end),
            "reason": blocked.reason,
        },
        "appointments_inside": [box.appointment(a) for a in inside],
    }


def present_options(box: Toolbox, params: PresentOptionsInput) -> Result:
    titles = [o.title.strip().lower() for o in params.options]
    if len(set(titles)) != len(titles):
        raise Refusal("duplicate_titles", "Cada opción necesita un título distinto.")
    if len({o.id for o in params.options}) != len(params.options):
        raise Refusal("duplicate_ids", "Cada opción necesita un id distinto.")
    rows = [(o.id, o.title, o.description) for o in params.options]
    box.options = choose(params.body, params.button, rows)
    return {"ok": True}


def _contains(field_: Any, needle: str) -> Expression:
    """Case-insensitive substring match with LIKE's wildcards taken literally."""
    escaped = needle.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return Expression(field_, OP.ILIKE, NodeList((Value(f"%{escaped}%"), SQL("ESCAPE '!'"))))


HANDLERS: dict[str, Callable[[Toolbox, Any], Result]] = {
    "list_services": list_services,
    "find_available_slots": find_available_slots,
    "book_appointment": book_appointment,
    "list_my_appointments": list_my_appointments,
    "reschedule_appointment": reschedule_appointment,
    "cancel_appointment": cancel_appointment,
    "request_human": request_human,
    "get_schedule": get_schedule,
    "register_walk_in": register_walk_in,
    "lookup_customer": lookup_customer,
    "block_time": block_time,
    PRESENT_OPTIONS: present_options,
}


# Owner-only tools kept in their own modules, which add themselves to SPECS, HANDLERS and
# STAFF_TOOLS (issue 12: the business's frequent questions).
from yume.brains import faq_tools  # noqa: E402, F401
