"""The one enqueue seam: RQ on Redis when REDIS_URL is set, in-process otherwise.

Jobs are named by dotted path ("jobs.inbound.process_conversation") and take only
ids and primitives, so the web process never imports jobs/ (nor the brains, nor
`anthropic`). The database is the truth: a job lost with Redis is rebuilt by
`jobs.maintenance.reconcile`.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, Protocol

log = logging.getLogger(__name__)

QUEUE_NAME = "default"
JOB_TIMEOUT = 120  # seconds; a conversation turn with Claude and a few sends fits easily
RETRY_INTERVALS = [5, 15, 60, 180, 600]


PENDING_SECONDS = 30  # how long "a job is waiting" is believed without the job starting


class JobQueue(Protocol):
    def enqueue(self, job: str, *args: Any, delay: float = 0) -> None:
        """Run `job(*args)` soon (after `delay` seconds); never raises on a queue outage."""

    def enqueue_unless_pending(self, job: str) -> None:
        """Run `job()` soon unless a run of it is already waiting to start: a hundred
        requests asking for the same sweep enqueue it once. The job calls `started(job)`
        first thing, so anything written before that is in its view."""

    def started(self, job: str) -> None:
        """Called by such a job as it starts: the next request enqueues a new run."""


def resolve(job: str) -> Callable[..., Any]:
    module, _, name = job.rpartition(".")
    return getattr(importlib.import_module(module), name)


class RedisQueue:
    def __init__(self, url: str) -> None:
        from rq import Queue

        from yume.redis_connection import connect

        self.connection = connect(url)
        self.queue = Queue(QUEUE_NAME, connection=self.connection)

    def enqueue(self, job: str, *args: Any, delay: float = 0) -> None:
        from rq import Retry

        options: dict[str, Any] = {
            "job_timeout": JOB_TIMEOUT,
            "retry": Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
            "failure_ttl": 7 * 24 * 3600,
            "result_ttl": 600,
            "description": f"{job}{args}",
        }
        try:
            if delay > 0:
                self.queue.enqueue_in(timedelta(seconds=delay), job, *args, **options)
            else:
                self.queue.enqueue(job, *args, **options)
        except Exception:  # Redis down: the reconciler will find the work in the database
            log.exception("queue.enqueue-failed job=%s args=%s", job, args)

    def enqueue_unless_pending(self, job: str) -> None:
        """One round trip when a run is already waiting (SET NX); the flag expires on its own
        should the job be lost with it, and the reconciler covers the rest."""
        key = f"yume:pending:{job}"
        try:  # SET NX EX as a bare command: redis-py's keyword wrapper costs more than the trip
            if not self.connection.execute_command("SET", key, 1, "NX", "EX", PENDING_SECONDS):
                return
        except Exception:
            log.exception("queue.enqueue-failed job=%s", job)
            return
        self.enqueue(job)

    def started(self, job: str) -> None:
        try:
            self.connection.delete(f"yume:pending:{job}")
        except Exception:
            log.exception("queue.unmark-failed job=%s", job)


class _PendingMarks:
    """`enqueue_unless_pending` and `started` with in-memory marks, for the queues without
    Redis; the class mixing it in provides `enqueue`."""

    def __init__(self) -> None:
        self._pending: set[str] = set()
        self._marks_lock = threading.Lock()

    def enqueue(self, job: str, *args: Any, delay: float = 0) -> None:
        raise NotImplementedError

    def enqueue_unless_pending(self, job: str) -> None:
        with self._marks_lock:
            if job in self._pending:
                return
            self._pending.add(job)
        self.enqueue(job)

    def started(self, job: str) -> None:
        with self._marks_lock:
            self._pending.discard(job)


class InProcessQueue(_PendingMarks):
    """Embedded mode: the same jobs on a small thread pool inside this process."""

    def __init__(self, workers: int = 2) -> None:
        super().__init__()
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="yume-job")

    def enqueue(self, job: str, *args: Any, delay: float = 0) -> None:
        if delay > 0:
            timer = threading.Timer(delay, self._submit, args=(job, args))
            timer.daemon = True
            timer.start()
        else:
            self._submit(job, args)

    def _submit(self, job: str, args: tuple[Any, ...], attempt: int = 0) -> None:
        self.executor.submit(self._run, job, args, attempt)

    def _run(self, job: str, args: tuple[Any, ...], attempt: int) -> None:
        """Run a job; retry it later with the same backoff RQ would use."""
        try:
            resolve(job)(*args)
        except Exception:
            log.exception("job.failed job=%s args=%s attempt=%s", job, args, attempt + 1)
            if attempt < len(RETRY_INTERVALS):
                timer = threading.Timer(
                    RETRY_INTERVALS[attempt], self._submit, args=(job, args, attempt + 1)
                )
                timer.daemon = True
                timer.start()


class RecordingQueue(_PendingMarks):
    """Keeps jobs until `run_all()`; for tests and the terminal simulator."""

    def __init__(self) -> None:
        super().__init__()
        self.jobs: list[tuple[str, tuple[Any, ...], float]] = []

    def enqueue(self, job: str, *args: Any, delay: float = 0) -> None:
        self.jobs.append((job, args, delay))

    def run_all(self) -> int:
        done = 0
        while self.jobs:
            job, args, _ = self.jobs.pop(0)
            resolve(job)(*args)
            done += 1
        return done


_queue: JobQueue | None = None
_lock = threading.Lock()


def get_queue(redis_url: str | None) -> JobQueue:
    """The process's queue, built once from the configuration."""
    global _queue
    with _lock:
        if _queue is None:
            _queue = RedisQueue(redis_url) if redis_url else InProcessQueue()
        return _queue


def set_queue(queue: JobQueue | None) -> None:
    """Replace the process's queue (tests, the simulator)."""
    global _queue
    with _lock:
        _queue = queue


def default_queue() -> JobQueue:
    """The process's queue, for code that has no configuration at hand (domain services
    that must enqueue after they commit); built from the environment on first use."""
    if _queue is not None:
        return _queue
    from yume.config import Config

    return get_queue(Config.from_env(dotenv=False).redis_url)
