"""The Procfile as a Heroku-style platform runs it, through honcho (the Python Procfile
runner): `release:` migrates, then the processes serve with `DATABASE_URL` spelled as Heroku
spells it (`postgres://…`, with an `sslmode`), answer /health and a signed webhook, and all
of them are gone within 25 s of SIGTERM (Heroku kills at 30 s). honcho, like the platform,
sends SIGTERM to every process of each process type, forked children included.

Two layouts: `web worker scheduler` as three dynos would run them, and `web` alone with
YUME_ONE_DYNO=1. PostgreSQL + Redis pass only."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from tests import webhooks
from tests.conftest import DATABASE_URL, REDIS_URL, SECRET_KEY
from tests.servers import free_port
from yume.whatsapp.signature import sign

ROOT = Path(__file__).resolve().parent.parent
STOP_SECONDS = 25

pytestmark = pytest.mark.skipif(
    not (REDIS_URL and DATABASE_URL.startswith("postgres")),
    reason="needs YUME_TEST_DATABASE_URL (PostgreSQL) and YUME_TEST_REDIS_URL: the platform's",
)


def heroku_style(url: str) -> str:
    """The test database's URL as Heroku's addon writes it: `postgres://…?sslmode=…`
    (`prefer`: the local server has no TLS; `require` is tested in test_database_url.py)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgres", query="sslmode=prefer"))


def honcho(*args: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "honcho", "--no-colour", "-f", "Procfile", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: a failed test kills all of it
        )


def kill_group(process: subprocess.Popen) -> None:
    """Whatever honcho started, gone (a test that failed half-way must leave no worker
    behind: it would take the next tests' jobs)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


@pytest.fixture
def platform_env(fake_graph, tmp_path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("YUME_", "META_", "REDIS_", "DATABASE_", "WEB_CONCURRENCY"))
    }
    env.update(
        {
            "DATABASE_URL": heroku_style(DATABASE_URL),
            "REDIS_URL": REDIS_URL or "",
            "META_APP_SECRET": webhooks.APP_SECRET,
            "META_GRAPH_URL": fake_graph.url,
            "YUME_ADMIN_TOKEN": "procfile-admin-token-0123456789-ok",
            "YUME_SECRET_KEY": SECRET_KEY,
            "YUME_BRAIN": "tests.brains.EchoBrain",
            "YUME_QUIET_SECONDS": "1",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",  # `python`
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "WEB_CONCURRENCY": "1",
        }
    )
    return env


def test_the_release_command_migrates(platform_env, tmp_path):
    log = tmp_path / "release.log"
    release = honcho("start", "release", env=platform_env, log=log)
    try:
        assert release.wait(timeout=60) == 0, log.read_text()
    finally:
        kill_group(release)
    text = log.read_text()
    assert "release.1 stopped (rc=0)" in text
    assert "Nada que migrar." in text or "Migraciones aplicadas" in text


@pytest.mark.parametrize(
    ("layout", "processes", "extra"),
    [
        ("separate dynos", ["web", "worker", "scheduler"], {}),
        ("one dyno", ["web"], {"YUME_ONE_DYNO": "1"}),
    ],
)
def test_the_procfile_serves_answers_and_stops_on_sigterm(
    cast, jobs, fake_graph, platform_env, tmp_path, layout, processes, extra
):
    port = free_port()
    log = tmp_path / "procfile.log"
    running = honcho("start", "-p", str(port), *processes, env={**platform_env, **extra}, log=log)
    try:
        health = _wait_for_health(port, running, log)
        assert health == {
            "status": "ok",
            "mode": "redis",
            "checks": {"database": "ok", "journal": "ok", "redis": "ok"},
        }
        _answers_a_signed_webhook(port, fake_graph, log)
        family = _descendants(running.pid)
        assert len(family) >= len(processes) + 1, family  # each type, and its forked children
        stopped_at = time.monotonic()
        running.send_signal(signal.SIGTERM)
        running.wait(timeout=STOP_SECONDS)
        while any(_alive(pid) for pid in family):
            waited = time.monotonic() - stopped_at
            assert waited < STOP_SECONDS, (
                f"{layout}: still running after {waited:.0f} s\n" + (log.read_text()[-3000:])
            )
            time.sleep(0.2)
    finally:
        kill_group(running)
    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]
    assert "SIGKILL" not in text, text[-3000:]  # honcho's own 5 s patience was enough


def _wait_for_health(port: int, process: subprocess.Popen, log: Path) -> dict:
    deadline = time.monotonic() + 60
    while True:
        try:
            response = requests.get(f"http://127.0.0.1:{port}/health", timeout=2)
            if response.status_code == 200:
                return response.json()
        except requests.ConnectionError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.3)


def _answers_a_signed_webhook(port: int, fake_graph, log: Path) -> None:
    """Accepted at once, then answered: ingested by the worker, the quiet window ended by
    the scheduler (a delayed RQ job), the reply sent to the fake Graph API."""
    body = json.dumps(webhooks.text("5215599998888", "hola")).encode()
    response = requests.post(
        f"http://127.0.0.1:{port}/webhooks/whatsapp",
        data=body,
        headers={"X-Hub-Signature-256": sign(webhooks.APP_SECRET, body)},
        timeout=5,
    )
    assert response.status_code == 200
    deadline = time.monotonic() + 30
    while not fake_graph.sent_messages():
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.2)
    assert [m["text"]["body"] for m in fake_graph.sent_messages()] == ["[customer] Recibí: hola"]


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
