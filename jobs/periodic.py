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
from yume.queue import JOB_TIMEOUT, QUEUE_NAME


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
            timeout=JOB_TIMEOUT,
        )
        added.append(job.job_id)
    return added


class YumeScheduler(Scheduler):  # type: ignore[misc]
    """rq-scheduler that also does the work of RQ's own scheduler: moving jobs enqueued with
    a delay (quiet windows) and retries waiting out their backoff from RQ's scheduled-job
    registry to the queue, under RQ's scheduler lock. One process does both clocks, instead of
    each worker forking a scheduler of its own."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from rq.scheduler import RQScheduler

        super().__init__(*args, **kwargs)
        self.delayed = RQScheduler(
            [self.queue_name], connection=self.connection, interval=self._interval
        )

    def enqueue_jobs(self) -> Any:
        self.recover_if_redis_forgot()
        ensure_periodic(self)
        self.move_delayed_jobs()
        return super().enqueue_jobs()

    def recover_if_redis_forgot(self) -> None:
        """Redis came back empty: every queued and delayed job is gone. Ask for the
        reconcilers now (everything the database says is waiting), not at their next period."""
        from jobs.outages import forgot_everything
        from yume.queue import default_queue

        if forgot_everything(self.connection):
            self.log.warning("scheduler.redis-forgot: reconciling from the database now")
            default_queue().enqueue("jobs.maintenance.reconcile", True)
            default_queue().enqueue("jobs.reminders.reconcile_reminders")

    def move_delayed_jobs(self) -> None:
        if self.delayed.should_reacquire_locks:
            self.delayed.acquire_locks()
        if self.delayed.acquired_locks:
            self.delayed.heartbeat()
            self.delayed.enqueue_scheduled_jobs()

    def start(self) -> None:
        """Begin ticking from someone else's loop (the one-dyno supervisor's, or the
        scheduler's own); again after an outage, as the same scheduler."""
        self.register_death()
        self.register_birth()
        self.delayed.register_birth()

    def tick(self) -> None:
        """One pass of rq-scheduler's own loop (`Scheduler.run`), for a caller that owns the
        loop and the signals."""
        self.heartbeat()
        if self.acquire_lock():
            self.enqueue_jobs()
            self.heartbeat()
            self.remove_lock()

    def stop(self) -> None:
        self.remove_lock()
        self.register_death()
        self.delayed.stop()  # releases RQ's lock: another scheduler takes over at once
