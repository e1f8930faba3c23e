"""Memory of the three processes: PSS of web (gunicorn master and workers), worker and
scheduler, idle after start-up, then the peak while answering a burst of 100 conversations.

    python bench/footprint.py [--conversations 100] [--layout one-dyno|separate|both]
                              [--database-url postgresql://postgres@127.0.0.1:5432/yume_bench]

Two layouts (both by default): `one-dyno` is what a single dyno runs (`python -m yume web`
with YUME_ONE_DYNO=1: one supervisor imports what the processes share, forks gunicorn and
the worker, and is itself the scheduler); `separate` starts the Procfile's three commands as
three independent interpreters, as three dynos would.

PSS comes from /proc/<pid>/smaps_rollup, summed over each process and its descendants, and is
sampled every ~100 ms during the burst: 100 signed webhooks from 100 customers posted to the
web, the worker answering each with bench.instant_brain.InstantBrain and sending to a fake
Graph API (tests/fake_graph.py) started here, META_GRAPH_URL pointed at it,
YUME_QUIET_SECONDS=0. PostgreSQL and Redis db 13; the bench database is emptied and re-seeded.
Goals (issue 3, item 11): at most 100 MB idle and 200 MB at the peak, in total.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.secret import share_key  # noqa: E402
from bench.webhook import (  # noqa: E402
    APP_SECRET,
    DEFAULT_DATABASE_URL,
    customer_wa_id,
    free_port,
    goal,
    gunicorn_command,
    prepare_database,
    proc_stats,
    sign,
    start,
    stop,
    tail,
    text_body,
    wait_http,
)

REDIS_URL = "redis://127.0.0.1:6379/13"
BRAIN = "bench.instant_brain.InstantBrain"
LABELS = {
    "supervisor": "supervisor + scheduler (yume web)",
    "web": "web (gunicorn master + workers)",
    "worker": "worker (SimpleWorker)",
    "scheduler": "scheduler (rq-scheduler + RQ's)",
}
SAMPLE_SECONDS = 0.1
SETTLE_SECONDS = 3
GOAL_IDLE_MB = 100
GOAL_PEAK_MB = 200
MB = 1024 * 1024


# -- PSS --------------------------------------------------------------------------------------


def children_of() -> dict[int, list[int]]:
    """Every process's children, from /proc/<pid>/stat."""
    tree: dict[int, list[int]] = {}
    for pid, fields in proc_stats():
        tree.setdefault(int(fields[1]), []).append(pid)
    return tree


def pss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0  # gone meanwhile


def tree_pss(root: int, tree: dict[int, list[int]]) -> tuple[int, int]:
    """(PSS in bytes, number of processes) of `root` and all its descendants; a negative
    `root` stands for that process alone (the one-dyno supervisor, without its children)."""
    if root < 0:
        size = pss_bytes(-root)
        return size, 1 if size else 0
    total, count, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        size = pss_bytes(pid)
        if size:
            total, count = total + size, count + 1
        todo.extend(tree.get(pid, []))
    return total, count


def sample(roots: dict[str, int]) -> dict[str, tuple[int, int]]:
    tree = children_of()
    return {name: tree_pss(pid, tree) for name, pid in roots.items()}


