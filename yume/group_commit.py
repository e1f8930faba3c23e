"""Group commit: many threads' small writes made durable by one transaction.

A webhook must not answer 200 before what it carries is committed, and a commit costs a
round trip and a WAL flush. When several requests arrive together, the first one to find
nobody flushing becomes the leader: it writes every entry waiting at that moment in one
batch, tells each waiting thread its entry is safe, and hands the lead to the oldest entry
that arrived meanwhile. A lone request flushes its own entry at once on its own thread, so
there is no added latency when the server is quiet, and under load each commit carries
everything that queued up behind the previous one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class _Entry(Generic[T]):
    __slots__ = ("item", "ready", "lead", "error")

    def __init__(self, item: T) -> None:
        self.item = item
        self.ready = threading.Event()
        self.lead = False  # woken to lead the next batch rather than because it is done
        self.error: BaseException | None = None


class GroupCommit(Generic[T]):
    """`submit(item)` returns once `flush` has durably written a batch holding `item`, and
    raises what `flush` raised if that batch failed (every entry of it sees the error).
    `after_flush` runs on the leader's thread once the batch is released and the lead handed
    on, so what follows a commit (asking for a job) does not hold up the next batch."""

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
        self.batches = 0  # how many flushes ran; for benchmarks and tests

    def submit(self, item: T) -> None:
        entry = _Entry(item)
        with self._mutex:
            self._waiting.append(entry)
            lead = not self._leading
            self._leading = True
        if not lead:
            if not entry.ready.wait(self._wait_seconds):
                raise TimeoutError("group commit: the batch leader did not finish in time")
            if not entry.lead:
                if entry.error is not None:
                    raise entry.error
                return
        if self._lead() and self._after_flush is not None:
            self._after_flush()
        if entry.error is not None:
            raise entry.error

    def _lead(self) -> bool:
        """Flush what is waiting; True if it was written."""
        with self._mutex:
            batch, self._waiting = self._waiting, []
        error: BaseException | None = None
        try:
            self._flush([entry.item for entry in batch])
        except BaseException as exc:  # handed to every entry of the batch, then re-raised there
            error = exc
        finally:
            self.batches += 1
            with self._mutex:
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
