"""Evals for the Claude brain: scripted Mexican-Spanish dialogues with an expected end state.

    python -m bench.evals            # with ANTHROPIC_API_KEY: against Claude (YUME_MODEL)
    python -m bench.evals --fake     # against tests/fake_anthropic.py: request sizes only
    python -m bench.evals -k cancel  # only dialogues whose name contains "cancel"

With a real key every dialogue (bench/eval_dialogues.py) runs through ClaudeBrain on a
fresh SQLite database at a fixed moment (a Wednesday, 11:00 AM in Mexico City), and the
end state is checked: success rate, turns, Claude calls and tokens per dialogue. Without a
key it says so and runs nothing.

With --fake the same dialogues run against the fake Messages API, whose scripted "model"
answers every message with one read tool (slots for customers, the agenda for staff) and
then a text: the answers are meaningless, so end states are not checked, but the requests
are real. It prints their sizes — the static prefix (tools + system up to the last cache
breakpoint) and the changing part (the moment block and the messages) per call, in
estimated tokens — and whether the fake's imitation of prompt caching found the prefix.
Goals: prefix cached on every call after the first; changing input ≤ 1,500 tokens per
turn; ≤ 2 Claude calls per customer message on average.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable as `python bench/evals.py` from the repo root
    sys.path.insert(0, str(ROOT))

from bench.eval_dialogues import DIALOGUES, Dialogue
from yume import conversations
from yume.brain import BrainUnavailable, Reply, Text, Turn
from yume.config import Config
from yume.db import database, open_database
from yume.delivery import queue_actions
from yume.migrations import migrate
from yume.models import (
    ACTIVE_STATUSES,
    Appointment,
    AvailabilityException,
    Customer,
    Location,
    Message,
    OpeningHours,
    Organization,
    ServiceType,
    Staff,
    StaffService,
    WorkingHours,
)
from yume.queue import RecordingQueue, set_queue
from yume.timeutil import local_to_utc, zone

TZ = zone("America/Mexico_City")
CHANGING_GOAL = 1500
CALLS_GOAL = 2.0
PHONES = {
    "customer": "+525599998888",
    "new": "+525512340000",
    "staff": "+525533334444",
    "owner": "+525511112222",
}
DAY_OFFSETS = {"hoy": 0, "mañana": 1, "vie": 2, "sáb": 3, "lun": 5}


def next_wednesday(today: date) -> date:
    return today + timedelta(days=(2 - today.weekday()) % 7 or 7)


WEDNESDAY = next_wednesday(date.today())
NOW = local_to_utc(WEDNESDAY, 11 * 60, TZ)


# -- the business -------------------------------------------------------------------------


@dataclass
class Business:
    org: Organization
    services: dict[str, ServiceType]
    staff: dict[str, Staff]


def build_business() -> Business:
    org = Organization.create(
        name="Barbería Don Chuy",
        whatsapp_phone_number_id="1001",
        settings={"min_notice_minutes": 30},
    )
    location = Location.create(organization=org, name=org.name, address="Av. Juárez 123, CDMX")
    for weekday in range(6):
        OpeningHours.create(location=location, weekday=weekday, start_minute=600, end_minute=1200)
    services = {
        name: ServiceType.create(
            organization=org, name=name, duration_minutes=minutes, price_mxn=price
        )
        for name, minutes, price in (
            ("Corte de cabello", 30, 250),
            ("Arreglo de barba", 20, 150),
            ("Tinte", 90, 650),
            ("Manicure", 45, 300),
        )
    }
    staff = {
        "Chuy": _member(org, "Chuy", PHONES["owner"], "owner", None),
        "Beto": _member(org, "Beto", PHONES["staff"], "staff", [services["Corte de cabello"]]),
        "Mariana": _member(
            org, "Mariana", "+525566667777", "staff", [services["Tinte"], services["Manicure"]]
        ),
    }
    StaffService.create(staff=staff["Beto"], service=services["Arreglo de barba"])
    Customer.create(organization=org, phone=PHONES["customer"], name="Ana")
    return Business(org, services, staff)


def _member(
    org: Organization, name: str, phone: str, role: str, services: list[ServiceType] | None
) -> Staff:
    member = Staff.create(
        organization=org, name=name, phone=phone, role=role, all_services=services is None
    )
    for service in services or []:
        StaffService.create(staff=member, service=service)
    for weekday in range(6):
        WorkingHours.create(staff=member, weekday=weekday, start_minute=600, end_minute=1200)
    return member


def when(spec: str) -> tuple[str, datetime]:
    """'Corte de cabello@mañana 16:00' → (service name, UTC start)."""
    service, _, moment = spec.partition("@")
    day, _, clock = moment.partition(" ")
    hours, minutes = (int(p) for p in clock.split(":"))
    start = local_to_utc(WEDNESDAY + timedelta(days=DAY_OFFSETS[day]), hours * 60 + minutes, TZ)
    return service, start


def add_appointment(biz: Business, spec: str, customer: Customer, staff: Staff | None) -> None:
    from yume.booking import book_appointment

    service, start = when(spec)
    book_appointment(
        biz.org,
        biz.services[service].id,
        start,
        customer,
        staff_id=staff.id if staff else None,
        source="import",
        now=NOW - timedelta(days=1),
    )


def set_up(biz: Business, dialogue: Dialogue) -> None:
    ana = Customer.get(Customer.phone == PHONES["customer"])
    for spec in dialogue.get("setup", []):
        add_appointment(biz, spec, ana, None)
    pedro = Customer.create(organization=biz.org, phone="+525500000001", name="Pedro")
    for spec in dialogue.get("others", []):
        add_appointment(biz, spec, pedro, None)
    for spec in dialogue.get("setup_staff", []):
        add_appointment(biz, spec, pedro, biz.staff["Beto"])


# -- running a dialogue ----------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    ok: bool | None
    turns: int = 0
    messages: int = 0
    calls: int = 0
    tokens: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    sizes: list[tuple[int, int, int, int, int]] = field(default_factory=list)  # per call


def inbound(conversation: Any, said: Any, at: datetime) -> Message:
    author = "staff" if conversation.staff_id else "customer"
    fields: dict[str, Any] = {"kind": "text", "text": said if isinstance(said, str) else ""}
    if isinstance(said, dict) and "tap" in said:
        fields = tapped(conversation, said["tap"])
    elif isinstance(said, dict):
        fields = {"kind": "voice" if said.get("voice") else "sticker", "text": ""}
    return Message.create(
        conversation=conversation,
        direction="in",
        author=author,
        created_at=at,
        sent_at=at,
        **fields,
    )


def tapped(conversation: Any, wanted: str) -> dict[str, Any]:
    """The option of the latest buttons or list whose title contains `wanted` (or the first)."""
    offer = (
        Message.select()
        .where(
            (Message.conversation == conversation)
            & (Message.direction == "out")
            & Message.kind.in_(["buttons", "list"])
        )
        .order_by(Message.id.desc())
        .first()
    )
    if offer is None:
        return {"kind": "text", "text": wanted}
    payload = offer.payload or {}
    options = payload.get("options") or payload.get("rows") or []
    choice = next((o for o in options if wanted.lower() in o[1].lower()), options[0])
    kind = "button_reply" if offer.kind == "buttons" else "list_reply"
    return {"kind": kind, "text": choice[1], "payload": {"reply_id": choice[0]}}


def run_dialogue(dialogue: Dialogue, brain: Any, fake: Any | None) -> Outcome:
    clean_database()
    biz = build_business()
    set_up(biz, dialogue)
    before = snapshot()
    conversation = conversations.open_conversation(
        biz.org,
        PHONES[dialogue["who"]],
        profile_name="Ana" if dialogue["who"] == "customer" else None,
    )
    outcome = Outcome(dialogue["name"], None)
    for index, burst in enumerate(dialogue["turns"]):
        now = NOW + timedelta(minutes=2 * index)
        calls_before = len(fake.calls) if fake else 0
        reply = take_turn(conversation, burst, now, brain)
        outcome.turns += 1
        outcome.messages += len(burst)
        if fake:
            outcome.sizes += [request_size(c) for c in fake.calls[calls_before:]]
        if reply.handover:
            conversations.pause(conversation, now)
    from yume.brains.usage import ClaudeUsage

    usage = list(ClaudeUsage.select())
    outcome.calls = len(usage) if not fake else len(outcome.sizes)
    outcome.tokens = {
        "in": sum(u.input_tokens for u in usage),
        "out": sum(u.output_tokens for u in usage),
        "cache_write": sum(u.cache_write_tokens for u in usage),
        "cache_read": sum(u.cache_read_tokens for u in usage),
    }
    if fake is None:
        outcome.problems = check(dialogue, biz, conversation, before)
        outcome.ok = not outcome.problems
    return outcome


def take_turn(conversation: Any, burst: list[Any], now: datetime, brain: Any) -> Reply:
    conversation = type(conversation).get_by_id(conversation.id)
    new = [inbound(conversation, said, now) for said in burst]
    turn = Turn(
        organization=conversation.organization,
        conversation=conversation,
        customer=conversation.customer,
        staff=conversation.staff,
        history=conversations.recent_history(conversation.id, new[0].id),
        new_messages=new,
        now=now,
    )
    try:
        reply = brain.respond(turn)
    except BrainUnavailable as unavailable:
        reply = Reply([Text(unavailable.holding)])
    conversations.claim_inbound(new, now)
    queue_actions(conversation, reply.actions, now)
    Message.update(status="sent").where(Message.status == "queued").execute()
    return reply


# -- the end state ----------------------------------------------------------------------------


def snapshot() -> set[tuple[Any, ...]]:
    return {(a.id, a.start_at, a.staff_id, a.status, a.service_id) for a in Appointment.select()}


def described(appointment: Appointment) -> str:
    local = appointment.start_at.astimezone(TZ)
    offset = (local.date() - WEDNESDAY).days
    day = next((k for k, v in DAY_OFFSETS.items() if v == offset), local.date().isoformat())
    return f"{appointment.service.name}@{day} {local:%H:%M}"


def check(dialogue: Dialogue, biz: Business, conversation: Any, before: set[Any]) -> list[str]:
    expect = dialogue["expect"]
    writer = Customer.get_or_none(
        (Customer.organization == biz.org) & (Customer.phone == PHONES[dialogue["who"]])
    )
    mine = list(Appointment.select().where(Appointment.customer == writer)) if writer else []
    active = sorted(described(a) for a in mine if a.status in ACTIVE_STATUSES)
    found = {
        "active": active,
        "active_count": len(active),
        "cancelled": sum(a.status == "cancelled" for a in mine),
        "handover": conversations.is_paused(
            type(conversation).get_by_id(conversation.id), NOW + timedelta(hours=1)
        ),
        "name": writer.name if writer else None,
        "no_change": snapshot() == before,
        "walk_ins": Appointment.select().where(Appointment.source == "walk_in").count(),
        "blocked": AvailabilityException.select()
        .where(AvailabilityException.staff == biz.staff["Beto"])
        .count(),
        "others_active": Appointment.select()
        .join(Customer)
        .where((Customer.name == "Pedro") & Appointment.status.in_(ACTIVE_STATUSES))
        .count(),
        "staff": next((a.staff.name for a in mine if a.status in ACTIVE_STATUSES), None),
    }
    problems = [
        f"{key}: expected {want!r}, got {found[key]!r}"
        for key, want in expect.items()
        if key in found and (sorted(want) if key == "active" else want) != found[key]
    ]
    for name, spec in expect.get("booked_for", {}).items():
        booked = [
            described(a)
            for a in Appointment.select().join(Customer).where(Customer.name == name)
            if a.status in ACTIVE_STATUSES
        ]
        if booked != [spec]:
            problems.append(f"booked_for {name}: expected {spec!r}, got {booked!r}")
    return problems


# -- the fake model and request sizes -----------------------------------------------------------


def fake_answer(body: dict[str, Any]) -> dict[str, Any]:
    """One read tool per message, then a short text."""
    from tests.fake_anthropic import message, tool_results, tool_use

    if tool_results(body):
        return message([{"type": "text", "text": "Listo, ¿te ayudo con algo más?"}])
    names = [t["name"] for t in body.get("tools", [])]
    tomorrow = (WEDNESDAY + timedelta(days=1)).isoformat()
    if "get_schedule" in names:
        return message([tool_use("get_schedule", {"date": WEDNESDAY.isoformat()})])
    return message([tool_use("find_available_slots", {"service_id": 1, "date": tomorrow})])


def request_size(call: Any) -> tuple[int, int, int, int, int]:
    """(static prefix, changing part, cache read, cache write, uncached input) in tokens."""
    from tests.fake_anthropic import estimate_tokens, static_prefix

    body = call.body
    changing = json.dumps([body["system"][2:], body["messages"]], ensure_ascii=False)
    return (
        estimate_tokens(static_prefix(body)),
        estimate_tokens(changing),
        call.usage.get("cache_read_input_tokens", 0),
        call.usage.get("cache_creation_input_tokens", 0),
        call.usage.get("input_tokens", 0),
    )


# -- the database -------------------------------------------------------------------------------


def open_scratch_database() -> None:
    path = os.path.join(tempfile.mkdtemp(prefix="yume-evals-"), "evals.db")
    db = open_database(f"sqlite:///{path}")
    db.connect()
    migrate(db)
    set_queue(RecordingQueue())  # appointment notices and reminders are queued, never run


def clean_database() -> None:
    tables = [t for t in database.get_tables() if t != "schema_migration"]
    database.execute_sql("PRAGMA foreign_keys = OFF")
    for table in tables:
        database.execute_sql(f"DELETE FROM {table}")
    database.execute_sql("PRAGMA foreign_keys = ON")


# -- reports -------------------------------------------------------------------------------------


def report_real(outcomes: list[Outcome], model: str) -> None:
    from yume.brains.usage import cost

    print(
        f"{'dialogue':36} {'ok':>3} {'turns':>5} {'calls':>5} {'in':>7} {'out':>6} "
        f"{'c.write':>7} {'c.read':>7}"
    )
    total = Decimal(0)
    for o in outcomes:
        t = o.tokens
        price = cost(model, t["in"], t["out"], t["cache_write"], t["cache_read"]) or Decimal(0)
        total += price
        mark = "✓" if o.ok else "✗"
        print(
            f"{o.name[:36]:36} {mark:>3} {o.turns:>5} {o.calls:>5} {t['in']:>7} "
            f"{t['out']:>6} {t['cache_write']:>7} {t['cache_read']:>7}"
        )
        for problem in o.problems:
            print(f"    {problem}")
    passed = sum(1 for o in outcomes if o.ok)
    messages = sum(o.messages for o in outcomes)
    calls = sum(o.calls for o in outcomes)
    print(
        f"\nsuccess {passed}/{len(outcomes)} ({100 * passed / len(outcomes):.0f}%), "
        f"{calls / messages:.2f} Claude calls per message, ≈ USD {total:.4f} ({model})"
    )


def _avg(sizes: Sequence[tuple[int, ...]], index: int) -> float:
    return sum(s[index] for s in sizes) / len(sizes)


def report_fake(outcomes: list[Outcome]) -> None:
    print(f"{'dialogue':36} {'msgs':>4} {'calls':>5}  static / changing per call (≈ tokens)")
    sizes = [s for o in outcomes for s in o.sizes]
    for o in outcomes:
        per_call = " ".join(f"{s[1]}" for s in o.sizes)
        print(f"{o.name[:36]:36} {o.messages:>4} {len(o.sizes):>5}  {o.sizes[0][0]} / {per_call}")
    firsts = {s[0]: s for s in reversed(sizes)}  # the first call of each prefix (role)
    later = [s for s in sizes if all(s is not f for f in firsts.values())]
    cached = sum(1 for s in later if s[2] >= s[0])
    changing = [s[1] for s in sizes]
    messages = sum(o.messages for o in outcomes)
    print(
        f"\nstatic prefix ≈ {min(firsts)}–{max(firsts)} tokens (customer / staff tools, "
        "house rules and the business)"
    )
    print(
        f"calls after the first of each prefix that read it from the cache: {cached}/{len(later)}"
    )
    print(
        f"changing part per call ≈ avg {sum(changing) / len(changing):.0f}, max {max(changing)} "
        f"tokens (goal ≤ {CHANGING_GOAL})"
    )
    print(
        f"per call ≈ avg cache read {_avg(sizes, 2):.0f}, cache write {_avg(sizes, 3):.0f}, "
        f"uncached input {_avg(sizes, 4):.0f} tokens"
    )
    print(
        f"Claude calls per message: {len(sizes) / messages:.2f} with the fake's fixed "
        f"one-tool-then-text policy (goal ≤ {CALLS_GOAL:.0f}; real counts need a key)"
    )


# -- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fake", action="store_true", help="sizes against the fake server")
    parser.add_argument("-k", default="", help="only dialogues whose name contains this")
    args = parser.parse_args(argv)
    chosen = [d for d in DIALOGUES if args.k in d["name"]]
    config = Config.from_env()
    if not args.fake and not config.anthropic_api_key:
        print(
            "ANTHROPIC_API_KEY is not set: no dialogue was run. Set it to run the "
            f"{len(chosen)} dialogues against Claude, or pass --fake for request sizes."
        )
        return 0
    open_scratch_database()
    fake = start_fake() if args.fake else None
    from yume.brains.claude import ClaudeBrain

    if fake:
        config = Config(anthropic_api_key="sk-fake", model=config.model)
    brain = ClaudeBrain(config)
    print(
        f"{len(chosen)} dialogues, model {config.model}, now {NOW.astimezone(TZ):%A %Y-%m-%d %H:%M}"
    )
    outcomes = []
    for dialogue in chosen:
        if fake:
            fake.reset(keep_cache=True)  # the cache outlives a conversation
            fake.responder = fake_answer
        outcomes.append(run_dialogue(dialogue, brain, fake))
    report_fake(outcomes) if fake else report_real(outcomes, config.model)
    return 0


def start_fake() -> Any:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from tests.fake_anthropic import FakeAnthropic

    fake = FakeAnthropic().start()
    os.environ["ANTHROPIC_BASE_URL"] = fake.url
    return fake


if __name__ == "__main__":
    sys.exit(main())
