"""Embedded mode (no REDIS_URL): the jobs a worker and a scheduler would run, in-process."""

from __future__ import annotations

import threading
import time

from yume.config import Config
from yume.queue import get_queue

PERIODIC_JOBS = (
    "jobs.maintenance.reconcile",
    "jobs.reminders.reconcile_reminders",
    "jobs.reminders.send_due_reminders",  # embedded mode's reminder scheduler
    "jobs.reminders.send_morning_agendas",
    "jobs.reminders.complete_appointments",
)
EVERY_SECONDS = 30


def start_background(config: Config) -> threading.Thread:
    """Pin the configuration for in-process jobs and run the periodic ones in a thread."""
    from jobs.runtime import use_config

    use_config(config)

    def loop() -> None:
        while True:
            for job in PERIODIC_JOBS:
                get_queue(None).enqueue(job)
            time.sleep(EVERY_SECONDS)

    thread = threading.Thread(target=loop, name="yume-periodic", daemon=True)
    thread.start()
    return thread
