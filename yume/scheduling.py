"""The availability engine: pure Python, no database, no HTTP.

Open slots for a service on a local date are

    (working intervals ∪ extra hours) ∩ opening hours − time off − business closures
    − active appointments (with their buffers) − the past and the minimum notice,

within the booking horizon, on the organization's slot grid. Instants are handled
as integer UTC epoch seconds inside the engine, which keeps it fast and exact.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from math import ceil
from zoneinfo import ZoneInfo

from yume.timeutil import local_midnight_utc

Span = tuple[int, int]  # [start, end) in UTC epoch seconds
WeeklyHours = dict[int, list[tuple[int, int]]]  # weekday → [(start_minute, end_minute)] local


@dataclass(frozen=True)
class ServiceSpec:
    id: int
    duration_minutes: int
    buffer_minutes: int = 0


@dataclass(frozen=True)
class BookingRules:
    tz: ZoneInfo
    slot_minutes: int = 15
    min_notice_minutes: int = 0
    horizon_days: int = 60
    opening_hours: WeeklyHours | None = None  # None: open whenever staff work
    closed: tuple[Span, ...] = ()  # business-wide closures: nobody works then


@dataclass
class StaffCalendar:
    """What the engine knows of one staff member for the days it is asked about."""

    staff_id: int
    weekly: WeeklyHours
    extra: list[Span] = field(default_factory=list)
    time_off: list[Span] = field(default_factory=list)
    busy: list[Span] = field(default_factory=list)  # [start, busy_until) of active bookings

    def __post_init__(self) -> None:
        self.busy.sort()
        # Merged, so the ends are sorted too even when bookings overlap or nest.
        self._held = union(self.busy)
        self._held_ends = [end for _, end in self._held]


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    staff_id: int


def epoch(instant: datetime) -> int:
    return int(instant.timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


# -- interval arithmetic on sorted, disjoint span lists ------------------------------------


def union(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def intersect(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    """`a` minus `b`; `b` need not be disjoint."""
    out: list[Span] = []
    cuts = union(b)
    j = 0
    for start, end in a:
        while j < len(cuts) and cuts[j][1] <= start:
            j += 1
        k, cursor = j, start
        while k < len(cuts) and cuts[k][0] < end:
            if cuts[k][0] > cursor:
                out.append((cursor, cuts[k][0]))
            cursor = max(cursor, cuts[k][1])
            k += 1
        if cursor < end:
            out.append((cursor, end))
    return out


# -- the local day -------------------------------------------------------------------------


@dataclass(frozen=True)
class Stretch:
    """Part of a local day under one UTC offset: wall minute m falls at origin + 60·m."""

    start: int
    end: int
    origin: int


@dataclass(frozen=True)
class LocalDay:
    """The UTC instants whose local date is `day`, cut where the UTC offset changes."""

    day: date
    start: int
    end: int
    stretches: tuple[Stretch, ...]

    @classmethod
    def of(cls, day: date, tz: ZoneInfo) -> LocalDay:
        return _local_day(day, tz)

    def wall_spans(self, intervals: Iterable[tuple[int, int]]) -> list[Span]:
        """Instants of the day whose wall-clock minute lies in one of `intervals`.

        On a fall-back day a wall minute can happen twice and both count; on a
        spring-forward day the skipped minutes simply do not happen.
        """
        return union(
            (max(part.start, part.origin + 60 * a), min(part.end, part.origin + 60 * b))
            for a, b in intervals
            for part in self.stretches
        )

    def weekly_spans(self, hours: WeeklyHours) -> list[Span]:
        return self.wall_spans(hours.get(self.day.weekday(), ()))

    def grid(self, slot_minutes: int) -> list[int]:
        """Every instant of the day whose local wall time is on the slot grid."""
        step = slot_minutes * 60
        instants: list[int] = []
        for part in self.stretches:
            first = part.origin - (part.origin - part.start) // step * step
            instants.extend(range(first, part.end, step))
        return instants


def utc_offset(second: int, tz: ZoneInfo) -> int:
    offset = datetime.fromtimestamp(second, tz).utcoffset()
    return int(offset.total_seconds()) if offset else 0


def first_offset_change(before: int, after: int, tz: ZoneInfo) -> int:
    """The first second in (before, after] whose offset differs from `before`'s."""
    offset = utc_offset(before, tz)
    while after - before > 1:
        middle = (before + after) // 2
        if utc_offset(middle, tz) == offset:
            before = middle
        else:
            after = middle
    return after


def offset_changes(start: int, end: int, tz: ZoneInfo) -> list[int]:
    """Instants in (start, end) where the offset changes; assumes at most one an hour."""
    probes = [*range(start, end - 1, 3600), end - 1]
    return [
        first_offset_change(before, after, tz)
        for before, after in pairwise(probes)
        if utc_offset(before, tz) != utc_offset(after, tz)
    ]


