"""One dyno: the platform sends SIGTERM to every process and the supervisor forwards its own,
so the RQ worker gets two at once. It must still finish the job in hand (a warm stop), while
a second SIGTERM that comes later still stops it cold, as RQ does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REDIS_URL

ROOT = Path(__file__).resolve().parent.parent
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="needs YUME_TEST_REDIS_URL (CI's pass)")
QUEUE = "stop-test"

WORKER = f"""
import sys
from redis import Redis
from rq import Queue
from jobs.outages import YumeWorker
connection = Redis.from_url(sys.argv[1])
worker = YumeWorker([Queue({QUEUE!r}, connection=connection)], connection=connection)
worker.work(burst=True, with_scheduler=False)
"""


def signal_twice_during_a_job(tmp_path: Path, job_seconds: float, gap: float) -> bool:
    """Whether the job finished; the worker exits either way."""
    from redis import Redis
    from rq import Queue
    from rq.registry import StartedJobRegistry

    connection = Redis.from_url(REDIS_URL or "")
    connection.flushdb()
    marker = tmp_path / "done"
    script = (
        f"import time, pathlib; time.sleep({job_seconds}); pathlib.Path({str(marker)!r}).touch()"
    )
    queue = Queue(QUEUE, connection=connection)
    queue.enqueue("builtins.exec", script)
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, REDIS_URL or ""],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 20
        while StartedJobRegistry(queue=queue).count == 0:
            assert time.monotonic() < deadline and worker.poll() is None
            time.sleep(0.05)
        worker.send_signal(signal.SIGTERM)  # the platform's
        time.sleep(gap)
        worker.send_signal(signal.SIGTERM)  # the supervisor's, or someone insisting
        worker.wait(timeout=job_seconds + 20)
    finally:
        if worker.poll() is None:
            worker.kill()
    return marker.exists()


@needs_redis
def test_two_sigterms_at_once_still_let_the_job_finish(tmp_path):
    """1.5 s apart: RQ alone forgives a repeat within 1 s only, and the supervisor's forward
    can lag behind the platform's signal while its scheduler tick talks to Redis."""
    assert signal_twice_during_a_job(tmp_path, job_seconds=3, gap=1.5)


@needs_redis
def test_a_second_sigterm_seconds_later_stops_the_worker_cold(tmp_path):
    assert not signal_twice_during_a_job(tmp_path, job_seconds=8, gap=3.5)
