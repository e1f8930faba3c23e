"""Claude's tools: the names and shapes of CONTRACTS.md ("Claude's tools"), calling the
scheduling services directly.

A `Toolbox` is built for one turn and knows who is writing. Customers get the customer
set, staff the staff set; the role is checked again inside every tool, so a tool the model
was never offered still refuses. A customer's tools only ever see and change that
customer's own appointments: an id of somebody else's appointment is answered exactly as
an id that does not exist. Non-owner staff act on (and read) their own schedule only.
Every refusal is a result, `{"error": {"code", "message"}}`, never an exception that ends
the turn.

What the model cannot be trusted with is checked here, in code (issue 11):
- every change (book, move, cancel, walk-in, block, hand-over) is recorded with the
  inbound message it answers, in the change's own transaction (yume/effects.py); the same
  call again in the turn, or in a retry of it, answers what was done and changes nothing;
- a customer's booking, move or cancellation, and a cancellation by staff, needs the day
  and time shown back and accepted first (yume/brains/confirmation.py);
- names people typed reach the model as quoted data («…»), one line, bounded.

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

from yume import booking, business, effects
from yume.agenda import appointments_between, appointments_overlapping, time_off_between
from yume.availability import get_service
from yume.brain import Buttons, ListMessage, Turn
from yume.brains.claude_slots import MAX_SLOTS, FindSlotsInput, find_available_slots
from yume.brains.confirmation import accepted
from yume.brains.ui import choose
from yume.customers import customer_without_phone
from yume.db import database
from yume.deadlines import reraise_job_timeout
from yume.errors import DomainError
from yume.formatting import local_date_time, money, spanish_date, spanish_time
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
CHANGES = {  # the tools that change something, and what their record is called
    "book_appointment": effects.BOOKED,
    "reschedule_appointment": effects.RESCHEDULED,
    "cancel_appointment": effects.CANCELLED,
    "register_walk_in": effects.WALK_IN,
    "block_time": effects.BLOCKED,
    "request_human": effects.HANDOVER,
}
STAFF_PAST_GRACE = timedelta(minutes=30)  # a walk-in who sat down a moment ago
NAME_LIMIT = 60  # characters of a typed name that reach the model or a notice
URL = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
ANGLES = str.maketrans({"<": "‹", ">": "›"})
UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029«»]")
HANDED_OVER = "Ya le avisé al equipo 🙏"  # yume.handover adds when someone answers

Result = dict[str, Any]


class Refusal(DomainError):
    """A tool says no; becomes `{"error": {"code", "message"}}` for Claude."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code)


def error(code: str, message: str) -> Result:
    return {"error": {"code": code, "message": message}}


def clean_name(text: str | None) -> str:
    """A name someone typed, as one line of at most NAME_LIMIT characters, with no angle
    brackets to close or open the tags the prompt uses."""
    flat = " ".join(UNPRINTABLE.sub(" ", text or "").split())
    return flat.translate(ANGLES)[:NAME_LIMIT]


def quoted(text: str | None) -> str:
    """A typed name as data for the model or a notice: «Ana López». Whatever it says, it
    stays a name (the prompt tells Claude that «…» is something a person typed)."""
    name = clean_name(text)
    return f"«{name}»" if name else ""


# -- inputs: the API's field types, lax enough for a model ---------------------------------


