"""One person, one customer (issue 13, item 5): BSUID and phone records merged, a changed
number applied to the existing customer with history kept, owner echoes addressed by BSUID
or checked against the business's own number."""

from __future__ import annotations

import time
from datetime import datetime
from datetime import time as clock

from tests import webhooks
from tests.brains import EchoBrain
from tests.cast import next_weekday
from yume.booking import book_appointment
from yume.models import Appointment, Conversation, Customer, Message, utcnow
from yume.timeutil import zone

ANA_WA = "5215599998888"  # the cast's customer, registered as +52 55 9999 8888
ANA = "+525599998888"
ANA_BSUID = "MX.1234567890ABCDEF"
NEW_WA = "5215577776666"
NEW = "+525577776666"


def message(
    wa_id: str, body: str, user_id: str | None = None, name: str = "Ana", wamid: str | None = None
) -> dict:
    """A text as Meta sends it in 2026: `from` may be "" and `from_user_id` carries the BSUID."""
    payload = webhooks.text(wa_id or "0", body, name=name, wamid=wamid)
    value = payload["entry"][0]["changes"][0]["value"]
    item, contact = value["messages"][0], value["contacts"][0]
    item["from"], contact["wa_id"] = wa_id, wa_id
    if user_id:
        item["from_user_id"], contact["user_id"] = user_id, user_id
    return payload


def system_change(old_wa: str, new_wa: str, new_user_id: str | None = None) -> dict:
    payload = webhooks.envelope(
        {
            "contacts": [{"profile": {"name": "Ana"}, "wa_id": old_wa}],
            "messages": [
                {
                    "from": old_wa,
                    "id": f"wamid.SYS{old_wa}{new_wa}",
                    "timestamp": str(int(time.time())),
                    "type": "system",
                    "system": {
                        "body": f"Ana cambió de {old_wa} a {new_wa}",
                        "wa_id": new_wa,
                        "type": "user_changed_number",
                        **({"user_id": new_user_id} if new_user_id else {}),
                    },
                }
            ],
        }
    )
    return payload


def book_for(cast, customer: Customer) -> Appointment:
    start = datetime.combine(next_weekday(1), clock(11), tzinfo=zone(cast.org.timezone))
    return book_appointment(cast.org, cast.haircut.id, start, customer, source="chat")


def one_customer_like(phone_or_bsuid: str) -> Customer:
    (customer,) = Customer.select().where(Customer.phone == phone_or_bsuid)
    return customer


def customer_conversations() -> list[Conversation]:
    """Not the owner's own chat with Yume (where booking notices go)."""
    return list(Conversation.select().where(Conversation.staff.is_null()))


def texts_sent(fake_graph) -> list[tuple[str, str]]:
    return [(m["to"], m["text"]["body"]) for m in fake_graph.sent_messages() if "text" in m]


# -- BSUID --------------------------------------------------------------------------------


def test_a_person_seen_by_phone_and_later_by_bsuid_alone_stays_one_customer(
    wa, cast, jobs, fake_graph
):
    webhooks.post(wa, message(ANA_WA, "hola", user_id=ANA_BSUID))
    jobs.run()
    webhooks.post(wa, message("", "¿me confirmas?", user_id=ANA_BSUID))  # phone hidden now
    jobs.run()
    (conversation,) = customer_conversations()
    assert (conversation.phone, conversation.user_id) == (ANA, ANA_BSUID)
    assert EchoBrain.turns[-1].customer.id == cast.customer.id
    assert Customer.select().where(Customer.organization == cast.org).count() == 1
    assert [m.text for m in EchoBrain.turns[-1].history if m.direction == "in"] == ["hola"]


def test_records_kept_apart_by_bsuid_and_by_phone_are_merged_with_everything(
    wa, cast, jobs, fake_graph
):
    """First only the BSUID (a username adopter), with a booking; the business also knew
    her phone. A message that shows both makes them one person, history and bookings kept."""
    webhooks.post(wa, message("", "hola, soy Ana", user_id=ANA_BSUID))
    jobs.run()
    stranger = one_customer_like(ANA_BSUID)
    booked = book_for(cast, stranger)
    known = book_for(cast, cast.customer)
    webhooks.post(wa, message(ANA_WA, "¿a qué hora es mi cita?", user_id=ANA_BSUID))
    jobs.run()
    (conversation,) = customer_conversations()
    assert (conversation.phone, conversation.user_id) == (ANA, ANA_BSUID)
    assert conversation.customer_id == cast.customer.id
    assert Customer.select().where(Customer.phone == ANA_BSUID).count() == 0
    mine = {a.id for a in Appointment.select().where(Appointment.customer == cast.customer)}
    assert mine == {booked.id, known.id}
    said = [m.text for m in Message.select().where(Message.direction == "in").order_by(Message.id)]
    assert said == ["hola, soy Ana", "¿a qué hora es mi cita?"]
    assert [m.text for m in EchoBrain.turns[-1].history if m.direction == "in"] == ["hola, soy Ana"]


