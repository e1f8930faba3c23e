"""`find_available_slots`: free start times of a day, or an exact answer about one time.

Without `time` the answer is a sample of the day (at most MAX_SLOTS starts spread from
the first to the last, `more` saying how many were left out), so Claude never reads a
missing start as a taken one: the tool says so. With `time` it answers for that time
exactly, as a booking would (the engine decides, through `booking.who_can_take`): free,
or taken with the reason and the nearest free starts on both sides. With `time` and
`until` it lists the free starts of that range. Every slot carries its Spanish label
("viernes 4 de diciembre, 4:00 PM"), as appointments do.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from yume import booking
from yume.availability import find_slots, find_slots_between, get_service
from yume.errors import DomainError
from yume.scheduling import Slot
from yume.schemas import HHMM, Id, IsoDate
from yume.timeutil import hhmm_to_minutes, local_to_utc

if TYPE_CHECKING:
    from yume.brains.claude_tools import Toolbox

MAX_SLOTS = 10  # starts shown per call: enough to choose from, few enough to stay cheap
LOOK_AHEAD_DAYS = 14  # an empty day answers with the next day that has room
WHY = {
    "slot_unavailable": "ocupado",
    "outside_hours": "fuera del horario de trabajo",
    "in_the_past": "ya pasó",
    "too_soon": "demasiado pronto para reservar",
    "beyond_horizon": "demasiado lejos para reservar todavía",
    "staff_cannot_perform": "esa persona no hace ese servicio",
    "no_staff": "nadie hace ese servicio",
}

Result = dict[str, Any]


class FindSlotsInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_id: Id
    date: IsoDate
    staff_id: Annotated[Id | None, Field(description="Only this staff member (their id).")] = None
    time: Annotated[
        HHMM | None,
        Field(
            description=(
                "A local time to check exactly, HH:MM (e.g. 16:00). The answer says if it is "
                "free; if not, why, and the nearest free starts before and after it."
            )
        ),
    ] = None
    until: Annotated[
        HHMM | None,
        Field(description="With `time`: end of a range (HH:MM); every free start in it."),
    ] = None


def find_available_slots(box: Toolbox, params: FindSlotsInput) -> Result:
    day = date.fromisoformat(params.date)
    slots = find_slots(box.org, params.service_id, day, box.now, params.staff_id)  # one per start
    if params.time is not None and params.until is not None:
        return _range(box, params, day, slots)
    if params.time is not None:
        return _exactly(box, params, day, slots)
    if not slots:
        return {"slots": [], "next_date_with_slots": _next_open_day(box, params, day)}
    return _sample(box, slots)


def _sample(box: Toolbox, slots: list[Slot]) -> Result:
    shown = spread(slots, MAX_SLOTS)
    result: Result = {"slots": [shown_slot(box, s) for s in shown]}
    if len(slots) > len(shown):
        result["more"] = len(slots) - len(shown)
        result["note"] = (
            "Muestra del día: hay más horarios libres entre estos. Para una hora exacta, "
            "pregunta con `time`."
        )
    return result


def _exactly(box: Toolbox, params: FindSlotsInput, day: date, slots: list[Slot]) -> Result:
    assert params.time is not None
    start = local_to_utc(day, hhmm_to_minutes(params.time), box.tz)
    asked: Result = {"start": box.local_iso(start), "when": box.when(start)}
    try:  # the same rules a booking by this person would meet (staff: no minimum notice)
        rules_now = box.rules_now(start)
        member = booking.who_can_take(box.org, params.service_id, start, rules_now, params.staff_id)
    except DomainError as refused:
        asked.update(free=False, reason=refused.code, why=WHY.get(refused.code, refused.message))
        nearest = _nearest(box, params, day, slots, start, start)
        shown = [slot for slot in nearest.values() if slot is not None]
        return {"time": asked, "nearest": nearest, "slots": shown}
    duration = timedelta(minutes=_minutes(box, params.service_id))
    free = Slot(start, start + duration, member.id)
    asked.update(free=True, staff_id=member.id, staff_name=box.staff_name(member.id))
    return {"time": asked, "slots": [shown_slot(box, free)]}


def _range(box: Toolbox, params: FindSlotsInput, day: date, slots: list[Slot]) -> Result:
    assert params.time is not None and params.until is not None
    first = local_to_utc(day, hhmm_to_minutes(params.time), box.tz)
    last = local_to_utc(day, hhmm_to_minutes(params.until), box.tz)
    inside = [s for s in slots if first <= s.start <= last]
    if inside:
        return _sample(box, inside)
    return {"slots": [], "nearest": _nearest(box, params, day, slots, first, last)}


def _nearest(
    box: Toolbox,
    params: FindSlotsInput,
    day: date,
    slots: list[Slot],
    first: datetime,
    last: datetime,
) -> dict[str, Result | None]:
    """The free start just before `first` (that day) and just after `last` (that day, or the
    next day with room)."""
    before = [s for s in slots if s.start < first][-1:]
    after = [s for s in slots if s.start > last][:1] or _first_after(box, params, day)
    return {
        "before": shown_slot(box, before[0]) if before else None,
        "after": shown_slot(box, after[0]) if after else None,
    }


def shown_slot(box: Toolbox, slot: Slot) -> Result:
    return {
        "start": box.local_iso(slot.start),
        "end": box.local_iso(slot.end),
        "when": box.when(slot.start),
        "staff_id": slot.staff_id,
        "staff_name": box.staff_name(slot.staff_id),
    }


def spread(items: list[Any], limit: int) -> list[Any]:
    """At most `limit` items evenly spread, always keeping the first and the last."""
    if len(items) <= limit:
        return items
    step = (len(items) - 1) / (limit - 1)
    return [items[round(i * step)] for i in range(limit)]


def _first_after(box: Toolbox, params: FindSlotsInput, day: date) -> list[Slot]:
    found = _later_days(box, params, day)
    return found[:1]


def _next_open_day(box: Toolbox, params: FindSlotsInput, day: date) -> str | None:
    found = _later_days(box, params, day)
    return found[0].start.astimezone(box.tz).date().isoformat() if found else None


def _later_days(box: Toolbox, params: FindSlotsInput, day: date) -> list[Slot]:
    last = day + timedelta(days=LOOK_AHEAD_DAYS)
    return find_slots_between(
        box.org, params.service_id, day + timedelta(days=1), last, box.now, params.staff_id
    )


def _minutes(box: Toolbox, service_id: int) -> int:
    return get_service(box.org, service_id).duration_minutes
