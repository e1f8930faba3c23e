"""The owner's setup tools for the Claude brain: read the whole setup, change the business,
its services, hours, team and closures. Offered only to the owner, and checked again on
every call, so a staff member or a customer whose model named one gets `unknown_tool`.

Hooked into yume/brains/claude_tools.py (`tool_definitions` and `Toolbox.call`) with a few
lines; the domain work is yume.business and yume.closures, as the API and the guided
setup flow (yume/brains/setup_flow.py) use them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, StringConstraints, ValidationError

from yume import business, closures
from yume.agenda import appointments_between
from yume.brains.claude_tools import Outcome, ToolInput, error, input_schema
from yume.brains.setup_flow import match_service
from yume.errors import DomainError
from yume.models import ServiceType, Staff
from yume.onboarding import readiness
from yume.schemas import HHMM, Id, IsoDate, Name, Phone, Reason
from yume.timeutil import minutes_to_hhmm

if TYPE_CHECKING:
    from yume.brains.claude_tools import Toolbox

log = logging.getLogger(__name__)

Result = dict[str, Any]
Minutes = Annotated[int, Field(ge=business.DURATION_RANGE[0], le=business.DURATION_RANGE[1])]
Price = Annotated[float, Field(ge=0, lt=100000)]
Address = Annotated[str, StringConstraints(max_length=500)]


class NoInput(ToolInput):
    pass


class BusinessInput(ToolInput):
    name: Name | None = None
    address: Address | None = None


class NewService(ToolInput):
    name: Name
    duration_minutes: Minutes
    price_mxn: Price


class ServicesInput(ToolInput):
    services: Annotated[list[NewService], Field(min_length=1, max_length=30)]


class ServiceChange(ToolInput):
    service_id: Id
    name: Name | None = None
    duration_minutes: Minutes | None = None
    price_mxn: Price | None = None
    remove: Annotated[bool, Field(description="true: no longer offered.")] = False


class Interval(ToolInput):
    weekday: Annotated[int, Field(ge=0, le=6, description="0 = lunes … 6 = domingo.")]
    start: HHMM
    end: HHMM


Week = Annotated[list[Interval], Field(max_length=50, description="Missing days are closed.")]


class HoursInput(ToolInput):
    week: Week


class StaffInput(ToolInput):
    name: Name
    phone: Phone
    service_ids: Annotated[
        list[Id] | None, Field(description="Services they do; omit = all services.")
    ] = None
    schedule: Annotated[Week | None, Field(description="Their week; omit = the opening hours.")] = (
        None
    )


class StaffId(ToolInput):
    staff_id: Id


class ScheduleInput(ToolInput):
    staff_id: Id
    week: Week


class ClosureInput(ToolInput):
    start_date: IsoDate
    end_date: Annotated[IsoDate | None, Field(description="Last closed day; omit = one day.")] = (
        None
    )
    reason: Reason = ""


class ClosureId(ToolInput):
    closure_id: Id


# -- the tools -------------------------------------------------------------------------------


def get_setup(box: Toolbox, _: NoInput) -> Result:
    org = box.org
    team = Staff.select().where((Staff.organization == org) & Staff.active).order_by(Staff.id)
    services = ServiceType.select().where((ServiceType.organization == org) & ServiceType.active)
    return {
        "name": org.name,
        "address": business.location_of(org).address,
        "services": [
            {
                "id": s.id,
                "name": s.name,
                "duration_minutes": s.duration_minutes,
                "price_mxn": float(s.price_mxn),
            }
            for s in services.order_by(ServiceType.id)
        ],
        "opening_hours": _week_of(business.opening_week(org)),
        "staff": [
            {
                "id": m.id,
                "name": m.name,
                "phone": m.phone,
                "role": m.role,
                "schedule": _week_of(business.staff_schedule(m)),
                "service_ids": business.staff_service_ids(m),
            }
            for m in team
        ],
        "closures": [_closure(box, c) for c in closures.upcoming_closures(org, box.now)],
        "missing": readiness.missing(org),
    }


def _week_of(intervals: list[business.WeeklyInterval]) -> list[Result]:
    return [
        {
            "weekday": i.weekday,
            "start": minutes_to_hhmm(i.start_minute),
            "end": minutes_to_hhmm(i.end_minute),
        }
        for i in intervals
    ]


def _week(week: list[Interval]) -> list[business.WeeklyInterval]:
    return business.parse_week(i.model_dump() for i in week)


def update_business(box: Toolbox, params: BusinessInput) -> Result:
    changes = {k: v for k, v in params.model_dump().items() if v is not None}
    business.update_organization(box.org, changes)
    box.effects.append("Actualicé los datos del negocio.")
    return {"ok": True, "changed": sorted(changes)}


def add_services(box: Toolbox, params: ServicesInput) -> Result:
    saved = []
    for item in params.services:
        existing = match_service(box.org, item.name)
        if existing is not None and existing.name.lower() == item.name.strip().lower():
            changes = {"duration_minutes": item.duration_minutes, "price_mxn": item.price_mxn}
            saved.append(business.update_service(existing, changes))
        else:
            saved.append(
                business.add_service(box.org, item.name, item.duration_minutes, item.price_mxn)
            )
    box.effects.append("Guardé servicios: " + ", ".join(s.name for s in saved) + ".")
    return {"services": [{"id": s.id, "name": s.name} for s in saved]}


def update_service(box: Toolbox, params: ServiceChange) -> Result:
    service = business.get_service_any(box.org, params.service_id)
    changes: dict[str, Any] = {
        k: v
        for k, v in params.model_dump(exclude={"service_id", "remove"}).items()
        if v is not None
    }
    if params.remove:
        changes["active"] = False
    business.update_service(service, changes)
    box.effects.append(f"Actualicé el servicio {service.name}.")
    return {"service": {"id": service.id, "name": service.name, "active": service.active}}


def set_opening_hours(box: Toolbox, params: HoursInput) -> Result:
    business.set_opening_hours(box.org, _week(params.week))
    box.effects.append("Cambié el horario del negocio.")
    return {"opening_hours": _week_of(business.opening_week(box.org))}


def add_staff_member(box: Toolbox, params: StaffInput) -> Result:
    schedule = _week(params.schedule) if params.schedule else business.opening_week(box.org)
    member = business.add_staff(
        box.org, params.name, params.phone, schedule=schedule, service_ids=params.service_ids
    )
    box.effects.append(f"Agregué a {member.name} al equipo.")
    return {"staff": {"id": member.id, "name": member.name, "phone": member.phone}}


def remove_staff_member(box: Toolbox, params: StaffId) -> Result:
    member = business.get_staff(box.org, params.staff_id)
    if member.role == "owner":
        return error("forbidden", "No puedo quitar al dueño del equipo.")
    business.deactivate_staff(member)
    box.effects.append(f"Quité a {member.name} del equipo.")
    ahead = appointments_between(box.org.id, [member.id], box.now, box.now + timedelta(days=366))
    return {"removed": member.name, "appointments_ahead": len(ahead)}


def set_staff_schedule(box: Toolbox, params: ScheduleInput) -> Result:
    member = business.get_staff(box.org, params.staff_id)
    business.set_schedule(member, _week(params.week))
    box.effects.append(f"Cambié el horario de {member.name}.")
    return {"schedule": _week_of(business.staff_schedule(member))}


def add_closure(box: Toolbox, params: ClosureInput) -> Result:
    first = date.fromisoformat(params.start_date)
    last = date.fromisoformat(params.end_date) if params.end_date else first
    if last < first or last - first > timedelta(days=92):
        return error("invalid", "Las fechas del cierre no tienen sentido.")
    start, end = closures.days_span(box.org, first, last)
    closure = closures.add_closure(box.org, start, end, params.reason, now=box.now)
    inside = closures.appointments_inside(box.org, start, end)
    box.effects.append(f"Anoté el cierre del {box.when(start)}.")
    return {
        "closure": _closure(box, closure),
        "appointments_inside": [box.appointment(a) for a in inside],
    }


def remove_closure(box: Toolbox, params: ClosureId) -> Result:
    closures.remove_closure(box.org, params.closure_id)
    box.effects.append("Quité un cierre.")
    return {"ok": True}


def _closure(box: Toolbox, closure: closures.BusinessClosure) -> Result:
    return {
        "id": closure.id,
        "start": box.local_iso(closure.start_at),
        "end": box.local_iso(closure.end_at),
        "reason": closure.reason,
    }


Handler = Callable[["Toolbox", Any], Result]
TOOLS: dict[str, tuple[str, type[ToolInput], Handler]] = {
    "get_setup": (
        "When the business is not ready yet, or before changing its setup: call it first. "
        "Owner only. Returns the whole setup (business, services, opening hours, team with "
        "schedules, upcoming closures) and `missing`, what still stops customers from booking; "
        "guide the owner one step at a time.",
        NoInput,
        get_setup,
    ),
    "update_business": (
        "When the owner gives or corrects the business's name or address. Owner only. "
        "Returns the business as saved.",
        BusinessInput,
        update_business,
    ),
    "add_services": (
        "When the owner lists services (e.g. 'corte 40 min 250, barba 30 min 150'): add them, "
        "or update the one with the same name (name, minutes, price in MXN). Owner only. "
        "Returns the services saved.",
        ServicesInput,
        add_services,
    ),
    "update_service": (
        "When the owner changes a service's name, minutes or price ('sube el corte a 280'), or "
        "stops offering it. Owner only. Returns the service as saved.",
        ServiceChange,
        update_service,
    ),
    "set_opening_hours": (
        "When the owner says when the business opens: replace the weekly opening hours; days "
        "left out are closed. Owner only. Returns the week as saved.",
        HoursInput,
        set_opening_hours,
    ),
    "add_staff_member": (
        "When the owner adds someone to the team: their name, phone, services and week (omit "
        "= the opening hours). Owner only. Returns the member as saved.",
        StaffInput,
        add_staff_member,
    ),
    "remove_staff_member": (
        "When someone no longer works here ('Pedro ya no trabaja aquí'). Owner only. Returns "
        "who was removed and their appointments still ahead, which stay and need reassigning.",
        StaffId,
        remove_staff_member,
    ),
    "set_staff_schedule": (
        "When the owner changes one person's weekly schedule: replace it. Owner only. Returns "
        "the week as saved.",
        ScheduleInput,
        set_staff_schedule,
    ),
    "add_closure": (
        "When the whole business closes on some local days ('cerramos el 25 de diciembre'): "
        "nobody can be booked then. Owner only. Returns the closure and the appointments "
        "already inside it, to tell the owner.",
        ClosureInput,
        add_closure,
    ),
    "remove_closure": (
        "When the owner reopens days they had closed: undo that closure. Owner only. Returns "
        "the closure removed.",
        ClosureId,
        remove_closure,
    ),
}


def definitions(role: str) -> list[dict[str, Any]]:
    """The owner's setup tools, in a fixed order (part of the cached prefix)."""
    if role != "owner":
        return []
    return [
        {"name": name, "description": description, "input_schema": input_schema(model)}
        for name, (description, model, _) in TOOLS.items()
    ]


def call(box: Toolbox, name: str, arguments: Any) -> Outcome:
    if not box.is_owner:
        return Outcome(error("unknown_tool", f"No existe '{name}'."), True)
    _, model, handler = TOOLS[name]
    try:
        params = model.model_validate(arguments if isinstance(arguments, dict) else {})
        result = handler(box, params)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'entrada'}: {e['msg']}"
            for e in exc.errors()[:4]
        )
        return Outcome(error("invalid_arguments", "Argumentos inválidos — " + problems), True)
    except DomainError as exc:
        return Outcome(error(exc.code, exc.message), True)
    except Exception:  # a bug in a tool must not end the conversation
        log.exception("claude.setup-tool-failed tool=%s", name)
        return Outcome(error("internal_error", "Falló la herramienta; intenta otra vez."), True)
    return Outcome(result, "error" in result)
