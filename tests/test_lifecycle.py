"""A connection's life through Meta's webhooks: disconnected and reconnected accounts,
template verdicts deciding what may be sent, and what Coexistence brings in (the owner's
contacts, earlier chats)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from tests import webhooks
from tests.cast import add_service, add_staff, make_org
from yume import delivery
from yume.db import database
from yume.models import Conversation, Customer, Message, Organization, utcnow
from yume.notifications import notify_owner
from yume.onboarding.links import connection_of, create_invite
from yume.onboarding.models import Connection, TemplateApproval
from yume.onboarding.templates import record
from yume.templates import ALL, APPOINTMENT_BOOKED, OWNER_WELCOME

PAYLOADS = Path(__file__).parent / "payloads"
WABA = "102290129340398"  # the fixtures' entry.id
PNID = "106540352242922"  # the fixtures' phone_number_id


def load(name: str) -> dict:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


@pytest.fixture
def salon():
    """A business connected through onboarding, as the fixtures describe it."""
    org = make_org("Uñas María", phone_number_id=PNID)
    Organization.update(whatsapp_business_account_id=WABA).where(
        Organization.id == org.id
    ).execute()
    add_staff(org, "María", "+525541238876", role="owner")
    add_service(org, "Manicure", 45, 300)
    connection = connection_of(org)
    Connection.update(
        state="connected", waba_id=WABA, phone_number_id=PNID, display_phone_number="525541234567"
    ).where(Connection.id == connection.id).execute()
    for template in ALL:
        record(org, template.name, template.language, "APPROVED")
    return Organization.get_by_id(org.id)


def state_of(org: Organization) -> Connection:
    return Connection.get(Connection.organization == org)


def deliver_to_owner(org: Organization, text: str) -> Message:
    """An owner alert outside the owner's window: it must go as a template."""
    conversation_id = notify_owner(org, text, utcnow())
    conversation = Conversation.get_by_id(conversation_id)
    delivery.deliver(conversation, delivery.client_for(org, _config()))
    return Message.select().where(Message.conversation == conversation).order_by(Message.id).get()


def _config():
    from jobs.runtime import current

    return current()


# -- account_update ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fixture", ["account_update_partner_removed", "account_update_account_offboarded"]
)
def test_a_removed_partner_disconnects_wipes_the_token_and_sends_nothing(
    salon, wa, jobs, fake_graph, caplog, fixture
):
    caplog.set_level(logging.INFO)
    webhooks.post(wa, load(fixture))
    jobs.ingest()
    connection = state_of(salon)
    assert connection.state == "disconnected" and "WhatsApp desconectó" in connection.reason
    raw = database.execute_sql(
        "SELECT whatsapp_access_token FROM organization WHERE id = " + database.param, (salon.id,)
    ).fetchone()[0]
    assert raw is None
    assert f"waba={WABA}" in caplog.text and "connection.disconnected" in caplog.text
    webhooks.post(wa, webhooks.text("5215599990000", "hola", phone_number_id=PNID))
    jobs.ingest()
    jobs.run()
    assert not fake_graph.sent_messages()  # nothing is attempted
    reply = Message.get((Message.direction == "out") & (Message.author == "yume"))
    assert reply.status == "held" and "desconectado" in reply.error_title


def test_primary_inactivity_is_explained_to_whoever_reads_the_state(salon, wa, jobs):
    webhooks.post(wa, load("account_update_partner_removed"))
    jobs.ingest()
    assert "no se abrió en unas dos semanas" in state_of(salon).reason


def test_reconnected_resumes_a_business_that_still_has_its_token(salon, wa, jobs):
    Connection.update(state="degraded", reason="algo").where(
        Connection.organization == salon
    ).execute()
    webhooks.post(wa, load("account_update_account_reconnected"))
    jobs.ingest()
    assert state_of(salon).state == "connected"


def test_after_a_disconnection_a_new_link_and_signup_resume_it(salon, wa, jobs, fake_graph):
    webhooks.post(wa, load("account_update_partner_removed"))
    jobs.ingest()
    webhooks.post(wa, load("account_update_account_reconnected"))
    jobs.ingest()
    waiting = state_of(salon)
    assert waiting.state == "pending" and "enlace nuevo" in waiting.reason
    fresh = create_invite(org_id=salon.id)
    assert fresh.organization.id == salon.id
    assert state_of(salon).steps == {}  # a new signup starts over: Meta allows a new sync


# -- message_template_status_update ----------------------------------------------------------


def test_a_rejected_template_is_kept_degrades_the_business_and_is_not_attempted(
    salon, wa, jobs, fake_graph
):
    webhooks.post(wa, load("message_template_status_rejected"))
    jobs.ingest()
    row = TemplateApproval.get(TemplateApproval.name == APPOINTMENT_BOOKED.name)
    assert (row.status, row.reason) == ("REJECTED", "INVALID_FORMAT")
    connection = state_of(salon)
    assert connection.state == "degraded"
    assert "yume_cita_agendada" in connection.reason and "INVALID_FORMAT" in connection.reason
    customer = Customer.create(organization=salon, phone="+525599990000", name="Lupe")
    conversation = Conversation.create(organization=salon, phone=customer.phone, customer=customer)
    message = delivery.queue_template(
        conversation, APPOINTMENT_BOOKED, ["a", "b", "c", "d"], utcnow()
    )
    delivery.deliver(conversation, delivery.client_for(salon, _config()))
    assert not fake_graph.sent_messages()
    held = Message.get_by_id(message.id)
    assert held.status == "held" and "no está aprobada" in held.error_title
    approved = load("message_template_status_rejected")
    value = approved["entry"][0]["changes"][0]["value"]
    value.update(event="APPROVED", reason="NONE")
    webhooks.post(wa, approved)
    jobs.ingest()
    assert state_of(salon).state == "connected"
    again = delivery.queue_template(
        conversation, APPOINTMENT_BOOKED, ["a", "b", "c", "d"], utcnow()
    )
    delivery.deliver(conversation, delivery.client_for(salon, _config()))
    assert Message.get_by_id(again.id).status == "sent"


