"""Turning the scheduling engine's open slots into at most ten choices a person can tap."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from yume.availability import find_slots, find_slots_between
from yume.brains.context import Ctx
from yume.nlu.times import AFTERNOON, EVENING, MORNING
from yume.scheduling import Slot

DAYS_AHEAD = 21  # how far the day list looks for openings
PART_NAMES = {MORNING: "En la mañana", AFTERNOON: "En la tarde", EVENING: "En la noche"}


def minute_of_day(ctx: Ctx, instant: datetime) -> int:
    local = ctx.local(instant)
    return local.hour * 60 + local.minute


def slots_on(ctx: Ctx, service_id: int, day: date) -> list[Slot]:
    return find_slots(ctx.org, service_id, day, ctx.now)


def within(ctx: Ctx, slots: list[Slot], window: list[int] | tuple[int, int] | None) -> list[Slot]:
    if not window:
        return slots
    start, end = window
    return [s for s in slots if start <= minute_of_day(ctx, s.start) < end]


def days_with_openings(
    ctx: Ctx,
    service_id: int,
    first: date,
    window: list[int] | None = None,
    limit: int = 10,
) -> dict[date, list[Slot]]:
    """The first `limit` days from `first` with open slots (inside `window`, if given)."""
    found = find_slots_between(ctx.org, service_id, first, first + timedelta(DAYS_AHEAD), ctx.now)
    by_day: dict[date, list[Slot]] = defaultdict(list)
    for slot in within(ctx, found, window):
        by_day[ctx.local(slot.start).date()].append(slot)
    return dict(list(sorted(by_day.items()))[:limit])


def parts_with_openings(ctx: Ctx, slots: list[Slot], day: date) -> list[str]:
    return [name for name, window in ctx.clock.day_parts(day).items() if within(ctx, slots, window)]


def sample(ctx: Ctx, slots: list[Slot], limit: int = 10) -> list[Slot]:
    """Up to `limit` slots spread over the day: on the hour first, then half past, then the rest."""
    if len(slots) <= limit:
        return slots
    for step in (60, 30, 15):
        chosen = [s for s in slots if minute_of_day(ctx, s.start) % step == 0]
        if len(chosen) >= limit or step == 15:
            break
    pool = chosen if len(chosen) >= limit else slots
    if len(pool) > limit:
        stride = len(pool) / limit
        pool = [pool[int(i * stride)] for i in range(limit)]
    return pool


def nearest(ctx: Ctx, slots: list[Slot], minute: int, limit: int = 5) -> list[Slot]:
    """The slots closest to the wished time, in time order."""
    closest = sorted(slots, key=lambda s: abs(minute_of_day(ctx, s.start) - minute))[:limit]
    return sorted(closest, key=lambda s: s.start)


def exact(ctx: Ctx, slots: list[Slot], minute: int) -> Slot | None:
    return next((s for s in slots if minute_of_day(ctx, s.start) == minute), None)


def slot_id(slot: Slot) -> str:
    return f"slot:{int(slot.start.timestamp())}:{slot.staff_id}"
