"""Faults under load: signed webhooks from many phones while something breaks, and whether
every acknowledged message is answered exactly once, and how soon after the fault ends.

    python bench/faults.py [--only SUBSTRING] [--messages 300] [--phones 50] [--seconds 20]

It starts a PostgreSQL and a Redis of its own on free ports (tests/private_servers.py; never
the shared ones), a fake Graph API in this process (tests/fake_graph.py) and, for each
scenario, Yume's processes in the layout named: `procfile` (web, worker and scheduler, as
three dynos) or `one-dyno` (`python -m yume web` with YUME_ONE_DYNO=1). The database and
Redis start empty for every scenario. The messages (text "m0001"…, round-robin over the
phones) are posted paced over --seconds, each retried the way Meta does when it gets
anything but 200 (after 1, 2, 4 s, then every 5 s), and about 5 s in the fault happens:

- kill -9 worker: SIGKILL to the RQ worker. In one dyno the supervisor starts another; in
  the Procfile layout the bench starts another at once, as the platform restarts a crashed
  dyno (nobody restarts anything by hand in either).
- Redis restart: Redis stopped for 3 s and started again, empty (no persistence, like
  Heroku's Key-Value Store).
- PostgreSQL stopped 10 s: `pg_ctl stop -m fast`, 10 s, start.
- 40 s table lock: another session holds `LOCK TABLE inbound_webhook` for 40 s.
- SIGTERM: the worker (Procfile) or the whole dyno (one dyno) is told to stop, as a deploy
  or Heroku's daily restart does, and a new one is started when it has gone.

The brain is bench.receipt_brain.ReceiptBrain, which answers at once quoting the messages it
answers, so the answers the fake Graph API received say which messages were answered and how
often. Columns: acked (messages that got a 200, in the end all of them), once / twice+ /
missing (acknowledged messages answered exactly once, more than once, never), ack back
(seconds after the fault ended until the webhook answered 200 again), recovered (seconds
after the fault ended until the webhook took deliveries again and every message acknowledged
by then had its answer; "never" if either did not happen within two minutes). Goals (issue
13): every acknowledged message answered exactly once; recovered ≤ 10 s, with no restart by
hand. Timings depend on the machine: on a shared one they are noisy.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.secret import share_key  # noqa: E402
from bench.webhook import (  # noqa: E402
    APP_SECRET,
    customer_wa_id,
    goal,
    prepare_database,
    sign,
    start,
    stop,
    tail,
    text_body,
    wait_http,
)
from tests.fake_graph import FakeGraph  # noqa: E402
from tests.private_servers import PrivatePostgres, PrivateRedis  # noqa: E402
from tests.servers import free_port  # noqa: E402

BRAIN = "bench.receipt_brain.ReceiptBrain"
FAULT_AFTER_SECONDS = 5.0
GOAL_RECOVERY_SECONDS = 10.0
SETTLE_SECONDS = 120.0  # after the fault ends, how long to wait for every answer
RETRY_SECONDS = (1, 2, 4)  # then every 5 s, like Meta's (faster) first retries
TOKEN = re.compile(r"\bm\d{4}\b")


# -- the load ------------------------------------------------------------------------------


@dataclass
class Message:
    token: str
    wa_id: str
    raw: bytes
    signature: str


@dataclass
class Load:
    """Posts every message once at its time, retrying until it gets a 200."""

    url: str
    messages: list[Message]
    seconds: float
    acked_at: dict[str, float] = field(default_factory=dict)
    answers: list[tuple[float, int]] = field(default_factory=list)  # (when, status)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, deadline: float) -> None:
        started = time.monotonic()
        gap = self.seconds / max(1, len(self.messages))
        with ThreadPoolExecutor(max_workers=16) as pool:
            for index, message in enumerate(self.messages):
                time.sleep(max(0.0, started + index * gap - time.monotonic()))
                pool.submit(self._deliver, message, deadline)

    def _deliver(self, message: Message, deadline: float) -> None:
        import requests

        attempt = 0
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": message.signature}
        while time.monotonic() < deadline:
            try:
                status = requests.post(self.url, data=message.raw, headers=headers, timeout=20)
                code = status.status_code
            except requests.RequestException:
                code = 0  # refused, reset, timed out: Meta retries those too
            now = time.monotonic()
            with self.lock:
                self.answers.append((now, code))
                if code == 200:
                    self.acked_at.setdefault(message.token, now)
                    return
            time.sleep(RETRY_SECONDS[attempt] if attempt < len(RETRY_SECONDS) else 5)
            attempt += 1


def build_messages(count: int, phones: int) -> list[Message]:
    run = f"{os.getpid()}{int(time.time())}"
    messages = []
    for index in range(count):
        token = f"m{index:04d}"
        wa_id = customer_wa_id(index % phones)
        raw = text_body(wa_id, f"wamid.FAULT{run}x{index:05d}", token)
        messages.append(Message(token, wa_id, raw, sign(APP_SECRET, raw)))
    return messages


class AnswerWatch(threading.Thread):
    """When each message's answer first reached the fake Graph API."""

    def __init__(self, fake: FakeGraph) -> None:
        super().__init__(daemon=True)
        self.fake = fake
        self.first_answer: dict[str, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            now = time.monotonic()
            for token in answered_tokens(self.fake):
                self.first_answer.setdefault(token, now)

    def counts(self) -> Counter[str]:
        return Counter(answered_tokens(self.fake, every=True))


def answered_tokens(fake: FakeGraph, every: bool = False) -> list[str]:
    bodies = [m.get("text", {}).get("body", "") for m in fake.sent_messages()]
    tokens = [token for body in bodies for token in TOKEN.findall(body)]
    return tokens if every else list(dict.fromkeys(tokens))


# -- the processes ---------------------------------------------------------------------------


class Stack:
    """Yume's processes in one layout, their logs in `work`."""

    def __init__(self, layout: str, env: dict[str, str], work: Path) -> None:
        self.layout = layout
        self.env = env
        self.work = work
        self.port = int(env["PORT"])
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, *names: str) -> None:
        for name in names or self.names:
            log = self.work / f"{self.layout}-{name}.log"
            env = {**self.env, "YUME_ONE_DYNO": "1" if self.layout == "one-dyno" else ""}
            self.processes[name] = start([sys.executable, "-m", "yume", name], env, log)
        if "web" in (names or self.names):
            wait_http(self.port, self.processes["web"], self.work / f"{self.layout}-web.log")

    @property
    def names(self) -> tuple[str, ...]:
        return ("web", "worker", "scheduler") if self.layout == "procfile" else ("web",)

    def stop(self) -> None:
        for process in self.processes.values():
            stop(process, timeout=40)

    def worker_pid(self) -> int:
        """The RQ worker's pid, from RQ's own registry (in one dyno it is a forked child)."""
        from redis import Redis
        from rq import Worker

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            workers = Worker.all(connection=Redis.from_url(self.env["REDIS_URL"]))
            alive = [w.pid for w in workers if w.pid and Path(f"/proc/{w.pid}").exists()]
            if alive:
                return alive[0]
            time.sleep(0.2)
        raise RuntimeError("no RQ worker registered")

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{tail(path)}" for path in sorted(self.work.glob("*.log"))
        )


