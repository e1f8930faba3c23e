"""The availability engine against a brute-force, minute-by-minute oracle.

Hypothesis invents weeks with breaks, opening hours (or none), dated extra hours and
time off (some across midnight), business-wide closures, appointments with buffers,
services, slot grids, `now`, notice and horizon, for one to three staff in Mexico's time
zones, DST days included; the engine must answer exactly what the oracle (bench/oracle.py) answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.oracle import oracle_bookable, oracle_slots
from yume.scheduling import BookingRules, ServiceSpec, StaffCalendar, open_slots, refusal
from yume.timeutil import zone

ZONES = (
    "America/Mexico_City",
    "America/Tijuana",
    "America/Matamoros",
    "America/Chihuahua",
    "America/Cancun",
)
# Days on which the wall clock jumps (or, for Chihuahua 2022-10-30, only the zone's rules change).
TRANSITION_DAYS = (
    ("America/Tijuana", date(2026, 3, 8)),
    ("America/Tijuana", date(2026, 11, 1)),
    ("America/Matamoros", date(2026, 3, 8)),
    ("America/Matamoros", date(2026, 11, 1)),
    ("America/Mexico_City", date(2022, 4, 3)),
    ("America/Mexico_City", date(2022, 10, 30)),
    ("America/Chihuahua", date(2022, 4, 3)),
    ("America/Chihuahua", date(2022, 10, 30)),
    ("America/Cancun", date(2015, 2, 1)),
)
SLOT_MINUTES = (5, 10, 15, 20, 30, 60)
# About 4 s a test. Hypothesis here prints no falsifying values, so assertions name the scenario.
THOROUGH = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Wall minutes, with extra weight on the small hours where DST jumps happen.
wall_minutes = st.one_of(st.integers(0, 1440), st.integers(50, 200))


def shifts(max_per_day: int) -> st.SearchStrategy[list[tuple[int, int]]]:
    """A day's intervals: ordered shifts with breaks, a loose overlapping lot, or all day."""
    cuts = st.lists(wall_minutes, min_size=2, max_size=2 * max_per_day, unique=True)
    ordered = cuts.map(lambda c: sorted(c)[: len(c) // 2 * 2]).map(
        lambda c: list(zip(c[::2], c[1::2], strict=True))
    )
    loose = st.lists(st.tuples(wall_minutes, wall_minutes), max_size=max_per_day).map(
        lambda pairs: [(min(a, b), max(a, b)) for a, b in pairs]
    )
    return ordered | loose | st.just([(0, 1440)])


@st.composite
def weekly_hours(draw: st.DrawFn, max_per_day: int = 3) -> dict[int, list[tuple[int, int]]]:
    """A few day patterns spread over the week; a missing weekday is closed (or off)."""
    patterns = draw(st.lists(shifts(max_per_day), min_size=1, max_size=3))
    picks = [draw(st.integers(-1, len(patterns) - 1)) for _ in range(7)]
    return {day: patterns[pick] for day, pick in enumerate(picks) if pick >= 0}


def long_days() -> st.SearchStrategy[dict[int, list[tuple[int, int]]]]:
    """Opening hours as most shops keep them: one long stretch on most days."""
    stretch = st.tuples(st.integers(0, 720), st.integers(720, 1440)).map(lambda p: [p])
    return st.fixed_dictionaries({}, optional={day: stretch for day in range(7)})


def spans_near(
    base: datetime, max_minutes: int, first: int = -1440, last: int = 2 * 1440, count: int = 4
) -> st.SearchStrategy[list[tuple[int, int]]]:
    """Whole-minute spans starting between `first` and `last` minutes after `base`."""
    origin = int(base.timestamp())
    span = st.tuples(st.integers(first, last), st.integers(1, max_minutes))
    return st.lists(span, max_size=count).map(
        lambda pairs: [(origin + 60 * s, origin + 60 * (s + n)) for s, n in pairs]
    )


@st.composite
def bookings(draw: st.DrawFn, base: datetime) -> list[tuple[int, int]]:
    """Busy spans with their buffers, mostly on the day; some nest inside others."""
    spans = draw(spans_near(base, 300, first=-300, last=1440, count=6))
    for start, end in list(spans):
        if draw(st.booleans()):
            inner_start = draw(st.integers(start // 60, end // 60 - 1)) * 60
            inner_end = draw(st.integers(inner_start // 60 + 1, end // 60)) * 60
            spans.append((inner_start, inner_end))
    return spans


@st.composite
def calendars(draw: st.DrawFn, base: datetime) -> list[StaffCalendar]:
    return [
        StaffCalendar(
            staff_id=staff_id,
            weekly=draw(weekly_hours()),
            extra=draw(spans_near(base, 900)),
            time_off=draw(spans_near(base, 900)),
            busy=draw(bookings(base)),
        )
        for staff_id in range(1, draw(st.integers(1, 3)) + 1)
    ]


@st.composite
def moments(draw: st.DrawFn, base: datetime) -> datetime:
    """A `now` near the day (or weeks before it), often a hair after a whole minute."""
    minutes = draw(st.one_of(st.integers(-3 * 1440, 1440), st.integers(-90 * 1440, 0)))
    if draw(st.booleans()):
        minutes -= minutes % 60  # on every slot grid
    seconds = draw(st.sampled_from([0, 0, 1, 59]) | st.integers(0, 59))
    micro = draw(st.sampled_from([0, 1, 999_999]) | st.integers(0, 999_999))
    return base + timedelta(minutes=minutes, seconds=seconds, microseconds=micro)


@dataclass
class Scenario:
    day: date
    base: datetime  # the day's local midnight, in UTC
    rules: BookingRules
    service: ServiceSpec
    calendars: list[StaffCalendar]
    now: datetime


@st.composite
def scenarios(draw: st.DrawFn, days: st.SearchStrategy[tuple[str, date]]) -> Scenario:
    tz_name, day = draw(days)
    tz = zone(tz_name)
    base = datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
    rules = BookingRules(
        tz=tz,
        slot_minutes=draw(st.sampled_from(SLOT_MINUTES)),
        min_notice_minutes=draw(st.sampled_from([0, 0, 30, 60, 24 * 60]) | st.integers(0, 3000)),
        horizon_days=draw(st.integers(0, 90)),
        opening_hours=draw(st.none() | long_days() | weekly_hours(max_per_day=2)),
        # business-wide closures: whole days, an afternoon, or none at all (most weeks)
        closed=tuple(draw(st.just([]) | spans_near(base, 2 * 1440, count=2))),
    )
    service = ServiceSpec(1, draw(st.integers(5, 240)), draw(st.sampled_from([0, 5, 10, 15, 45])))
    return Scenario(
        day=day,
        base=base,
        rules=rules,
        service=service,
        calendars=draw(calendars(base)),
        now=draw(moments(base)),
    )


any_day = st.tuples(st.sampled_from(ZONES), st.dates(date(2019, 1, 1), date(2028, 12, 31)))
transition_day = st.sampled_from(TRANSITION_DAYS)


def engine_answer(s: Scenario) -> list[tuple]:
    slots = open_slots(s.day, s.service, s.calendars, s.rules, s.now)
    return [(slot.start, slot.end, slot.staff_id) for slot in slots]


def oracle_answer(s: Scenario) -> list[tuple]:
    slots = oracle_slots(s.day, s.service, s.calendars, s.rules, s.now)
    return [(slot.start, slot.end, slot.staff_id) for slot in slots]


@THOROUGH
@given(scenarios(any_day))
def test_it_offers_exactly_the_oracles_slots(s: Scenario) -> None:
    assert engine_answer(s) == oracle_answer(s), s


@THOROUGH
@given(scenarios(transition_day))
def test_it_offers_exactly_the_oracles_slots_on_dst_days(s: Scenario) -> None:
    assert engine_answer(s) == oracle_answer(s), s


@st.composite
def starts(draw: st.DrawFn, s: Scenario) -> datetime:
    """Any whole minute around the day, or one just around the earliest allowed start."""
    if draw(st.booleans()):
        return s.base + timedelta(minutes=draw(st.integers(-360, 1800)))
    earliest = s.now + timedelta(minutes=s.rules.min_notice_minutes)
    whole_minute = earliest.replace(second=0, microsecond=0)
    return whole_minute + timedelta(minutes=draw(st.sampled_from([0, 0, -1, 1, 2])))


@THOROUGH
@given(scenarios(any_day | transition_day), st.data())
def test_it_refuses_exactly_the_starts_the_oracle_cannot_book(
    s: Scenario, data: st.DataObject
) -> None:
    start = data.draw(starts(s))
    calendar = data.draw(st.sampled_from(s.calendars))
    args = (start, s.service, calendar, s.rules, s.now)
    assert (refusal(*args) is None) == oracle_bookable(*args), (start, calendar, s)
