"""The processes around the pipeline: the web stays small, ops see the queues behind auth,
the one-dyno supervisor stops cleanly, the terminal simulator talks through the pipeline."""

from __future__ import annotations

import base64
import dataclasses
import signal
import subprocess
import sys
import textwrap
import time

from tests.brains import EchoBrain
from yume.app import create_app
from yume.chat import Simulator


def test_it_keeps_claude_and_the_brains_out_of_the_web_process():
    code = textwrap.dedent(
        """
        import sys
        import wsgi
        loaded = [m for m in sys.modules if m.split(".")[0] in ("anthropic", "jobs")
                  or m.startswith("yume.brains")]
        print(loaded)
        sys.exit(1 if loaded else 0)
        """
    )
    env = {"DATABASE_URL": "sqlite:///:memory:", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
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
        import sys
        from jobs.worker import supervise
        sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
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