# -- the faults: each returns when the fault ended (time.monotonic()) ---------------------------

Fault = Callable[[Stack, PrivatePostgres, PrivateRedis], float]


def no_fault(stack: Stack, pg: PrivatePostgres, redis: PrivateRedis) -> float:
    return time.monotonic()


def kill_worker(stack: Stack, pg: PrivatePostgres, redis: PrivateRedis) -> float:
    os.kill(stack.worker_pid(), signal.SIGKILL)
    ended = time.monotonic()
    if stack.layout == "procfile":  # the platform restarts a crashed dyno
        stack.processes["worker"].wait(timeout=10)
        stack.start("worker")
    return ended


def restart_redis(stack: Stack, pg: PrivatePostgres, redis: PrivateRedis) -> float:
    redis.restart(down_seconds=3)
    return time.monotonic()


def stop_postgres(stack: Stack, pg: PrivatePostgres, redis: PrivateRedis) -> float:
    pg.stop()
    time.sleep(10)
    pg.start()
    return time.monotonic()


def lock_journal(stack: Stack, pg: PrivatePostgres, redis: PrivateRedis) -> float:
    import psycopg2

    connection = psycopg2.connect(pg.url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE inbound_webhook IN ACCESS EXCLUSIVE MODE")
            time.sleep(40)
        connection.rollback()
    finally:
        connection.close()
    return time.monotonic()


def sigterm(stack: Stack, pg: PrivatePostgres, redis: PrivateRedis) -> float:
    """A deploy or the daily restart: the worker (Procfile) or the dyno is told to stop, and
    its replacement starts once it has gone."""
    name = "worker" if stack.layout == "procfile" else "web"
    process = stack.processes[name]
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=40)
    ended = time.monotonic()
    stack.start(name)
    return ended


@dataclass(frozen=True)
class Scenario:
    fault: str
    layout: str
    inject: Fault


SCENARIOS = (
    Scenario("none (baseline)", "procfile", no_fault),
    Scenario("kill -9 worker", "procfile", kill_worker),
    Scenario("kill -9 worker", "one-dyno", kill_worker),
    Scenario("Redis restart", "procfile", restart_redis),
    Scenario("Redis restart", "one-dyno", restart_redis),
    Scenario("PostgreSQL stopped 10 s", "procfile", stop_postgres),
    Scenario("40 s table lock", "procfile", lock_journal),
    Scenario("SIGTERM", "procfile", sigterm),
    Scenario("SIGTERM", "one-dyno", sigterm),
)


# -- one run -------------------------------------------------------------------------------


@dataclass
class Outcome:
    scenario: Scenario
    sent: int = 0
    acked: int = 0
    once: int = 0
    twice: int = 0
    missing: int = 0
    ack_back: float | None = None
    recovered: float | None = None

    @property
    def ok(self) -> bool:
        return (
            self.acked == self.sent
            and self.twice == 0
            and self.missing == 0
            and self.recovered is not None
            and self.recovered <= GOAL_RECOVERY_SECONDS
        )


