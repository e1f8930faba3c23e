"""Prompt and tool hygiene (issue 11, items 6 and 10): the cached prefix byte-identical
from call to call, schemas as the model needs them, descriptions that say when and what,
placeholders in examples, reminders only as set, a pinned model, and times on history."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from tests.test_claude_turns import NOW, TZ, turn
from yume.brains import prompts
from yume.brains.claude_context import build_request
from yume.brains.claude_tools import SPECS, tool_definitions
from yume.config import DEFAULT_MODEL
from yume.models import Message, Organization, StaffService
from yume.timeutil import local_to_utc


def prefix(request: dict) -> str:
    """Tools and the cached system blocks, as sent."""
    return json.dumps([request["tools"], request["system"][:2]], ensure_ascii=False)


def test_the_cached_prefix_is_byte_identical_whatever_order_rows_come_back_in(cast):
    from tests.cast import add_service

    nails = add_service(cast.org, "Uñas", 45, 300)
    StaffService.delete().where(StaffService.staff == cast.barber).execute()
    for service in (nails, cast.beard, cast.haircut):  # linked in reverse order
        StaffService.create(staff=cast.barber, service=service)
    first = build_request(DEFAULT_MODEL, turn(cast.org, "+525599998888", "hola"), [], [])
    later = build_request(
        DEFAULT_MODEL,
        turn(cast.org, "+525512340000", "otra persona", now=NOW + timedelta(hours=3)),
        ["Quedó agendada tu cita."],
        [],
    )
    assert prefix(first) == prefix(later)
    team_line = f"- {cast.barber.id}: Beto — Corte de cabello, Arreglo de barba, Uñas"
    assert team_line in first["system"][1]["text"]


def test_an_option_keeps_its_title_in_the_schema():
    schema = SPECS["present_options"].definition(staff=False)["input_schema"]
    option = schema["$defs"]["Option"]
    assert list(option["properties"]) == ["id", "title", "description"]
    assert option["required"] == ["id", "title"]
    assert "title" not in schema and "title" not in option  # annotations still trimmed


def test_every_tool_says_when_to_use_it_and_what_it_returns():
    for tool in tool_definitions("owner"):
        description = tool["description"]
        assert re.match(r"(Staff: )?([Ww]hen|Before|For|To) ", description), tool["name"]
        assert re.search(r"Returns|comes back", description), tool["name"]


def test_examples_use_placeholders_not_real_looking_prices_or_dates():
    rules = prompts.system_rules("owner")
    assert not re.search(r"\$\d", rules)  # "$[precio]", never "$650"
    months = "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre"
    assert not re.search(rf"\d+ de ({months}|diciembre)", rules)


def test_reminders_are_promised_only_as_the_settings_send_them(cast):
    assert "le llega uno un día antes y 2 horas antes" in prompts.business_block(cast.org)
    Organization.update(settings={"reminder_offsets_minutes": []}).execute()
    silent = prompts.business_block(Organization.get_by_id(cast.org.id))
    assert "no manda recordatorios; no los prometas" in silent


def test_the_default_model_is_a_dated_snapshot():
    assert re.fullmatch(r"claude-[a-z]+-\d+-\d+-\d{8}", DEFAULT_MODEL)


def test_older_messages_carry_their_local_time(cast):
    first = turn(cast.org, "+525599998888", "hola")
    yesterday = local_to_utc(NOW.astimezone(TZ).date() - timedelta(days=1), 21 * 60 + 40, TZ)
    said = Message.create(
        conversation=first.conversation,
        direction="in",
        author="customer",
        text="mañana a las 4 porfa",
        created_at=yesterday,
        sent_at=yesterday,
    )
    answer = Message.create(
        conversation=first.conversation,
        direction="out",
        author="yume",
        text="¿Para corte?",
        created_at=yesterday + timedelta(minutes=1),
    )
    now_turn = turn(cast.org, "+525599998888", "sí", history=[said, answer])
    request = build_request(DEFAULT_MODEL, now_turn, [], [])
    texts = [b["text"] for m in request["messages"] for b in m["content"]]
    assert '<mensaje hora="ayer 9:40 PM">mañana a las 4 porfa</mensaje>' in texts
    assert texts[-1] == '<mensaje hora="hoy 11:00 AM">sí</mensaje>'
    assert "¿Para corte?" in texts  # Yume's own words stay as they were
