"""Local days and wall-clock times of an organization, through zoneinfo only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class UnknownTimezone(ValueError):
    pass


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # "America" is a directory
        raise UnknownTimezone(name) from None


def is_valid_timezone(name: str) -> bool:
    try:
        zone(name)
    except UnknownTimezone:
        return False
    return True


def local_midnight_utc(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant at which `day` begins in `tz`."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def local_to_utc(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """UTC instant of wall time `minute` (after midnight, 1440 = next midnight) on `day`.

    A wall time skipped by a DST jump resolves forward, as zoneinfo does for fold=0.
    """
    whole_days, minute = divmod(minute, 1440)
    wall = datetime.combine(day + timedelta(days=whole_days), time(minute // 60, minute % 60))
    return wall.replace(tzinfo=tz).astimezone(UTC)


def parse_instant(value: str | datetime, tz: ZoneInfo) -> datetime:
    """ISO 8601 to aware UTC; a value without an offset is the organization's local time."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)


def minutes_to_hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def hhmm_to_minutes(value: str) -> int:
    """'09:30' → 570; '24:00' is accepted as the end of the day."""
    hours, _, minutes = value.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"hora inválida {value!r}, usa HH:MM")
    total = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or total > 1440:
        raise ValueError(f"hora inválida {value!r}, usa HH:MM")
    return total
