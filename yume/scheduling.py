"""The availability engine: pure Python, no database, no HTTP.

Open slots for a service on a local date are

    (working intervals ∪ extra hours) ∩ opening hours − time off
    − active appointments (with their buffers) − the past and the minimum notice,

within the booking horizon, on the organization's slot grid. Instants are handled
as integer UTC epoch seconds inside the engine, which keeps it fast and exact.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from yume.timeutil import local_midnight_utc, local_to_utc

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


@dataclass
class StaffCalendar:
    """What the engine knows of one staff member for the days it is asked about."""

    staff_id: int
    weekly: WeeklyHours
    extra: list[Span] = field(default_factory=list)
    time_off: list[Span] = field(default_factory=list)
    busy: list[Span] = field(default_factory=list)  # [start, busy_until) of active bookings
    name: str = ""

    def __post_init__(self) -> None:
        self.busy.sort()
        self._busy_ends = [end for _, end in self.busy]


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
class LocalDay:
    day: date
    start: int
    end: int
    fixed_offset: bool  # no DST change inside the day: wall minutes map linearly

    @classmethod
    def of(cls, day: date, tz: ZoneInfo) -> LocalDay:
        start = local_midnight_utc(day, tz)
        end = local_midnight_utc(day + timedelta(days=1), tz)
        fixed = (end - start) == timedelta(days=1) and start.astimezone(tz).utcoffset() == (
            end - timedelta(seconds=1)
        ).astimezone(tz).utcoffset()
        return cls(day, epoch(start), epoch(end), fixed)

    def wall_to_epoch(self, minute: int, tz: ZoneInfo) -> int:
        if self.fixed_offset:
            return self.start + minute * 60
        return epoch(local_to_utc(self.day, minute, tz))

    def weekly_spans(self, hours: WeeklyHours, tz: ZoneInfo) -> list[Span]:
        return union(
            (self.wall_to_epoch(s, tz), self.wall_to_epoch(e, tz))
            for s, e in hours.get(self.day.weekday(), ())
        )

    def grid(self, slot_minutes: int, tz: ZoneInfo) -> list[int]:
        """Every instant of the day whose local wall time is on the slot grid."""
        step = slot_minutes * 60
        if self.fixed_offset:
            return list(range(self.start, self.end, step))
        seen: set[int] = set()
        for minute in range(0, 1440, slot_minutes):
            for fold in (0, 1):
                wall = datetime(
                    self.day.year,
                    self.day.month,
                    self.day.day,
                    minute // 60,
                    minute % 60,
                    fold=fold,
                    tzinfo=tz,
                )
                instant = wall.astimezone(UTC)
                back = instant.astimezone(tz)
                if (back.hour, back.minute, back.date()) == (wall.hour, wall.minute, self.day):
                    seen.add(epoch(instant))
        return sorted(seen)


# -- the engine ----------------------------------------------------------------------------


def free_spans(calendar: StaffCalendar, local_day: LocalDay, rules: BookingRules) -> list[Span]:
    """When this staff member can be serving a customer on this local day."""
    day_span = [(local_day.start, local_day.end)]
    working = union(
        local_day.weekly_spans(calendar.weekly, rules.tz)
        + intersect(union(calendar.extra), day_span)
    )
    if rules.opening_hours is not None:
        working = intersect(working, local_day.weekly_spans(rules.opening_hours, rules.tz))
    return subtract(working, calendar.time_off)


def fits_free(free: Sequence[Span], free_starts: Sequence[int], start: int, end: int) -> bool:
    i = bisect_right(free_starts, start) - 1
    return i >= 0 and free[i][1] >= end


def clashes(calendar: StaffCalendar, start: int, end: int) -> bool:
    """Does [start, end) overlap an active booking of this staff member?"""
    i = bisect_right(calendar._busy_ends, start)
    return i < len(calendar.busy) and calendar.busy[i][0] < end


def earliest_start(now: datetime, rules: BookingRules) -> int:
    return epoch(now) + rules.min_notice_minutes * 60


def last_bookable_day(now: datetime, rules: BookingRules) -> date:
    return now.astimezone(rules.tz).date() + timedelta(days=rules.horizon_days)


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
    not_before = earliest_start(now, rules)
    length, hold = service.duration_minutes * 60, service.buffer_minutes * 60
    grid = [s for s in local_day.grid(rules.slot_minutes, rules.tz) if s >= not_before]
    taken: dict[int, int] = {}
    for calendar in calendars:
        free = free_spans(calendar, local_day, rules)
        if not free:
            continue
        starts = [s for s, _ in free]
        for start in grid:
            if start in taken:
                continue
            if fits_free(free, starts, start, start + length) and not clashes(
                calendar, start, start + length + hold
            ):
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
    begin = epoch(start)
    if begin < epoch(now):
        return "in_the_past"
    if begin < earliest_start(now, rules):
        return "too_soon"
    local_start = start.astimezone(rules.tz)
    if local_start.date() > last_bookable_day(now, rules):
        return "beyond_horizon"
    finish = begin + service.duration_minutes * 60
    free = free_spans(calendar, LocalDay.of(local_start.date(), rules.tz), rules)
    if not fits_free(free, [s for s, _ in free], begin, finish):
        return "outside_hours"
    if clashes(calendar, begin, finish + service.buffer_minutes * 60):
        return "slot_unavailable"
    return None
