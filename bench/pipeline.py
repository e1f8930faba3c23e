"""Per inbound message: the job's own time and SQL query count, with a brain that answers at
once and a transport that answers at once in-process.

    python bench/pipeline.py [--messages 300] [--database-url sqlite:///…|postgresql://…]

N inbound text messages from N customers go through the webhook journal
(yume.webhook_journal.WebhookJournal.record, as the webhook does), each is ingested by its own
run of the ingest job (`jobs.ingest.ingest_webhooks`, timed: storing the message, creating the
customer and conversation, enqueueing the turn), then `jobs.inbound.run_turn(conversation_id,
config, now)` is timed for each with YUME_BRAIN=bench.instant_brain.InstantBrain and
quiet_seconds=0. Every statement that
reaches the database is counted: peewee's query hooks see the queries, and BEGIN/COMMIT/
ROLLBACK are counted apart. A first pass on other conversations warms up and records which
function in yume/ or jobs/ issued each query. Goals (issue 3, item 11): at most 20 ms and at
most 15 queries per message for the turn; the ingest job (work the webhook request did before
the journal) is reported beside it, and the sum. SQLite (a temporary file) by default.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.webhook import (  # noqa: E402
    APP_SECRET,
    customer_wa_id,
    goal,
    percentile,
    prepare_database,
    text_body,
)

BRAIN = "bench.instant_brain.InstantBrain"
GOAL_MS = 20.0
GOAL_QUERIES = 15
ATTRIBUTION_TURNS = 20  # warm-up turns whose queries are traced to their callers
JOB_TURNS = 100  # extra turns through the whole RQ job (process_conversation)
OURS = (str(ROOT / "yume") + os.sep, str(ROOT / "jobs") + os.sep)


class InstantTransport:
    """Meta's success answers, at once, with no network (the interface of ConsoleTransport)."""

    def __init__(self) -> None:
        self.sent = 0

    def post(self, path: str, payload: Mapping[str, Any], token: str) -> dict[str, Any]:
        if payload.get("status") == "read":
            return {"success": True}
        self.sent += 1
        return {
            "messaging_product": "whatsapp",
            "contacts": [{"input": payload.get("to"), "wa_id": payload.get("to")}],
            "messages": [{"id": f"wamid.BENCHOUT{self.sent:07d}"}],
        }

    def get(self, path_or_url: str, token: str) -> Any:
        raise NotImplementedError("the pipeline bench downloads no media")


@dataclass
class Tally:
    """What reached the database since the last `reset()`."""

    queries: int = 0
    transaction: int = 0  # BEGIN / COMMIT / ROLLBACK
    sql_seconds: float = 0.0
    trace: bool = False
    # (statement, calling function) -> [how many, seconds] over the traced turns
    places: dict[tuple[str, str], list[float]] = field(default_factory=dict)

    def reset(self) -> None:
        self.queries = self.transaction = 0
        self.sql_seconds = 0.0

    def on_query(self, event: Any) -> None:
        self.queries += 1
        self.sql_seconds += event.duration
        if self.trace:
            self.place(describe(event.sql), event.duration)

    def place(self, statement: str, seconds: float) -> None:
        seen = self.places.setdefault((statement, caller(depth=3)), [0, 0.0])
        seen[0] += 1
        seen[1] += seconds

    def counting(self, method: Callable[..., Any], name: str) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.transaction += 1
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                self.sql_seconds += elapsed
                if self.trace:
                    self.place(name, elapsed)

        return counted


def describe(sql: str) -> str:
    """'SELECT message', 'UPDATE conversation'…"""
    verb = sql.split(None, 1)[0].upper()
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"', sql)
    return f"{verb} {table.group(1) if table else '?'}"


def caller(depth: int) -> str:
    """The innermost function of yume/ or jobs/ on the stack, and whether peewee was loading a
    foreign key lazily on its behalf (an attribute access that costs a query)."""
    frame = sys._getframe(depth)
    lazy = False
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(OURS):
            module = os.path.relpath(filename, ROOT).removesuffix(".py").replace(os.sep, ".")
            where = f"{module}.{frame.f_code.co_name}"
            return where + (" (lazy foreign key)" if lazy else "")
        if filename.endswith("peewee.py") and frame.f_code.co_name == "get_rel_instance":
            lazy = True
        frame = frame.f_back
    return "?"


