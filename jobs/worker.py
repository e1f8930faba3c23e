"""The worker and scheduler processes, and the one-dyno supervisor that runs them beside
gunicorn (YUME_ONE_DYNO=1), all stopped gracefully on SIGTERM.

In one dyno the supervisor imports what the processes share (Flask, Peewee, redis, RQ,
rq-scheduler, requests, Babel, Yume's web side and jobs) once, freezes it out of the garbage
collector's reach and forks gunicorn and the worker from itself: their copies of those pages
stay shared. The supervisor, idle otherwise, is the scheduler: it ticks rq-scheduler (and
RQ's delayed jobs) in its own loop, touching only Redis, so it never holds a database
connection a child could inherit. Nothing the web must not hold (the brains, `anthropic`)
is imported before the fork: the worker loads its brain on its first turn.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import sys
import time
from collections.abc import Callable

from jobs.runtime import use_config
from yume.config import Config
from yume.queue import QUEUE_NAME, get_queue
from yume.redis_connection import connect

log = logging.getLogger(__name__)

RECONCILE_EVERY = 60  # seconds
SCHEDULER_INTERVAL = 1  # seconds between scheduler polls: quiet windows, retries, reminders
STOP_SECONDS = 25  # SIGTERM, then SIGKILL: inside Heroku's 30 s


def run_worker(config: Config, burst: bool = False) -> None:
    """An RQ worker on the default queue. SimpleWorker: no fork per job, so a turn costs
    milliseconds, not a process. Delayed jobs (quiet windows, retries) are moved to the
    queue by the scheduler process, not by a scheduler process forked from each worker.

    A Redis outage is waited out and the worker starts again (jobs/outages.py); each start
    first reconciles from the database what Redis or a dead worker may have lost."""
    from rq import Queue

    from jobs.maintenance import reconcile
    from jobs.outages import Backoff, YumeWorker, stopping
    from jobs.reminders import reconcile_reminders

    use_config(config)
    get_queue(config.redis_url)
    backoff = Backoff()
    while not stopping.is_set():
        started = time.monotonic()
        connection = connect(config.redis_url)
        try:
            connection.ping()
            reconcile(fresh=True)  # turns, sends and deliveries whose jobs may be gone,
            reconcile_reminders()  # appointment events and reminder jobs
            queue = Queue(QUEUE_NAME, connection=connection)
            worker = YumeWorker([queue], connection=connection)
            worker.work(with_scheduler=False, burst=burst, logging_level="INFO")
            if burst or stopping.is_set():
                return
            log.warning("worker.restarting: RQ's loop ended on an error (Redis away?)")
        except Exception as exc:  # Redis (or the database) away: wait, then start again
            log.warning("worker.waiting %s: %s", type(exc).__name__, exc)
        finally:
            connection.close()
        if time.monotonic() - started > 30:
            backoff.reset()
        backoff.wait()


def build_scheduler(config: Config):  # -> jobs.periodic.YumeScheduler
    from jobs.periodic import YumeScheduler

    connection = connect(config.redis_url)
    return YumeScheduler(queue_name=QUEUE_NAME, connection=connection, interval=SCHEDULER_INTERVAL)


def run_scheduler(config: Config, burst: bool = False) -> None:
    """rq-scheduler, keeping Yume's periodic jobs (jobs/periodic.py) registered even after
    Redis forgets them, and moving RQ's own delayed jobs every second; reminder jobs Redis
    lost are rebuilt from the database first. A Redis outage is waited out, never an exit
    (jobs/outages.py)."""
    from jobs.outages import Backoff, stop_on_signals, stopping
    from jobs.periodic import ensure_periodic
    from jobs.reminders import reconcile_reminders

    use_config(config)
    get_queue(config.redis_url)  # the reminder clock schedules on this Redis
    scheduler = build_scheduler(config)
    stop_on_signals()
    backoff, registered = Backoff(), False
    try:
        while not stopping.is_set():
            try:
                if not registered:
                    scheduler.start()
                    ensure_periodic(scheduler)
                    reconcile_reminders()
                    registered = True
                scheduler.tick()
            except Exception as exc:  # Redis (or the database) away: wait, then go on
                log.warning("scheduler.waiting %s: %s", type(exc).__name__, exc)
                registered = False
                backoff.wait()
                continue
            backoff.reset()
            if burst:
                return
            stopping.wait(SCHEDULER_INTERVAL)
    finally:
        with contextlib.suppress(Exception):
            scheduler.stop()


def gunicorn_arguments(
    port: int, app: str = "wsgi:app", host: str = "0.0.0.0", workers: str | None = None
) -> list[str]:
    """Procfile `web:`: WEB_CONCURRENCY workers (2) of YUME_WEB_THREADS threads (4), the app
    imported once before forking (--preload): a fraction of the memory of sync workers."""
    return [
        app,
        "--bind",
        f"{host}:{port}",
        "--workers",
        workers or os.environ.get("WEB_CONCURRENCY", "2"),
        "--worker-class",
        "gthread",
        "--threads",
        os.environ.get("YUME_WEB_THREADS", "4"),
        "--preload",
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "20",
    ]


def gunicorn_command(port: int, app: str = "wsgi:app", host: str = "0.0.0.0") -> list[str]:
    """gunicorn with the Procfile's settings, as a command (benchmarks and tests)."""
    return [sys.executable, "-m", "gunicorn", *gunicorn_arguments(port, app, host)]


