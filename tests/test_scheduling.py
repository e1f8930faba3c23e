"""The availability engine, find_slots and booking, by example.

Barbería Don Chuy (tests/cast.py) opens Monday to Saturday 10:00–20:00 in Mexico City.
Chuy (the owner) and Beto both work 10:00–14:00 and 15:00–20:00; Beto only cuts hair.
A haircut is 30 minutes; a beard trim 20 minutes plus a 10-minute buffer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playhouse.test_utils import count_queries

from tests.cast import Cast, add_staff, next_weekday
from yume.availability import find_slots, find_slots_between
from yume.booking import book_appointment, cancel_appointment, reschedule_appointment
from yume.errors import Conflict, DomainError, Invalid, NotFound
from yume.models import Appointment, AvailabilityException
from yume.scheduling import (
    BookingRules,
    ServiceSpec,
    Slot,
    StaffCalendar,
    open_slots,
    refusal,
)
from yume.timeutil import hhmm_to_minutes, minutes_to_hhmm, zone

CDMX = zone("America/Mexico_City")
TIJUANA = zone("America/Tijuana")
MONDAY = next_weekday(0)
TUESDAY = MONDAY + timedelta(days=1)
SUNDAY = MONDAY - timedelta(days=1)


def at(day: date, hhmm: str, tz: ZoneInfo = CDMX, fold: int = 0) -> datetime:
    """The UTC instant of a wall-clock time on `day`."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    wall = datetime(day.year, day.month, day.day, hour, minute, fold=fold, tzinfo=tz)
    return wall.astimezone(UTC)


NOW = at(MONDAY - timedelta(days=3), "12:00")  # the Friday before


def wall(slots: list[Slot], tz: ZoneInfo = CDMX) -> list[str]:
    return [f"{s.start.astimezone(tz):%H:%M}" for s in slots]


def span(day: date, start: str, end: str, end_day: date | None = None) -> tuple[int, int]:
    """[start, end) in epoch seconds, as the engine keeps it; `end_day` for overnight spans."""
    return int(at(day, start).timestamp()), int(at(end_day or day, end).timestamp())


def every_day(*intervals: tuple[str, str]) -> dict[int, list[tuple[int, int]]]:
    minutes = [(hhmm_to_minutes(a), hhmm_to_minutes(b)) for a, b in intervals]
    return {weekday: minutes for weekday in range(7)}


def calendar(staff_id: int = 1, **kwargs) -> StaffCalendar:
    kwargs.setdefault("weekly", every_day(("10:00", "14:00"), ("15:00", "20:00")))
    return StaffCalendar(staff_id=staff_id, **kwargs)


RULES = BookingRules(tz=CDMX, slot_minutes=30)
HAIRCUT = ServiceSpec(1, 30)
BEARD = ServiceSpec(2, 20, buffer_minutes=10)


def slots_on(day: date, service: ServiceSpec = HAIRCUT, *calendars, rules=RULES, now=NOW):
    return open_slots(day, service, calendars or [calendar()], rules, now)


def grid(first: str, last: str, step: int = 30) -> list[str]:
    """Wall times from `first` to `last`, inclusive, every `step` minutes."""
    minutes = range(hhmm_to_minutes(first), hhmm_to_minutes(last) + 1, step)
    return [minutes_to_hhmm(m) for m in minutes]


# -- the pure engine -----------------------------------------------------------------------


USUAL_DAY = grid("10:00", "13:30") + grid("15:00", "19:30")


def test_it_offers_every_grid_start_that_fits_between_breaks():
    assert wall(slots_on(MONDAY)) == USUAL_DAY


def test_it_keeps_a_service_from_running_into_the_break():
    long_service = ServiceSpec(3, 45)
    assert wall(slots_on(MONDAY, long_service)) == grid("10:00", "13:00") + grid("15:00", "19:00")


def test_it_holds_a_booked_staff_member_until_the_end_of_the_buffer():
    booked = calendar(busy=[span(MONDAY, "10:00", "11:10")])  # a service ending 11:00 + 10
    assert wall(slots_on(MONDAY, HAIRCUT, booked))[:2] == ["11:30", "12:00"]


def test_it_needs_room_for_the_new_bookings_own_buffer():
    # A beard trim at 10:30 ends at 10:50 and holds the barber until 11:00.
    next_at_eleven = calendar(busy=[span(MONDAY, "11:00", "11:30")])
    next_at_five_to = calendar(busy=[span(MONDAY, "10:55", "11:30")])
    assert wall(slots_on(MONDAY, BEARD, next_at_eleven))[:3] == ["10:00", "10:30", "11:30"]
    assert wall(slots_on(MONDAY, BEARD, next_at_five_to))[:2] == ["10:00", "11:30"]


