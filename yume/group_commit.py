"""Group commit: many threads' small writes made durable by one transaction.

A webhook must not answer 200 before what it carries is committed, and a commit costs a
round trip and a WAL flush. When several requests arrive together, the first one to find
nobody flushing becomes the leader: it writes every entry waiting at that moment in one
batch, tells each waiting thread its entry is safe, and hands the lead to the oldest entry
that arrived meanwhile. A lone request flushes its own entry at once on its own thread, so
there is no added latency when the server is quiet, and under load each commit carries
everything that queued up behind the previous one.

A waiter gives up after `wait_seconds` (the database is stalled: the caller answers 503 and
Meta delivers again). It leaves the wait list under the lock as it goes, so the lead is
never handed to a thread that is no longer there: the group recovers as soon as the flush
that stalled returns, however long the stall lasted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class _Entry(Generic[T]):
    __slots__ = ("item", "ready", "lead", "error", "since")

    def __init__(self, item: T) -> None:
        self.item = item
        self.ready = threading.Event()
        self.lead = False  # woken to lead the next batch rather than because it is done
        self.error: BaseException | None = None
        self.since = time.monotonic()


class GroupCommit(Generic[T]):
    """`submit(item)` returns once `flush` has durably written a batch holding `item`, and
    raises what `flush` raised if that batch failed (every entry of it sees the error), or
    `TimeoutError` after `wait_seconds` without an answer. `after_flush` runs on the
    leader's thread once the batch is released and the lead handed on, so what follows a
    commit (asking for a job) does not hold up the next batch."""

    def __init__(
        self,
        flush: Callable[[Sequence[T]], None],
        after_flush: Callable[[], None] | None = None,
        wait_seconds: float = 30,
    ) -> None:
        self._flush = flush
        self._after_flush = after_flush
        self._wait_seconds = wait_seconds
        self._mutex = threading.Lock()
        self._waiting: list[_Entry[T]] = []
        self._leading = False
        self._flushing_since: float | None = None
        self.batches = 0  # how many flushes ran; for benchmarks and tests

    def submit(self, item: T) -> None:
        entry = _Entry(item)
        with self._mutex:
            self._waiting.append(entry)
            lead = not self._leading
            self._leading = True
        if not lead:
            if not entry.ready.wait(self._wait_seconds) and self._give_up(entry):
                raise TimeoutError("group commit: the database did not take the batch in time")
            if not entry.lead:
                if entry.error is not None:
                    raise entry.error
                return
        if self._lead() and self._after_flush is not None:
            self._after_flush()
        if entry.error is not None:
            raise entry.error

    def stalled_seconds(self) -> float:
        """How long the oldest unanswered work has waited: the flush running now, or the
        oldest entry waiting for one. 0 when idle. (/health reports a stuck journal.)"""
        now = time.monotonic()
        with self._mutex:
            starts = [entry.since for entry in self._waiting[:1]]
            if self._flushing_since is not None:
                starts.append(self._flushing_since)
        return max((now - start for start in starts), default=0.0)

    def _give_up(self, entry: _Entry[T]) -> bool:
        """A waiter timed out: True if it leaves (taken off the wait list, so the lead is
        never handed to it), False if it was answered or handed the lead just now."""
        with self._mutex:
            if entry.ready.is_set():
                return False
            if entry in self._waiting:
                self._waiting.remove(entry)
            return True  # or its batch is still being flushed: its answer comes too late

    def _lead(self) -> bool:
        """Flush what is waiting; True if it was written."""
        with self._mutex:
            batch, self._waiting = self._waiting, []
            self._flushing_since = time.monotonic()
        error: BaseException | None = None
        try:
            self._flush([entry.item for entry in batch])
        except BaseException as exc:  # handed to every entry of the batch, then re-raised there
            error = exc
        finally:
            self.batches += 1
            with self._mutex:
                self._flushing_since = None
                if self._waiting:
                    successor = self._waiting[0]
                    successor.lead = True
                    successor.ready.set()
                else:
                    self._leading = False
            for entry in batch:
                entry.error = error
                entry.lead = False
                entry.ready.set()
        return error is None
