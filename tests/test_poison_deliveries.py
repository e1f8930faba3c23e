"""One bad item never holds back a delivery (issue 13, item 3): values PostgreSQL cannot
store are made storable, each event is stored on its own, and a delivery kept for a real bug
is replayed after the fix, storing only what was missing. On both databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from click.testing import CliRunner

from jobs.ingest import IngestFailed, ingest_webhooks
from jobs.maintenance import reconcile
from tests import webhooks
from tests.conftest import DATABASE_URL, SECRET_KEY
from yume.cli import main
from yume.db import database, is_postgres
from yume.models import Conversation, Customer, Message
from yume.webhook_journal import MAX_ATTEMPTS, InboundWebhook

GOOD_WA = "5215512340001"
NUL_WA = "5215512340002"
LONG_WA = "5215512340003"


def delivery(*messages: tuple[str, str, str, str]) -> dict:
    """One delivery holding messages from several people: (wa_id, name, wamid, text)."""
    return webhooks.envelope(
        {
            "contacts": [{"profile": {"name": name}, "wa_id": wa} for wa, name, _, _ in messages],
            "messages": [
                {
                    "from": wa,
                    "id": wamid,
                    "timestamp": "1779202800",
                    "type": "text",
                    "text": {"body": text},
                }
                for wa, _, wamid, text in messages
            ],
        }
    )


def answered_to(fake_graph) -> list[str]:
    return sorted(m["to"] for m in fake_graph.sent_messages())


def test_values_postgresql_refuses_are_made_storable_and_nobody_is_held_back(
    wa, cast, jobs, fake_graph
):
    long_id = "wamid." + "L" * 400  # longer than the old varchar(255): kept in full
    body = delivery(
        (NUL_WA, "Nu\u0000l", "wamid.NUL", "hola\u0000 con \ud800 rotos"),
        (LONG_WA, "Ñ" * 600, long_id, "¿tienen cita?"),
        (GOOD_WA, "Beto", "wamid.GOOD", "quiero un corte"),
    )
    raw = json.dumps(body).encode()  # NUL and the lone surrogate travel as \u escapes
    assert b"\\u0000" in raw and b"\\ud800" in raw
    assert webhooks.post(wa, raw).status_code == 200
    jobs.run()
    assert jobs.failures == []
    assert InboundWebhook.select().count() == 0
    texts = {m.wa_message_id: m.text for m in Message.select().where(Message.direction == "in")}
    assert texts == {
        "wamid.NUL": "hola con \ufffd rotos",
        long_id: "¿tienen cita?",
        "wamid.GOOD": "quiero un corte",
    }
    long_named = Conversation.get(Conversation.phone == "+525512340003")
    assert long_named.profile_name == "Ñ" * 120
    assert Customer.get(Customer.phone == "+525512340003").name == "Ñ" * 120
    assert answered_to(fake_graph) == [GOOD_WA, NUL_WA, LONG_WA]


def test_an_id_no_whatsapp_id_could_be_is_ignored_and_the_rest_stored(wa, cast, jobs, fake_graph):
    body = delivery(
        (NUL_WA, "Ana", "wamid." + "X" * 5000, "hola"),
        (GOOD_WA, "Beto", "wamid.GOOD", "quiero un corte"),
    )
    assert webhooks.post(wa, body).status_code == 200
    jobs.run()
    assert [m.wa_message_id for m in Message.select().where(Message.direction == "in")] == [
        "wamid.GOOD"
    ]
    assert answered_to(fake_graph) == [GOOD_WA]
    assert InboundWebhook.select().count() == 0


def test_a_status_with_an_error_code_no_integer_holds_is_kept(wa, cast, jobs, fake_graph):
    webhooks.post(wa, webhooks.text(GOOD_WA, "hola"))
    jobs.run()
    sent = Message.get(Message.direction == "out")
    status = webhooks.status(sent.wa_message_id, "failed")
    status["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = [
        {"code": 99999999999999, "title": "x\u0000y"}
    ]
    webhooks.post(wa, status)
    jobs.run()
    failed = Message.get_by_id(sent.id)
    assert (failed.status, failed.error_code, failed.error_title) == ("failed", None, "xy")


@contextmanager
def inserts_refused(text: str) -> Iterator[None]:
    """A fault injected in the database itself: inserting a message with this text fails
    (what a bug in our storing code would do). Leaving the block is the fix."""
    if is_postgres():
        database.execute_sql(
            "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN "
            f"IF NEW.text = '{text}' THEN RAISE EXCEPTION 'injected fault'; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        database.execute_sql(
            "CREATE TRIGGER refuse_poison BEFORE INSERT ON message "
            "FOR EACH ROW EXECUTE FUNCTION refuse_poison()"
        )
    else:
        database.execute_sql(
            f"CREATE TRIGGER refuse_poison BEFORE INSERT ON message WHEN NEW.text = '{text}' "
            "BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
        )
    try:
        yield
    finally:
        on_table = " ON message" if is_postgres() else ""
        database.execute_sql("DROP TRIGGER refuse_poison" + on_table)
        if is_postgres():
            database.execute_sql("DROP FUNCTION refuse_poison()")


def test_a_delivery_kept_for_a_bug_is_replayed_after_the_fix_answering_each_once(
    wa, cast, jobs, fake_graph
):
    body = delivery(
        (NUL_WA, "Ana", "wamid.POISON", "esto rompe"),
        (GOOD_WA, "Beto", "wamid.GOOD", "quiero un corte"),
    )
    with inserts_refused("esto rompe"):
        assert webhooks.post(wa, body).status_code == 200
        for _attempt in range(MAX_ATTEMPTS):
            with pytest.raises(IngestFailed):
                ingest_webhooks()
        jobs.run()
        assert answered_to(fake_graph) == [GOOD_WA]  # the good one, at once
        (kept,) = InboundWebhook.select()
        assert kept.attempts == MAX_ATTEMPTS
        assert "event 0 (Inbound)" in kept.last_error and "injected fault" in kept.last_error
        assert ingest_webhooks() == {"ingested": 0}  # given up on: waits for ops
        assert reconcile()["deliveries"] == 0
    env = {"DATABASE_URL": DATABASE_URL, "YUME_SECRET_KEY": SECRET_KEY}
    retried = CliRunner().invoke(main, ["journal", "--retry"], env=env)
    assert "1 entregas vuelven a la cola." in retried.output, retried.output
    jobs.run()
    jobs.run()
    assert InboundWebhook.select().count() == 0
    assert Message.select().where(Message.direction == "in").count() == 2
    assert answered_to(fake_graph) == [GOOD_WA, NUL_WA]  # the good one not a second time