class ToolInput(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoInput(ToolInput):
    pass


class BookInput(ToolInput):
    service_id: Id
    start: LocalDateTime
    staff_id: Annotated[Id | None, Field(description="Omit to take whoever is free.")] = None
    customer_name: Annotated[
        Name | None,
        Field(description="The name of the person you talk to, when they said it."),
    ] = None
    companion_name: Annotated[
        Name | None,
        Field(
            description=(
                'Booking for someone else who comes with them ("somos dos", "para mi '
                "hijo\"): that person's name. The person you talk to keeps their own name."
            )
        ),
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
    staff_id: Annotated[
        Id | None, Field(description="Owner only: whose schedule. Omit = your own.")
    ] = None


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
    """A schema without its annotations; `properties` maps field names (a field may be
    called "title", as an option's is) to schemas, so only its values are trimmed."""
    if isinstance(node, list):
        return [_trim(item) for item in node]
    if not isinstance(node, dict):
        return node
    options = node.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        inner = next(o for o in options if o != {"type": "null"})
        node = {**{k: v for k, v in node.items() if k != "anyOf"}, **inner}
    skip = {"title", "pattern"} | ({"default"} if node.get("default", 0) is None else set())
    return {
        k: _fields(v) if k == "properties" else _trim(v) for k, v in node.items() if k not in skip
    }


def _fields(properties: Any) -> Any:
    if not isinstance(properties, dict):
        return _trim(properties)
    return {name: _trim(schema) for name, schema in properties.items()}


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
            "When they ask what there is, prices or durations, or you need a service_id. "
            "Returns the active services: id, name, minutes, price (MXN) and who does each.",
            NoInput,
        ),
        ToolSpec(
            "find_available_slots",
            "Before offering or confirming any time. Returns, without `time`: a sample of "
            "the day's "
            f"free starts (at most {MAX_SLOTS}, spread; `more` = how many more are free "
            "between them), or `next_date_with_slots` when the day is full or closed. With "
            "`time` (HH:MM): that exact time, `free` true or false with the reason, and the "
            "nearest free starts before and after. With `time` and `until`: the free starts "
            "in that range. Every slot has `start` (use it to book) and `when` (say it as "
            "is). A time is taken only if this tool says so.",
            FindSlotsInput,
        ),
        ToolSpec(
            "book_appointment",
            "When the person accepted a service, day and time you showed them (or tapped that "
            "slot). Books them, or with companion_name someone who comes with them. Returns "
            "the appointment with `when`; `confirm_first` means show that day and time and "
            "ask before trying again.",
            BookInput,
            StaffBookInput,
            "When a customer's booking is clear: for the customer given by customer_phone "
            "(or an exact known name). Returns the appointment with `when`.",
        ),
        ToolSpec(
            "list_my_appointments",
            "When they ask about their appointments or you need an appointment_id. Returns "
            "the upcoming appointments of the person you talk to (staff: the ones they "
            "attend), with `when`.",
            NoInput,
        ),
        ToolSpec(
            "reschedule_appointment",
            "When the person accepted a new time for one of their appointments (check it "
            "first with find_available_slots). Returns the moved appointment with `when`; "
            "`confirm_first` means show the new day and time and ask first.",
            RescheduleInput,
        ),
        ToolSpec(
            "cancel_appointment",
            "When the person accepted cancelling one appointment you named with its day and "
            "time. Returns it as cancelled; `confirm_first` means ask first, naming it.",
            CancelInput,
        ),
        ToolSpec(
            "request_human",
            "For complaints, refunds, allergies or reactions, special requests, or when they "
            "ask for a person. Alerts the owner; you stay quiet here until the team answers. "
            "Returns ok: then say goodbye briefly.",
            RequestHumanInput,
        ),
        ToolSpec(
            "get_schedule",
            "Staff: when they ask about a day's agenda. Returns, per staff member, the hours, "
            "the appointments (customer as «name», phone) and blocked time of a local day.",
            ScheduleInput,
        ),
        ToolSpec(
            "register_walk_in",
            "Staff: when someone is here without an appointment (or books in person), now or "
            "at `start`. Returns the appointment.",
            WalkInInput,
        ),
        ToolSpec(
            "lookup_customer",
            "Staff: when they ask who a customer is or for their visits. Returns customers "
            "whose name or phone contains `query` («name», phone, visits); non-owner staff "
            "see only the visits with them.",
            LookupInput,
        ),
        ToolSpec(
            "block_time",
            "Staff: when they want time off in a schedule (lunch, an errand, a day off): "
            "their own, or the owner for anyone with staff_id. Returns the block and the "
            "appointments inside it, which stay booked.",
            BlockInput,
        ),
        ToolSpec(
            PRESENT_OPTIONS,
            "To offer choices (times, services, sí/no) as native WhatsApp buttons (1-3 short "
            "ones) or a list (4-10). Call it alone, as the last step, with your whole message "
            "in `body`. The tap comes back as the person's next message.",
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
    effects: list[str] = field(default_factory=list)  # what changed, in Spanish, for the reply
    handover: str | None = None  # set by request_human: the reason
    options: Buttons | ListMessage | None = None  # set by present_options
    key: str = ""  # the change being made: its call key

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
            if name in CHANGES:
                return Outcome(self.change(name, params), False)
            return Outcome(HANDLERS[name](self, params), False)
        except ValidationError as exc:
            return Outcome(error("invalid_arguments", _describe(exc)), True)
        except DomainError as exc:  # a Refusal of ours, or the domain's
            return Outcome(error(exc.code, exc.message), True)
        except Exception as exc:  # a bug in a tool must not end the conversation
            reraise_job_timeout(exc)
            log.exception("claude.tool-failed tool=%s", name)
            return Outcome(error("internal_error", "Falló la herramienta; intenta otra vez."), True)

    # -- changes: once per turn, whatever happens to the turn ----------------------------------

    def change(self, name: str, params: BaseModel) -> Result:
        """A change is made once: the same call again (in this turn, or in a retry of it
        after a crash) answers what was done."""
        self.key = effects.call_key(name, params.model_dump(exclude_none=True))
        earlier = self.done.get(self.key)
        if earlier is not None:
            log.info("claude.change-repeated key=%s", self.key)
            self.retell(earlier)
            return dict(earlier.result)
        return HANDLERS[name](self, params)

    @cached_property
    def turn_key(self) -> effects.TurnKey | None:
        """The turn's changes are keyed by the newest message it answers."""
        newest = max((m.id for m in self.turn.new_messages), default=None)
        return None if newest is None else effects.TurnKey(self.turn.conversation.id, newest)

    @cached_property
    def done(self) -> dict[str, effects.TurnEffect]:
        """Changes already made for these messages (by an earlier run of this turn)."""
        return {e.key: e for e in effects.earlier(m.id for m in self.turn.new_messages)}

    def recall(self) -> bool:
        """Take up what an earlier run of this turn already did (it is told again); True
        when it answered the newest message, so nothing is left to ask Claude."""
        for earlier in self.done.values():
            self.retell(earlier)
        newest = self.turn_key.message_id if self.turn_key else None
        return any(e.message_id == newest for e in self.done.values())

    def retell(self, earlier: effects.TurnEffect) -> None:
        if earlier.text not in self.effects:
            self.effects.append(earlier.text)
        if earlier.kind == effects.HANDOVER:
            self.handover = str(earlier.result.get("reason") or "")

    def journal(self, kind: str, describe: Callable[[Any], tuple[str, Result]]) -> Journal:
        return Journal(self, kind, self.key, describe)

    def confirmed(self, start: datetime, doing: str) -> None:
        """Refuse a change the person has not seen and accepted (confirmation.py)."""
        if accepted(self.turn, start, self.tz):
            return
        raise Refusal(
            "confirm_first",
            f"Antes de {doing}, muéstrale a la persona el día y la hora exactos "
            f"({self.when(start)}) y espera su sí, o que toque esa opción; luego vuelve a "
            "llamar. No digas que ya quedó.",
        )

    # -- helpers ---------------------------------------------------------------------------

    def local_iso(self, instant: datetime) -> str:
        return instant.astimezone(self.tz).isoformat(timespec="minutes")

    def when(self, instant: datetime) -> str:
        return local_date_time(instant, self.tz)

    def at(self, instant: datetime) -> str:
        """'el viernes 4 de diciembre a las 4:00 PM' (a la 1:00 PM)."""
        local = instant.astimezone(self.tz)
        clock = spanish_time(local.replace(tzinfo=None))
        article = "a la" if clock.startswith("1:") else "a las"
        return f"el {spanish_date(local)} {article} {clock}"

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
        shown = {
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
        if appointment.guest_name:
            shown["for"] = quoted(appointment.guest_name)
        return shown

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


@dataclass
class Journal:
    """Records one change inside the change's own transaction (the domain calls it with
    the appointment, or the blocked time); `done()` once the transaction committed."""

    box: Toolbox
    kind: str
    key: str
    describe: Callable[[Any], tuple[str, Result]]
    text: str = ""
    result: Result = field(default_factory=dict)
    row: effects.TurnEffect | None = None

    def __call__(self, subject: Any) -> None:
        self.text, self.result = self.describe(subject)
        if self.box.turn_key is None:
            return
        appointment = subject if isinstance(subject, Appointment) else None
        self.row = effects.record(
            self.box.turn_key, self.key, self.kind, self.text, self.result, appointment
        )

    def done(self) -> Result:
        if self.row is not None:
            self.box.done[self.key] = self.row
        self.box.effects.append(self.text)
        return self.result


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


def book_appointment(box: Toolbox, params: BookInput) -> Result:
    start = box.instant(params.start)
    if not box.is_staff:
        box.confirmed(start, "agendar")
    guest = clean_name(params.companion_name) or None
    customer = _customer_for_booking(box, params, guest)
    _refuse_double_booking(box, customer, start, guest)
    staff_id = box.check_staff(params.staff_id)

    def describe(appointment: Appointment) -> tuple[str, Result]:
        shown = box.appointment(appointment)
        return _booked_text(box, shown, appointment, customer), {"appointment": shown}

    journal = box.journal(effects.BOOKED, describe)
    booking.book_appointment(
        box.org,
        params.service_id,
        start,
        customer,
        staff_id=staff_id,
        source="staff" if box.is_staff else "chat",
        created_by=_author(box),
        now=box.rules_now(start),
        actor=box.actor,
        guest_name=guest,
        journal=journal,
    )
    return journal.done()


def _booked_text(box: Toolbox, shown: Result, appointment: Appointment, who: Customer) -> str:
    """What was booked, in words written here (never Claude's), for the person."""
    what = f"{shown['service_name']} {box.at(appointment.start_at)} con {shown['staff_name']}"
    if appointment.guest_name:
        return f"Quedó agendada la cita de {quoted(appointment.guest_name)}: {what}."
    if box.is_staff:
        return f"Quedó agendada la cita de {quoted(who.name) or who.phone}: {what}."
    return f"Quedó agendada tu cita: {what}."


def _author(box: Toolbox) -> str:
    if box.is_staff:
        return f"claude:staff:{box.member.id}"
    return f"claude:customer:{box.me.id}"


def _customer_for_booking(box: Toolbox, params: BookInput, guest: str | None) -> Customer:
    if not box.is_staff:
        _maybe_name(box, box.me, params.customer_name, guest)
        return box.me
    phone = getattr(params, "customer_phone", None)
    if phone:
        return _customer_by_phone(box, phone, params.customer_name)
    return _customer_by_exact_name(box, params.customer_name)


def _maybe_name(box: Toolbox, customer: Customer, name: str | None, guest: str | None) -> None:
    """Take the name they gave when we had none, or only WhatsApp's profile name — never
    a companion's (booking "somos dos" must not rename the person writing)."""
    given = clean_name(name)
    if not given or given == guest or given in _companions(customer):
        return
    if not customer.name or customer.name == box.turn.conversation.profile_name:
        customer.name = given
        customer.save()


def _companions(customer: Customer) -> set[str]:
    rows = Appointment.select(Appointment.guest_name).where(
        (Appointment.customer == customer) & Appointment.guest_name.is_null(False)
    )
    return {row.guest_name for row in rows}


def _customer_by_phone(box: Toolbox, phone: str, name: str | None) -> Customer:
    try:
        return booking.get_or_create_customer(box.org, phone, clean_name(name) or None)
    except InvalidPhone:
        raise Refusal("invalid_phone", f"No entiendo el teléfono {phone!r}.") from None


def _customer_by_exact_name(box: Toolbox, name: str | None) -> Customer:
    wanted = clean_name(name).lower()
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


def _refuse_double_booking(
    box: Toolbox, customer: Customer, start: datetime, guest: str | None
) -> None:
    """One person cannot be in two chairs at once; a companion is another person."""
    same_person = (
        Appointment.guest_name.is_null() if guest is None else (Appointment.guest_name == guest)
    )
    clash = Appointment.get_or_none(
        (Appointment.customer == customer)
        & same_person
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
    if not box.is_staff:
        box.confirmed(start, "cambiar la cita")
    staff_id = box.check_staff(params.staff_id) if params.staff_id is not None else None
    before = box.at(appointment.start_at)

    def describe(moved: Appointment) -> tuple[str, Result]:
        shown = box.appointment(moved)
        whose = "tu cita" if not box.is_staff else "la cita"
        text = (
            f"Cambié {whose} de {shown['service_name']} {box.at(moved.start_at)} con "
            f"{shown['staff_name']} (antes era {before})."
        )
        return text, {"appointment": shown}

    journal = box.journal(effects.RESCHEDULED, describe)
    booking.reschedule_appointment(
        box.org,
        appointment.id,
        start,
        staff_id,
        now=box.rules_now(start),
        actor=box.actor,
        journal=journal,
    )
    return journal.done()


def cancel_appointment(box: Toolbox, params: CancelInput) -> Result:
    appointment = box.own_appointment(params.appointment_id)
    if appointment.status == "cancelled":
        return {"appointment": box.appointment(appointment), "note": "Ya estaba cancelada."}
    box.confirmed(appointment.start_at, "cancelar")

    def describe(cancelled: Appointment) -> tuple[str, Result]:
        shown = box.appointment(cancelled)
        whose = "tu cita" if not box.is_staff else f"la cita de {_whose(box, cancelled)}"
        text = f"Cancelé {whose} de {shown['service_name']} {box.at(cancelled.start_at)}."
        return text, {"appointment": shown}

    journal = box.journal(effects.CANCELLED, describe)
    booking.cancel_appointment(
        box.org,
        appointment.id,
        reason=f"cancelada por WhatsApp ({box.role})",
        now=box.now,
        actor=box.actor,
        journal=journal,
    )
    return journal.done()


def _whose(box: Toolbox, appointment: Appointment) -> str:
    if appointment.guest_name:
        return quoted(appointment.guest_name)
    customer = appointment.customer
    return quoted(customer.name) or customer.phone


def request_human(box: Toolbox, params: RequestHumanInput) -> Result:
    if box.is_owner:
        return error("not_needed", "Tú eres quien atiende; no hay a quién pasar la plática.")
    reason = without_links(params.reason)[:300]
    # yume.handover tells the person when someone answers, by the business's hours
    note = (
        "Avisé al equipo; Yume le dirá a la persona cuándo le contestan. Dile solo que ya "
        "avisaste, sin prometer tiempos."
    )
    journal = box.journal(
        effects.HANDOVER, lambda _: (HANDED_OVER, {"ok": True, "reason": reason, "note": note})
    )
    with database.atomic():
        journal(None)
    box.handover = reason
    return journal.done()


def owner_summary(box: Toolbox) -> str:
    """The owner's alert for a hand-over: who, what they need; no links, the name quoted."""
    conversation = box.turn.conversation
    if box.is_staff:
        who = f"{box.member.name} (equipo)"
    else:
        who = quoted(box.me.name or conversation.profile_name) or "Un cliente"
    # the reason retells what a customer wrote: quoted, as data for whoever reads it later
    reason = (box.handover or "").replace("«", "").replace("»", "")
    text = f"{who}, {conversation.phone}, pide hablar con alguien: «{reason}»"
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
            {
                **box.appointment(a),
                "customer_name": quoted(a.customer.name),
                "phone": a.customer.phone,
            }
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

    def describe(appointment: Appointment) -> tuple[str, Result]:
        shown = box.appointment(appointment)
        text = (
            f"Registré a {quoted(customer.name)}: {shown['service_name']} "
            f"{box.at(appointment.start_at)} con {shown['staff_name']}."
        )
        return text, {"appointment": shown}

    journal = box.journal(effects.WALK_IN, describe)
    booking.book_appointment(
        box.org,
        params.service_id,
        start,
        customer,
        staff_id=staff_id,
        source="walk_in",
        created_by=_author(box),
        now=box.rules_now(start),
        actor=box.actor,
        journal=journal,
    )
    return journal.done()


def _walk_in_customer(box: Toolbox, params: WalkInInput) -> Customer:
    if params.customer_phone:
        return _customer_by_phone(box, params.customer_phone, params.customer_name)
    try:
        return _customer_by_exact_name(box, params.customer_name)
    except Refusal:
        # No phone: a customer known by name only, under a key that is no phone at all.
        return customer_without_phone(box.org, clean_name(params.customer_name), box.now)


def lookup_customer(box: Toolbox, params: LookupInput) -> Result:
    """Customers matching `query` with their visits. Non-owner staff see what their own
    agenda would show them: only customers they attended, and only those visits."""
    query = params.query.strip()
    matches = Customer.select().where(
        (Customer.organization == box.org)
        & (_contains(Customer.name, query) | _contains(Customer.phone, _digits_or(query)))
    )
    mine = None if box.is_owner else box.member.id
    if mine is not None:
        attended = Appointment.select(Appointment.customer).where(Appointment.staff == mine)
        matches = matches.where(Customer.id.in_(attended))
    return {
        "customers": [
            _customer_history(box, c, mine) for c in matches.order_by(Customer.id).limit(5)
        ]
    }


def _digits_or(query: str) -> str:
    digits = re.sub(r"\D", "", query)
    return digits if len(digits) >= 4 else query


def _customer_history(box: Toolbox, customer: Customer, staff_id: int | None) -> Result:
    visits = Appointment.select().where(Appointment.customer == customer)
    if staff_id is not None:
        visits = visits.where(Appointment.staff == staff_id)
    return {
        "id": customer.id,
        "name": quoted(customer.name),
        "phone": customer.phone,
        "notes": customer.notes,
        "appointments": [
            box.appointment(a) for a in visits.order_by(Appointment.start_at.desc()).limit(6)
        ],
    }


def block_time(box: Toolbox, params: BlockInput) -> Result:
    start, end = box.instant(params.start), box.instant(params.end)
    staff_id = box.check_staff(params.staff_id)
    member = box.member if staff_id is None else box.team.get(staff_id)
    if member is None or not member.active:
        raise Refusal("unknown_staff", f"No existe el personal {staff_id}.")
    whose = "tu agenda" if member.id == box.member.id else f"la agenda de {member.name}"

    def describe(blocked: AvailabilityException) -> tuple[str, Result]:
        result = {
            "blocked": {
                "id": blocked.id,
                "staff_id": member.id,
                "staff_name": member.name,
                "start": box.local_iso(start),
                "end": box.local_iso(end),
                "reason": blocked.reason,
            }
        }
        return f"Bloqueé {whose} del {box.when(start)} al {box.when(end)}.", result

    journal = box.journal(effects.BLOCKED, describe)
    with database.atomic():
        journal(business.add_time_off(member, start, end, params.reason))
    inside = appointments_overlapping(box.org.id, [member.id], start, end)
    result = journal.done()
    return {**result, "appointments_inside": [box.appointment(a) for a in inside]}


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