def test_a_bsuid_first_conversation_takes_the_phone_as_its_key_when_it_shows(
    wa, cast, jobs, fake_graph
):
    webhooks.post(wa, message("", "hola", user_id="MX.NEW", name="Pepe"))
    jobs.run()
    webhooks.post(wa, message(NEW_WA, "soy Pepe", user_id="MX.NEW", name="Pepe"))
    jobs.run()
    (conversation,) = customer_conversations()
    assert conversation.phone == NEW and conversation.customer.phone == NEW
    assert conversation.customer.name == "Pepe"
    assert [to for to, _ in texts_sent(fake_graph)] == ["MX.NEW", NEW_WA]


# -- a changed number ---------------------------------------------------------------------


def test_a_changed_number_moves_the_existing_customer_with_history(wa, cast, jobs, fake_graph):
    appointment = book_for(cast, cast.customer)
    webhooks.post(wa, webhooks.text(ANA_WA, "hola"))
    jobs.run()
    webhooks.post(wa, system_change(ANA_WA, NEW_WA))
    webhooks.post(wa, webhooks.text(NEW_WA, "ya cambié de número"))
    jobs.run()
    (conversation,) = customer_conversations()
    assert (conversation.phone, conversation.wa_id) == (NEW, NEW_WA)
    customer = Customer.get_by_id(cast.customer.id)
    assert customer.phone == NEW and customer.name == "Ana"
    assert Customer.select().where(Customer.organization == cast.org).count() == 1
    assert Appointment.get_by_id(appointment.id).customer_id == customer.id
    turn = EchoBrain.turns[-1]
    assert turn.customer.id == customer.id
    assert "hola" in [m.text for m in turn.history]
    assert texts_sent(fake_graph)[-1] == (NEW_WA, "[customer] Recibí: ya cambié de número")


def test_a_changed_number_arriving_after_the_new_number_wrote_merges_the_two(
    wa, cast, jobs, fake_graph
):
    webhooks.post(wa, webhooks.text(ANA_WA, "hola"))
    jobs.run()
    webhooks.post(wa, webhooks.text(NEW_WA, "soy Ana, otro número"))  # Meta's order is loose
    jobs.run()
    assert len(customer_conversations()) == 2
    webhooks.post(wa, system_change(ANA_WA, NEW_WA, new_user_id="MX.ANA2"))
    jobs.run()
    (conversation,) = customer_conversations()
    assert (conversation.phone, conversation.user_id) == (NEW, "MX.ANA2")
    assert conversation.customer_id == cast.customer.id
    assert Customer.select().where(Customer.organization == cast.org).count() == 1
    said = [m.text for m in Message.select().where(Message.direction == "in").order_by(Message.id)]
    assert said[:2] == ["hola", "soy Ana, otro número"]
    assert all(m.conversation_id == conversation.id for m in Message.select())  # no notices


def test_a_changed_number_is_applied_once_however_often_meta_delivers_it(wa, cast, jobs):
    body = system_change(ANA_WA, NEW_WA)
    webhooks.post(wa, webhooks.text(ANA_WA, "hola"))
    webhooks.post(wa, body)
    jobs.run()
    Customer.update(phone=ANA).where(Customer.id == cast.customer.id).execute()  # ops undid it
    webhooks.post(wa, body)
    jobs.run()
    assert Customer.get_by_id(cast.customer.id).phone == ANA


# -- owner echoes -------------------------------------------------------------------------


def test_an_echo_addressed_by_bsuid_starts_a_takeover(wa, cast, jobs, fake_graph):
    webhooks.post(wa, message("", "hola", user_id=ANA_BSUID))
    jobs.run()
    echo = webhooks.echo("", "Hola, soy Chuy; yo te atiendo")
    echo["entry"][0]["changes"][0]["value"]["message_echoes"][0]["to_user_id"] = ANA_BSUID
    webhooks.post(wa, echo)
    webhooks.post(wa, message("", "ok, gracias", user_id=ANA_BSUID))
    jobs.run()
    (conversation,) = customer_conversations()
    assert conversation.paused_until > utcnow()
    assert Message.get(Message.author == "owner").conversation_id == conversation.id
    assert len(fake_graph.sent_messages()) == 1  # only the answer before the owner wrote


def test_an_echo_is_matched_to_the_business_own_number(wa, cast, jobs, fake_graph):
    stray = webhooks.echo(ANA_WA, "un mensaje que no es de este negocio")
    stray["entry"][0]["changes"][0]["value"]["message_echoes"][0]["from"] = "5215500009999"
    webhooks.post(wa, stray)
    jobs.ingest()
    assert Conversation.select().count() == 0 and Message.select().count() == 0

    swapped = webhooks.echo(ANA_WA, "Te veo mañana")  # from/to the wrong way round
    item = swapped["entry"][0]["changes"][0]["value"]["message_echoes"][0]
    item["from"], item["to"] = item["to"], item["from"]
    webhooks.post(wa, swapped)
    jobs.ingest()
    (conversation,) = customer_conversations()
    assert conversation.phone == ANA and conversation.paused_until > utcnow()
