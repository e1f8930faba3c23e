"""Webhook acknowledgements per second and latency: Yume on gunicorn with real PostgreSQL and
Redis, beside a bare Flask endpoint that answers 200 on the same gunicorn settings.

    python bench/webhook.py [--seconds 10] [--connections 16] [--p99-connections 8]
                            [--database-url postgresql://postgres@127.0.0.1:5432/yume_bench]

Every request is a distinct, correctly signed Meta text-message webhook (unique wamid, about
200 different 521… customers), pre-generated into a file that a wrk Lua script cycles
through, so Yume verifies each one, commits it to the webhook journal (group commit) and asks
for an ingest job, for real; no worker runs, so the journal ends holding every delivery that
was acknowledged, which the report checks. In the same run pgbench (Debian
postgresql-contrib) commits a one-row INSERT per transaction at the same connection count
with synchronous commit: what PostgreSQL itself does on this machine. Goals (issue 14): at
least 0.5x the bare endpoint's throughput at 16 connections, p99 at most 10 ms at 8; the
report also says how many such web processes 100 salons at their peak would need.

The bench database is emptied and re-seeded on every run; Redis db 14 is flushed at the
start and at the end. The helpers below are shared with bench/pipeline.py and
bench/footprint.py.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from jobs.worker import gunicorn_command as procfile_gunicorn  # noqa: E402
from tests.servers import free_port  # noqa: E402, F401  (shared with the other benches)
from yume.whatsapp.signature import sign  # noqa: E402

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/yume_bench"
REDIS_URL = "redis://127.0.0.1:6379/14"
APP_SECRET = "bench-app-secret"
PHONE_NUMBER_ID = "5550001"  # the bench business's WhatsApp number id
CUSTOMERS = 200
WORKERS = int(os.environ.get("WEB_CONCURRENCY", "2"))  # the Procfile default
THREADS = int(os.environ.get("YUME_WEB_THREADS", "4"))
WARMUP_SECONDS = 3
GOAL_RATIO = 0.5  # issue 14: at least half a bare Flask endpoint at 16 connections
GOAL_P99_MS = 10.0  # at 8 connections
PEAK_NEED = 2000  # webhooks/s: 100 salons at their peak, 20 messages/s per Coexistence number

# -- shared helpers: database, bodies, servers -------------------------------------------------


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in `url` if it does not exist yet."""
    if not url.startswith("postgres"):  # postgresql://, postgres://, postgresql+pool://
        return
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres", query=""))
    connection = psycopg2.connect(admin)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


def prepare_database(url: str) -> int:
    """Create and migrate the bench database, empty it, seed one business; its id."""
    from tests.cast import add_service, add_staff, make_org
    from yume.db import database, is_sqlite, open_database
    from yume.migrations import migrate

    ensure_database(url)
    db = open_database(url)
    db.connect(reuse_if_open=True)
    migrate(db)
    tables = [table for table in db.get_tables() if table != "schema_migration"]
    if is_sqlite():
        for table in reversed(tables):
            database.execute_sql(f"DELETE FROM {table}")
    else:
        database.execute_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    with database.atomic():
        org = make_org("Barbería Bench", phone_number_id=PHONE_NUMBER_ID)
        haircut = add_service(org, "Corte de cabello", 30, 250)
        add_service(org, "Arreglo de barba", 20, 150, buffer=10)
        add_staff(org, "Chuy", "+525511112222", role="owner")
        add_staff(org, "Beto", "+525533334444", services=[haircut])
    db.close()
    return org.id


def customer_wa_id(index: int) -> str:
    """A Mexican mobile as WhatsApp writes it (521 + ten digits)."""
    return f"52155{10_000_000 + index:08d}"


