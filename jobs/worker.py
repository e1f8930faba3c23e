"""The worker and scheduler processes, and the one-dyno supervisor that runs them beside
gunicorn (YUME_ONE_DYNO=1), all stopped gracefully on SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time

from jobs.runtime import use_config
from yume.config import Config
from yume.queue import QUEUE_NAME, get_queue

log = logging.getLogger(__name__)

RECONCILE_EVERY = 60  # seconds
SCHEDULER_INTERVAL = 5  # seconds between rq-scheduler polls


def run_worker(config: Config, burst: bool = False) -> None:
    """An RQ worker on the default queue. SimpleWorker: no fork per job, so a turn costs
    milliseconds, not a process; RQ's own scheduler moves delayed jobs (quiet windows)."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    from jobs.maintenance import reconcile
    from jobs.reminders import reconcile_reminders

    use_config(config)
    get_queue(config.redis_url)
    connection = Redis.from_url(config.redis_url)
    reconcile()  # whatever Redis forgot while we were down: turns and sends,
    reconcile_reminders()  # appointment events and reminder jobs
    worker = SimpleWorker([Queue(QUEUE_NAME, connection=connection)], connection=connection)
    worker.work(with_scheduler=True, burst=burst, logging_level="INFO")


def run_scheduler(config: Config, burst: bool = False) -> None:
    """rq-scheduler, keeping Yume's periodic jobs (jobs/periodic.py) registered even after
    Redis forgets them; reminder jobs Redis lost are rebuilt from the database first."""
    from redis import Redis

    from jobs.periodic import YumeScheduler, ensure_periodic
    from jobs.reminders import reconcile_reminders

    use_config(config)
    get_queue(config.redis_url)  # the reminder clock schedules on this Redis
    connection = Redis.from_url(config.redis_url)
    scheduler = YumeScheduler(
        queue_name=QUEUE_NAME, connection=connection, interval=SCHEDULER_INTERVAL
    )
    ensure_periodic(scheduler)
    reconcile_reminders()
    scheduler.run(burst=burst)


def gunicorn_command(port: int, app: str = "wsgi:app", host: str = "0.0.0.0") -> list[str]:
    """Procfile `web:`: WEB_CONCURRENCY workers (2) of YUME_WEB_THREADS threads (4), the app
    imported once before forking (--preload): a fraction of the memory of sync workers."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        "--bind",
        f"{host}:{port}",
        "--workers",
        os.environ.get("WEB_CONCURRENCY", "2"),
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


def supervise(commands: dict[str, list[str]], restart: set[str]) -> int:
    """Run the commands; restart those in `restart` if they die; on SIGTERM/SIGINT stop
    all of them gracefully (SIGTERM, then SIGKILL after 25 s, inside Heroku's 30 s)."""
    children = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping:
        for name, child in list(children.items()):
            if child.poll() is None:
                continue
            if name not in restart:
                log.error("one-dyno.%s-exited code=%s; stopping", name, child.returncode)
                stop(signal.SIGTERM, None)
                break
            log.warning("one-dyno.%s-exited code=%s; restarting", name, child.returncode)
            time.sleep(2)
            children[name] = subprocess.Popen(commands[name])
        time.sleep(0.5)
    deadline = time.monotonic() + 25
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    return 0


def run_web(config: Config) -> int:
    """Procfile `web:`. With YUME_ONE_DYNO=1 (and REDIS_URL) the worker and the scheduler
    run beside gunicorn in the same dyno."""
    commands = {"web": gunicorn_command(config.port)}
    if os.environ.get("YUME_ONE_DYNO") == "1" and config.redis_url:
        commands["worker"] = [sys.executable, "-m", "yume", "worker"]
        commands["scheduler"] = [sys.executable, "-m", "yume", "scheduler"]
    return supervise(commands, restart={"worker", "scheduler"})
