"""Handover that talks, and takeover without echoes: one state machine for both brains
(yume/handover.py, yume/owner_controls.py), through the signed webhook, the jobs and the
real WhatsApp client against the fake Graph API, with the guided brain answering.

The owner (Chuy) controls a customer's chat from his own chat with Yume: the alert's
buttons "Yo le contesto" / "Que siga Yume", and "pausa a Ana" / "reanuda a Ana"."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests import webhooks
from tests.cast import Cast
from tests.conftest import JobRunner
from yume.handover import wait_phrase
from yume.models import Conversation, Customer, utcnow

ANA = "5215599998888"
CHUY = "5215511112222"  # the owner
BETO = "5215533334444"  # staff
TZ = ZoneInfo("America/Mexico_City")
WAITS = ("en menos de una hora", "a partir de la", "si no alcanzan")


@pytest.fixture(autouse=True)
def guided(jobs: JobRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUME_BRAIN", "yume.brains.guided.GuidedBrain")


def say(wa, jobs: JobRunner, wa_id: str, text: str) -> None:
    webhooks.post(wa, webhooks.text(wa_id, text, name="Chuy" if wa_id == CHUY else "Ana"))
    jobs.run()
    jobs.run()  # what the turn asked to deliver elsewhere (the owner's alert)


def tap(wa, jobs: JobRunner, wa_id: str, reply_id: str, title: str) -> None:
    webhooks.post(wa, webhooks.button_reply(wa_id, reply_id, title))
    jobs.run()
    jobs.run()


def sent_to(fake_graph, wa_id: str) -> list[dict]:
    """What went to this person (as 521… once they wrote to us, 52… before)."""
    return [m for m in fake_graph.sent_messages() if m["to"][-10:] == wa_id[-10:]]


def shown(message: dict) -> str:
    """What the person reads: a text's body, or an interactive message's body and buttons."""
    if message["type"] == "text":
        return message["text"]["body"]
    if message["type"] == "interactive":
        interactive = message["interactive"]
        action = interactive["action"]
        titles = [b["reply"]["title"] for b in action.get("buttons", [])] + [
            row["title"] for section in action.get("sections", []) for row in section["rows"]
        ]
        return interactive["body"]["text"] + "\n" + " | ".join(titles)
    return str(message)


def last_to(fake_graph, wa_id: str) -> str:
    return shown(sent_to(fake_graph, wa_id)[-1])


def ana_chat() -> Conversation:
    return Conversation.get(Conversation.phone == "+525599998888")


def hand_over(wa, jobs, fake_graph) -> None:
    say(wa, jobs, ANA, "oigan, tengo una duda con mi tinte")
    say(wa, jobs, ANA, "quiero hablar con una persona")


# -- the customer is told, the owner is alerted --------------------------------------------


def test_the_customer_is_told_when_and_the_owner_gets_the_alert_as_a_template(
    wa, cast: Cast, jobs: JobRunner, fake_graph
) -> None:
    hand_over(wa, jobs, fake_graph)
    said = [shown(m) for m in sent_to(fake_graph, ANA)]
    assert "Claro 🙌 Ya le avisé al equipo." in said
    line = said[-1]
    assert line.startswith("⏱️ Alguien del equipo te contesta por aquí") and "«menú»" in line
    assert any(wait in line for wait in WAITS)
    [alert] = sent_to(fake_graph, CHUY)  # the owner never wrote: outside the window
    assert alert["type"] == "template" and alert["template"]["name"] == "yume_pide_persona"
    body, *buttons = alert["template"]["components"]
    values = [p["text"] for p in body["parameters"]]
    assert "Ana (+52 55 9999 8888) necesita a alguien del equipo" in values[1]
    assert "oigan, tengo una duda con mi tinte / quiero hablar con una persona" in values[2]
    conversation = ana_chat()
    payloads = [b["parameters"][0]["payload"] for b in buttons]
    assert payloads == [f"own:take:{conversation.id}", f"own:yume:{conversation.id}"]
    assert conversation.handover_at is not None and conversation.paused_until is None


def test_the_alert_falls_back_to_the_owner_alert_while_its_own_template_is_pending(
    wa, cast: Cast, jobs: JobRunner, fake_graph
) -> None:
    """A business that synced its templates before yume_pide_persona existed: Meta has not
    approved that one yet, so the approved general alert carries the same words."""
    from yume.onboarding.templates import record
    from yume.templates import HANDOVER_ALERT, OWNER_ALERT

    record(cast.org.id, OWNER_ALERT.name, OWNER_ALERT.language, "APPROVED")
    record(cast.org.id, HANDOVER_ALERT.name, HANDOVER_ALERT.language, "PENDING")
    hand_over(wa, jobs, fake_graph)
    [alert] = sent_to(fake_graph, CHUY)
    assert alert["type"] == "template" and alert["template"]["name"] == "yume_aviso_dueno"
    words = alert["template"]["components"][0]["parameters"][1]["text"]
    assert "Ana (+52 55 9999 8888) necesita a alguien del equipo" in words
    assert "«quiero hablar con una persona»" in words and "Le dije que le contestan" in words


def test_inside_the_owners_window_the_alert_has_buttons_and_quotes(
    wa, cast: Cast, jobs: JobRunner, fake_graph
) -> None:
    say(wa, jobs, CHUY, "hola")
    hand_over(wa, jobs, fake_graph)
    alert = last_to(fake_graph, CHUY)
    assert "«oigan, tengo una duda con mi tinte»\n«quiero hablar con una persona»" in alert
    assert "Le dije que le contestan" in alert and "«pausa a Ana»" in alert
    assert alert.endswith("Yo le contesto | Que siga Yume")


def test_while_waiting_every_message_gets_an_answer_and_hola_brings_yume_back(
    wa, cast: Cast, jobs: JobRunner, fake_graph
) -> None:
    hand_over(wa, jobs, fake_graph)
    say(wa, jobs, ANA, "¿sigue alguien ahí?")
    assert "Sigo aquí 🙌" in last_to(fake_graph, ANA)
    say(wa, jobs, ANA, "es urgente porfa")
    assert "«menú»" in last_to(fake_graph, ANA)
    say(wa, jobs, ANA, "hola")
    assert "Agendar una cita" in last_to(fake_graph, ANA)  # the menu: Yume is back
    assert ana_chat().handover_at is None


def test_three_misunderstandings_hand_over_the_same_way(
    wa, cast: Cast, jobs: JobRunner, fake_graph
) -> None:
    for nonsense in ("asdfg", "qwerty", "zxcvb"):
        say(wa, jobs, ANA, nonsense)
    assert "Le pedí a alguien del equipo" in shown(sent_to(fake_graph, ANA)[-2])
    assert "te contesta por aquí" in last_to(fake_graph, ANA)
    [alert] = sent_to(fake_graph, CHUY)
    assert "no le entendió" in alert["template"]["components"][0]["parameters"][1]["text"]
    assert ana_chat().handover_at is not None


def test_an_echo_means_the_owner_answered_and_yume_goes_quiet(
    wa, cast: Cast, jobs: JobRunner, fake_graph
) -> None:
    hand_over(wa, jobs, fake_graph)
    webhooks.post(wa, webhooks.echo(ANA, "Hola Ana, soy Chuy, cuéntame"))
    jobs.run()
    conversation = ana_chat()
    assert conversation.handover_at is None and conversation.paused_until > utcnow()
    before = len(sent_to(fake_graph, ANA))
    say(wa, jobs, ANA, "gracias Chuy, es que me salió rojo")
    assert len(sent_to(fake_graph, ANA)) == before  # the owner has it


# -- the alert's buttons ------------------------------------------------------------------


def test_yo_le_contesto_silences_yume_and_tells_the_customer(
    wa, cast: Cast, jobs: JobRunner, fake_graph
) -> None:
    hand_over(wa, jobs, fake_graph)
    webhooks.post(wa, webhooks.template_button(CHUY, f"own:take:{ana_chat().id}", "Yo le contesto"))
    jobs.run()
    jobs.run()
    assert "Chuy ya vio tu mensaje y te escribe por aquí" in last_to(fake_graph, ANA)
    assert "Yume no le contesta a Ana (+52 55 9999 8888) por 2 horas" in last_to(fake_graph, CHUY)
    conversation = ana_chat()
    assert conversation.handover_at is None
    assert conversation.paused_until > utcnow() + timedelta(minutes=110)
    before = len(sent_to(fake_graph, ANA))
    say(wa, jobs, ANA, "ok, espero")
    assert len(sent_to(fake_graph, ANA)) == before


def test_que_siga_yume_gives_the_chat_back(wa, cast: Cast, jobs: JobRunner, fake_graph) -> None:
    say(wa, jobs, CHUY, "hola")
    hand_over(wa, jobs, fake_graph)
    tap(wa, jobs, CHUY, f"own:yume:{ana_chat().id}", "Que siga Yume")
    assert "¡Hola de nuevo! 👋 Sigo yo por aquí" in last_to(fake_graph, ANA)
    assert "Yume sigue atendiendo a Ana" in last_to(fake_graph, CHUY)
    say(wa, jobs, ANA, "quiero un corte")
    assert "Corte de cabello" in last_to(fake_graph, ANA)


def test_a_forged_tap_for_another_business_changes_nothing(
    wa, cast: Cast, jobs: JobRunner, fake_graph
) -> None:
    say(wa, jobs, CHUY, "hola")
    other = Conversation.create(organization=cast.other_org, phone="+523398765432")
    tap(wa, jobs, CHUY, f"own:take:{other.id}", "Yo le contesto")
    assert "Ya no encontré esa conversación." in last_to(fake_graph, CHUY)
    assert Conversation.get_by_id(other.id).paused_until is None


# -- commands from the owner's own chat -----------------------------------------------------


def test_pausa_a_ana_and_reanuda_a_ana(wa, cast: Cast, jobs: JobRunner, fake_graph) -> None:
    say(wa, jobs, ANA, "hola")
    say(wa, jobs, CHUY, "pausa a Ana")
    assert "Listo ⏸️ Yume no le contesta a Ana" in last_to(fake_graph, CHUY)
    assert "«reanuda a Ana»" in last_to(fake_graph, CHUY)
    assert ana_chat().paused_until > utcnow() + timedelta(days=7)
    before = len(sent_to(fake_graph, ANA))
    say(wa, jobs, ANA, "¿me das informes?")
    assert len(sent_to(fake_graph, ANA)) == before  # the owner is on it
    say(wa, jobs, CHUY, "reanuda a ana")
    assert "Listo ▶️ Yume vuelve a atender a Ana" in last_to(fake_graph, CHUY)
    assert ana_chat().paused_until is None
    say(wa, jobs, ANA, "¿cuánto cuesta el corte?")
    assert "$250" in last_to(fake_graph, ANA)


def test_pausa_by_phone_number(wa, cast: Cast, jobs: JobRunner, fake_graph) -> None:
    say(wa, jobs, CHUY, "pausa 55 9999 8888")
    assert ana_chat().paused_until > utcnow() + timedelta(days=7)
    assert "Ana (+52 55 9999 8888)" in last_to(fake_graph, CHUY)


def test_two_customers_with_the_name_are_listed_to_choose(
    wa, cast: Cast, jobs: JobRunner, fake_graph
) -> None:
    Customer.create(organization=cast.org, phone="+525512121212", name="Ana Pérez")
    say(wa, jobs, ANA, "hola")
    say(wa, jobs, "5215512121212", "hola")
    Customer.update(name="Ana López").where(Customer.phone == "+525599998888").execute()
    say(wa, jobs, CHUY, "pausa a ana")
    listing = sent_to(fake_graph, CHUY)[-1]
    rows = listing["interactive"]["action"]["sections"][0]["rows"]
    assert {r["title"] for r in rows} == {"Ana López", "Ana Pérez"}
    chosen = next(r for r in rows if r["title"] == "Ana Pérez")
    webhooks.post(
        wa,
        webhooks.envelope(
            {
                "contacts": [{"profile": {"name": "Chuy"}, "wa_id": CHUY}],
                "messages": [
                    {
                        "from": CHUY,
                        "id": "wamid.LIST1",
                        "timestamp": str(int(utcnow().timestamp())),
                        "type": "interactive",
                        "interactive": {
                            "type": "list_reply",
                            "list_reply": {"id": chosen["id"], "title": chosen["title"]},
                        },
                    }
                ],
            }
        ),
    )
    jobs.run()
    perez = Conversation.get(Conversation.phone == "+525512121212")
    assert perez.paused_until is not None and ana_chat().paused_until is None


def test_only_the_owner_pauses_and_time_words_are_not_names(
    wa, cast: Cast, jobs: JobRunner, fake_graph
) -> None:
    say(wa, jobs, ANA, "hola")
    say(wa, jobs, BETO, "pausa a Ana")
    assert "Solo el dueño" in last_to(fake_graph, BETO)
    assert ana_chat().paused_until is None
    say(wa, jobs, CHUY, "pausa de 2 a 3 para comer")  # not a customer: the brain answers
    assert ana_chat().paused_until is None
    assert "No encontré" not in last_to(fake_graph, CHUY)


def test_slash_pausa_in_the_customers_chat_still_works_while_she_waits(
    wa, cast: Cast, jobs: JobRunner, fake_graph
) -> None:
    hand_over(wa, jobs, fake_graph)
    webhooks.post(wa, webhooks.echo(ANA, "/pausa"))
    jobs.run()
    assert ana_chat().handover_at is None
    assert ana_chat().paused_until > utcnow() + timedelta(days=7)
    webhooks.post(wa, webhooks.echo(ANA, "/yume"))
    jobs.run()
    assert ana_chat().paused_until is None


# -- how long until someone answers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2027, 1, 13, 11, 0), "en menos de una hora"),  # Wednesday, open 10–20
        (
            datetime(2027, 1, 13, 19, 30),
            "hoy antes de las 8:00 PM o, si no alcanzan, mañana, jueves 14 de enero, "
            "a partir de las 10:00 AM",
        ),
        (datetime(2027, 1, 13, 22, 0), "mañana, jueves 14 de enero, a partir de las 10:00 AM"),
        (datetime(2027, 1, 13, 8, 0), "hoy a partir de las 10:00 AM"),
        (datetime(2027, 1, 16, 21, 0), "el lunes 18 de enero a partir de las 10:00 AM"),
    ],
)
def test_the_wait_follows_the_business_hours(cast: Cast, local: datetime, expected: str) -> None:
    assert wait_phrase(cast.org, local.replace(tzinfo=TZ)) == expected
