"""Reminder lateness and duplicates with the shipped rq-scheduler interval, on real Redis,
rq-scheduler and RQ worker processes, against a fake Graph API.

    python bench/reminders.py [--reminders 1000] [--spread 60] [--schedulers 2] [--workers 2]
                              [--database-url postgresql://postgres@127.0.0.1:5432/yume_bench_reminders]

N appointments (each with its own customer and staff member, so nothing overlaps) get one
reminder each through Yume's own planning (`yume.reminders.plan_reminders`, offset 120 min),
due evenly over `spread` seconds starting a few seconds after the processes are up; the
rq-scheduler jobs are made by `yume.reminders.apply_jobs`, as a booking would. Then
`--schedulers` × `python -m yume scheduler` and `--workers` × `python -m yume worker` run until
every reminder reached the fake Graph API (or a timeout). Two schedulers on purpose: both poll,
rq-scheduler's lock lets one enqueue per poll, and the database claim must keep each send
single even if both enqueued the same job.

Lateness = when the fake Graph API received the message − the reminder's `due_at`. A duplicate
is a second message for the same appointment. Goals (issue 5, item 9): p99 lateness ≤ 15 s,
0 duplicates. The bench database is emptied and re-seeded; Redis db 13 is flushed before and
after.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.secret import share_key  # noqa: E402
from bench.webhook import goal, percentile, prepare_database  # noqa: E402
from tests.fake_graph import Answer, FakeGraph  # noqa: E402

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/yume_bench_reminders"
REDIS_URL = "redis://127.0.0.1:6379/13"
OFFSET_MINUTES = 120
LEAD_SECONDS = 15  # first reminder due this long after scheduling (processes warm up)
GOAL_P99_SECONDS = 15.0


class TimedGraph(FakeGraph):
    """The fake Graph API, noting when each message arrived and which appointment it is for."""

    arrivals: list[tuple[float, int]]

    def _message(self, body: Any) -> Answer:
        appointment_id = _appointment_of(body)
        if appointment_id is not None:
            with self._lock:
                self.arrivals.append((time.time(), appointment_id))
        return super()._message(body)


def _appointment_of(body: Any) -> int | None:
    """The appointment id in a reminder's first button payload ('rem:confirm:<id>')."""
    try:
        components = body["template"]["components"]
        payload = next(c for c in components if c["type"] == "button")["parameters"][0]
        return int(payload["payload"].rsplit(":", 1)[1])
    except (KeyError, TypeError, StopIteration, ValueError, IndexError):
        return None


def seed(count: int, first_due: datetime, spread: float, twice: bool) -> dict[int, datetime]:
    """N appointments with one reminder each, planned and scheduled as Yume does; the due
    instant of each appointment's reminder."""
    from yume import reminders
    from yume.db import database
    from yume.models import Appointment, Organization, ServiceType, utcnow

    org = Organization.get()
    org.settings = {**org.settings, "reminder_offsets_minutes": [OFFSET_MINUTES]}
    org.whatsapp_access_token = "bench-token"
    org.save()
    service = ServiceType.get(ServiceType.organization == org)
    now = utcnow()
    due: dict[int, datetime] = {}
    schedule: list[tuple[int, datetime]] = []
    with database.atomic():
        for i, (member, customer) in enumerate(people(org, count, now)):
            when = first_due + timedelta(seconds=spread * i / count)
            start = when + timedelta(minutes=OFFSET_MINUTES)
            appointment = Appointment.create(
                organization=org,
                staff=member,
                service=service,
                customer=customer,
                start_at=start,
                end_at=start + timedelta(minutes=30),
                busy_until=start + timedelta(minutes=30),
                created_at=now,
                updated_at=now,
            )
            schedule += reminders.plan_reminders(appointment, now).schedule
            due[appointment.id] = when
    reminders.apply_jobs(schedule, [])
    if twice:
        schedule_copies(schedule)
    return due


def people(org: Any, count: int, now: datetime) -> list[tuple[Any, Any]]:
    """`count` (staff member, customer) pairs: one each per appointment, so none overlap."""
    from yume.models import Customer, Staff

    staff = [
        {"organization": org.id, "name": f"Staff {i}", "phone": f"+5255{30_000_000 + i}"}
        for i in range(count)
    ]
    customers = [
        {"organization": org.id, "name": f"Cliente {i}", "phone": f"+5255{20_000_000 + i}"}
        for i in range(count)
    ]
    Staff.insert_many(staff).execute()
    Customer.insert_many([{**c, "created_at": now} for c in customers]).execute()
    return list(
        zip(
            Staff.select().where(Staff.name.startswith("Staff ")).order_by(Staff.id),
            Customer.select().where(Customer.name.startswith("Cliente ")).order_by(Customer.id),
            strict=True,
        )
    )


def schedule_copies(schedule: list[tuple[int, datetime]]) -> None:
    """A second rq-scheduler job per reminder, due at the same instant under another id: what a
    Redis restored from a snapshot beside rebuilt jobs, or a double registration, looks like."""
    from rq_scheduler import Scheduler

    from yume.queue import QUEUE_NAME, default_queue

    scheduler = Scheduler(queue_name=QUEUE_NAME, connection=default_queue().connection)
    for reminder_id, due_at in schedule:
        scheduler.enqueue_at(due_at, "jobs.reminders.send_reminder", reminder_id)


