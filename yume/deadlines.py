"""Time limits of a conversation turn, and the one exception no code may swallow.

RQ ends a job that runs past its `job_timeout` by raising `JobTimeoutException` from a
SIGALRM handler, wherever the job happens to be. Raised inside an HTTP call, it reaches
us wrapped (the Anthropic SDK turns any exception under its transport into an
`APIConnectionError`, and would even retry it); raised inside a tool, a brain or a
fallback, a broad `except Exception` would turn it into an ordinary answer and the job
would run on past its limit. Every such handler calls `reraise_job_timeout` first, so the
job really ends and RQ's retry takes over.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rq.timeouts import BaseTimeoutException


@dataclass(frozen=True)
class Deadline:
    """A moment on the monotonic clock by which something must be done."""

    at: float

    @classmethod
    def within(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def left(self) -> float:
        return self.at - time.monotonic()

    @property
    def passed(self) -> bool:
        return self.left() <= 0


def job_timeout_in(exc: BaseException) -> BaseTimeoutException | None:
    """RQ's timeout, if it is `exc` or anywhere in the chain of causes behind it."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, BaseTimeoutException):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def reraise_job_timeout(exc: BaseException) -> None:
    """Raise RQ's timeout again if `exc` is it or wraps it; otherwise do nothing."""
    timeout = job_timeout_in(exc)
    if timeout is not None:
        raise timeout from None
