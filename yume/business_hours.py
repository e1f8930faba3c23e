"""When the business is open, as its people would answer: the opening hours; without them,
whenever someone works; without that, a sensible default."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from yume.availability import opening_hours
from yume.models import Organization, Staff, WorkingHours

WeeklyHours = dict[int, list[tuple[int, int]]]
DEFAULT_HOURS: WeeklyHours = {weekday: [(9 * 60, 20 * 60)] for weekday in range(6)}


def weekly_hours(org: Organization) -> WeeklyHours:
    """Opening hours; without them, when anyone works; without that, a default."""
    found = opening_hours(org)
    if found:
        return found
    worked: WeeklyHours = {}
    rows = (
        WorkingHours.select(
            WorkingHours.weekday, WorkingHours.start_minute, WorkingHours.end_minute
        )
        .join(Staff)
        .where((Staff.organization == org) & Staff.active)
        .tuples()
    )
    for weekday, start, end in rows:
        worked.setdefault(weekday, []).append((start, end))
    return worked or DEFAULT_HOURS


def open_now(hours: WeeklyHours, local: datetime) -> tuple[int, int] | None:
    """The open span (minutes of the day) `local` falls in, if any."""
    minute = local.hour * 60 + local.minute
    for start, end in sorted(hours.get(local.weekday(), [])):
        if start <= minute < end:
            return start, end
    return None


def next_opening(hours: WeeklyHours, local: datetime) -> tuple[date, int] | None:
    """The next day and minute the business opens after `local` (within two weeks)."""
    minute = local.hour * 60 + local.minute
    for ahead in range(15):
        day = local.date() + timedelta(days=ahead)
        for start, _ in sorted(hours.get(day.weekday(), [])):
            if ahead or start > minute:
                return day, start
    return None