class Sampler(threading.Thread):
    """Samples every process tree every ~100 ms until stopped; keeps the peaks."""

    def __init__(self, roots: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.roots = roots
        self.peak = dict.fromkeys(roots, 0)
        self.peak_total = 0
        self.samples = 0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            taken = sample(self.roots)
            for name, (size, _count) in taken.items():
                self.peak[name] = max(self.peak[name], size)
            self.peak_total = max(self.peak_total, sum(size for size, _ in taken.values()))
            self.samples += 1
            self.halt.wait(SAMPLE_SECONDS)


# -- the processes ----------------------------------------------------------------------------


def wait_until(check, what: str, processes: dict[str, subprocess.Popen], logs, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited ({process.returncode}):\n{tail(logs[name])}")
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def post_webhook(port: int, index: int, run: str) -> int:
    raw = text_body(customer_wa_id(index), f"wamid.FOOT{run}x{index:05d}", "hola, ¿hay lugar hoy?")
    return post_signed(port, raw)


def post_signed(port: int, raw: bytes) -> int:
    """POST `raw`, signed as Meta signs, to the webhook; the status."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(
            "POST",
            "/webhooks/whatsapp",
            body=raw,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": sign(APP_SECRET, raw),
            },
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def forked_children(parent: int) -> list[int]:
    """`parent`'s children, oldest first (the supervisor forks web, worker, scheduler)."""

    def started(pid: int) -> int:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[19])

    return sorted(children_of().get(parent, []), key=lambda pid: (started(pid), pid))


def start_layout(layout: str, env: dict[str, str], port: int, work: Path):
    """Start the processes; (roots by name, processes to watch, their logs)."""
    if layout == "separate":
        commands = {
            "web": gunicorn_command("wsgi:app", port),
            "worker": [sys.executable, "-m", "yume", "worker"],
            "scheduler": [sys.executable, "-m", "yume", "scheduler"],
        }
        logs = {name: work / f"{layout}-{name}.log" for name in commands}
        processes: dict[str, subprocess.Popen] = {}
        try:
            for name, command in commands.items():
                processes[name] = start(command, env, logs[name])
        except BaseException:
            for process in processes.values():
                stop(process, timeout=30)
            raise
        return {name: process.pid for name, process in processes.items()}, processes, logs
    logs = {"one dyno": work / f"{layout}.log"}
    dyno = start(
        [sys.executable, "-m", "yume", "web"], {**env, "YUME_ONE_DYNO": "1"}, logs["one dyno"]
    )
    processes = {"one dyno": dyno}
    deadline = time.monotonic() + 30
    forked = ("web", "worker")  # the supervisor is the scheduler itself
    while len(children := forked_children(dyno.pid)) < len(forked):
        if dyno.poll() is not None or time.monotonic() > deadline:
            stop(dyno, timeout=30)
            raise RuntimeError(f"the one-dyno supervisor did not fork:\n{tail(logs['one dyno'])}")
        time.sleep(0.1)
    roots = {"supervisor": -dyno.pid, **dict(zip(forked, children, strict=False))}
    return roots, processes, logs


def measure_layout(
    layout: str,
    args: argparse.Namespace,
    fake,
    redis,
    redis_url: str = REDIS_URL,
    prepare: Callable[[str], object] = prepare_database,
    post: Callable[[int, int, str], int] = post_webhook,
) -> dict:
    """Start `layout`, measure it idle and through a burst of `args.conversations` webhooks
    (`post(port, index, run)` sends the index-th); bench/scale.py passes its own database
    (already filled: `prepare` does nothing), Redis and webhooks."""
    prepare(args.database_url)
    redis.flushdb()
    fake.reset()
    work = Path(tempfile.mkdtemp(prefix=f"yume-bench-footprint-{layout}-"))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": redis_url,
        "YUME_SECRET_KEY": os.environ["YUME_SECRET_KEY"],
        "META_APP_SECRET": APP_SECRET,
        "META_GRAPH_URL": fake.url,
        "YUME_QUIET_SECONDS": "0",
        "YUME_BRAIN": BRAIN,
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "PORT": str(port),
    }
    env.pop("WEB_CONCURRENCY", None)
    env.pop("YUME_ONE_DYNO", None)
    processes: dict[str, subprocess.Popen] = {}
    try:
        started = time.monotonic()
        roots, processes, logs = start_layout(layout, env, port, work)
        web = processes.get("web") or processes["one dyno"]
        wait_http(port, web, next(iter(logs.values())))
        wait_until(lambda: redis.scard("rq:workers") > 0, "the worker", processes, logs)
        wait_until(
            lambda: redis.zscore("rq:scheduler:scheduled_jobs", "yume-reconcile") is not None,
            "the scheduler",
            processes,
            logs,
        )
        ready = time.monotonic() - started
        time.sleep(SETTLE_SECONDS)
        idle_samples = []
        for _ in range(10):
            idle_samples.append(sample(roots))
            time.sleep(SAMPLE_SECONDS)
        idle = {
            name: (
                statistics.median(s[name][0] for s in idle_samples),
                max(s[name][1] for s in idle_samples),
            )
            for name in roots
        }

        sampler = Sampler(roots)
        sampler.start()
        run = f"{os.getpid()}{int(time.time())}{layout}"
        burst_started = time.monotonic()
        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(pool.map(lambda i: post(port, i, run), range(args.conversations)))
        answered_to: set[str] = set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            answered_to = {message["to"] for message in fake.sent_messages()}
            if len(answered_to) >= args.conversations:
                break
            for name, process in processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited during the burst:\n{tail(logs[name])}")
            time.sleep(0.05)
        burst_seconds = time.monotonic() - burst_started
        time.sleep(1)  # whatever the processes still hold once the last answer left
        sampler.halt.set()
        sampler.join()
        peaks = sample(roots)
        counts = {name: max(idle[name][1], peaks[name][1]) for name in roots}
    finally:
        for process in processes.values():
            stop(process, timeout=30)
        if not args.keep_logs:
            shutil.rmtree(work, ignore_errors=True)
    return {
        "layout": layout,
        "ready": ready,
        "idle": idle,
        "peak": sampler.peak,
        "peak_total": sampler.peak_total,
        "samples": sampler.samples,
        "counts": counts,
        "ok_200": sum(1 for status in statuses if status == 200),
        "answered": len(answered_to),
        "burst_seconds": burst_seconds,
        "work": work,
    }