def test_a_pending_template_is_not_attempted_and_says_why(salon, fake_graph, jobs):
    record(salon, "yume_aviso_dueno", "es_MX", "PENDING")
    alert = deliver_to_owner(salon, "Ana pidió hablar con alguien")
    assert alert.status == "held" and "PENDING" in alert.error_title
    assert not fake_graph.sent_messages()
    assert "yume_aviso_dueno" in state_of(salon).reason


def test_the_welcome_template_approved_sends_the_waiting_greeting_once(salon, wa, jobs, fake_graph):
    from yume.onboarding.greeting import greet_owner

    record(salon, OWNER_WELCOME.name, OWNER_WELCOME.language, "PENDING")
    waiting = greet_owner(salon, _config())
    assert waiting.status == "waiting" and not fake_graph.sent_messages()
    approval = load("message_template_status_update")
    value = approval["entry"][0]["changes"][0]["value"]
    value.update(message_template_name=OWNER_WELCOME.name)
    for _ in range(2):  # Meta delivers at least once
        webhooks.post(wa, approval)
        jobs.ingest()
        jobs.run()
    sent = fake_graph.sent_messages()
    assert [m["template"]["name"] for m in sent] == [OWNER_WELCOME.name]
    assert Message.get_by_id(waiting.id).status == "replaced"
    webhooks.post(wa, webhooks.text("5215541238876", "hola", phone_number_id=PNID))
    jobs.ingest()
    jobs.run()
    greetings = [m for m in fake_graph.sent_messages() if "ya estoy conectada" in json.dumps(m)]
    assert len(greetings) == 0  # the text greeting never went as well


# -- Coexistence: contacts and history -------------------------------------------------------


def test_the_owners_contacts_become_named_customers_and_follow_edits_and_removals(
    salon, wa, jobs, caplog
):
    caplog.set_level(logging.INFO)
    sync = load("smb_app_state_sync")
    items = sync["entry"][0]["changes"][0]["value"]["state_sync"]
    items[1]["contact"]["phone_number"] = "5215512345678"  # remove the one just added
    items.append(
        {
            "type": "contact",
            "contact": {"full_name": "Sin Teléfono", "phone_number": ""},
            "action": "add",
        }
    )
    first = {**sync}
    only_add = json.loads(json.dumps(first))
    only_add["entry"][0]["changes"][0]["value"]["state_sync"] = [items[0], items[2]]
    webhooks.post(wa, only_add)
    jobs.ingest()
    customer = Customer.get(Customer.phone == "+525512345678")
    assert customer.name == "María Fernanda López"
    assert "coexistence.contact-without-phone" in caplog.text
    edit = json.loads(json.dumps(only_add))
    edit["entry"][0]["changes"][0]["value"]["state_sync"] = [
        {**items[0], "contact": {**items[0]["contact"], "full_name": "Mafer López"}}
    ]
    webhooks.post(wa, edit)
    jobs.ingest()
    assert Customer.get_by_id(customer.id).name == "Mafer López"
    removal = json.loads(json.dumps(only_add))
    removal["entry"][0]["changes"][0]["value"]["state_sync"] = [items[1]]
    webhooks.post(wa, removal)
    jobs.ingest()
    assert Customer.get_by_id(customer.id).name is None
    assert not jobs.pending()  # contacts are never answered


def test_history_is_stored_as_history_never_answered_nor_opening_a_window(salon, wa, jobs):
    webhooks.post(wa, load("history"))
    jobs.ingest()
    rows = list(Message.select().order_by(Message.sent_at))
    assert [m.status for m in rows] == ["history"] * 3
    assert rows[0].created_at == rows[0].sent_at  # it sits at its own time, not today
    assert [m.author for m in rows] == ["customer", "owner", "owner"]
    assert Conversation.get(Conversation.phone == "+525512345678").last_inbound_at is None
    assert not jobs.pending()


def test_a_media_follow_up_fills_its_placeholder_instead_of_being_dropped(salon, wa, jobs):
    history = load("history")
    webhooks.post(wa, history)
    jobs.ingest()
    placeholder = Message.get(Message.kind == "media_placeholder")
    follow_up = load("history_media")
    media = follow_up["entry"][0]["changes"][0]["value"]["messages"][0]
    media.update(id=placeholder.wa_message_id, **{"from": "525541234567", "to": "5215512345678"})
    webhooks.post(wa, follow_up)
    jobs.ingest()
    filled = Message.get_by_id(placeholder.id)
    assert (filled.kind, filled.text) == ("image", "Como este")
    assert filled.payload["media_id"] == "1090453762893017" and filled.status == "history"
    assert Message.select().count() == 3
