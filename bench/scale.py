"""Yume with a full book: 200 businesses of 5 staff, 60 days of bookings (about 360,000
appointments and 720,000 reminders) on PostgreSQL. Does it stay small and quick?

    python bench/scale.py [--businesses 200] [--days 60] [--per-day 7] [--keep]
                          [--database-url postgresql://postgres@127.0.0.1:5432/yume_bench_scale]
                          [--skip-footprint] [--skip-reminders]

Prints:
- Redis used memory with the reminder window loaded, at 20 and at 200 businesses (goal
  ≤ 5 MB, flat as the book grows), beside what every scheduled reminder in Redis would take;
- one-day and 14-day availability medians for one business among them, on PostgreSQL and on
  a SQLite copy of the same book (goals as for one business: ≤ 2 ms and ≤ 20 ms on SQLite);
- the one-dyno layout's PSS idle and at the peak of a burst with all the businesses active,
  one conversation each (goal ≤ 100 MB idle, ≤ 200 MB peak; bench/footprint.py's method);
- reminder lateness while 1,000 more are due within one minute (goal p99 ≤ 15 s;
  bench/reminders.py's method, 2 schedulers and 2 workers).

The database is created (dropped first if it exists) and dropped at the end unless --keep;
Redis is a private redis-server started here on a free port (memory only), so the figure
is Yume's alone. Every staff member works Monday to Saturday 10:00–14:00 and 15:00–20:00
(Mexico City) and has `--per-day` 45-minute appointments a working day; appointments and
reminders are written with COPY. The reminder window's figures are taken at tomorrow 10:00
local, when the window holds a working morning's reminders of every business.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.secret import share_key  # noqa: E402
from bench.webhook import free_port, goal, percentile, text_body  # noqa: E402

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/yume_bench_scale"
STAFF = 5
STARTS = (10, 11, 12, 13, 15, 16, 17, 18, 19)  # local hours an appointment may start at
MINUTES = 45
OFFSETS = (1440, 120)
FIRST_BATCH = 20  # businesses measured first
GOAL_REDIS_MB = 5.0
GOAL_ONE_DAY_MS, GOAL_SCAN_MS = 2.0, 20.0
MB = 1024 * 1024


# -- servers of the bench's own -------------------------------------------------------------


@contextlib.contextmanager
def private_redis(folder: Path) -> Iterator[str]:
    """A redis-server on a free port, nothing kept on disk; its URL."""
    from redis import Redis

    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                Redis.from_url(url).ping()
                break
            except Exception:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def admin_connection(url: str):
    import psycopg2

    parts = urlsplit(url)
    connection = psycopg2.connect(urlunsplit(parts._replace(scheme="postgresql", path="/postgres")))
    connection.autocommit = True
    return connection


def recreate_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with contextlib.closing(admin_connection(url)) as connection, connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with contextlib.closing(admin_connection(url)) as connection, connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- the book -------------------------------------------------------------------------------


def phone_number_id(index: int) -> str:
    return f"77{index:06d}"


def customer_phone(index: int, n: int) -> str:
    return f"+5256{index:04d}{n:04d}"


def create_businesses(first: int, last: int) -> list[int]:
    """Businesses first..last-1 (ORM: few rows), each with 5 staff, 3 services, customers."""
    from tests.cast import add_service, add_staff, make_org
    from yume.db import database
    from yume.models import Customer

    ids = []
    with database.atomic():
        for index in range(first, last):
            org = make_org(f"Salón {index}", phone_number_id=phone_number_id(index))
            add_service(org, "Corte", MINUTES, 250)
            add_service(org, "Tinte", MINUTES, 600)
            add_service(org, "Manicure", MINUTES, 300)
            for n in range(STAFF):
                role = "owner" if n == 0 else "staff"
                add_staff(org, f"Estilista {index}-{n}", f"+5257{index:04d}{n:04d}", role=role)
            Customer.insert_many(
                [
                    {"organization": org.id, "phone": customer_phone(index, n), "name": f"P{n}"}
                    for n in range(200)
                ]
            ).execute()
            ids.append(org.id)
    return ids


def book_rows(org_ids: list[int], days: int, per_day: int, now: datetime) -> list[tuple]:
    """Appointment rows for the businesses: `per_day` per staff member per working day,
    from tomorrow on."""
    from yume.models import Customer, ServiceType, Staff
    from yume.timeutil import local_to_utc, zone

    tz = zone("America/Mexico_City")
    starts = STARTS[:per_day]
    today = now.astimezone(tz).date()
    appointments = []
    for org_id in org_ids:
        staff = [s.id for s in Staff.select(Staff.id).where(Staff.organization == org_id)]
        services = [s.id for s in ServiceType.select().where(ServiceType.organization == org_id)]
        customers = [
            c.id for c in Customer.select(Customer.id).where(Customer.organization == org_id)
        ]
        n = 0
        for offset in range(1, days + 1):
            day = today + timedelta(days=offset)
            if day.weekday() == 6:  # closed on Sundays
                continue
            for member in staff:
                for hour in starts:
                    start = local_to_utc(day, hour * 60, tz)
                    end = start + timedelta(minutes=MINUTES)
                    appointments.append(
                        (org_id, member, services[n % 3], customers[n % len(customers)],
                         start, end, end)
                    )  # fmt: skip
                    n += 1
    return appointments


def copy_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    """COPY rows into table (PostgreSQL) or executemany (SQLite)."""
    from yume.db import database, is_postgres

    if not rows:
        return
    if is_postgres():
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(_copy_value(v) for v in row) + "\n")
        buffer.seek(0)
        cursor = database.connection().cursor()
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
        return
    marks = ", ".join("?" for _ in columns)
    with database.atomic():
        database.cursor().executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
            [tuple(_sqlite_value(v) for v in row) for row in rows],
        )


def _copy_value(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    return str(value)


def _sqlite_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    return value


APPOINTMENT_COLUMNS = [
    "organization_id", "staff_id", "service_id", "customer_id", "start_at", "end_at",
    "busy_until", "status", "source", "created_by", "cancel_reason", "created_at", "updated_at",
]  # fmt: skip
REMINDER_COLUMNS = [
    "appointment_id", "offset_minutes", "due_at", "status", "reason", "created_at", "updated_at",
]  # fmt: skip


def load_book(org_ids: list[int], days: int, per_day: int, now: datetime, reminders: bool) -> int:
    """Appointments (and their reminders) for these businesses, written in bulk; how many
    appointments."""
    from yume.models import Appointment

    rows = book_rows(org_ids, days, per_day, now)
    full = [(*row, "booked", "bench", "", "", now, now) for row in rows]
    copy_rows("appointment", APPOINTMENT_COLUMNS, full)
    if reminders:
        planned = []
        query = (
            Appointment.select(Appointment.id, Appointment.start_at)
            .where(Appointment.organization.in_(org_ids))
            .tuples()
        )
        for appointment_id, start in query.iterator():
            for offset in OFFSETS:
                due = start - timedelta(minutes=offset)
                status, reason = ("scheduled", "") if due > now else ("skipped", "offset_passed")
                planned.append((appointment_id, offset, due, status, reason, now, now))
        copy_rows("reminder", REMINDER_COLUMNS, planned)
    return len(full)


def open_book(url: str) -> None:
    from yume.db import open_database
    from yume.migrations import migrate

    db = open_database(url)
    db.connect(reuse_if_open=True)
    migrate(db)


# -- Redis: the reminder window -----------------------------------------------------------------


def redis_window(redis_url: str, at: datetime) -> dict[str, float]:
    """Load the reminder window at `at` into Redis as the reconciler's top-up does, with the
    periodic jobs registered as the scheduler does; Redis's memory and what it holds. The
    reminders due before `at` count as sent, as they would be by then (else the reconciler
    would rightly queue them all as overdue)."""
    from redis import Redis

    from jobs.periodic import YumeScheduler, ensure_periodic
    from jobs.reminders import rebuild
    from yume.queue import QUEUE_NAME, RedisQueue, set_queue
    from yume.reminders_models import Reminder

    Reminder.update(status="sent", sent_at=at).where(
        (Reminder.status == "scheduled") & (Reminder.due_at <= at)
    ).execute()
    redis = Redis.from_url(redis_url)
    redis.flushdb()
    set_queue(RedisQueue(redis_url))
    ensure_periodic(YumeScheduler(queue_name=QUEUE_NAME, connection=redis))
    began = time.perf_counter()
    counts = rebuild(at)  # the first load: every reminder of the window goes in
    top_up_ms = (time.perf_counter() - began) * 1000
    began = time.perf_counter()
    rebuild(at + timedelta(minutes=1))  # a minute later: the check and that minute's few
    steady_ms = (time.perf_counter() - began) * 1000
    info = redis.info("memory")
    jobs = redis.zcard("rq:scheduler:scheduled_jobs")
    queued = redis.llen(f"rq:queue:{QUEUE_NAME}")
    assert queued <= 1, f"{queued} jobs queued: the window should hold only scheduled ones"
    return {
        "scheduled": scheduled_count(),
        "used_mb": info["used_memory"] / MB,
        "dataset_mb": info.get("used_memory_dataset", 0) / MB,
        "jobs": jobs,
        "loaded": counts["rescheduled"],
        "top_up_ms": top_up_ms,
        "steady_ms": steady_ms,
    }


def bytes_per_reminder_job(redis_url: str, sample: int = 2000) -> float:
    """What one reminder's rq-scheduler job costs in Redis, measured on `sample` jobs."""
    from redis import Redis

    from yume.reminders import RQSchedulerClock

    redis = Redis.from_url(redis_url)
    redis.flushdb()
    clock = RQSchedulerClock(redis)
    before = redis.info("memory")["used_memory"]
    due = datetime.now(UTC) + timedelta(days=30)
    for n in range(sample):
        clock.schedule(10_000_000 + n, due + timedelta(seconds=n))
    after = redis.info("memory")["used_memory"]
    redis.flushdb()
    return (after - before) / sample


