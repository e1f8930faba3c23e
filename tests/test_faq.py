"""The business's frequent questions: set by the API, the business file and the owner by chat
(both brains), and answered to customers by both brains — who say plainly when they don't
know, answer "¿eres un robot?" honestly and give one service's price when asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import webhooks
from tests.cast import Cast
from tests.conftest import AUTH, JobRunner
from tests.test_handover import CHUY, last_to, say
from yume import faq
from yume.faq_models import FaqEntry
from yume.importer import BusinessFileError, import_business

pytest_plugins = ["tests.fixtures_anthropic"]

ANA = "5215599998888"
BETO = "5215533334444"
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "barberia.yaml"


@pytest.fixture
def card_and_parking(cast: Cast) -> None:
    faq.set_entry(cast.org, "¿Aceptan tarjeta?", "Sí, tarjeta y efectivo 💳")
    faq.set_entry(cast.org, "Estacionamiento", "Hay estacionamiento público a media cuadra.")


# -- the API ---------------------------------------------------------------------------------


def test_the_api_sets_lists_changes_and_deletes_entries(client, cast: Cast) -> None:
    base = f"/api/v1/organizations/{cast.org.id}/faq"
    created = client.post(
        base, json={"question": "¿Aceptan tarjeta?", "answer": "Sí"}, headers=AUTH
    )
    assert created.status_code == 201
    entry = created.json
    again = client.post(base, json={"question": "¿aceptan tarjeta?", "answer": "Sí, todas"},
                        headers=AUTH)  # fmt: skip
    assert again.status_code == 201 and again.json["id"] == entry["id"]  # same question
    client.post(base, json={"question": "¿Tienen Instagram?", "answer": "@donchuy"}, headers=AUTH)
    listed = client.get(base, headers=AUTH).json["faq"]
    assert [e["answer"] for e in listed] == ["Sí, todas", "@donchuy"]
    changed = client.patch(f"{base}/{entry['id']}", json={"answer": "Solo efectivo"}, headers=AUTH)
    assert changed.json == {**again.json, "answer": "Solo efectivo"}
    assert client.delete(f"{base}/{entry['id']}", headers=AUTH).status_code == 204
    assert client.get(f"{base}/{entry['id']}", headers=AUTH).status_code == 404
    other = f"/api/v1/organizations/{cast.other_org.id}/faq"
    assert client.get(other, headers=AUTH).json == {"faq": []}  # never the other business's


def test_the_api_refuses_bad_entries_in_spanish(client, cast: Cast) -> None:
    base = f"/api/v1/organizations/{cast.org.id}/faq"
    empty = client.post(base, json={"question": "  ", "answer": "x"}, headers=AUTH)
    assert empty.status_code == 422 and "question" in empty.json["error"]["message"]
    long = client.post(base, json={"question": "¿x?", "answer": "a" * 1001}, headers=AUTH)
    assert long.status_code == 422
    assert "Solicitud inválida" in long.json["error"]["message"]
    spec = client.get("/api/v1/openapi.json").json
    assert "/api/v1/organizations/{org}/faq/{id}" in spec["paths"]


# -- the business file -----------------------------------------------------------------------


def test_the_business_file_brings_its_faq(tmp_path: Path) -> None:
    org = import_business(EXAMPLE)
    assert [e.question for e in faq.entries(org)][:2] == [
        "¿Aceptan tarjeta?",
        "¿Tienen estacionamiento?",
    ]
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("answer: ¡Sí! Búscanos", "answer: ''\n    #"))
    with pytest.raises(BusinessFileError, match=r"^faq\[3\]\.answer: "):
        import_business(bad)


# -- customers, through the pipeline with the guided brain ----------------------------------


@pytest.fixture
def guided(jobs: JobRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUME_BRAIN", "yume.brains.guided.GuidedBrain")


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("¿aceptan tarjeta?", "Sí, tarjeta y efectivo 💳"),
        ("oye, ¿puedo pagar con transferencia?", "Sí, tarjeta y efectivo 💳"),
        ("¿tienen estacionamiento?", "Hay estacionamiento público a media cuadra."),
        ("¿dónde me estaciono?", "Hay estacionamiento público a media cuadra."),
    ],
)
def test_the_guided_brain_answers_from_the_faq(
    wa, cast: Cast, jobs: JobRunner, fake_graph, guided, card_and_parking, question, answer
) -> None:
    say(wa, jobs, ANA, question)
    assert last_to(fake_graph, ANA) == answer


def test_it_says_plainly_when_it_does_not_know(
    wa, cast: Cast, jobs: JobRunner, fake_graph, guided, card_and_parking
) -> None:
    say(wa, jobs, ANA, "¿tienen wifi?")
    assert last_to(fake_graph, ANA).startswith("Eso no lo sé, perdón 🙈 ¿Quieres que le pregunte")
    assert "Sí, pregúntales" in last_to(fake_graph, ANA)


def test_a_booking_that_mentions_paying_is_a_booking(
    wa, cast: Cast, jobs: JobRunner, fake_graph, guided, card_and_parking
) -> None:
    say(wa, jobs, ANA, "quiero un corte el viernes a las 5, pago con tarjeta")
    assert "¿Te agendo *Corte de cabello*" in last_to(fake_graph, ANA)


def test_are_you_a_robot_gets_an_honest_friendly_answer(
    wa, cast: Cast, jobs: JobRunner, fake_graph, guided
) -> None:
    say(wa, jobs, ANA, "¿eres un robot?")
    answer = last_to(fake_graph, ANA)
    assert answer.startswith("Soy Yume, la asistente virtual de Barbería Don Chuy")
    assert "Hablar con alguien" in answer
    say(wa, jobs, ANA, "¿eres humano?")  # asked, not a request for a person
    assert "asistente virtual" in last_to(fake_graph, ANA)


def test_a_price_question_about_one_service_gives_that_price(
    wa, cast: Cast, jobs: JobRunner, fake_graph, guided
) -> None:
    say(wa, jobs, ANA, "¿cuánto cuesta el corte?")
    answer = last_to(fake_graph, ANA)
    assert answer.startswith("*Corte de cabello* cuesta $250 y dura 30 min.")
    assert "Arreglo de barba" not in answer and "¿Qué día te queda" in answer
    say(wa, jobs, ANA, "¿cuánto cuestan?")
    assert "Arreglo de barba: $150" in last_to(fake_graph, ANA)  # no service named: the list


# -- the owner, by chat ------------------------------------------------------------------------


def test_the_owner_adds_and_deletes_an_answer_by_chat(
    wa, cast: Cast, jobs: JobRunner, fake_graph, guided
) -> None:
    say(wa, jobs, CHUY, "hola")
    assert "Preguntas frecuentes" in last_to(fake_graph, CHUY)
    say(wa, jobs, CHUY, "preguntas frecuentes")
    assert "¿Agregamos una?" in last_to(fake_graph, CHUY)
    webhooks.post(wa, webhooks.button_reply(CHUY, "faq:add", "Agregar una"))
    jobs.run()
    assert "¿Qué te preguntan tus clientes?" in last_to(fake_graph, CHUY)
    say(wa, jobs, CHUY, "¿Tienen Instagram?")
    assert "¿Y qué les contesto" in last_to(fake_graph, CHUY)
    say(wa, jobs, CHUY, "Sí, búscanos como @DonChuyBarber")
    assert "Listo ✅" in last_to(fake_graph, CHUY)
    [entry] = faq.entries(cast.org)
    assert (entry.question, entry.answer) == (
        "¿Tienen Instagram?",
        "Sí, búscanos como @DonChuyBarber",
    )
    say(wa, jobs, ANA, "¿tienen insta?")
    assert last_to(fake_graph, ANA) == "Sí, búscanos como @DonChuyBarber"
    webhooks.post(wa, webhooks.button_reply(CHUY, f"faq:rm:{entry.id}", "¿Tienen Instagram?"))
    jobs.run()
    assert "borré" in last_to(fake_graph, CHUY) and faq.entries(cast.org) == []


def test_the_owner_adds_one_in_a_single_message_and_staff_cannot(
    wa, cast: Cast, jobs: JobRunner, fake_graph, guided
) -> None:
    say(wa, jobs, CHUY, "pregunta frecuente: ¿Aceptan tarjeta? Sí, todas menos American Express")
    [entry] = faq.entries(cast.org)
    assert entry.answer == "Sí, todas menos American Express"
    say(wa, jobs, BETO, "agrega pregunta: ¿Hay café? Sí")
    assert "Solo el dueño" in last_to(fake_graph, BETO)
    assert FaqEntry.select().count() == 1


# -- Claude ------------------------------------------------------------------------------------


def test_claude_reads_the_faq_in_its_cached_business_block(
    wa, cast: Cast, claude_pipeline, jobs: JobRunner, card_and_parking
) -> None:
    claude_pipeline.say("Sí, tarjeta y efectivo 💳")
    say(wa, jobs, ANA, "¿aceptan tarjeta?")
    business = claude_pipeline.calls[0].body["system"][1]["text"]
    assert "Preguntas frecuentes (las respuestas del negocio):\n- ¿Aceptan tarjeta? → Sí, " in (
        business
    )
    assert business.index("¿Aceptan tarjeta?") < business.index("Estacionamiento")


def test_the_owner_saves_an_answer_through_claude_and_staff_cannot(
    wa, cast: Cast, claude_pipeline, jobs: JobRunner
) -> None:
    saved = {"question": "¿Tienen estacionamiento?", "answer": "Sí, gratis en la esquina."}
    claude_pipeline.use(("save_faq_answer", saved)).say("Listo, lo guardé.")
    say(wa, jobs, CHUY, "si preguntan por estacionamiento diles que hay gratis en la esquina")
    [entry] = faq.entries(cast.org)
    assert entry.answer == "Sí, gratis en la esquina."
    claude_pipeline.use(("delete_faq_answer", {"faq_id": entry.id})).say("No puedo.")
    say(wa, jobs, BETO, "borra lo del estacionamiento")
    result = claude_pipeline.calls[-1].tool_results()[0]
    assert result["is_error"] and result["content"]["error"]["code"] == "forbidden"
    assert faq.entries(cast.org) == [entry]
