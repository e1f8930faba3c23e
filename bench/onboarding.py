"""From the connect page's FINISH to "connected, templates submitted, greeting sent to the
owner", with a fake Graph API that answers every call 100 ms late; and how many owner
messages the setup by chat takes.

    python bench/onboarding.py [--delay 0.1] [--database-url sqlite:///…|postgresql://…]

What is timed, on the real code paths (the page's endpoints through Flask's test client,
the onboarding job, the webhook journal, ingest and the inbound turn with the guided brain):

1. t0: the page posts Embedded Signup's code and its FINISH event (the code is exchanged
   inside that request, as it must be within 30 s).
2. The onboarding job runs as a worker would pick it up: subscribe, read the number,
   Coexistence sync of contacts and history, attach, submit Yume's 9 templates.
   → "connected + templates submitted".
3. WhatsApp allows the greeting only inside the owner's 24-hour window, and right after
   connecting no template is approved yet, so the greeting waits in the database. The
   connect page's wa.me link sends «hola» in one tap; the bench sends that webhook at once
   (the owner's own seconds are not Yume's) and times until Meta accepted the greeting
   (POST /messages answered with a message id). → "greeting sent".

Goal (issue 10): ≤ 5 s from FINISH to all three. Then the owner sets the business up (3
services, weekly hours, 2 staff) with the guided brain; the number of owner messages is
printed (goal ≤ 12).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.webhook import goal  # noqa: E402
from tests import webhooks  # noqa: E402
from tests.fake_facebook import finish_event  # noqa: E402
from tests.fake_graph import FakeGraph  # noqa: E402
from tests.test_setup_by_chat import SETUP  # noqa: E402

OWNER_PHONE = "+52 55 4123 8876"
OWNER_WA = "5215541238876"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay", type=float, default=0.1, help="seconds per Graph answer")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the figures, not the app's log lines
    work = Path(tempfile.mkdtemp(prefix="yume-bench-onboarding-"))
    url = args.database_url or f"sqlite:///{work}/bench.db"
    graph = FakeGraph().start()
    try:
        run(url, graph, args.delay)
    finally:
        graph.stop()
        shutil.rmtree(work, ignore_errors=True)


def prepare(url: str):  # noqa: ANN201 - the app's Config
    from cryptography.fernet import Fernet

    from jobs.runtime import use_config
    from yume import crypto
    from yume.config import Config
    from yume.db import database, is_sqlite, open_database
    from yume.migrations import migrate
    from yume.queue import RecordingQueue, set_queue

    os.environ["YUME_BRAIN"] = ""  # the guided brain, as without a Claude key
    os.environ.pop("YUME_BRAIN")
    crypto.use_key(Fernet.generate_key().decode())
    db = open_database(url)
    db.connect(reuse_if_open=True)
    if not is_sqlite():
        tables = db.get_tables()
        if tables:
            db.execute_sql(f"DROP TABLE IF EXISTS {', '.join(tables)} CASCADE")
    migrate(database.obj)
    set_queue(RecordingQueue())
    config = Config(database_url=url, meta_app_secret=webhooks.APP_SECRET, quiet_seconds=0)
    use_config(config)
    return config


def run_jobs() -> int:
    from yume.queue import get_queue, resolve

    queue = get_queue(None)
    ran = 0
    while queue.jobs:  # type: ignore[attr-defined]
        job, arguments, _ = queue.jobs.pop(0)  # type: ignore[attr-defined]
        resolve(job)(*arguments)
        ran += 1
    return ran


def run(url: str, graph: FakeGraph, delay: float) -> None:
    from yume.app import create_app
    from yume.models import Message
    from yume.onboarding.links import create_invite

    base = prepare(url)
    config = dataclasses.replace(
        base,
        meta_app_id=graph.app_id,
        meta_app_secret=graph.app_secret,
        meta_graph_url=graph.url,
        meta_config_id="1234567890",
    )
    from jobs.runtime import use_config

    use_config(config)
    client = create_app(config).test_client()
    business = graph.add_business()
    invite = create_invite("Barbería La Navaja", OWNER_PHONE, owner_name="Rodrigo Salas")
    code = graph.issue_code()
    graph.delay_next(delay, times=10**6)

    started = time.perf_counter()
    session = f"/connect/{invite.token}/session"
    client.post(session, json={"code": code})
    client.post(session, json={"event": finish_event(business.waba_id)})
    run_jobs()  # the onboarding job, as soon as a worker takes it
    connected = time.perf_counter() - started
    calls_connecting = len(graph.requests)
    state = client.get(f"/connect/{invite.token}/status").get_json()["state"]
    waiting = Message.select().where(Message.status == "waiting").count()

    pnid = business.numbers[0].id
    webhooks.post(client, webhooks.text(OWNER_WA, "hola", phone_number_id=pnid))
    run_jobs()  # ingest, then the owner's turn: the greeting goes before the first question
    greeted = time.perf_counter() - started
    greeting = next(
        (
            m
            for m in graph.sent_messages()
            if "ya estoy conectada" in json.dumps(m, ensure_ascii=False)
        ),
        None,
    )
    calls_total = len(graph.requests)

    print(f"Onboarding with a fake Graph API answering each call after {delay * 1000:.0f} ms")
    print(f"  FINISH → connected + {len(graph.templates)} templates submitted: "
          f"{connected:.2f} s ({calls_connecting} Graph calls; state {state}; "
          f"greeting waiting: {waiting})")  # fmt: skip
    print(f"  FINISH → greeting accepted by Meta, after the owner's one-tap «hola»: "
          f"{greeted:.2f} s (goal ≤ 5 s: {goal(greeted <= 5.0)})")  # fmt: skip
    print(f"  Graph calls in all: {calls_total} "
          f"({calls_total - calls_connecting} for the owner's first turn: read receipt, greeting, "
          "first setup question)")  # fmt: skip
    if greeting is None:
        print("  !! the greeting was not sent")

    graph.delay_next(0, times=0)
    messages = setup_by_chat(client, pnid)
    print(f"  Setup by chat (3 services, weekly hours, 2 staff): {messages} owner messages "
          f"(goal ≤ 12: {goal(messages <= 12)})")  # fmt: skip


def setup_by_chat(client, pnid: str) -> int:  # noqa: ANN001
    from yume.models import Organization
    from yume.onboarding import readiness
    from yume.onboarding.links import connection_of  # noqa: F401

    count = 0
    for line in SETUP[1:]:  # «hola» was the one-tap message above
        body = webhooks.text(OWNER_WA, line, phone_number_id=pnid)
        if line.isdigit():
            body = _tap(client, pnid, int(line))
        webhooks.post(client, body)
        run_jobs()
        count += 1
    org = Organization.get(Organization.whatsapp_phone_number_id == pnid)
    assert readiness.is_ready(org), readiness.missing(org)
    return count + 1


def _tap(client, pnid: str, number: int) -> dict:  # noqa: ANN001
    """Tap the Nth choice of the last interactive message the owner got."""
    from yume.models import Message

    last = (
        Message.select()
        .where((Message.direction == "out") & (Message.kind.in_(["buttons", "list"])))
        .order_by(Message.id.desc())
        .get()
    )
    options = last.payload.get("options") or last.payload.get("rows")
    reply_id, title = options[number - 1][0], options[number - 1][1]
    body = webhooks.button_reply(OWNER_WA, reply_id, title)
    body["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = pnid
    return body


if __name__ == "__main__":
    main()
