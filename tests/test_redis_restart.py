"""Redis restarts under running processes (issue 13, item 4): the worker and the scheduler
wait it out instead of exiting, in both layouts, and whatever was acknowledged meanwhile is
answered once Redis is back, although Redis came back empty."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests import webhooks
from tests.conftest import DATABASE_URL, REDIS_URL, SECRET_KEY
from tests.private_servers import PrivateRedis
from tests.servers import children_of, free_port, wait_until_serving
from yume.whatsapp.signature import sign

ROOT = Path(__file__).resolve().parent.parent
RECOVERY_SECONDS = 10  # the goal, after Redis is back

pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="needs YUME_TEST_REDIS_URL (the Redis pass): starts its own redis-server"
)


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    redis = PrivateRedis().start()
    yield redis
    redis.close()


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("a") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )


def post(url: str, wa_id: str, text: str) -> int:
    body = json.dumps(webhooks.text(wa_id, text)).encode()
    headers = {"X-Hub-Signature-256": sign(webhooks.APP_SECRET, body)}
    return requests.post(url, data=body, headers=headers, timeout=20).status_code


def wait_for_answers(fake_graph, count: int, logs: list[Path], timeout: float) -> float:
    started = time.monotonic()
    while len(fake_graph.sent_messages()) < count:
        assert time.monotonic() - started < timeout, "\n".join(p.read_text()[-2000:] for p in logs)
        time.sleep(0.2)
    return time.monotonic() - started


@pytest.mark.parametrize("layout", ["procfile", "one-dyno"])
def test_the_processes_wait_out_a_redis_restart_and_answer_what_came_meanwhile(
    layout, private_redis, cast, jobs, fake_graph, tmp_path
):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": private_redis.url,
        "META_APP_SECRET": webhooks.APP_SECRET,
        "META_GRAPH_URL": fake_graph.url,
        "YUME_BRAIN": "tests.brains.EchoBrain",
        "YUME_QUIET_SECONDS": "0",
        "YUME_SECRET_KEY": SECRET_KEY,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "PYTHONPATH": str(ROOT),
    }
    yume = [sys.executable, "-m", "yume"]
    names = ["web", "worker", "scheduler"] if layout == "procfile" else ["web"]
    if layout == "one-dyno":
        env["YUME_ONE_DYNO"] = "1"
    logs = [tmp_path / f"{name}.log" for name in names]
    processes = [start([*yume, name], env, log) for name, log in zip(names, logs, strict=True)]
    url = f"http://127.0.0.1:{port}/webhooks/whatsapp"
    try:
        wait_until_serving(url, processes[0], logs[0])
        assert post(url, "5215512340001", "antes") == 200
        wait_for_answers(fake_graph, 1, logs, timeout=30)
        children = set(children_of(processes[0].pid))

        private_redis.stop()  # Redis restarts, and comes back empty
        assert post(url, "5215512340002", "durante") == 200  # the journal still takes it
        time.sleep(3)
        private_redis.start()
        back = time.monotonic()
        assert post(url, "5215512340003", "después") == 200

        wait_for_answers(fake_graph, 3, logs, timeout=30)
        assert time.monotonic() - back < RECOVERY_SECONDS
        assert [p.poll() for p in processes] == [None] * len(processes)  # nobody exited
        assert set(children_of(processes[0].pid)) == children  # nor was restarted
        answered = sorted(m["to"] for m in fake_graph.sent_messages())
        assert answered == ["5215512340001", "5215512340002", "5215512340003"]  # once each
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=40)
            with contextlib.suppress(ProcessLookupError):  # and whatever it forked
                os.killpg(process.pid, signal.SIGKILL)
