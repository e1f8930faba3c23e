"""Setup by chat with the Claude brain: the owner's setup tools through the real pipeline
and the real `anthropic` SDK against the fake Messages API. Only the owner gets them."""

from __future__ import annotations

import json

from tests import webhooks
from tests.fake_anthropic import text_of
from yume.closures import BusinessClosure
from yume.models import Organization, ServiceType, Staff, WorkingHours
from yume.onboarding import readiness
from yume.onboarding.links import create_invite

pytest_plugins = ["tests.fixtures_anthropic"]

OWNER_WA = "5215541238876"
PNID = "3003"
CAST = webhooks.PHONE_NUMBER_ID
SETUP_TOOLS = {"get_setup", "add_services", "set_opening_hours", "add_staff_member", "add_closure"}


def new_salon() -> Organization:
    made = create_invite("Estética Lulú", "+52 55 4123 8876", owner_name="Lucía Ramos")
    Organization.update(whatsapp_phone_number_id=PNID, whatsapp_access_token="EAAG-lulu").where(
        Organization.id == made.organization.id
    ).execute()
    return Organization.get_by_id(made.organization.id)


def say(wa, jobs, wa_id: str, text: str, pnid: str = PNID) -> None:
    webhooks.post(wa, webhooks.text(wa_id, text, phone_number_id=pnid))
    jobs.ingest()
    jobs.run()


def results(call) -> dict[str, dict]:
    return {r["tool_use_id"]: r["content"] for r in call.tool_results()}


def test_the_owner_sets_up_the_business_with_claude(wa, jobs, claude_pipeline, fake_graph):
    salon = new_salon()
    week = [{"weekday": d, "start": "10:00", "end": "19:00"} for d in range(6)]
    claude_pipeline.use(("get_setup", {})).use(
        (
            "add_services",
            {
                "services": [
                    {"name": "Corte dama", "duration_minutes": 60, "price_mxn": 350},
                    {"name": "Tinte", "duration_minutes": 120, "price_mxn": 900},
                    {"name": "Manicure", "duration_minutes": 45, "price_mxn": 250},
                ]
            },
        ),
        ("set_opening_hours", {"week": week}),
        ("add_staff_member", {"name": "Karla", "phone": "55 1234 5678"}),
        ("add_staff_member", {"name": "Sofi", "phone": "55 8765 4321", "service_ids": [3]}),
    ).say("¡Listo, Lucía! Quedaron tus 3 servicios, el horario y tu equipo.")
    say(
        wa, jobs, OWNER_WA, "hola, dame de alta: corte dama 1 h 350, tinte 2 h 900, mani 45 min 250"
    )
    first = claude_pipeline.calls[0]
    assert set(first.tool_names) >= SETUP_TOOLS
    assert "faltan servicios y alguien con horario" in first.system_text
    setup = next(iter(results(claude_pipeline.calls[1]).values()))
    assert (
        setup["missing"] == ["servicios", "alguien con horario"]
        and setup["name"] == "Estética Lulú"
    )
    assert not any(r.get("is_error") for r in claude_pipeline.calls[2].tool_results())
    assert readiness.is_ready(salon)
    assert [s.name for s in ServiceType.select().order_by(ServiceType.id)] == [
        "Corte dama",
        "Tinte",
        "Manicure",
    ]
    sofi = Staff.get(Staff.name == "Sofi")
    assert (
        not sofi.all_services
        and WorkingHours.select().where(WorkingHours.staff == sofi).count() == 6
    )
    assert "Quedaron tus 3 servicios" in json.dumps(fake_graph.sent_messages(), ensure_ascii=False)


def test_the_owner_closes_a_day_and_claude_hears_of_appointments_inside(
    wa, jobs, claude_pipeline, cast
):
    claude_pipeline.use(("add_closure", {"start_date": "2099-12-25", "reason": "Navidad"}))
    claude_pipeline.say("Listo, el 25 de diciembre cerramos.")
    say(wa, jobs, "5215511112222", "cerramos el 25 de diciembre", CAST)  # Chuy, the cast's owner
    assert "add_closure" in claude_pipeline.calls[0].tool_names
    outcome = claude_pipeline.calls[1].tool_results()[0]
    assert "is_error" not in outcome, outcome
    assert outcome["content"]["closure"]["start"].startswith("2099-12-25T00:00")
    assert BusinessClosure.select().count() == 1


def test_staff_and_customers_never_get_the_setup_tools(wa, jobs, claude_pipeline, cast):
    claude_pipeline.use(
        ("add_services", {"services": [{"name": "X", "duration_minutes": 30, "price_mxn": 1}]})
    )
    claude_pipeline.say("No puedo.")
    say(wa, jobs, "5215533334444", "agrega un servicio", CAST)  # Beto, staff
    assert not SETUP_TOOLS & set(claude_pipeline.calls[0].tool_names)
    refused = claude_pipeline.calls[1].tool_results()[0]
    assert refused["is_error"] and refused["content"]["error"]["code"] == "unknown_tool"
    assert not ServiceType.select().where(ServiceType.name == "X").exists()
    claude_pipeline.say("¡Hola!")
    say(wa, jobs, "5215599998888", "hola", CAST)  # Ana, a customer
    assert not SETUP_TOOLS & set(claude_pipeline.calls[2].tool_names)


def test_claude_sees_a_returning_customers_chats_from_before_yume(wa, jobs, claude_pipeline, cast):
    history = {
        "history": [
            {
                "metadata": {"phase": 1, "chunk_order": 1, "progress": 100},
                "threads": [
                    {
                        "id": "5215599998888",
                        "messages": [
                            {
                                "from": "5215599998888",
                                "id": "wamid.PAST1",
                                "timestamp": "1760000000",
                                "type": "text",
                                "text": {"body": "¿Me guardas el corte de siempre el sábado?"},
                            }
                        ],
                    }
                ],
            }
        ]
    }
    webhooks.post(wa, webhooks.envelope(history, field="history"))
    jobs.ingest()
    claude_pipeline.say("¡Hola de nuevo, Ana!")
    say(wa, jobs, "5215599998888", "hola", CAST)
    # What the customer wrote before Yume is data in the user's context, never the system role.
    system = claude_pipeline.calls[0].system_text
    assert "corte de siempre" not in system
    user = text_of(claude_pipeline.calls[0].body)
    assert "Ya era cliente antes de Yume" in user and "corte de siempre" in user
    assert "hola" in user