def text_body(
    wa_id: str, wamid: str, text: str, name: str = "Cliente", phone_number_id: str = PHONE_NUMBER_ID
) -> bytes:
    """The exact bytes Meta would POST for one inbound text message."""
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "WABA-BENCH",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "5215500001001",
                                "phone_number_id": phone_number_id,
                            },
                            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                            "messages": [
                                {
                                    "from": wa_id,
                                    "id": wamid,
                                    "timestamp": str(int(time.time())),
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(body).encode()


def write_bodies(path: Path, count: int, prefix: str) -> None:
    """`count` signed bodies, one per line: "<X-Hub-Signature-256>\\t<raw JSON>"."""
    run = f"{os.getpid()}{int(time.time())}"
    with path.open("wb") as out:
        for i in range(count):
            wamid = f"wamid.BENCH{prefix}{run}x{i:07d}"
            raw = text_body(customer_wa_id(i % CUSTOMERS), wamid, f"hola, quiero una cita ({i})")
            out.write(sign(APP_SECRET, raw).encode() + b"\t" + raw + b"\n")


def gunicorn_command(app: str, port: int) -> list[str]:
    """Procfile `web:` settings (jobs.worker.gunicorn_command), bound to 127.0.0.1 only."""
    return procfile_gunicorn(port, app=app, host="127.0.0.1")


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """A child in its own session (Ctrl-C reaches only us; we stop it), output to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen | None, timeout: float = 15) -> None:
    """SIGTERM the child's process group, SIGKILL it if it is still there after `timeout`."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def wait_http(port: int, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    """Until the server on `port` answers any HTTP status."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}):\n{tail(log)}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", "/webhooks/whatsapp")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
        finally:
            connection.close()
    raise RuntimeError(f"the server did not answer on port {port} in {timeout:.0f} s")


def tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def flush_redis(url: str) -> None:
    from redis import Redis

    with contextlib.suppress(Exception):
        Redis.from_url(url, socket_connect_timeout=2).flushdb()


def goal(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


# -- wrk ------------------------------------------------------------------------------------------

# Each wrk thread keeps every n-th body (n = threads), so no two threads send the same one,
# and cycles through its share. No response() callback: it would cost wrk a third of its
# speed on a small machine and so flatter the ratio; wrk counts statuses >= 400 and socket
# errors itself, and the servers' access logs show every status (`logged_statuses`).
WRK_SCRIPT = r"""
local created = 0

function setup(thread)
  thread:set("index", created)
  created = created + 1
end

function init(args)
  local step = tonumber(os.getenv("BENCH_THREADS"))
  mine = {}
  local n = 0
  for line in io.lines(os.getenv("BENCH_BODIES")) do
    if n % step == index then
      local signature, body = line:match("^(%S+)\t(.*)$")
      mine[#mine + 1] = wrk.format("POST", "/webhooks/whatsapp", {
        ["Content-Type"] = "application/json",
        ["X-Hub-Signature-256"] = signature,
      }, body)
    end
    n = n + 1
  end
  position = 0
end

function request()
  position = position % #mine + 1
  return mine[position]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d status=%d "
      .. "connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
"""


@dataclass
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    status_errors: int  # answers >= 400, as wrk counts them
    socket_errors: int  # connect, read, write errors and timeouts
    logged: Counter[int] = field(default_factory=Counter)  # the access log's statuses
    warmup_requests: int = 0
    cpu_seconds: float = 0.0  # the gunicorn processes' CPU time during the measured run

    @property
    def cpu_us_per_request(self) -> float:
        """CPU the web processes spent per request (PostgreSQL's and Redis's not included):
        steadier than requests/s on a machine others share."""
        return self.cpu_seconds / self.requests * 1e6 if self.requests else 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def not_200(self) -> int:
        logged_other = sum(n for status, n in self.logged.items() if status != 200)
        return max(self.status_errors, logged_other) + self.socket_errors

    @property
    def all_200(self) -> bool:
        return self.not_200 == 0 and self.logged[200] >= self.requests


def run_wrk(port: int, bodies: Path, script: Path, seconds: float, connections: int) -> WrkResult:
    threads = max(1, min(2, connections))
    env = {**os.environ, "BENCH_BODIES": str(bodies), "BENCH_THREADS": str(threads)}
    command = [
        shutil.which("wrk") or "/usr/bin/wrk",
        "--latency",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds:g}s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}/webhooks/whatsapp",
    ]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    number = {key: int(value) for key, value in (item.split("=") for item in line.split()[1:])}
    return WrkResult(
        requests=number["requests"],
        seconds=number["duration_us"] / 1e6,
        p50_ms=number["p50_us"] / 1000,
        p99_ms=number["p99_us"] / 1000,
        max_ms=number["max_us"] / 1000,
        status_errors=number["status"],
        socket_errors=sum(number[k] for k in ("connect", "read", "write", "timeout")),
    )


ACCESS_LINE = re.compile(rb'"POST /webhooks/whatsapp HTTP/[\d.]+" (\d{3}) ')


def logged_statuses(log: Path, offset: int) -> Counter[int]:
    """The statuses gunicorn's access log recorded after `offset` bytes."""
    with log.open("rb") as lines:
        lines.seek(offset)
        return Counter(
            int(found.group(1)) for found in map(ACCESS_LINE.search, lines) if found is not None
        )


@contextlib.contextmanager
def served(app: str, port: int, env: dict[str, str], log: Path) -> Iterator[int]:
    """gunicorn serving `app` on `port`; yields the master's pid."""
    process = start(gunicorn_command(app, port), env, log)
    try:
        wait_http(port, process, log)
        yield process.pid
    finally:
        stop(process)


TICKS = os.sysconf("SC_CLK_TCK")


def proc_stats() -> Iterator[tuple[int, list[str]]]:
    """(pid, the fields after the command name) of every process, from /proc/<pid>/stat;
    fields[1] is the parent's pid (shared with bench/footprint.py)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                yield int(entry), stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue


def cpu_seconds(root: int) -> float:
    """User + system CPU time of `root` and its children (gunicorn's master and workers)."""
    total = sum(
        int(fields[11]) + int(fields[12])  # utime, stime
        for pid, fields in proc_stats()
        if pid == root or int(fields[1]) == root
    )
    return total / TICKS


@dataclass
class Bodies:
    """The body files: a small one to warm up on, and the measured run's, sized after the
    first warm-up so that the run rarely comes back to a message already stored."""

    work: Path
    warmup: Path
    measured: Path | None = None
    distinct: int = 0

    def for_run(self, warm: WrkResult, seconds: float) -> Path:
        if self.measured is None:
            self.distinct = min(200_000, max(3000, int(warm.rps * seconds * 1.5)))
            self.measured = self.work / "measured.txt"
            write_bodies(self.measured, self.distinct, "M")
        return self.measured


def measure(
    app: str, env: dict[str, str], bodies: Bodies, script: Path, args: argparse.Namespace
) -> WrkResult:
    """Start `app` on gunicorn, warm up, measure, stop it (flushing its access log)."""
    port = free_port()
    log = bodies.work / f"{app.replace(':', '-')}.log"
    with served(app, port, env, log) as master:
        warm = run_wrk(port, bodies.warmup, script, WARMUP_SECONDS, args.connections)
        measured = bodies.for_run(warm, args.seconds)
        offset = log.stat().st_size
        cpu_before = cpu_seconds(master)
        result = run_wrk(port, measured, script, args.seconds, args.connections)
        result.cpu_seconds = cpu_seconds(master) - cpu_before
    result.logged = logged_statuses(log, offset)
    result.warmup_requests = warm.requests
    if not result.all_200:
        print(f"{app}: server log tail:\n{tail(log)}", file=sys.stderr)
    return result


def journalled(url: str) -> tuple[int, int | None]:
    """Deliveries in the webhook journal (no worker runs here, so every acknowledged one
    stays), and on PostgreSQL how many transactions wrote them (rows of one group commit
    share their xmin)."""
    from yume.db import is_postgres, open_database
    from yume.webhook_journal import InboundWebhook

    db = open_database(url)
    with db.connection_context():
        rows = InboundWebhook.select().count()
        commits = None
        if is_postgres():
            (commits,) = db.execute_sql(
                "SELECT count(DISTINCT xmin::text) FROM inbound_webhook"
            ).fetchone()
        return rows, commits


# -- pgbench: what PostgreSQL itself commits --------------------------------------------------

PGBENCH_TABLE = "bench_pgbench_insert"
# one row the size of a text-message delivery, one transaction, synchronous commit
PGBENCH_SCRIPT = (
    f"INSERT INTO {PGBENCH_TABLE} (body, received_at, attempts) "
    "VALUES (convert_to(repeat('x', 700), 'UTF8'), now(), 0);\n"
)


def run_pgbench(url: str, work: Path, seconds: float, connections: int) -> float | None:
    """Transactions per second of a one-row INSERT at `connections` clients (prepared
    statements, synchronous_commit=on); None when pgbench is not installed."""
    binary = shutil.which("pgbench")
    if binary is None or not url.startswith("postgres"):
        return None
    import psycopg2

    dsn = urlunsplit(urlsplit(url)._replace(scheme="postgresql"))
    with contextlib.closing(psycopg2.connect(dsn)) as connection:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {PGBENCH_TABLE}")
            cursor.execute(
                f"CREATE TABLE {PGBENCH_TABLE} (id bigserial PRIMARY KEY, body bytea NOT NULL, "
                "received_at timestamp NOT NULL, attempts integer NOT NULL)"
            )
    script = work / "insert.sql"
    script.write_text(PGBENCH_SCRIPT)
    command = [
        binary, "-n", "-M", "prepared", "-c", str(connections), "-j", str(min(2, connections)),
        "-T", str(max(1, round(seconds))), "-f", str(script), dsn,
    ]  # fmt: skip
    env = {**os.environ, "PGOPTIONS": "-c synchronous_commit=on"}
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=seconds + 60
        )
    finally:
        with contextlib.closing(psycopg2.connect(dsn)) as connection:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {PGBENCH_TABLE}")
    found = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"pgbench failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return float(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--p99-connections",
        type=int,
        default=8,
        help="a second Yume run at this concurrency for the p99 goal (0: skip it)",
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 1

    load = os.getloadavg()[0]
    prepare_database(args.database_url)
    flush_redis(REDIS_URL)
    work = Path(tempfile.mkdtemp(prefix="yume-bench-webhook-"))
    try:
        script = work / "webhook.lua"
        script.write_text(WRK_SCRIPT)
        bodies = Bodies(work, work / "warmup.txt")
        write_bodies(bodies.warmup, 2000, "W")
        env = {
            **os.environ,
            "DATABASE_URL": args.database_url,
            "REDIS_URL": REDIS_URL,
            "META_APP_SECRET": APP_SECRET,
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("WEB_CONCURRENCY", None)
        yume = measure("wsgi:app", env, bodies, script, args)
        stored = journalled(args.database_url)
        bare = measure("bench.bare_app:app", env, bodies, script, args)
        at_p99 = None
        if args.p99_connections and args.p99_connections != args.connections:
            fewer = argparse.Namespace(**{**vars(args), "connections": args.p99_connections})
            bodies.measured, bodies.distinct = None, 0  # fresh messages, none already stored
            at_p99 = measure("wsgi:app", env, bodies, script, fewer)
        pgbench = run_pgbench(args.database_url, work, args.seconds, args.connections)
    except KeyboardInterrupt:
        print("\ninterrupted; servers stopped", file=sys.stderr)
        return 130
    finally:
        flush_redis(REDIS_URL)
        shutil.rmtree(work, ignore_errors=True)

    print_report(args, yume, bare, at_p99, pgbench, bodies.distinct, stored, load)
    return 0


def print_report(
    args: argparse.Namespace,
    yume: WrkResult,
    bare: WrkResult,
    at_p99: WrkResult | None,
    pgbench: float | None,
    distinct: int,
    stored: tuple[int, int | None],
    load: float,
) -> None:
    database = urlsplit(args.database_url).scheme
    print(
        f"Webhook acknowledgements: gunicorn, {WORKERS} gthread workers × {THREADS} threads "
        f"(--preload), wrk {args.connections} "
        f"connections, {args.seconds:g} s after a {WARMUP_SECONDS} s warm-up; "
        f"{database} + Redis db 14"
    )
    print(
        f"machine: {os.cpu_count()} CPUs shared by wrk, PostgreSQL, Redis and the servers, "
        f"load average {load:.2f} at start"
    )
    rows, commits = stored
    acknowledged = yume.warmup_requests + yume.requests
    batching = f" in {commits} commits ({rows / commits:.2f} per commit)" if commits else ""
    print(
        f"Yume bodies: {distinct} distinct signed text messages from {CUSTOMERS} customers; "
        f"{rows} deliveries journalled{batching} for {acknowledged} acknowledged (warm-up "
        f"included)"
    )
    print()
    header = f"{'':30}{'requests/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'requests':>10}"
    print(header + f"{'not 200':>9}{'CPU µs/req':>12}")
    runs = [
        (f"Yume POST /webhooks ×{args.connections}", yume),
        (f"bare Flask 200 ×{args.connections}", bare),
    ]
    if at_p99 is not None:
        runs.append((f"Yume POST /webhooks ×{args.p99_connections}", at_p99))
    for name, r in runs:
        print(
            f"{name:30}{r.rps:11.0f}{r.p50_ms:9.2f}{r.p99_ms:9.2f}{r.max_ms:9.2f}"
            f"{r.requests:10d}{r.not_200:9d}{r.cpu_us_per_request:12.0f}"
        )
    if pgbench is not None:
        print(
            f"{f'pgbench 1-row INSERT ×{args.connections}':30}{pgbench:11.0f}"
            "  (transactions/s, synchronous commit)"
        )
    else:
        print("pgbench: not run (needs pgbench, Debian postgresql-contrib, and a PostgreSQL URL)")
    ratio = yume.rps / bare.rps if bare.rps else 0.0
    p99_run = at_p99 or yume
    p99_connections = args.p99_connections if at_p99 is not None else args.connections
    print()
    print(f"{'goal':48}{'measured':>12}  result")
    print(
        f"{f'throughput Yume/bare >= {GOAL_RATIO}x at {args.connections}':48}"
        f"{ratio:11.2f}x  {goal(ratio >= GOAL_RATIO)}"
    )
    if pgbench:
        print(f"{'(Yume/pgbench, for scale)':48}{yume.rps / pgbench:11.2f}x")
    print(
        f"{f'Yume p99 <= {GOAL_P99_MS:g} ms at {p99_connections} connections':48}"
        f"{p99_run.p99_ms:9.2f} ms  {goal(p99_run.p99_ms <= GOAL_P99_MS)}"
    )
    every = yume.all_200 and bare.all_200 and (at_p99 is None or at_p99.all_200)
    answered = "all" if every else "NOT all"
    print(f"{'every request answered 200':48}{answered:>12}  {goal(every)}")
    kept = rows >= acknowledged
    print(f"{'every acknowledged delivery committed':48}{rows:12d}  {goal(kept)}")
    dynos = -(-PEAK_NEED // max(1, round(yume.rps)))
    print(
        f"need: {PEAK_NEED:,} webhooks/s (100 salons at Coexistence's 20 msg/s each); this web "
        f"process sustained {yume.rps:,.0f}/s here, so about {dynos} such web dyno(s) at that "
        "peak (a real dyno's CPU differs: re-run there)"
    )


if __name__ == "__main__":
    sys.exit(main())
