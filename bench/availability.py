"""How fast are open slots? `python bench/availability.py [--database-url URL]`

Builds a business of 10 staff (lunch breaks, a weekly day off each, some time off),
5 services and 2,000 appointments over 30 days in a throw-away SQLite database (or
in the database at --database-url, removing the business afterwards), then prints
median and p95 times for one day's slots and for a 14-day scan, in-process and
through the API, beside the brute-force oracle's time for the same days.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402
from werkzeug.exceptions import HTTPException  # noqa: E402

from bench.oracle import oracle_slots  # noqa: E402
from yume.app import create_app  # noqa: E402
from yume.availability import (  # noqa: E402
    find_slots,
    find_slots_between,
    load_calendars,
    service_spec,
    staff_for_service,
)
from yume.config import Config  # noqa: E402
from yume.db import database, is_postgres  # noqa: E402
from yume.migrations import migrate  # noqa: E402
from yume.models import (  # noqa: E402
    Appointment,
    AvailabilityException,
    Customer,
    Location,
    OpeningHours,
    Organization,
    ServiceType,
    Staff,
    StaffService,
    WorkingHours,
)
from yume.scheduling import open_slots  # noqa: E402
from yume.timeutil import local_midnight_utc, zone  # noqa: E402

TOKEN = "bench-token"
TZ = zone("America/Mexico_City")
DAYS = 30
STAFF = 10
APPOINTMENTS = 2000
SERVICES = (  # name, minutes, buffer
    ("Corte", 30, 0),
    ("Tinte", 45, 10),
    ("Manicure", 60, 0),
    ("Alaciado", 90, 15),
    ("Cejas", 20, 5),
)
OPEN, AFTERNOON, CLOSE = 9 * 60, 15 * 60, 20 * 60
GOALS = {"day": 2.0, "scan": 20.0, "ratio": 50.0}  # ms, ms, oracle time / engine time


@dataclass
class Business:
    org: Organization
    services: list[ServiceType]
    staff: list[Staff]
    first_day: date
    now: datetime

    def day(self, n: int) -> date:
        return self.first_day + timedelta(days=n)


# -- building the business -----------------------------------------------------------------


def lunch(index: int) -> tuple[int, int]:
    return (13 * 60, 14 * 60) if index % 2 else (14 * 60, 15 * 60)


def shifts(index: int) -> list[tuple[int, int]]:
    lunch_start, lunch_end = lunch(index)
    return [(OPEN, lunch_start), (lunch_end, CLOSE)]


def day_off(index: int) -> int:
    return index % 7


def local(day: date, minute: int) -> datetime:
    return local_midnight_utc(day, TZ) + timedelta(minutes=minute)


def create_org(first_day: date) -> Organization:
    org = Organization.create(
        name=f"Bench {time.time_ns()}",
        timezone=TZ.key,
        settings={"slot_minutes": 15, "min_notice_minutes": 60, "booking_horizon_days": 60},
    )
    location = Location.create(organization=org, name="Centro")
    OpeningHours.insert_many(
        [
            {"location": location, "weekday": w, "start_minute": OPEN, "end_minute": CLOSE}
            for w in range(7)
        ]
    ).execute()
    return org


def create_services(org: Organization) -> list[ServiceType]:
    return [
        ServiceType.create(
            organization=org,
            name=name,
            duration_minutes=minutes,
            buffer_minutes=buffer,
            price_mxn=Decimal(300),
        )
        for name, minutes, buffer in SERVICES
    ]


def is_specialist(index: int) -> bool:
    return index >= 7


def services_of(index: int, services: list[ServiceType]) -> list[ServiceType]:
    """Staff 7–9 do only three of the services; everyone else does everything."""
    return [services[0], services[1], services[4]] if is_specialist(index) else services


def create_staff(org: Organization, services: list[ServiceType], index: int) -> Staff:
    staff = Staff.create(
        organization=org,
        name=f"Estilista {index + 1}",
        phone=f"+5255{index:08d}",
        all_services=not is_specialist(index),
    )
    if is_specialist(index):
        for service in services_of(index, services):
            StaffService.create(staff=staff, service=service)
    WorkingHours.insert_many(
        [
            {"staff": staff, "weekday": w, "start_minute": s, "end_minute": e}
            for w in range(7)
            if w != day_off(index)
            for s, e in shifts(index)
        ]
    ).execute()
    return staff


def time_off_days(index: int) -> tuple[int, int]:
    """A whole day off and an afternoon off, as day numbers into the 30 days."""
    return (3 + 3 * index) % DAYS, (7 + 5 * index) % DAYS


def create_time_off(business: Business, staff: Staff, index: int) -> None:
    whole, afternoon = time_off_days(index)
    AvailabilityException.create(
        staff=staff,
        start_at=local(business.day(whole), 0),
        end_at=local(business.day(whole + 1), 0),
        reason="vacaciones",
    )
    AvailabilityException.create(
        staff=staff,
        start_at=local(business.day(afternoon), AFTERNOON),
        end_at=local(business.day(afternoon), CLOSE),
        reason="médico",
    )


def working_spans(index: int, day: date, day_number: int) -> list[tuple[int, int]]:
    """Local minutes this staff member works on this day, time off removed."""
    if day.weekday() == day_off(index):
        return []
    whole, afternoon = time_off_days(index)
    if day_number == whole:
        return []
    if day_number == afternoon:
        return [(s, min(e, AFTERNOON)) for s, e in shifts(index) if s < AFTERNOON]
    return shifts(index)


def appointment_rows(
    business: Business, customers: list[Customer], rng: random.Random
) -> list[dict]:
    """2,000 bookings laid end to end (with small gaps) inside working time, per staff."""
    cursors = {}  # (staff index, day number) → (remaining spans, next free minute)
    for index in range(STAFF):
        for n in range(DAYS):
            spans = working_spans(index, business.day(n), n)
            if spans:
                cursors[index, n] = (spans, spans[0][0])
    rows: list[dict] = []
    while len(rows) < APPOINTMENTS and cursors:
        for key in list(cursors):
            row = next_appointment(business, customers, rng, key, cursors)
            if row is not None:
                rows.append(row)
            if len(rows) == APPOINTMENTS:
                break
    if len(rows) < APPOINTMENTS:
        raise SystemExit(f"only {len(rows)} appointments fit; the bench needs {APPOINTMENTS}")
    return rows


def next_appointment(
    business: Business,
    customers: list[Customer],
    rng: random.Random,
    key: tuple[int, int],
    cursors: dict,
) -> dict | None:
    index, n = key
    spans, cursor = cursors[key]
    staff = business.staff[index]
    service = rng.choice(services_of(index, business.services))
    start = cursor + rng.choice((0, 0, 0, 15))
    hold = service.duration_minutes + service.buffer_minutes
    while spans and start + service.duration_minutes > spans[0][1]:
        spans = spans[1:]
        start = max(start, spans[0][0]) if spans else start
    if not spans:
        del cursors[key]
        return None
    cursors[key] = (spans, start + hold)
    day = business.day(n)
    return {
        "organization": business.org,
        "staff": staff,
        "service": service,
        "customer": rng.choice(customers),
        "start_at": local(day, start),
        "end_at": local(day, start + service.duration_minutes),
        "busy_until": local(day, start + hold),
        "status": rng.choices(("booked", "confirmed", "cancelled"), (85, 10, 5))[0],
        "source": "import",
    }


def build_business(seed: int) -> Business:
    rng = random.Random(seed)
    first_day = date.today() + timedelta(days=1)
    with database.atomic():
        org = create_org(first_day)
        services = create_services(org)
        staff = [create_staff(org, services, i) for i in range(STAFF)]
        now = local(first_day, 8 * 60)
        business = Business(org, services, staff, first_day, now)
        for index, member in enumerate(staff):
            create_time_off(business, member, index)
        customers = [
            Customer.create(organization=org, phone=f"+5233{i:08d}", name=f"Cliente {i}")
            for i in range(200)
        ]
        rows = appointment_rows(business, customers, rng)
        for start in range(0, len(rows), 500):
            Appointment.insert_many(rows[start : start + 500]).execute()
    return business


# -- measuring -----------------------------------------------------------------------------


def timed(action: Callable[[], object]) -> float:
    """Milliseconds one call takes."""
    began = time.perf_counter()
    action()
    return (time.perf_counter() - began) * 1000


def measure(actions: Iterator[Callable[[], object]], warmup: int = 3) -> list[float]:
    actions = list(actions)
    for action in actions[:warmup]:
        action()
    return [timed(action) for action in actions]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def one_day_calls(business: Business, service_id: int, repeat: int) -> Iterator[Callable]:
    for i in range(repeat):
        day = business.day(1 + i % (DAYS - 2))
        yield lambda day=day: find_slots(business.org, service_id, day, business.now)


def scan_calls(business: Business, service_id: int, repeat: int) -> Iterator[Callable]:
    for i in range(repeat):
        first = business.day(1 + i % (DAYS - 15))
        last = first + timedelta(days=13)
        yield lambda first=first, last=last: find_slots_between(
            business.org, service_id, first, last, business.now
        )


def day_inputs(business: Business, service: ServiceType, day: date) -> tuple:
    """What find_slots hands the engine for one day, loaded once."""
    staff = staff_for_service(business.org, service.id)
    start, end = local_midnight_utc(day, TZ), local_midnight_utc(day + timedelta(days=1), TZ)
    rules, calendars = load_calendars(business.org, staff, start, end)
    return day, service_spec(service), calendars, rules, business.now


def engine_and_oracle(business: Business, service: ServiceType) -> tuple[list, list]:
    """Pure engine and oracle times on the same days, checking that they agree."""
    inputs = [day_inputs(business, service, business.day(n)) for n in range(1, DAYS - 1)]
    for args in inputs:
        if open_slots(*args) != oracle_slots(*args):
            raise SystemExit(f"the engine and the oracle disagree on {args[0]}")
    engine = [timed(lambda a=args: open_slots(*a)) for args in inputs for _ in range(5)]
    oracle = [timed(lambda a=args: oracle_slots(*a)) for args in inputs]
    return engine, oracle


def has_route(app: Flask, path: str) -> bool:
    try:
        app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return False
    return True


def api_times(business: Business, app: Flask, service_id: int, repeat: int) -> list[float] | str:
    """Times of GET …/availability through the Flask test client, or why there are none."""
    path = f"/api/v1/organizations/{business.org.id}/availability"
    if not has_route(app, path):
        return "API: not available yet"
    client = app.test_client()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    statuses: set[int] = set()

    def call(day: date) -> None:
        query = {"service_id": service_id, "date": day.isoformat()}
        statuses.add(client.get(path, query_string=query, headers=headers).status_code)

    days = [business.day(1 + i % (DAYS - 2)) for i in range(repeat)]
    times = measure(lambda day=day: call(day) for day in days)
    database.connect(reuse_if_open=True)  # the app closes it after each request
    if statuses != {200}:
        return f"API: answered {sorted(statuses)}"
    return times


# -- the report ----------------------------------------------------------------------------


def queries_in(action: Callable[[], object]) -> int:
    """How many SQL statements `action` sends."""
    real = database.obj.execute_sql
    count = 0

    def counting(*args: object, **kwargs: object) -> object:
        nonlocal count
        count += 1
        return real(*args, **kwargs)

    database.obj.execute_sql = counting
    try:
        action()
    finally:
        del database.obj.execute_sql
    return count


def verdict(met: bool) -> str:
    return "ok" if met else "MISSED"


def time_row(label: str, times: list[float] | str, goal_ms: float | None = None) -> str:
    if isinstance(times, str):
        return f"{label:<46}{times}"
    median = statistics.median(times)
    line = f"{label:<46}{median:>9.2f} ms{p95(times):>9.2f} ms"
    if goal_ms is not None:
        line += f"   ≤ {goal_ms:g} ms{'':<4}{verdict(median <= goal_ms)}"
    return line


def ratio_row(label: str, slow: list[float], fast: list[float], goal: float | None) -> str:
    ratio = statistics.median(slow) / statistics.median(fast)
    line = f"{label:<46}{ratio:>9.0f} ×"
    if goal is not None:
        line += f"{'':<14}≥ {goal:g}×{'':<6}{verdict(ratio >= goal)}"
    return line


def report(business: Business, app: Flask, repeat: int, kind: str) -> None:
    service = business.services[1]  # 45 minutes + 10 buffer, done by everyone
    day = measure(one_day_calls(business, service.id, repeat))
    scan = measure(scan_calls(business, service.id, max(repeat // 4, 20)))
    engine, oracle = engine_and_oracle(business, service)
    queries = queries_in(next(one_day_calls(business, service.id, 1)))
    api = api_times(business, app, service.id, repeat)
    print(
        f"Availability, {kind}: {STAFF} staff, {len(SERVICES)} services, {APPOINTMENTS} "
        f"appointments over {DAYS} days; '{service.name}' "
        f"({service.duration_minutes} min + {service.buffer_minutes} buffer) with any staff"
    )
    load = os.getloadavg()[0]
    print(f"(load average {load:.1f} on {os.cpu_count()} CPUs; a busy machine reads slower)")
    print(f"{'':<46}{'median':>12}{'p95':>12}   goal")
    print(time_row("one day, in-process (find_slots)", day, GOALS["day"]))
    print(time_row("14 days, in-process (find_slots_between)", scan, GOALS["scan"]))
    print(time_row("one day, API GET …/availability", api))
    print(time_row("one day, engine only (open_slots)", engine))
    print(time_row("one day, brute-force oracle (bench/oracle.py)", oracle))
    print(ratio_row("oracle / engine", oracle, engine, GOALS["ratio"]))
    print(ratio_row("oracle / in-process one day (queries too)", oracle, day, None))
    print(f"{'SQL statements per one-day call':<46}{queries:>9}")


def run(url: str, repeat: int, seed: int, kind: str, keep: bool) -> None:
    app = create_app(Config(database_url=url, admin_token=TOKEN))
    logging.getLogger().setLevel(logging.WARNING)  # no migration or request chatter
    migrate(database.obj)
    database.connect(reuse_if_open=True)
    business = build_business(seed)
    if is_postgres():
        database.execute_sql("ANALYZE")  # as autovacuum would have by now: fresh statistics
    try:
        report(business, app, repeat, kind)
    finally:
        database.connect(reuse_if_open=True)
        if not keep:
            business.org.delete_instance(recursive=True)
        database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--repeat", type=int, default=200, help="calls per measurement")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.database_url:
        kind = args.database_url.split(":", 1)[0]
        run(args.database_url, args.repeat, args.seed, kind, keep=False)
        return
    with tempfile.TemporaryDirectory(prefix="yume-bench-") as scratch:
        url = "sqlite:///" + os.path.join(scratch, "bench.db")
        run(url, args.repeat, args.seed, "SQLite (temporary file)", keep=True)


if __name__ == "__main__":
    main()
