"""Yume's periodic jobs under rq-scheduler, kept registered even if Redis forgets them.

rq-scheduler keeps periodic jobs only in Redis: after a flush (or a restored snapshot) they
are gone until someone registers them again. `YumeScheduler` checks on every poll, while it
holds the scheduler lock, that each job below is still scheduled and registers any that is
missing to run at once, so the reconcilers rebuild everything else within one poll.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from rq_scheduler import Scheduler

from jobs.worker import RECONCILE_EVERY
from yume.queue import QUEUE_NAME


class Periodic(NamedTuple):
    job_id: str
    func: str
    every: int  # seconds


PERIODIC_JOBS = (
    Periodic("yume-reconcile", "jobs.maintenance.reconcile", RECONCILE_EVERY),
    Periodic("yume-reconcile-reminders", "jobs.reminders.reconcile_reminders", RECONCILE_EVERY),
    Periodic("yume-morning-agendas", "jobs.reminders.send_morning_agendas", 60),
    Periodic("yume-complete-appointments", "jobs.reminders.complete_appointments", 300),
)


def ensure_periodic(scheduler: Scheduler) -> list[str]:
    """Register the periodic jobs that are not scheduled; their ids."""
    added = []
    for job in PERIODIC_JOBS:
        if job.job_id in scheduler:
            continue
        scheduler.schedule(
            scheduled_time=datetime.now(UTC).replace(tzinfo=None),
            func=job.func,
            interval=job.every,
            repeat=None,
            id=job.job_id,
            queue_name=QUEUE_NAME,
            timeout=120,
        )
        added.append(job.job_id)
    return added


class YumeScheduler(Scheduler):  # type: ignore[misc]
    def enqueue_jobs(self) -> Any:
        ensure_periodic(self)
        return super().enqueue_jobs()
