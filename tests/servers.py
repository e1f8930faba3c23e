"""Yume's own processes started for a test (gunicorn, the one dyno): a free port, and
waiting until they answer HTTP."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    """Return once `url` answers at all; fail with the process's log if it dies or hangs."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            assert time.monotonic() < deadline and process.poll() is None, log.read_text()[-3000:]
            time.sleep(0.2)


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def turn_in_a_process(conversation_id: int, graph_url: str, brain: str, **env: str):
    """A worker process of its own running one conversation turn (embedded queue, the test
    database, the fake Graph API), for tests that kill it halfway."""
    import os
    import sys

    from tests.conftest import DATABASE_URL, SECRET_KEY

    root = Path(__file__).resolve().parent.parent
    environment = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "YUME_SECRET_KEY": SECRET_KEY,  # a PostgreSQL deployment refuses to start without it
        "META_GRAPH_URL": graph_url,
        "YUME_BRAIN": brain,
        "YUME_QUIET_SECONDS": "0",
        "PYTHONPATH": str(root),
        **env,
    }
    environment.pop("REDIS_URL", None)
    script = (
        f"from jobs.inbound import process_conversation; process_conversation({conversation_id})"
    )
    return subprocess.Popen([sys.executable, "-c", script], cwd=root, env=environment)