def start_processes(kind: str, count: int, env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(
            [sys.executable, "-m", "yume", kind],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def send_jobs_run(redis: Any) -> int:
    """How many send_reminder jobs the workers finished (each reminder's, and any copies)."""
    from rq.registry import FinishedJobRegistry

    from yume.queue import QUEUE_NAME

    ids = FinishedJobRegistry(QUEUE_NAME, connection=redis).get_job_ids()
    with redis.pipeline(transaction=False) as pipe:
        for job_id in ids:
            pipe.hget(f"rq:job:{job_id}", "description")
        descriptions = pipe.execute()
    return sum(b"send_reminder" in (d or b"") for d in descriptions)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reminders", type=int, default=1000)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds the dues span")
    parser.add_argument("--schedulers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--timeout", type=float, default=240.0)
    parser.add_argument(
        "--twice", action="store_true", help="schedule a second job for every reminder"
    )
    args = parser.parse_args()
    return run(args)


def run(args: argparse.Namespace, redis_url: str = REDIS_URL, prepare: bool = True) -> int:
    share_key()  # the bench's tokens and its workers' key are one
    """Seed, run the processes, report. bench/scale.py runs it on its own full database
    (`prepare=False`: only the bench's own appointments are added) and its own Redis."""
    from redis import Redis

    from jobs.worker import SCHEDULER_INTERVAL
    from yume.db import database
    from yume.queue import RedisQueue, set_queue
    from yume.reminders_models import Reminder

    redis = Redis.from_url(redis_url)
    redis.flushdb()
    if prepare:
        prepare_database(args.database_url)
    database.connect(reuse_if_open=True)
    graph = TimedGraph()
    graph.arrivals = []
    graph.start()
    set_queue(RedisQueue(redis_url))
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": redis_url,
        "YUME_SECRET_KEY": os.environ["YUME_SECRET_KEY"],
        "META_GRAPH_URL": graph.url,
        "PYTHONPATH": str(ROOT),
    }
    processes: list[subprocess.Popen[bytes]] = []
    try:
        first_due = datetime.now(UTC) + timedelta(seconds=LEAD_SECONDS)
        started = time.monotonic()
        due = seed(args.reminders, first_due, args.spread, args.twice)
        seeded = time.monotonic() - started
        processes = start_processes("scheduler", args.schedulers, env)
        processes += start_processes("worker", args.workers, env)
        deadline = time.monotonic() + LEAD_SECONDS + args.spread + args.timeout
        while len({a for _, a in graph.arrivals}) < len(due) and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(2 * SCHEDULER_INTERVAL)  # let any duplicate arrive before counting
    finally:
        stop(processes)
        graph.stop()
    mine = Reminder.select(Reminder.status).where(Reminder.appointment.in_(list(due)))
    statuses = Counter(r.status for r in mine)
    database.close()
    ran = send_jobs_run(redis)
    redis.flushdb()
    report(args, due, graph.arrivals, statuses, seeded, SCHEDULER_INTERVAL, ran, redis_url)
    return 0


def report(
    args: argparse.Namespace,
    due: dict[int, datetime],
    arrivals: list[tuple[float, int]],
    statuses: Counter[str],
    seeded: float,
    interval: float,
    ran: int,
    redis_url: str = REDIS_URL,
) -> None:
    first: dict[int, float] = {}
    for arrived, appointment_id in sorted(arrivals):
        first.setdefault(appointment_id, arrived)
    late = [first[a] - due[a].timestamp() for a in due if a in first]
    per_appointment = Counter(a for _, a in arrivals)
    duplicates = sum(n - 1 for n in per_appointment.values() if n > 1)
    missing = len(due) - len(first)
    p99 = percentile(late, 0.99) if late else float("inf")
    print(f"reminders bench · {args.reminders} reminders due over {args.spread:.0f} s")
    print(
        f"  {args.schedulers} × `python -m yume scheduler` (rq-scheduler, interval "
        f"{interval} s) + {args.workers} × `python -m yume worker` (RQ SimpleWorker)"
    )
    print(f"  database {args.database_url} · Redis {redis_url} · fake Graph API")
    copies = " (and a second job for each: --twice)" if args.twice else ""
    print(f"  planned and scheduled in {seeded:.1f} s{copies}")
    if late:
        print(
            f"  lateness: p50 {percentile(late, 0.5):.2f} s · p99 {p99:.2f} s · "
            f"max {max(late):.2f} s · min {min(late):.2f} s · mean {statistics.mean(late):.2f} s"
        )
    print(f"  send jobs run {ran} · messages sent {len(arrivals)}")
    print(f"  sent {len(first)} / {len(due)} · missing {missing} · duplicates {duplicates}")
    print(f"  reminder rows: {dict(statuses)}")
    print(f"  goal p99 ≤ {GOAL_P99_SECONDS:.0f} s: {goal(p99 <= GOAL_P99_SECONDS)}")
    print(f"  goal 0 duplicates, 0 missing: {goal(duplicates == 0 and missing == 0)}")


if __name__ == "__main__":
    sys.exit(main())