def install_counters(db: Any) -> Tally:
    tally = Tally()
    db.query_hooks.append(tally.on_query)
    # instance attributes shadow the methods: peewee's transactions call db.begin() etc.
    for name in ("begin", "commit", "rollback"):
        setattr(db, name, tally.counting(getattr(db, name), name.upper()))
    return tally


@dataclass
class Ingested:
    conversation_ids: list[int] = field(default_factory=list)
    millis: list[float] = field(default_factory=list)  # one ingest run per delivery
    queries: list[int] = field(default_factory=list)


def store_inbound(
    url: str, count: int, offset: int, queue: Any, tally: Tally | None = None
) -> Ingested:
    """`count` text messages from `count` new customers: each journalled as the webhook does,
    then ingested by its own run of the ingest job (timed when `tally` is given)."""
    from jobs.ingest import ingest_webhooks
    from yume.inbox import PROCESS_CONVERSATION
    from yume.webhook_journal import WebhookJournal

    journal = WebhookJournal(url, after_commit=lambda: None)
    done = Ingested()
    for i in range(offset, offset + count):
        raw = text_body(customer_wa_id(i), f"wamid.BENCHIN{i:07d}", "hola, ¿tienen lugar mañana?")
        journal.record(raw)
        if tally is not None:
            tally.reset()
        started = time.perf_counter()
        ingest_webhooks()
        if tally is not None:
            done.millis.append((time.perf_counter() - started) * 1000)
            done.queries.append(tally.queries)
        done.conversation_ids.extend(
            args[0] for job, args, _delay in queue.jobs if job == PROCESS_CONVERSATION
        )
        queue.jobs.clear()
    if len(done.conversation_ids) != count:
        raise RuntimeError(f"ingested {len(done.conversation_ids)} conversations, not {count}")
    return done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="yume-bench-pipeline-"))
    url = args.database_url or f"sqlite:///{work / 'pipeline.db'}"
    try:
        return run(url, args.messages)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(url: str, messages: int) -> int:
    os.environ["YUME_BRAIN"] = BRAIN
    from jobs.inbound import process_conversation, run_turn
    from jobs.runtime import use_config
    from yume.config import Config
    from yume.db import database, open_database
    from yume.delivery import set_transport_factory
    from yume.models import Message, utcnow
    from yume.queue import RecordingQueue, set_queue

    prepare_database(url)
    db = open_database(url)
    db.connect()
    transport = InstantTransport()
    set_transport_factory(lambda _config: transport)
    queue = RecordingQueue()
    set_queue(queue)
    config = Config(database_url=url, meta_app_secret=APP_SECRET, quiet_seconds=0)
    use_config(config)

    tally = install_counters(db)
    warm_ids = store_inbound(url, ATTRIBUTION_TURNS, 0, queue).conversation_ids
    ingested = store_inbound(url, messages, ATTRIBUTION_TURNS, queue, tally)
    timed_ids = ingested.conversation_ids
    job_ids = store_inbound(url, JOB_TURNS, ATTRIBUTION_TURNS + messages, queue).conversation_ids
    database.connect(reuse_if_open=True)

    outcomes: Counter[str] = Counter()
    tally.trace = True
    for conversation_id in warm_ids:
        outcomes[run_turn(conversation_id, config, utcnow())] += 1
    tally.trace = False

    millis: list[float] = []
    queries: list[int] = []
    transactions: list[int] = []
    sql_millis: list[float] = []
    for conversation_id in timed_ids:
        tally.reset()
        now = utcnow()
        started = time.perf_counter()
        outcome = run_turn(conversation_id, config, now)
        millis.append((time.perf_counter() - started) * 1000)
        outcomes[outcome] += 1
        queries.append(tally.queries)
        transactions.append(tally.transaction)
        sql_millis.append(tally.sql_seconds * 1000)

    # the whole RQ job: a connection opened and closed around the turn, then a pending check
    database.close()
    job_millis: list[float] = []
    job_queries: list[int] = []
    for conversation_id in job_ids:
        tally.reset()
        started = time.perf_counter()
        outcomes[process_conversation(conversation_id)] += 1
        job_millis.append((time.perf_counter() - started) * 1000)
        job_queries.append(tally.queries)

    with database.connection_context():
        replies = Message.select().where(Message.direction == "out").count()
    report(
        url=url,
        messages=messages,
        millis=millis,
        queries=queries,
        transactions=transactions,
        sql_millis=sql_millis,
        job_millis=job_millis,
        job_queries=job_queries,
        ingested=ingested,
        places=tally.places,
        outcomes=outcomes,
        replies=replies,
        sent=transport.sent,
        leftover_jobs=len(queue.jobs),
    )
    return 0