@lru_cache(maxsize=4096)
def _local_day(day: date, tz: ZoneInfo) -> LocalDay:
    start = epoch(local_midnight_utc(day, tz))
    end = epoch(local_midnight_utc(day + timedelta(days=1), tz))
    naive_midnight = epoch(datetime(day.year, day.month, day.day, tzinfo=UTC))
    cuts = [start, *offset_changes(start, end, tz), end]
    stretches = tuple(Stretch(a, b, naive_midnight - utc_offset(a, tz)) for a, b in pairwise(cuts))
    return LocalDay(day, start, end, stretches)


# -- the engine ----------------------------------------------------------------------------


def free_spans(calendar: StaffCalendar, local_day: LocalDay, rules: BookingRules) -> list[Span]:
    """When this staff member can be serving a customer on this local day."""
    day_span = [(local_day.start, local_day.end)]
    working = union(
        local_day.weekly_spans(calendar.weekly) + intersect(union(calendar.extra), day_span)
    )
    if rules.opening_hours is not None:
        working = intersect(working, local_day.weekly_spans(rules.opening_hours))
    return subtract(working, [*calendar.time_off, *rules.closed])


def fits_free(free: Sequence[Span], free_starts: Sequence[int], start: int, end: int) -> bool:
    i = bisect_right(free_starts, start) - 1
    return i >= 0 and free[i][1] >= end


def clashes(calendar: StaffCalendar, start: int, end: int) -> bool:
    """Does [start, end) overlap an active booking of this staff member?"""
    i = bisect_right(calendar._held_ends, start)
    return i < len(calendar._held) and calendar._held[i][0] < end


def earliest_start(now: datetime, rules: BookingRules) -> int:
    """The first whole second a booking may start at (a fraction of a second rounds up)."""
    return ceil(now.timestamp()) + rules.min_notice_minutes * 60


def last_bookable_day(now: datetime, rules: BookingRules) -> date:
    return now.astimezone(rules.tz).date() + timedelta(days=rules.horizon_days)


def fitting_starts(
    calendar: StaffCalendar, local_day: LocalDay, rules: BookingRules, length: int, grid: list[int]
) -> Iterator[int]:
    """Grid starts whose service time [start, start + length) lies in one free span."""
    for free_start, free_end in free_spans(calendar, local_day, rules):
        first, last = bisect_left(grid, free_start), bisect_right(grid, free_end - length)
        yield from grid[first:last]


def open_slots(
    day: date,
    service: ServiceSpec,
    calendars: Sequence[StaffCalendar],
    rules: BookingRules,
    now: datetime,
) -> list[Slot]:
    """Bookable starts on `day`; one slot per start, given to the first staff member
    (in the order of `calendars`) who can take it."""
    if day > last_bookable_day(now, rules):
        return []
    local_day = LocalDay.of(day, rules.tz)
    grid = local_day.grid(rules.slot_minutes)
    grid = grid[bisect_left(grid, earliest_start(now, rules)) :]
    length = service.duration_minutes * 60
    hold = length + service.buffer_minutes * 60
    taken: dict[int, int] = {}
    for calendar in calendars:
        if len(taken) == len(grid):
            break
        for start in fitting_starts(calendar, local_day, rules, length, grid):
            if start not in taken and not clashes(calendar, start, start + hold):
                taken[start] = calendar.staff_id
    return [
        Slot(from_epoch(start), from_epoch(start + length), taken[start]) for start in sorted(taken)
    ]


def refusal(
    start: datetime,
    service: ServiceSpec,
    calendar: StaffCalendar,
    rules: BookingRules,
    now: datetime,
) -> str | None:
    """Why this staff member cannot take `service` at `start` (an error code), or None.

    Bookings are not bound to the slot grid: staff and the API may book any minute.
    """
    if start < now:
        return "in_the_past"
    if start < now + timedelta(minutes=rules.min_notice_minutes):
        return "too_soon"
    begin = epoch(start)
    local_start = start.astimezone(rules.tz)
    if local_start.date() > last_bookable_day(now, rules):
        return "beyond_horizon"
    finish = begin + service.duration_minutes * 60
    if any(start_ < finish and begin < end_ for start_, end_ in rules.closed):
        return "business_closed"
    free = free_spans(calendar, LocalDay.of(local_start.date(), rules.tz), rules)
    if not fits_free(free, [s for s, _ in free], begin, finish):
        return "outside_hours"
    if clashes(calendar, begin, finish + service.buffer_minutes * 60):
        return "slot_unavailable"
    return None
