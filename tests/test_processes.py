"""The processes around the pipeline: the web stays small, ops see the queues behind auth,
the one-dyno supervisor stops cleanly, the terminal simulator talks through the pipeline."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import requests

from tests import webhooks
from tests.brains import EchoBrain
from tests.conftest import DATABASE_URL, REDIS_URL, SECRET_KEY
from tests.servers import children_of, free_port, wait_until_serving
from yume.app import create_app
from yume.chat import Simulator
from yume.whatsapp.signature import sign

ROOT = Path(__file__).resolve().parent.parent


def test_it_keeps_claude_and_the_brains_out_of_the_web_process():
    """Nor Fernet's cipher: the web installs the key (and checks it) at start, but only a
    request that stores or reads a token (the connect page) loads the cipher."""
    code = textwrap.dedent(
        """
        import sys
        import wsgi
        loaded = [m for m in sys.modules
                  if m.split(".")[0] in ("anthropic", "jobs")
                  or m.startswith(("yume.brains", "cryptography.fernet", "cryptography.hazmat"))]
        print(loaded)
        sys.exit(1 if loaded else 0)
        """
    )
    env = {
        "DATABASE_URL": "sqlite:///:memory:",
        "PATH": "/usr/bin:/bin",
        "YUME_SECRET_KEY": SECRET_KEY,
    }
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_one_dyno_supervisor_shares_no_brain_with_the_web():
    """What the supervisor imports before forking gunicorn is what the web will hold: no
    brain, no Claude SDK, none of the brains' fuzzy matching (rapidfuzz loads in the worker
    on its first turn) and no cipher (Fernet and its Rust binding load where a token is first
    read; redis-py's own import of the bare `cryptography` package is only its version)."""
    code = textwrap.dedent(
        """
        import sys
        from jobs.worker import preload_shared
        preload_shared()
        loaded = [m for m in sys.modules
                  if m.split(".")[0] in ("anthropic", "rapidfuzz")
                  or m.startswith(("yume.brains", "cryptography.fernet", "cryptography.hazmat"))]
        print(loaded)
        sys.exit(1 if loaded else 0)
        """
    )
    env = {
        "DATABASE_URL": "sqlite:///:memory:",
        "PATH": "/usr/bin:/bin",
        "YUME_SECRET_KEY": SECRET_KEY,
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_guards_the_queue_dashboard(config):
    app = create_app(dataclasses.replace(config, redis_url="redis://127.0.0.1:6379/15"))
    client = app.test_client()
    assert client.get("/rq/").status_code == 401
    wrong = base64.b64encode(b"ops:nope").decode()
    assert client.get("/rq/", headers={"Authorization": f"Basic {wrong}"}).status_code == 401
    right = base64.b64encode(f"ops:{config.admin_token}".encode()).decode()
    assert client.get("/rq/", headers={"Authorization": f"Basic {right}"}).status_code == 200


def test_it_has_no_dashboard_in_embedded_mode(config):
    app = create_app(dataclasses.replace(config, redis_url=None))
    assert app.test_client().get("/rq/").status_code == 404


def test_it_stops_every_process_of_the_one_dyno_on_sigterm():
    script = textwrap.dedent(
        """
        import sys, time
        from jobs.worker import supervise
        sleeper = lambda: time.sleep(60)
        sys.exit(supervise({"web": sleeper, "worker": sleeper, "scheduler": sleeper},
                           restart={"worker", "scheduler"}))
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script])
    time.sleep(1.5)
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    assert time.monotonic() - started < 10


def test_the_one_dyno_supervisor_restarts_a_worker_that_died(tmp_path):
    starts = tmp_path / "starts"
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from jobs.worker import supervise
        starts = Path({str(starts)!r})

        def worker():
            first = not starts.exists()
            with starts.open("a") as log:
                log.write("start ")
            if first:
                sys.exit(3)  # dies once
            time.sleep(60)

        sys.exit(supervise({{"web": lambda: time.sleep(60), "worker": worker}},
                           restart={{"worker"}}))
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    deadline = time.monotonic() + 15
    while not (starts.exists() and starts.read_text().count("start") >= 2):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0


def test_it_chats_from_the_terminal_through_the_pipeline(pipeline_config, cast, jobs):
    lines: list[str] = []
    simulator = Simulator(
        pipeline_config, cast.org.id, "+52 55 9999 8888", "Ana", echo=lines.append
    )
    simulator.say("hola")
    simulator.say("opciones")
    simulator.say("2")  # taps the second button
    assert lines[0] == "Yume: [customer] Recibí: hola"
    assert "[1] Corte" in lines[1] and "[2] Barba" in lines[1]
    tapped = EchoBrain.turns[-1].new_messages[0]
    assert (tapped.kind, tapped.payload["reply_id"]) == ("button_reply", "b")


@pytest.mark.skipif(not REDIS_URL, reason="needs YUME_TEST_REDIS_URL: the one dyno runs RQ")
def test_one_dyno_answers_through_its_forked_worker_and_stops_on_sigterm(
    cast, jobs, fake_graph, tmp_path
):
    """`python -m yume web` with YUME_ONE_DYNO=1: gunicorn and the worker forked from the
    supervisor, which is the scheduler: a quiet window (a delayed RQ job) only ends because
    the supervisor's scheduler moves it. SIGTERM stops every process."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "META_APP_SECRET": webhooks.APP_SECRET,
        "META_GRAPH_URL": fake_graph.url,
        "YUME_BRAIN": "tests.brains.EchoBrain",
        "YUME_QUIET_SECONDS": "1",
        "YUME_ONE_DYNO": "1",
        "YUME_SECRET_KEY": SECRET_KEY,
        "PORT": str(port),
        "PYTHONPATH": str(ROOT),
    }
    log_path = tmp_path / "dyno.log"
    with log_path.open("w") as log:
        dyno = subprocess.Popen(
            [sys.executable, "-m", "yume", "web"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,  # a failed test kills the whole group (no orphaned worker)
        )
    try:
        url = f"http://127.0.0.1:{port}/webhooks/whatsapp"
        wait_until_serving(url, dyno, log_path)
        children = children_of(dyno.pid)
        assert len(children) == 2  # gunicorn's master and the RQ worker
        body = json.dumps(webhooks.text("5215599998888", "hola")).encode()
        signed = {"X-Hub-Signature-256": sign(webhooks.APP_SECRET, body)}
        assert requests.post(url, data=body, headers=signed, timeout=5).status_code == 200
        deadline = time.monotonic() + 30
        while not fake_graph.sent_messages():
            assert time.monotonic() < deadline, log_path.read_text()[-3000:]
            time.sleep(0.2)
        sent = fake_graph.sent_messages()
        assert [m["text"]["body"] for m in sent] == ["[customer] Recibí: hola"]
        dyno.send_signal(signal.SIGTERM)
        assert dyno.wait(timeout=40) == 0
        for pid in children:
            assert not Path(f"/proc/{pid}").exists() or _is_zombie(pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(dyno.pid, signal.SIGKILL)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
