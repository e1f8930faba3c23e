"""One worker at a time per conversation, and never a conversation stuck behind a dead one.

The lease is short (conversations.LEASE, 6 s) and a heartbeat thread renews it every
HEARTBEAT_SECONDS while the turn runs, however long Claude takes. A worker killed mid-turn
stops renewing, so its conversation is free again within the lease; a job that found the
conversation busy comes back when the lease would run out (jobs/inbound.py), so the work is
picked up even though the worker that held it is gone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from yume import conversations
from yume.db import database
from yume.models import utcnow

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0


class Heartbeat:
    """Renews a held lease in the background until stopped (its own database connection)."""

    def __init__(self, conversation_id: int, token: str, every: float | None = None) -> None:
        self.conversation_id = conversation_id
        self.token = token
        self.every = every or HEARTBEAT_SECONDS
        self.lost = False  # the lease was taken from us (it lapsed and another worker won)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="yume-lease", daemon=True)

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 5)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                with database.connection_context():
                    if not conversations.renew_lease(self.conversation_id, self.token, utcnow()):
                        self.lost = True
                        log.warning("lease.lost conversation=%s", self.conversation_id)
                        return
            except Exception:  # the database away for a moment: try again next beat
                log.warning("lease.renew-failed conversation=%s", self.conversation_id)


@contextmanager
def held(conversation_id: int, now: datetime) -> Iterator[str | None]:
    """The lease for the block (its token), renewed while the block runs; None if another
    worker holds it."""
    token = conversations.acquire_lease(conversation_id, now)
    if token is None:
        yield None
        return
    heartbeat = Heartbeat(conversation_id, token).start()
    try:
        yield token
    finally:
        heartbeat.stop()
        conversations.release_lease(conversation_id, token)
