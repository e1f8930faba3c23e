"""A brute-force oracle for the availability engine: minute by minute, no cleverness.

It shares only the engine's plain data classes. Every UTC minute whose local date is
the day is looked at on its own: is the staff member working (weekly wall-clock hours
or a dated extra span), is the place open, are they off? Busy minutes are listed one
by one. A start is then tested minute by minute. Slow on purpose, so it is easy to
believe.

Inputs are expected on whole minutes (spans, starts); `now` may carry seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from yume.scheduling import BookingRules, ServiceSpec, Slot, Span, StaffCalendar, WeeklyHours


class Minute(NamedTuple):
    second: int  # UTC epoch seconds at the start of the minute
    utc: datetime
    local: datetime


@lru_cache(maxsize=512)
def day_minutes(day: date, tz: ZoneInfo) -> tuple[Minute, ...]:
    """Every whole UTC minute whose wall clock in `tz` shows a time on `day`, in order."""
    first = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=15)
    minutes = []
    for i in range(54 * 60):
        utc = first + timedelta(minutes=i)
        local = utc.astimezone(tz)
        if local.date() == day:
            minutes.append(Minute(int(utc.timestamp()), utc, local))
    return tuple(minutes)


def wall_minute(local: datetime) -> int:
    return local.hour * 60 + local.minute


def in_week(hours: WeeklyHours, local: datetime) -> bool:
    minute = wall_minute(local)
    return any(start <= minute < end for start, end in hours.get(local.weekday(), ()))


def in_spans(spans: Sequence[Span], second: int) -> bool:
    return any(start <= second < end for start, end in spans)


def is_free(calendar: StaffCalendar, rules: BookingRules, minute: Minute) -> bool:
    """Can this staff member be serving a customer during this minute? (Not while they are
    off, nor while the whole business is closed.)"""
    working = in_week(calendar.weekly, minute.local) or in_spans(calendar.extra, minute.second)
    is_open = rules.opening_hours is None or in_week(rules.opening_hours, minute.local)
    closed = in_spans(calendar.time_off, minute.second) or in_spans(rules.closed, minute.second)
    return working and is_open and not closed


def free_minutes(calendar: StaffCalendar, rules: BookingRules, day: date) -> set[int]:
    """Epoch seconds of the minutes of `day` when this staff member is free to serve."""
    return {m.second for m in day_minutes(day, rules.tz) if is_free(calendar, rules, m)}


def busy_minutes(calendar: StaffCalendar) -> set[int]:
    """Epoch seconds of every minute held by an active booking of this staff member."""
    return {second for start, end in calendar.busy for second in range(start, end, 60)}


def all_in(minutes: set[int], start: int, count: int) -> bool:
    return all(start + 60 * k in minutes for k in range(count))


def none_in(minutes: set[int], start: int, count: int) -> bool:
    return not any(start + 60 * k in minutes for k in range(count))


def allowed_start(start: datetime, rules: BookingRules, now: datetime) -> bool:
    """Notice and horizon, straight from their definitions."""
    soon_enough = start >= now + timedelta(minutes=rules.min_notice_minutes)
    last_day = now.astimezone(rules.tz).date() + timedelta(days=rules.horizon_days)
    return soon_enough and start.astimezone(rules.tz).date() <= last_day


class Diary(NamedTuple):
    """One staff member's free and busy minutes for the day being asked about."""

    staff_id: int
    free: set[int]
    busy: set[int]

    def can_take(self, service: ServiceSpec, start: int) -> bool:
        hold = service.duration_minutes + service.buffer_minutes
        return all_in(self.free, start, service.duration_minutes) and none_in(
            self.busy, start, hold
        )


def diary(calendar: StaffCalendar, rules: BookingRules, day: date) -> Diary:
    return Diary(calendar.staff_id, free_minutes(calendar, rules, day), busy_minutes(calendar))


def oracle_slots(
    day: date,
    service: ServiceSpec,
    calendars: Sequence[StaffCalendar],
    rules: BookingRules,
    now: datetime,
) -> list[Slot]:
    """What `yume.scheduling.open_slots` should answer, found the slow way."""
    diaries = [diary(calendar, rules, day) for calendar in calendars]
    length = timedelta(minutes=service.duration_minutes)
    slots = []
    for minute in day_minutes(day, rules.tz):
        if wall_minute(minute.local) % rules.slot_minutes:
            continue
        if not allowed_start(minute.utc, rules, now):
            continue
        for staff in diaries:
            if staff.can_take(service, minute.second):
                slots.append(Slot(minute.utc, minute.utc + length, staff.staff_id))
                break
    return slots


def oracle_bookable(
    start: datetime,
    service: ServiceSpec,
    calendar: StaffCalendar,
    rules: BookingRules,
    now: datetime,
) -> bool:
    """Could this staff member take `service` at exactly `start` (on or off the grid)?"""
    if not allowed_start(start, rules, now):
        return False
    staff = diary(calendar, rules, start.astimezone(rules.tz).date())
    return staff.can_take(service, int(start.timestamp()))