def test_it_lets_a_buffer_run_into_the_break_or_past_closing():
    long_buffer = ServiceSpec(2, 20, buffer_minutes=30)
    starts = wall(slots_on(MONDAY, long_buffer))
    assert {"13:30", "19:30"} <= set(starts)


def test_it_only_offers_hours_when_the_place_is_open():
    rules = BookingRules(tz=CDMX, slot_minutes=30, opening_hours={0: [(11 * 60, 13 * 60)]})
    assert wall(slots_on(MONDAY, rules=rules)) == ["11:00", "11:30", "12:00", "12:30"]
    assert slots_on(TUESDAY, rules=rules) == []  # a weekday without hours is closed


def test_it_adds_dated_extra_hours_to_the_week():
    extra = calendar(extra=[span(MONDAY, "14:00", "15:00")])
    assert wall(slots_on(MONDAY, HAIRCUT, extra)) == grid("10:00", "19:30")
    assert wall(slots_on(TUESDAY, HAIRCUT, extra)) == USUAL_DAY


def test_it_removes_time_off_even_across_midnight():
    off = calendar(time_off=[span(MONDAY, "18:00", "11:00", end_day=TUESDAY)])
    assert wall(slots_on(MONDAY, HAIRCUT, off))[-1] == "17:30"
    assert wall(slots_on(TUESDAY, HAIRCUT, off))[0] == "11:00"


def test_it_gives_each_start_to_the_first_staff_member_who_can_take_it():
    busy_first = calendar(1, busy=[span(MONDAY, "10:00", "12:00")])
    second = calendar(2)
    slots = slots_on(MONDAY, HAIRCUT, busy_first, second)
    assert [(s.staff_id, f"{s.start.astimezone(CDMX):%H:%M}") for s in slots[:5]] == [
        (2, "10:00"),
        (2, "10:30"),
        (2, "11:00"),
        (2, "11:30"),
        (1, "12:00"),
    ]
    assert len(slots) == len({s.start for s in slots})


def test_it_offers_nothing_before_now_plus_the_minimum_notice():
    rules = BookingRules(tz=CDMX, slot_minutes=30, min_notice_minutes=60)
    now = at(MONDAY, "11:10")
    assert wall(slots_on(MONDAY, rules=rules, now=now))[0] == "12:30"


def test_it_does_not_offer_a_start_that_passed_a_moment_ago():
    now = at(MONDAY, "12:00") + timedelta(microseconds=1)
    assert wall(slots_on(MONDAY, now=now))[0] == "12:30"
    assert refusal(at(MONDAY, "12:00"), HAIRCUT, calendar(), RULES, now) == "in_the_past"


def test_it_offers_nothing_beyond_the_booking_horizon():
    rules = BookingRules(tz=CDMX, slot_minutes=30, horizon_days=3)
    assert slots_on(MONDAY, rules=rules) != []  # Friday + 3 days
    assert slots_on(TUESDAY, rules=rules) == []


def test_it_treats_a_booking_nested_inside_another_as_busy():
    nested = calendar(busy=[span(MONDAY, "10:00", "13:00"), span(MONDAY, "10:30", "11:00")])
    assert wall(slots_on(MONDAY, HAIRCUT, nested))[0] == "13:00"


@pytest.mark.parametrize(
    ("start", "now", "expected"),
    [
        ("10:00", NOW, None),
        ("10:07", NOW, None),  # bookings need not sit on the grid
        ("09:45", NOW, "outside_hours"),
        ("13:45", NOW, "outside_hours"),  # would run into lunch
        ("10:30", NOW, "slot_unavailable"),
        ("10:00", at(MONDAY, "10:01"), "in_the_past"),
    ],
)
def test_it_names_why_a_start_is_refused(start, now, expected):
    booked = calendar(busy=[span(MONDAY, "10:45", "11:15")])
    assert refusal(at(MONDAY, start), HAIRCUT, booked, RULES, now) == expected


