"""Redis going away (a restart, a failover, a blip) is an outage to wait out, never a reason
for the worker or the scheduler to exit.

RQ's worker retries a lost connection while it waits for jobs, but any Redis error elsewhere
(recording a job's result, its heartbeat) ends its loop; rq-scheduler's loop ends on the
first one. Here both run inside a loop that waits for Redis with a short backoff (at most
MAX_WAIT_SECONDS, so recovery is quick once Redis is back) and starts them again; only a stop
request (SIGTERM, SIGINT) ends it. A Redis that comes back empty has forgotten every queued
and scheduled job: the worker reconciles from the database as it starts again, and the
scheduler notices the loss (`forgot_everything`) and asks for the reconcilers at once.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from redis import Redis
from rq import SimpleWorker

log = logging.getLogger(__name__)

FIRST_WAIT_SECONDS = 0.5
MAX_WAIT_SECONDS = 5.0
HEALTHY_AFTER_SECONDS = 30.0  # a run this long resets the backoff
# On one dyno the platform signals every process and the supervisor forwards its own SIGTERM
# too: two arrive together. Only a second one later than this means "stop now" (RQ's cold
# shutdown); the pair is one request to finish the job in hand.
SAME_STOP_SECONDS = 3.0
ALIVE_KEY = "yume:redis-remembers"  # gone when Redis lost its data

stopping = threading.Event()  # SIGTERM or SIGINT arrived: finish, do not start again


class Backoff:
    """0.5 s, 1 s, 2 s, 4 s, then 5 s between attempts."""

    def __init__(self) -> None:
        self._next = FIRST_WAIT_SECONDS

    def wait(self) -> None:
        """Sleep the next delay (a stop request cuts it short)."""
        stopping.wait(self._next)
        self._next = min(self._next * 2, MAX_WAIT_SECONDS)

    def reset(self) -> None:
        self._next = FIRST_WAIT_SECONDS


class YumeWorker(SimpleWorker):
    """RQ's in-process worker, with its own wait for a lost connection capped at
    MAX_WAIT_SECONDS (RQ's grows to a minute), and telling `stopping` about a stop request."""

    max_connection_wait_time = MAX_WAIT_SECONDS
    _stop_asked_at = 0.0

    def request_stop(self, signum: Any, frame: Any) -> None:
        stopping.set()
        self._stop_asked_at = time.monotonic()
        try:
            super().request_stop(signum, frame)  # raises StopRequested when idle
        finally:
            signal.signal(signal.SIGTERM, self._stop_again)

    def _stop_again(self, signum: Any, frame: Any) -> None:
        if time.monotonic() - self._stop_asked_at < SAME_STOP_SECONDS:
            log.info("worker.stop: the same SIGTERM twice (platform and supervisor); finishing")
            return
        self.request_force_stop(signum, frame)


def stop_on_signals() -> None:
    """For a loop that owns its process's signals (the scheduler)."""

    def request_stop(signum: int, _frame: object) -> None:
        log.info("stopping on signal %s", signum)
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)


def forgot_everything(connection: Redis) -> bool:
    """True once after Redis lost its data (restarted without persistence, flushed, failed
    over to an empty replica), and on the very first start: the marker was missing."""
    return bool(connection.set(ALIVE_KEY, 1, nx=True))