def report(
    *,
    url: str,
    messages: int,
    millis: list[float],
    queries: list[int],
    transactions: list[int],
    sql_millis: list[float],
    job_millis: list[float],
    job_queries: list[int],
    ingested: Ingested,
    places: dict[tuple[str, str], list[float]],
    outcomes: Counter[str],
    replies: int,
    sent: int,
    leftover_jobs: int,
) -> None:
    total_turns = ATTRIBUTION_TURNS + messages + JOB_TURNS
    backend = url.split(":", 1)[0]
    print(
        f"Pipeline per inbound message: {messages} conversations, one text each, "
        f"{BRAIN.rsplit('.', 1)[1]}, in-process transport; {backend}"
    )
    print(
        f"outcomes: {dict(outcomes)}; replies stored {replies}, sent {sent} "
        f"(of {total_turns} turns); jobs left enqueued {leftover_jobs}"
    )
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print()
    print(f"{'':48}{'mean':>8}{'p50':>8}{'p99':>8}{'max':>8}")
    both = [a + b for a, b in zip(ingested.millis, millis, strict=True)]
    both_queries = [a + b for a, b in zip(ingested.queries, queries, strict=True)]
    rows = [
        ("ingest job, one delivery per run, ms", ingested.millis),
        ("run_turn, ms", millis),
        ("  of which in the database (incl. COMMIT), ms", sql_millis),
        ("process_conversation (whole RQ job), ms", job_millis),
        ("ingest + run_turn, ms", both),
    ]
    for name, values in rows:
        print(
            f"{name:48}{statistics.fmean(values):8.2f}{percentile(values, 0.5):8.2f}"
            f"{percentile(values, 0.99):8.2f}{max(values):8.2f}"
        )
    counts = [
        ("ingest job, SQL queries", ingested.queries),
        ("run_turn, SQL queries", queries),
        ("run_turn, BEGIN/COMMIT besides", transactions),
        ("process_conversation, SQL queries", job_queries),
        ("ingest + run_turn, SQL queries", both_queries),
    ]
    for name, values in counts:
        print(
            f"{name:48}{statistics.fmean(values):8.1f}{percentile(values, 0.5):8.0f}"
            f"{percentile(values, 0.99):8.0f}{max(values):8d}"
        )
    print()
    mean_ms, worst_queries = statistics.fmean(millis), max(queries)
    print(f"{'goal':48}{'measured':>12}  result")
    print(f"{'run_turn time <= 20 ms (mean)':48}{mean_ms:9.2f} ms  {goal(mean_ms <= GOAL_MS)}")
    p99 = percentile(millis, 0.99)
    print(f"{'run_turn time <= 20 ms (p99)':48}{p99:9.2f} ms  {goal(p99 <= GOAL_MS)}")
    print(
        f"{'run_turn queries per message <= 15 (max)':48}{worst_queries:12d}  "
        f"{goal(worst_queries <= GOAL_QUERIES)}"
    )
    job_mean, job_worst = statistics.fmean(job_millis), max(job_queries)
    print(
        f"{'whole RQ job time <= 20 ms (mean)':48}{job_mean:9.2f} ms  {goal(job_mean <= GOAL_MS)}"
    )
    print(
        f"{'whole RQ job queries <= 15 (max)':48}{job_worst:12d}  {goal(job_worst <= GOAL_QUERIES)}"
    )
    print()
    print(f"Where the statements go (per message, mean of {ATTRIBUTION_TURNS} traced turns):")
    print(f"{'count':>6}{'ms':>7}  {'statement':22} issued by")
    for (statement, where), (count, seconds) in places.items():  # in the order of a turn
        per_turn = count / ATTRIBUTION_TURNS
        spent = seconds * 1000 / ATTRIBUTION_TURNS
        print(f"{per_turn:6.1f}{spent:7.2f}  {statement:22} {where}")


if __name__ == "__main__":
    sys.exit(main())