def test_it_refuses_too_soon_and_beyond_the_horizon():
    rules = BookingRules(tz=CDMX, slot_minutes=30, min_notice_minutes=120, horizon_days=3)
    now = at(MONDAY, "10:00")
    assert refusal(at(MONDAY, "11:00"), HAIRCUT, calendar(), rules, now) == "too_soon"
    assert refusal(at(MONDAY, "12:00"), HAIRCUT, calendar(), rules, now) is None
    far = MONDAY + timedelta(days=4)
    assert refusal(at(far, "12:00"), HAIRCUT, calendar(), rules, now) == "beyond_horizon"


# -- daylight saving time (Tijuana) --------------------------------------------------------

FALL_BACK = date(2026, 11, 1)  # 02:00 PDT becomes 01:00 PST
SPRING_FORWARD = date(2026, 3, 8)  # 02:00 PST becomes 03:00 PDT
TIJUANA_RULES = BookingRules(tz=TIJUANA, slot_minutes=30, horizon_days=400)
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def night_shift(*intervals: tuple[str, str]) -> StaffCalendar:
    return calendar(weekly=every_day(*intervals))


def test_it_offers_a_repeated_wall_time_twice_when_the_clocks_fall_back():
    slots = open_slots(
        FALL_BACK, HAIRCUT, [night_shift(("00:00", "03:00"))], TIJUANA_RULES, LONG_AGO
    )
    assert wall(slots, TIJUANA) == [
        "00:00",
        "00:30",
        "01:00",
        "01:30",
        "01:00",
        "01:30",
        "02:00",
        "02:30",
    ]
    assert slots[4].start == at(FALL_BACK, "01:00", TIJUANA, fold=1)


def test_it_counts_both_passes_of_a_repeated_hour_as_working_time():
    slots = open_slots(
        FALL_BACK, ServiceSpec(1, 5), [night_shift(("00:00", "01:05"))], TIJUANA_RULES, LONG_AGO
    )
    assert [s.start for s in slots][-2:] == [
        at(FALL_BACK, "01:00", TIJUANA),
        at(FALL_BACK, "01:00", TIJUANA, fold=1),
    ]


def test_it_skips_wall_times_that_do_not_exist_when_the_clocks_spring_forward():
    slots = open_slots(
        SPRING_FORWARD, HAIRCUT, [night_shift(("00:00", "04:00"))], TIJUANA_RULES, LONG_AGO
    )
    assert wall(slots, TIJUANA) == ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30"]


def test_it_starts_hours_that_begin_in_the_skipped_hour_at_the_jump():
    slots = open_slots(
        SPRING_FORWARD, HAIRCUT, [night_shift(("02:30", "04:00"))], TIJUANA_RULES, LONG_AGO
    )
    assert wall(slots, TIJUANA) == ["03:00", "03:30"]


# -- find_slots against the database -------------------------------------------------------


def test_it_finds_slots_for_any_staff_giving_each_start_to_the_lowest_id(cast: Cast):
    slots = find_slots(cast.org, cast.haircut.id, MONDAY, NOW)
    assert wall(slots) == grid("10:00", "13:30", 15) + grid("15:00", "19:30", 15)
    assert {s.staff_id for s in slots} == {cast.owner.id}


def test_it_finds_slots_for_one_staff_member(cast: Cast):
    Appointment.create(
        organization=cast.org,
        staff=cast.owner,
        service=cast.haircut,
        customer=cast.customer,
        start_at=at(MONDAY, "10:00"),
        end_at=at(MONDAY, "10:30"),
        busy_until=at(MONDAY, "10:30"),
    )
    mine = find_slots(cast.org, cast.haircut.id, MONDAY, NOW, staff_id=cast.owner.id)
    anyone = find_slots(cast.org, cast.haircut.id, MONDAY, NOW)
    assert wall(mine)[0] == "10:30"
    assert (wall(anyone)[0], anyone[0].staff_id) == ("10:00", cast.barber.id)


def test_it_offers_a_service_only_with_staff_who_perform_it(cast: Cast):
    slots = find_slots(cast.org, cast.beard.id, MONDAY, NOW)
    assert {s.staff_id for s in slots} == {cast.owner.id}
    with pytest.raises(NotFound) as refused:
        find_slots(cast.org, cast.beard.id, MONDAY, NOW, staff_id=cast.barber.id)
    assert refused.value.code == "unknown_staff"


def test_it_finds_no_slots_on_a_closed_day(cast: Cast):
    assert find_slots(cast.org, cast.haircut.id, SUNDAY, NOW) == []


def test_it_leaves_out_time_off(cast: Cast):
    for staff in (cast.owner, cast.barber):
        AvailabilityException.create(
            staff=staff, start_at=at(MONDAY, "10:00"), end_at=at(MONDAY, "12:00")
        )
    assert wall(find_slots(cast.org, cast.haircut.id, MONDAY, NOW))[0] == "12:00"


