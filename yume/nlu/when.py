"""A day and a time (or a window of time) from free text, in the business's local time.

The business-hours rule lives here: an hour written without AM/PM is the one the
business is open ("a las 4" in a salon open 10–20 is 4:00 PM); when both or neither
are open, 7–11 are read as morning and 12–6 as afternoon, as Mexicans mean them.

So does the business's afternoon: "en la tarde" starts at 1:00 PM ("la una de la
tarde"; twelve is "mediodía"), or when the business opens again after a midday break
("10 a 2 y 4 a 8": the afternoon is from 4), and ends at 7:00 PM, where the evening begins.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from yume.nlu.days import find_day
from yume.nlu.text import prepare
from yume.nlu.times import (
    AFTERNOON,
    EARLY_AFTERNOON,
    EVENING,
    MORNING,
    Clock,
    TimeRef,
    find_time,
)
from yume.timeutil import minutes_to_hhmm

DAY_END = 24 * 60
NOON = 12 * 60
AFTERNOON_START = 13 * 60  # "la una de la tarde"; twelve is "mediodía"
LATEST_BREAK_END = 17 * 60  # a gap in the hours ending later is no lunch break
EVENING_START = 19 * 60
EARLY_AFTERNOON_HOURS = 3
LATER_MINUTES = 60  # "al rato" starts an hour from now

WeeklyHours = dict[int, list[tuple[int, int]]]  # weekday → [(start_minute, end_minute)]


@dataclass(frozen=True)
class BusinessClock:
    """What reading a time needs to know: the local now and the weekly opening hours."""

    now: datetime  # aware, in the business's zone
    hours: WeeklyHours

    def open_spans(self, day: date | None) -> list[tuple[int, int]]:
        if day is not None and self.hours.get(day.weekday()):
            return self.hours[day.weekday()]
        return [span for spans in self.hours.values() for span in spans]

    def afternoon_start(self, day: date | None) -> int:
        """When the business's afternoon begins on `day` (on most of its days when the
        day is not known)."""
        if day is not None and self.hours.get(day.weekday()):
            return _afternoon_start(self.hours[day.weekday()])
        starts = Counter(_afternoon_start(spans) for spans in self.hours.values() if spans)
        if not starts:
            return AFTERNOON_START
        top = max(starts.values())
        return min(start for start, count in starts.items() if count == top)

    def parts(self, day: date | None = None) -> dict[str, tuple[int, int]]:
        """Morning, afternoon and evening of the business as windows [start, end) in
        minutes: what "en la mañana/tarde/noche" mean when written."""
        afternoon = self.afternoon_start(day)
        return {
            MORNING: (0, NOON),
            AFTERNOON: (afternoon, EVENING_START),
            EVENING: (EVENING_START, DAY_END),
        }

    def day_parts(self, day: date | None = None) -> dict[str, tuple[int, int]]:
        """The same parts with no gap between them, for sorting a day's slots into the
        three buttons: the morning runs until the afternoon begins."""
        parts = self.parts(day)
        return {**parts, MORNING: (0, parts[AFTERNOON][0])}

    @property
    def minute(self) -> int:
        return self.now.hour * 60 + self.now.minute


@dataclass(frozen=True)
class When:
    day: date | None = None
    days: int = 1  # how many days from `day` ("el fin de semana" = 2)
    time: int | None = None  # minutes after local midnight
    start: int | None = None  # a window [start, end) in minutes, when no exact time
    end: int | None = None
    asap: bool = False

    @property
    def window(self) -> tuple[int, int] | None:
        if self.start is None or self.end is None:
            return None
        return self.start, self.end

    def as_dict(self) -> dict[str, Any]:
        """{"date": "2027-01-15", "time": "16:00"} and the like, for tests and the bench."""
        found: dict[str, Any] = {}
        if self.day is not None:
            found["date"] = self.day.isoformat()
        if self.days != 1:
            found["days"] = self.days
        if self.time is not None:
            found["time"] = minutes_to_hhmm(self.time)
        if self.window is not None:
            found["from"], found["to"] = (
                minutes_to_hhmm(self.start or 0),
                minutes_to_hhmm(self.end or 0),
            )
        if self.asap:
            found["asap"] = True
        return found


def _afternoon_start(spans: list[tuple[int, int]]) -> int:
    """1:00 PM, or the reopening after a midday break ("10 a 2 y 4 a 8" → 4:00 PM)."""
    ordered = sorted(spans)
    for (_, end), (start, _) in zip(ordered, ordered[1:], strict=False):
        if NOON <= end < start <= LATEST_BREAK_END:
            return max(start, AFTERNOON_START)
    return AFTERNOON_START


def read_when(text: str, clock: BusinessClock) -> When | None:
    """What day and time `text` asks for, or None when it names neither."""
    prepared = prepare(text)
    day_ref = find_day(prepared, clock.now.date())
    time_ref = find_time(prepared)
    if day_ref is None and time_ref is None:
        return None
    if time_ref is not None and time_ref.from_now is not None:
        moment = clock.now + timedelta(minutes=time_ref.from_now)
        return When(day=moment.date(), time=moment.hour * 60 + moment.minute)
    day = day_ref.day if day_ref else None
    days = day_ref.span if day_ref else 1
    if time_ref is None:
        return When(day=day, days=days)
    if day is None and (time_ref.later or time_ref.asap):
        day = clock.now.date()
    return _with_time(When(day=day, days=days), time_ref, clock)


def _with_time(when: When, ref: TimeRef, clock: BusinessClock) -> When:
    spans = clock.open_spans(when.day)
    if ref.at is not None:
        return _replace(when, time=minute_of(ref.at, spans, ref.part))
    if ref.after is not None or ref.before is not None:
        start = minute_of(ref.after, spans, ref.part) if ref.after else 0
        end = minute_of(ref.before, spans, ref.part) if ref.before else DAY_END
        return _replace(when, start=start, end=end)
    if ref.part == EARLY_AFTERNOON:
        start, end = clock.parts(when.day)[AFTERNOON]
        return _replace(when, start=start, end=min(end, start + EARLY_AFTERNOON_HOURS * 60))
    if ref.part is not None:
        start, end = clock.parts(when.day)[ref.part]
        return _replace(when, start=start, end=end)
    today = when.day == clock.now.date()
    if ref.later and today:
        return _replace(when, start=min(clock.minute + LATER_MINUTES, DAY_END), end=DAY_END)
    if ref.asap and today:
        return _replace(when, start=clock.minute, end=DAY_END, asap=True)
    return when


def _replace(when: When, **changes: Any) -> When:
    return When(**{**when.__dict__, **changes})


def minute_of(clock: Clock, spans: list[tuple[int, int]], part: str | None = None) -> int:
    """Minutes after midnight of a clock reading, choosing AM or PM by business hours."""
    if not clock.ambiguous:
        hour = clock.hour
        if clock.meridiem == "pm" and hour < 12:
            hour += 12
        elif clock.meridiem == "am" and hour == 12:
            hour = 0
        return hour * 60 + clock.minute
    if clock.hour == 12:
        return 12 * 60 + clock.minute
    morning = clock.hour * 60 + clock.minute
    afternoon = morning + 12 * 60
    if part == MORNING:
        return morning
    if part in (AFTERNOON, EARLY_AFTERNOON, EVENING):
        return afternoon
    morning_open, afternoon_open = _is_open(morning, spans), _is_open(afternoon, spans)
    if morning_open != afternoon_open:
        return morning if morning_open else afternoon
    return morning if 7 <= clock.hour <= 11 else afternoon


def _is_open(minute: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= minute < end for start, end in spans)