def scheduled_count() -> int:
    from yume.reminders_models import Reminder

    return Reminder.select().where(Reminder.status == "scheduled").count()


# -- availability -------------------------------------------------------------------------------


def availability_times(org_id: int, now: datetime, repeat: int = 60) -> tuple[list, list]:
    """Milliseconds for one day's slots and for a 14-day scan (Corte, any staff)."""
    from yume.availability import find_slots, find_slots_between
    from yume.models import Organization, ServiceType

    org = Organization.get_by_id(org_id)
    service = ServiceType.get((ServiceType.organization == org) & (ServiceType.name == "Corte"))
    today = now.date()

    def timed(action: Callable[[], object]) -> float:
        began = time.perf_counter()
        action()
        return (time.perf_counter() - began) * 1000

    def day(i: int) -> date:
        return today + timedelta(days=1 + i % 40)

    for i in range(5):  # warm-up
        find_slots(org, service.id, day(i), now)
    one = [timed(lambda i=i: find_slots(org, service.id, day(i), now)) for i in range(repeat)]
    scan = [
        timed(lambda i=i: find_slots_between(org, service.id, day(i), day(i) + timedelta(13), now))
        for i in range(repeat // 2)
    ]
    return one, scan


def sqlite_copy(folder: Path, businesses: int, days: int, per_day: int, now: datetime) -> None:
    """The same businesses and appointments in a SQLite file, now the process's database
    (no reminders: availability does not read them)."""
    open_book(f"sqlite:///{folder / 'scale.db'}")
    ids = create_businesses(0, businesses)
    load_book(ids, days, per_day, now, reminders=False)


# -- the one dyno with every business active ----------------------------------------------------


def footprint(args: argparse.Namespace, redis_url: str, org_count: int) -> dict:
    from redis import Redis

    from bench import footprint as fp
    from tests.fake_graph import FakeGraph

    def post(port: int, index: int, run: str) -> int:
        """The index-th business's first customer writes to it."""
        raw = text_body(
            customer_phone(index, 0).lstrip("+").replace("52", "521", 1),  # WhatsApp's 521…
            f"wamid.SCALE{run}x{index:05d}",
            "hola, ¿hay lugar mañana?",
            phone_number_id=phone_number_id(index),
        )
        return fp.post_signed(port, raw)

    fake = FakeGraph().start()
    redis = Redis.from_url(redis_url)
    burst = argparse.Namespace(
        conversations=org_count, database_url=args.database_url, keep_logs=False
    )
    try:
        return fp.measure_layout(
            "one-dyno",
            burst,
            fake,
            redis,
            redis_url=redis_url,
            prepare=lambda _url: None,
            post=post,
        )
    finally:
        fake.stop()
        redis.flushdb()


# -- the run ------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--businesses", type=int, default=200)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--per-day", type=int, default=7, help="appointments per staff per day")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--skip-footprint", action="store_true")
    parser.add_argument("--skip-reminders", action="store_true")
    args = parser.parse_args()
    if not shutil.which("redis-server"):
        print("redis-server is not installed (Debian: apt-get install redis-server)")
        return 1
    work = Path(tempfile.mkdtemp(prefix="yume-bench-scale-"))
    load = os.getloadavg()[0]
    try:
        with private_redis(work) as redis_url:
            results = run(args, redis_url, work)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not args.keep:
            with contextlib.suppress(Exception):
                drop_database(args.database_url)
    report(args, results, load)
    return 0


def run(args: argparse.Namespace, redis_url: str, work: Path) -> dict:
    share_key()  # the bench's tokens and its processes' key are one
    from yume.db import database
    from yume.timeutil import local_to_utc, zone

    now = datetime.now(UTC)
    tz = zone("America/Mexico_City")
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    if tomorrow.weekday() == 6:
        tomorrow += timedelta(days=1)
    peak = local_to_utc(tomorrow, 10 * 60, tz)  # a working morning: the window at its fullest
    results: dict = {}

    print("building the book on PostgreSQL…", file=sys.stderr)
    recreate_database(args.database_url)
    open_book(args.database_url)
    began = time.perf_counter()
    first = min(FIRST_BATCH, args.businesses)
    ids = create_businesses(0, first)
    appointments = load_book(ids, args.days, args.per_day, now, reminders=True)
    results["small"] = {"businesses": first}
    results["small"].update(redis_window(redis_url, peak))
    ids = create_businesses(first, args.businesses)
    appointments += load_book(ids, args.days, args.per_day, now, reminders=True)
    database.execute_sql("ANALYZE")
    results["seconds_to_load"] = time.perf_counter() - began
    results["appointments"] = appointments
    results["reminders"] = database.execute_sql("SELECT count(*) FROM reminder").fetchone()[0]
    results["full"] = {"businesses": args.businesses}
    results["full"].update(redis_window(redis_url, peak))
    results["bytes_per_job"] = bytes_per_reminder_job(redis_url)

    print("availability on PostgreSQL…", file=sys.stderr)
    middle = ids[len(ids) // 2] if ids else 1
    results["postgres"] = availability_times(middle, now)
    database.close()

    print("availability on a SQLite copy…", file=sys.stderr)
    sqlite_copy(work, args.businesses, args.days, args.per_day, now)
    results["sqlite"] = availability_times(middle, now)
    database.close()
    open_book(args.database_url)

    if not args.skip_footprint:
        print("one dyno, every business active…", file=sys.stderr)
        database.close()
        results["footprint"] = footprint(args, redis_url, args.businesses)
        open_book(args.database_url)
    if not args.skip_reminders:
        print("1,000 reminders due within a minute…", file=sys.stderr)
        from bench import reminders as rb

        options = argparse.Namespace(
            reminders=1000, spread=60.0, schedulers=2, workers=2,
            database_url=args.database_url, timeout=240.0, twice=False,
        )  # fmt: skip
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            rb.run(options, redis_url=redis_url, prepare=False)
        results["reminders_report"] = output.getvalue()
    database.close()
    return results


def report(args: argparse.Namespace, results: dict, load: float) -> None:
    print(
        f"Scale: {args.businesses} businesses × {STAFF} staff, {args.days} days of bookings "
        f"({args.per_day} a staff member a working day): {results['appointments']:,} "
        f"appointments, {results['reminders']:,} reminders, loaded in "
        f"{results['seconds_to_load']:.0f} s; PostgreSQL + a private redis-server"
    )
    print(f"machine: {os.cpu_count()} CPUs shared with others, load average {load:.2f} at start")
    print()
    print("Redis with the reminder window (2 h) loaded at a working morning, 10:00 local:")
    print(
        f"{'':16}{'scheduled in DB':>16}{'jobs in Redis':>15}{'used MB':>9}"
        f"{'first load ms':>15}{'a minute later ms':>19}"
    )
    for key in ("small", "full"):
        r = results[key]
        print(
            f"{r['businesses']:4d} businesses{r['scheduled']:16,}{r['jobs']:15,}"
            f"{r['used_mb']:9.2f}{r['top_up_ms']:15.0f}{r['steady_ms']:19.0f}"
        )
    per_job = results["bytes_per_job"]
    everything = results["full"]["scheduled"] * per_job / MB
    print(
        f"one reminder job costs {per_job:.0f} bytes of Redis: every scheduled reminder in Redis "
        f"(before the window) would be {everything:,.0f} MB"
    )
    full_mb = results["full"]["used_mb"]
    print(f"  goal Redis ≤ {GOAL_REDIS_MB:g} MB at {args.businesses} businesses: "
          f"{full_mb:.2f} MB {goal(full_mb <= GOAL_REDIS_MB)}")  # fmt: skip
    print()
    print("availability, one business among them (Corte, any of 5 staff), median / p95 ms:")
    for kind in ("sqlite", "postgres"):
        one, scan = results[kind]
        verdict = ""
        if kind == "sqlite":
            ok = (
                statistics.median(one) <= GOAL_ONE_DAY_MS
                and statistics.median(scan) <= GOAL_SCAN_MS
            )
            verdict = f"  goals ≤ {GOAL_ONE_DAY_MS:g} / ≤ {GOAL_SCAN_MS:g} ms: {goal(ok)}"
        print(
            f"  {kind:9} one day {statistics.median(one):6.2f} / {percentile(one, 0.95):6.2f}"
            f"   14 days {statistics.median(scan):6.2f} / {percentile(scan, 0.95):6.2f}{verdict}"
        )
    if "footprint" in results:
        f = results["footprint"]
        idle = sum(size for size, _ in f["idle"].values()) / MB
        peak = f["peak_total"] / MB
        print()
        print(
            f"one dyno, PSS: idle {idle:.1f} MB, peak {peak:.1f} MB with {f['ok_200']} "
            f"businesses' webhooks answered 200 and {f['answered']} conversations answered in "
            f"{f['burst_seconds']:.1f} s"
        )
        print(f"  goal idle ≤ 100 MB: {goal(idle <= 100)}; peak ≤ 200 MB: {goal(peak <= 200)}")
    if "reminders_report" in results:
        print()
        print(results["reminders_report"].rstrip())


if __name__ == "__main__":
    sys.exit(main())
