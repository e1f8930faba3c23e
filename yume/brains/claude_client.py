"""The Anthropic client, bounded: per-attempt timeouts, explicit retries, a turn deadline.

The SDK retries connection errors, timeouts, 408/409/429 and every 5xx (`MAX_RETRIES`
times), obeying `retry-after` however long it says. A turn must end well inside RQ's job
timeout, so each turn talks to Claude through `TurnBounds`, a middleware the SDK runs
once per HTTP attempt (inside its retry loop):
- no attempt starts with less than `MIN_ATTEMPT` seconds left before the turn's deadline,
  and each attempt's timeout is cut to the time left;
- a `retry-after` longer than we can wait ends the call now (`ClaudeUnavailable`) instead
  of sleeping past the deadline;
- RQ's `JobTimeoutException`, which the SDK wraps as a connection error and would retry,
  is raised again as itself, so the job really stops.
Whatever the middleware raises that is not an SDK error propagates unretried.
"""

from __future__ import annotations

import email.utils
import os
import time
from functools import lru_cache
from typing import Any

import anthropic

from yume.deadlines import Deadline, reraise_job_timeout

CALL_TIMEOUT = 25.0  # seconds one attempt may wait for Claude's whole answer
CONNECT_TIMEOUT = 5.0
MAX_RETRIES = 2  # the SDK's own retries per call (3 attempts at most)
MAX_RETRY_WAIT = 8.0  # the longest `retry-after` worth waiting for inside a turn
MIN_ATTEMPT = 3.0  # seconds: with less left, an attempt is not started
RETRYABLE = (408, 409, 429)  # and every status ≥ 500, as the SDK retries them


class ClaudeUnavailable(Exception):
    """Claude did not answer in time (rate limit, overload, 5xx, timeouts, the turn's
    deadline): the guided brain or the holding message answers instead."""


def client_for(api_key: str) -> anthropic.Anthropic:
    """One client per key and base URL in a process (its connection pool is reused across
    turns). The SDK itself reads ANTHROPIC_BASE_URL; it is part of the key here only so a
    changed environment gets a new client."""
    return _client(api_key, os.environ.get("ANTHROPIC_BASE_URL"))


@lru_cache(maxsize=4)
def _client(api_key: str, base_url: str | None) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        api_key=api_key,
        max_retries=MAX_RETRIES,
        timeout=anthropic.Timeout(CALL_TIMEOUT, connect=CONNECT_TIMEOUT),
    )


def bounded(client: anthropic.Anthropic, deadline: Deadline) -> anthropic.Anthropic:
    """The client for one turn: same connection pool, every attempt within `deadline`."""
    return client.with_middleware(TurnBounds(deadline))


class TurnBounds(anthropic.Middleware):
    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline

    def handle(self, request: anthropic.APIRequest, call_next: Any) -> Any:
        left = self.deadline.left()
        if left < MIN_ATTEMPT:
            raise ClaudeUnavailable(f"the turn's deadline is {max(left, 0):.1f} s away")
        per_attempt = anthropic.Timeout(min(CALL_TIMEOUT, left), connect=min(CONNECT_TIMEOUT, left))
        try:
            response = call_next(request.copy(timeout=per_attempt))
        except anthropic.APIConnectionError as exc:
            reraise_job_timeout(exc)
            raise
        if _retryable(response.status_code):
            wait = retry_after(response.headers)
            if wait is not None and wait > min(MAX_RETRY_WAIT, self.deadline.left() - MIN_ATTEMPT):
                raise ClaudeUnavailable(
                    f"{response.status_code}: asked to wait {wait:.0f} s, more than the turn has"
                )
        return response


def _retryable(status: int) -> bool:
    return status in RETRYABLE or status >= 500


def retry_after(headers: Any) -> float | None:
    """Seconds the server asks us to wait (`retry-after-ms`, or `retry-after` as seconds or
    an HTTP date), or None."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return float(raw_ms) / 1000
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        parsed = email.utils.parsedate_tz(raw)
        return None if parsed is None else email.utils.mktime_tz(parsed) - time.time()