def test_it_scans_several_days_in_one_call(cast: Cast):
    week = find_slots_between(cast.org, cast.haircut.id, SUNDAY, SUNDAY + timedelta(days=6), NOW)
    days = sorted({s.start.astimezone(CDMX).date() for s in week})
    assert days == [SUNDAY + timedelta(days=n) for n in range(1, 7)]
    assert week == [
        slot
        for n in range(7)
        for slot in find_slots(cast.org, cast.haircut.id, SUNDAY + timedelta(days=n), NOW)
    ]


def test_it_counts_a_booking_that_began_the_day_before(cast: Cast):
    overnight = (at(SUNDAY, "12:00"), at(MONDAY, "10:30"))
    AvailabilityException.create(
        staff=cast.owner, kind="extra", start_at=overnight[0], end_at=overnight[1]
    )
    Appointment.create(
        organization=cast.org,
        staff=cast.owner,
        service=cast.haircut,
        customer=cast.customer,
        start_at=overnight[0],
        end_at=overnight[1],
        busy_until=overnight[1],
    )
    mine = find_slots(cast.org, cast.haircut.id, MONDAY, NOW, staff_id=cast.owner.id)
    assert wall(mine)[0] == "10:30"


def test_it_reads_a_fortnight_in_three_queries(cast: Cast):
    with count_queries() as counted:
        find_slots_between(cast.org, cast.haircut.id, MONDAY, MONDAY + timedelta(days=13), NOW)
    assert counted.count == 3


def test_it_refuses_a_service_of_another_organization(cast: Cast):
    with pytest.raises(NotFound) as refused:
        find_slots(cast.org, cast.other_service.id, MONDAY, NOW)
    assert refused.value.code == "unknown_service"


# -- booking -------------------------------------------------------------------------------


def book(cast: Cast, start: datetime, service=None, **kwargs) -> Appointment:
    service = service or cast.haircut
    kwargs.setdefault("now", NOW)
    return book_appointment(cast.org, service.id, start, cast.customer, **kwargs)


def refused_with(action: Callable[..., object], *args: object, **kwargs: object) -> str:
    """The domain error code `action` raises."""
    with pytest.raises(DomainError) as refused:
        action(*args, **kwargs)
    return refused.value.code


def test_it_books_the_first_free_staff_member_and_then_the_next(cast: Cast):
    first = book(cast, at(MONDAY, "10:00"))
    second = book(cast, at(MONDAY, "10:00"))
    assert (first.staff_id, second.staff_id) == (cast.owner.id, cast.barber.id)
    assert (first.end_at, first.busy_until) == (at(MONDAY, "10:30"), at(MONDAY, "10:30"))
    assert refused_with(book, cast, at(MONDAY, "10:15")) == "slot_unavailable"


def test_it_holds_the_buffer_after_a_booking(cast: Cast):
    trim = book(cast, at(MONDAY, "10:00"), cast.beard)
    assert trim.busy_until == at(MONDAY, "10:30")
    beards = find_slots(cast.org, cast.beard.id, MONDAY, NOW)
    assert wall(beards)[0] == "10:30"
    haircut = book(cast, at(MONDAY, "10:20"))
    assert haircut.staff_id == cast.barber.id


@pytest.mark.parametrize(
    ("day", "start", "expected"),
    [
        (MONDAY, "09:30", "outside_hours"),
        (MONDAY, "13:45", "outside_hours"),  # runs into lunch
        (MONDAY, "19:45", "outside_hours"),
        (SUNDAY, "12:00", "outside_hours"),
        (MONDAY - timedelta(days=7), "12:00", "in_the_past"),
        (MONDAY + timedelta(days=70), "12:00", "beyond_horizon"),
    ],
)
def test_it_refuses_times_it_cannot_honour(cast: Cast, day, start, expected):
    with pytest.raises(Conflict) as refused:
        book(cast, at(day, start))
    assert refused.value.code == expected
    assert Appointment.select().count() == 0


def test_it_refuses_a_start_inside_the_minimum_notice(cast: Cast):
    cast.org.settings = {**cast.org.settings, "min_notice_minutes": 120}
    cast.org.save()
    now = at(MONDAY, "10:00")
    assert refused_with(book, cast, at(MONDAY, "11:30"), now=now) == "too_soon"
    assert book(cast, at(MONDAY, "12:00"), now=now).id