def run_scenario(
    scenario: Scenario, args: argparse.Namespace, pg: PrivatePostgres, redis: PrivateRedis
) -> Outcome:
    fake = FakeGraph().start()
    redis.restart()  # empty
    prepare_database(pg.url)
    work = Path(tempfile.mkdtemp(prefix="yume-faults-"))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": pg.url,
        "REDIS_URL": redis.url,
        "META_APP_SECRET": APP_SECRET,
        "META_GRAPH_URL": fake.url,
        "YUME_BRAIN": BRAIN,
        "YUME_QUIET_SECONDS": "1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "PYTHONPATH": str(ROOT),
    }
    stack = Stack(scenario.layout, env, work)
    outcome = Outcome(scenario, sent=args.messages)
    watch = AnswerWatch(fake)
    try:
        stack.start()
        messages = build_messages(args.messages, args.phones)
        load = Load(f"http://127.0.0.1:{port}/webhooks/whatsapp", messages, args.seconds)
        deadline = time.monotonic() + args.seconds + 60 + SETTLE_SECONDS
        sender = threading.Thread(target=load.run, args=(deadline,), daemon=True)
        watch.start()
        sender.start()
        time.sleep(FAULT_AFTER_SECONDS)
        ended = scenario.inject(stack, pg, redis)
        settle_until = ended + SETTLE_SECONDS
        while time.monotonic() < settle_until:
            done = len(load.acked_at) == len(messages) and set(watch.first_answer) >= set(
                load.acked_at
            )
            if done:
                break
            time.sleep(0.5)
        time.sleep(2)  # a late duplicate would show up here
        measure(outcome, load, watch, ended)
    except Exception as exc:
        print(f"  {scenario.fault} ({scenario.layout}) failed: {exc}\n{stack.logs()}")
    finally:
        watch.done.set()
        stack.stop()
        fake.stop()
    if not outcome.ok and args.verbose:
        print(stack.logs())
    return outcome


def measure(outcome: Outcome, load: Load, watch: AnswerWatch, ended: float) -> None:
    with load.lock:
        acked = dict(load.acked_at)
        answers = list(load.answers)
    counts = watch.counts()
    outcome.acked = len(acked)
    outcome.once = sum(1 for token in acked if counts[token] == 1)
    outcome.twice = sum(1 for token in acked if counts[token] > 1)
    outcome.missing = sum(1 for token in acked if counts[token] == 0)
    back = [at for at, status in answers if status == 200 and at >= ended]
    outcome.ack_back = max(0.0, min(back) - ended) if back else None
    waiting = [token for token, at in acked.items() if at <= ended]
    if outcome.ack_back is None or any(token not in watch.first_answer for token in waiting):
        return  # the webhook never took deliveries again, or something acked was never answered
    last = max((watch.first_answer[token] for token in waiting), default=ended)
    outcome.recovered = max(outcome.ack_back, last - ended)


# -- report --------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--phones", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0, help="spread of the load")
    parser.add_argument("--only", default="", help="run the scenarios whose name has this")
    parser.add_argument("--verbose", action="store_true", help="print logs of a missed goal")
    args = parser.parse_args()
    share_key()  # every process it starts reads the tokens it stored
    chosen = [s for s in SCENARIOS if args.only.lower() in f"{s.fault} {s.layout}".lower()]
    print(
        f"{args.messages} signed webhooks from {args.phones} phones over {args.seconds:.0f} s "
        f"per scenario; the fault {FAULT_AFTER_SECONDS:.0f} s in. Private PostgreSQL and Redis."
    )
    pg, redis = PrivatePostgres().start(), PrivateRedis().start()
    outcomes = []
    try:
        for scenario in chosen:
            print(f"… {scenario.fault} ({scenario.layout})", flush=True)
            outcomes.append(run_scenario(scenario, args, pg, redis))
    finally:
        redis.close()
        pg.close()
    report(outcomes)
    return 0 if all(outcome.ok for outcome in outcomes) else 1


def report(outcomes: list[Outcome]) -> None:
    header = (
        f"{'fault':<24} {'layout':<9} {'acked':>9} {'once':>5} {'twice+':>6} {'missing':>7} "
        f"{'ack back':>9} {'recovered':>10}  goal"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for o in outcomes:
        back = "—" if o.ack_back is None else f"{o.ack_back:.1f} s"
        recovered = "never" if o.recovered is None else f"{o.recovered:.1f} s"
        print(
            f"{o.scenario.fault:<24} {o.scenario.layout:<9} {f'{o.acked}/{o.sent}':>9} {o.once:>5} "
            f"{o.twice:>6} {o.missing:>7} {back:>9} {recovered:>10}  {goal(o.ok)}"
        )
    print(
        f"\nGoal: every message acknowledged in the end, and answered exactly once; recovered ≤ "
        f"{GOAL_RECOVERY_SECONDS:.0f} s after the fault ends, with no restart by hand."
    )


if __name__ == "__main__":
    sys.exit(main())