def run_gunicorn(port: int, workers: str | None = None) -> None:
    """gunicorn in this process, with the Procfile's settings."""
    from gunicorn.app.wsgiapp import WSGIApplication

    sys.argv = ["gunicorn", *gunicorn_arguments(port, workers=workers)]
    WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()


def _spawn(name: str, target: Callable[[], object]) -> int:
    """Fork a child that runs `target` and exits; its pid."""
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        result = target()
        code = result if isinstance(result, int) else 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 0
    except BaseException:
        log.exception("one-dyno.%s-crashed", name)
    finally:
        logging.shutdown()
        os._exit(code)


def _exited(pid: int) -> int | None:
    """The exit code of a child that has ended, None while it runs."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return -1
    if done == 0:
        return None
    return os.waitstatus_to_exitcode(status)


def supervise(
    children: dict[str, Callable[[], object]],
    restart: set[str],
    tick: Callable[[], None] | None = None,
) -> int:
    """Fork the children; restart those in `restart` if they die; call `tick` about every
    SCHEDULER_INTERVAL meanwhile (its errors are logged, never fatal); on SIGTERM/SIGINT
    stop all of them gracefully (SIGTERM, then SIGKILL after 25 s, inside Heroku's 30 s)."""
    gc.collect()
    gc.freeze()  # what was imported stays out of the children's collections: pages stay shared
    pids = {name: _spawn(name, target) for name, target in children.items()}
    stopping = False
    told: set[int] = set()  # a second SIGTERM would make RQ's worker stop cold

    def tell_to_stop() -> None:
        for pid in set(pids.values()) - told:
            told.add(pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        tell_to_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    next_tick = time.monotonic()
    while not stopping:
        if tick is not None and time.monotonic() >= next_tick:
            next_tick = time.monotonic() + SCHEDULER_INTERVAL
            try:
                tick()
            except Exception:  # Redis away for a moment: the next tick tries again
                log.exception("one-dyno.scheduler-tick-failed")
        for name, pid in list(pids.items()):
            code = _exited(pid)
            if code is None:
                continue
            if name not in restart:
                log.error("one-dyno.%s-exited code=%s; stopping", name, code)
                stop(signal.SIGTERM, None)
                break
            log.warning("one-dyno.%s-exited code=%s; restarting", name, code)
            time.sleep(2)  # a child that cannot start does not spin
            if not stopping:
                pids[name] = _spawn(name, children[name])
        time.sleep(0.2)
    tell_to_stop()  # whatever was started after the signal
    deadline = time.monotonic() + STOP_SECONDS
    waiting = set(pids.values())
    while waiting and time.monotonic() < deadline:
        waiting = {pid for pid in waiting if _exited(pid) is None}
        time.sleep(0.1)
    for pid in waiting:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    return 0


def preload_shared() -> None:
    """Import, before forking, what gunicorn and the worker both use (never the brains)."""
    import rq  # noqa: F401
    import rq_scheduler  # noqa: F401

    import jobs.appointments  # noqa: F401
    import jobs.inbound  # noqa: F401
    import jobs.ingest  # noqa: F401
    import jobs.maintenance  # noqa: F401
    import jobs.outbound  # noqa: F401
    import jobs.periodic  # noqa: F401
    import jobs.reminders  # noqa: F401
    import wsgi  # noqa: F401  (the app: Flask, Peewee, redis, the API; nothing connected)


def run_web(config: Config) -> int:
    """Procfile `web:`. With YUME_ONE_DYNO=1 (and REDIS_URL) the worker runs beside gunicorn
    in the same dyno, forked from a supervisor that shares its imports and is the scheduler."""
    if os.environ.get("YUME_ONE_DYNO") != "1" or not config.redis_url:
        run_gunicorn(config.port)
        return 0
    preload_shared()
    scheduler = build_scheduler(config)
    # the database is the worker's to read: reminders Redis lost are rebuilt there
    get_queue(config.redis_url).enqueue("jobs.reminders.reconcile_reminders")
    scheduler.start()
    # one web worker of 4 threads acknowledges ~1,300 webhooks a second (bench/webhook.py),
    # far beyond a salon's traffic; a second would cost memory the dyno needs more
    workers = os.environ.get("YUME_WEB_WORKERS", "1")
    try:
        return supervise(
            {
                "web": lambda: run_gunicorn(config.port, workers),
                "worker": lambda: run_worker(config),
            },
            restart={"worker"},
            tick=scheduler.tick,
        )
    finally:
        scheduler.stop()
