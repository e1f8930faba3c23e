"""Two people must never hold the same staff member at the same minute, however
many connections race for it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from peewee import IntegrityError

from tests.cast import next_weekday
from yume.booking import book_appointment
from yume.db import database, is_postgres
from yume.errors import Conflict
from yume.models import Appointment, Customer

RACERS = 8


def _start_of_slot(cast) -> datetime:
    day = next_weekday(1)
    return datetime(day.year, day.month, day.day, 17, 0, tzinfo=UTC)  # 11:00 in CDMX


def test_it_books_one_slot_exactly_once_under_concurrent_connections(cast):
    start = _start_of_slot(cast)
    customers = [
        Customer.create(organization=cast.org, phone=f"+52551000{i:04d}") for i in range(RACERS)
    ]
    database.close()  # every racer opens its own connection
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(customer: Customer) -> None:
        barrier.wait()
        try:
            book_appointment(cast.org, cast.haircut.id, start, customer, cast.barber.id)
            result = "booked"
        except Conflict as exc:
            result = exc.code
        finally:
            database.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=race, args=(c,)) for c in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["booked"] + ["slot_unavailable"] * (RACERS - 1)
    assert Appointment.select().where(Appointment.staff == cast.barber).count() == 1


def test_it_lets_the_database_refuse_overlaps_that_skip_the_engine(cast):
    if not is_postgres():
        pytest.skip("the exclusion constraint exists on PostgreSQL only; SQLite serialises")
    start = _start_of_slot(cast)
    row = dict(
        organization=cast.org,
        staff=cast.barber,
        service=cast.haircut,
        customer=cast.customer,
        start_at=start,
        end_at=start + timedelta(minutes=30),
        busy_until=start + timedelta(minutes=30),
    )
    Appointment.create(**row)
    later = start + timedelta(minutes=29)
    with pytest.raises(IntegrityError), database.atomic():
        Appointment.create(
            **{
                **row,
                "start_at": later,
                "end_at": later + timedelta(minutes=30),
                "busy_until": later + timedelta(minutes=30),
            }
        )
    cancelled = {**row, "status": "cancelled"}
    assert Appointment.create(**cancelled).id  # cancelled bookings hold no time