def test_it_refuses_a_staff_member_who_does_not_perform_the_service(cast: Cast):
    code = refused_with(book, cast, at(MONDAY, "10:00"), cast.beard, staff_id=cast.barber.id)
    assert code == "staff_cannot_perform"


def test_it_refuses_an_unknown_service(cast: Cast):
    assert refused_with(book, cast, at(MONDAY, "10:00"), cast.other_service) == "unknown_service"


def test_it_refuses_a_customer_of_another_organization(cast: Cast):
    with pytest.raises(Invalid):
        book_appointment(
            cast.org, cast.haircut.id, at(MONDAY, "10:00"), cast.other_customer, now=NOW
        )
    assert Appointment.select().count() == 0


def test_it_reschedules_to_a_free_time_and_frees_the_old_one(cast: Cast):
    appointment = book(cast, at(MONDAY, "10:00"), staff_id=cast.owner.id)
    moved = reschedule_appointment(cast.org, appointment.id, at(MONDAY, "10:15"), now=NOW)
    assert (moved.start_at, moved.end_at) == (at(MONDAY, "10:15"), at(MONDAY, "10:45"))
    mine = find_slots(cast.org, cast.haircut.id, MONDAY, NOW, staff_id=cast.owner.id)
    assert wall(mine)[:2] == ["10:45", "11:00"]


def test_it_refuses_to_reschedule_onto_another_booking(cast: Cast):
    book(cast, at(MONDAY, "11:00"), staff_id=cast.owner.id)
    mine = book(cast, at(MONDAY, "10:00"), staff_id=cast.owner.id)
    code = refused_with(reschedule_appointment, cast.org, mine.id, at(MONDAY, "10:45"), now=NOW)
    assert code == "slot_unavailable"
    assert Appointment.get_by_id(mine.id).start_at == at(MONDAY, "10:00")


def test_it_reschedules_to_another_staff_member_only_if_they_perform_it(cast: Cast):
    trim = book(cast, at(MONDAY, "10:00"), cast.beard)
    code = refused_with(reschedule_appointment, cast.org, trim.id, staff_id=cast.barber.id, now=NOW)
    assert code == "staff_cannot_perform"
    haircut = book(cast, at(MONDAY, "12:00"), staff_id=cast.owner.id)
    moved = reschedule_appointment(cast.org, haircut.id, staff_id=cast.barber.id, now=NOW)
    assert moved.staff_id == cast.barber.id


def test_it_cancels_and_offers_the_time_again(cast: Cast):
    appointment = book(cast, at(MONDAY, "10:00"), cast.beard)
    cancelled = cancel_appointment(cast.org, appointment.id, "se enfermó", now=NOW)
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "se enfermó")
    assert wall(find_slots(cast.org, cast.beard.id, MONDAY, NOW))[0] == "10:00"
    assert cancel_appointment(cast.org, appointment.id, now=NOW).status == "cancelled"
    code = refused_with(
        reschedule_appointment, cast.org, appointment.id, at(MONDAY, "11:00"), now=NOW
    )
    assert code == "appointment_not_active"


def test_it_keeps_other_organizations_appointments_out_of_reach(cast: Cast):
    theirs = book_appointment(
        cast.other_org,
        cast.other_service.id,
        at(MONDAY, "10:00"),
        cast.other_customer,
        now=NOW,
    )
    with pytest.raises(NotFound):
        cancel_appointment(cast.org, theirs.id, now=NOW)
    with pytest.raises(NotFound):
        reschedule_appointment(cast.org, theirs.id, at(MONDAY, "11:00"), now=NOW)
    assert Appointment.get_by_id(theirs.id).status == "booked"


def test_it_does_not_let_another_organizations_bookings_take_our_time(cast: Cast):
    book_appointment(
        cast.other_org, cast.other_service.id, at(MONDAY, "10:00"), cast.other_customer, now=NOW
    )
    assert wall(find_slots(cast.org, cast.haircut.id, MONDAY, NOW))[0] == "10:00"


def test_it_keeps_staff_within_the_opening_hours(cast: Cast):
    early_bird = add_staff(cast.org, "Memo", "+525500001111", hours=((8 * 60, 12 * 60),))
    assert book(cast, at(MONDAY, "10:00"), staff_id=early_bird.id).staff_id == early_bird.id
    code = refused_with(book, cast, at(MONDAY, "09:00"), staff_id=early_bird.id)
    assert code == "outside_hours"  # Memo starts at 8, but the shop opens at 10