def main() -> int:
    share_key()  # the bench's tokens and its processes' key are one
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--layout", choices=("one-dyno", "separate", "both"), default="both")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs")
    args = parser.parse_args()

    from redis import Redis

    from tests.fake_graph import FakeGraph

    redis = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    fake = FakeGraph().start()
    layouts = ("one-dyno", "separate") if args.layout == "both" else (args.layout,)
    results = []
    try:
        for layout in layouts:
            results.append(measure_layout(layout, args, fake, redis))
    except KeyboardInterrupt:
        print("\ninterrupted; processes stopped", file=sys.stderr)
        return 130
    finally:
        fake.stop()
        redis.flushdb()

    print(
        f"Footprint (PSS from /proc/<pid>/smaps_rollup, each process tree summed); "
        f"{args.database_url.split(':', 1)[0]} + Redis db 13, fake Graph API at {fake.url}"
    )
    for result in results:
        report(result, args)
    return 0


def report(result: dict, args: argparse.Namespace) -> None:
    conversations = args.conversations
    print()
    print(
        f"== {result['layout']}: ready in {result['ready']:.1f} s, idle measured "
        f"{SETTLE_SECONDS} s later; burst: {result['ok_200']}/{conversations} webhooks "
        f"answered 200, {result['answered']}/{conversations} conversations answered in "
        f"{result['burst_seconds']:.1f} s, {result['samples']} samples"
    )
    print(f"{'process':38}{'processes':>10}{'idle MB':>10}{'peak MB':>10}")
    idle, counts = result["idle"], result["counts"]
    for name in idle:
        print(
            f"{LABELS[name]:38}{counts[name]:10d}{idle[name][0] / MB:10.1f}"
            f"{result['peak'][name] / MB:10.1f}"
        )
    idle_total = sum(size for size, _ in idle.values()) / MB
    peak_total = result["peak_total"] / MB
    print(f"{'total':38}{sum(counts.values()):10d}{idle_total:10.1f}{peak_total:10.1f}")
    print(f"{'goal':38}{'measured':>14}  result")
    print(f"{'idle total <= 100 MB':38}{idle_total:11.1f} MB  {goal(idle_total <= GOAL_IDLE_MB)}")
    print(f"{'peak total <= 200 MB':38}{peak_total:11.1f} MB  {goal(peak_total <= GOAL_PEAK_MB)}")
    everyone = result["answered"] >= conversations and result["ok_200"] == conversations
    print(f"{'every conversation answered':38}{result['answered']:14d}  {goal(everyone)}")
    if args.keep_logs:
        print(f"logs kept in {result['work']}")


if __name__ == "__main__":
    sys.exit(main())
