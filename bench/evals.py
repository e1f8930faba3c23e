"""Evals for the Claude brain: scripted Mexican-Spanish dialogues with an expected end state,
graders that read every reply, failure injection, and pass^k over repeated runs.

    python bench/evals.py                  # with ANTHROPIC_API_KEY: against Claude (YUME_MODEL)
    python bench/evals.py --repeat 5       # each dialogue 5 times: pass^5 (default 3)
    python bench/evals.py --fake           # against tests/fake_anthropic.py (no key needed)
    python bench/evals.py -k sábado        # only dialogues whose name contains "sábado"

Every dialogue (bench/eval_dialogues.py) runs through ClaudeBrain on a fresh SQLite
database at a fixed moment (a Wednesday, 11:00 AM in Mexico City, unless it says
otherwise), turn by turn, as the pipeline would run it. Afterwards:
- the end state is checked in the database (`expect`);
- the graders (bench/eval_graders.py) read every reply: a time or price no tool result
  (nor the business block, nor the person) gave, a weekday that does not match its date,
  usted, markdown, another person's phone;
- failure injection, where a dialogue asks for it, happens through an SDK middleware in
  both modes: Claude becomes unavailable right after a change was made (the turn must be
  answered from what was done), or the worker dies there (nothing is sent; the turn runs
  again as RQ's retry would, and must neither repeat the change nor answer twice).
With a key, each dialogue runs `--repeat` times: pass^k is the share of dialogues that
passed every run, the figure that says whether customers can rely on it.

With --fake there is no model, so what it can show is limited, and it says so:
1. Request sizes, for every dialogue, with a fixed one-read-tool-then-text policy: the
   static prefix (tools + system up to the last cache breakpoint), the changing part per
   call, whether the fake's imitation of prompt caching found the prefix, Claude calls per
   message. Goals: prefix ≥ 20% above the model's minimum and read from the cache on every
   call after the first; changing input ≤ 1,500 tokens per call; ≤ 2 calls per message.
2. End states of the dialogues that carry a `fake` script: a fooled model that does what
   the injected text asks (cancel someone else's appointment, book all Saturday, give a
   discount, obey a customer's name), the failure injections, and the ambiguity cases
   where a guess is booked without being shown. Code decides these outcomes (who the
   person is, which tools they get, the cap, the confirmation of a seen time, the effect
   records), so the database must end right whatever the model does.
3. The graders on every reply, and a self-check that they catch known-bad replies.
The process exits 1 when any of these fails. What --fake cannot show: whether real Claude
understands the dialogues (success rate, real call counts, real token counts); those need
a key, and this machine has none.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable as `python bench/evals.py` from the repo root
    sys.path.insert(0, str(ROOT))

import anthropic  # noqa: E402

from bench.eval_dialogues import DIALOGUES, Dialogue  # noqa: E402
from bench.eval_graders import Seen, grade, self_check  # noqa: E402
from yume import conversations, handover  # noqa: E402
from yume.brain import BrainUnavailable, Reply, Text, Turn  # noqa: E402
from yume.config import Config  # noqa: E402
from yume.db import database, open_database  # noqa: E402
from yume.delivery import queue_actions  # noqa: E402
from yume.formatting import spanish_date  # noqa: E402
from yume.migrations import migrate  # noqa: E402
from yume.models import (  # noqa: E402
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
from yume.queue import RecordingQueue, set_queue  # noqa: E402
from yume.timeutil import local_to_utc, zone  # noqa: E402

TZ = zone("America/Mexico_City")
CHANGING_GOAL = 1500
CALLS_GOAL = 2.0
PREFIX_MARGIN = 1.2  # the cached prefix must be this much above the model's minimum
PHONES = {
    "customer": "+525599998888",
    "new": "+525512340000",
    "staff": "+525533334444",
    "owner": "+525511112222",
}
DAY_OFFSETS = {"hoy": 0, "mañana": 1, "vie": 2, "sáb": 3, "lun": 5, "vie2": 9}


def next_wednesday(today: date) -> date:
    return today + timedelta(days=(2 - today.weekday()) % 7 or 7)


WEDNESDAY = next_wednesday(date.today())
NOW = local_to_utc(WEDNESDAY, 11 * 60, TZ)
DAY_NAMES = {
    key: spanish_date(WEDNESDAY + timedelta(days=offset)) for key, offset in DAY_OFFSETS.items()
}


# -- the business -------------------------------------------------------------------------


@dataclass
class Business:
    org: Organization
    services: dict[str, ServiceType]
    staff: dict[str, Staff]


def build_business(opening: tuple[int, int] = (600, 1200)) -> Business:
    org = Organization.create(
        name="Barbería Don Chuy",
        whatsapp_phone_number_id="1001",
        settings={"min_notice_minutes": 30},
    )
    location = Location.create(organization=org, name=org.name, address="Av. Juárez 123, CDMX")
    for weekday in range(6):
        OpeningHours.create(
            location=location, weekday=weekday, start_minute=opening[0], end_minute=opening[1]
        )
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
        "Chuy": _member(org, "Chuy", PHONES["owner"], "owner", None, opening),
        "Beto": _member(
            org, "Beto", PHONES["staff"], "staff", [services["Corte de cabello"]], opening
        ),
        "Mariana": _member(
            org,
            "Mariana",
            "+525566667777",
            "staff",
            [services["Tinte"], services["Manicure"]],
            opening,
        ),
    }
    StaffService.create(staff=staff["Beto"], service=services["Arreglo de barba"])
    Customer.create(organization=org, phone=PHONES["customer"], name="Ana")
    return Business(org, services, staff)


def _member(
    org: Organization,
    name: str,
    phone: str,
    role: str,
    services: list[ServiceType] | None,
    opening: tuple[int, int],
) -> Staff:
    member = Staff.create(
        organization=org, name=name, phone=phone, role=role, all_services=services is None
    )
    for service in services or []:
        StaffService.create(staff=member, service=service)
    for weekday in range(6):
        WorkingHours.create(
            staff=member, weekday=weekday, start_minute=opening[0], end_minute=opening[1]
        )
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
    pedro = Customer.create(
        organization=biz.org, phone="+525500000001", name=dialogue.get("others_name", "Pedro")
    )
    for spec in dialogue.get("others", []):
        add_appointment(biz, spec, pedro, None)
    for spec in dialogue.get("setup_staff", []):
        add_appointment(biz, spec, pedro, biz.staff["Beto"])


def moment_of(dialogue: Dialogue) -> datetime:
    hours, minutes = (int(p) for p in dialogue.get("at", "11:00").split(":"))
    return local_to_utc(WEDNESDAY, hours * 60 + minutes, TZ)


# -- watching every call: sizes, graders' sources, failure injection ---------------------------


class Killed(BaseException):
    """The worker died mid-turn (failure injection); nothing of the turn is answered."""


class Hooks(anthropic.Middleware):
    """An SDK middleware for the evals: records every request, and injects a failure right
    after the turn changed something (a row in turn_effect)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.inject: str | None = None
        self.effects_before = 0

    def arm(self, inject: str | None) -> None:
        from yume.effects import TurnEffect

        self.inject = inject
        self.effects_before = TurnEffect.select().count()

    def handle(self, request: Any, call_next: Any) -> Any:
        from yume.brains.claude_client import ClaudeUnavailable
        from yume.effects import TurnEffect

        self.requests.append(request.json or {})
        if self.inject and TurnEffect.select().count() > self.effects_before:
            inject, self.inject = self.inject, None
            if inject == "crash_after_change":
                raise Killed("the worker died after the change, before the reply")
            raise ClaudeUnavailable("529 overloaded (injected after the change)")
        return call_next(request)


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
    replies: list[str] = field(default_factory=list)


def inbound(conversation: Any, said: Any, at: datetime) -> Message:
    author = "staff" if conversation.staff_id else "customer"
    fields: dict[str, Any] = {"kind": "text", "text": said if isinstance(said, str) else ""}
    if isinstance(said, str):
        fields["text"] = said.format(**DAY_NAMES)
    elif "tap" in said:
        fields = tapped(conversation, said["tap"])
    else:
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


def run_dialogue(
    dialogue: Dialogue, brain: Any, hooks: Hooks, fake: Any | None, check_state: bool = True
) -> Outcome:
    clean_database()
    hours = dialogue.get("hours", (600, 1200))
    biz = build_business(hours)
    set_up(biz, dialogue)
    before = snapshot()
    conversation = conversations.open_conversation(
        biz.org,
        PHONES[dialogue["who"]],
        profile_name="Ana" if dialogue["who"] == "customer" else None,
    )
    outcome = Outcome(dialogue["name"], None)
    hooks.requests.clear()
    seen = Seen()
    replies_per_turn = []
    start = moment_of(dialogue)
    for index, burst in enumerate(dialogue["turns"]):
        now = start + timedelta(minutes=2 * index)
        calls_before = len(fake.calls) if fake else 0
        if fake is not None and getattr(fake.responder, "turn", None) is not None:
            fake.responder.turn = index
        said, texts = take_turn(conversation, burst, now, brain, hooks, dialogue.get("inject"))
        seen.said += said
        outcome.replies += texts
        replies_per_turn.append(len(texts))
        outcome.turns += 1
        outcome.messages += len(burst)
        if fake:
            outcome.sizes += [request_size(c) for c in fake.calls[calls_before:]]
    for body in hooks.requests:
        seen.add_request(body)
    from yume.brains.usage import ClaudeUsage

    usage = list(ClaudeUsage.select())
    outcome.calls = len(outcome.sizes) if fake else len(usage)
    outcome.tokens = {
        "in": sum(u.input_tokens for u in usage),
        "out": sum(u.output_tokens for u in usage),
        "cache_write": sum(u.cache_write_tokens for u in usage),
        "cache_read": sum(u.cache_read_tokens for u in usage),
    }
    customer_phone = PHONES[dialogue["who"]] if dialogue["who"] in ("customer", "new") else None
    outcome.problems = grade(outcome.replies, seen, WEDNESDAY, customer_phone)
    if check_state:
        outcome.problems += check(dialogue, biz, conversation, before, replies_per_turn)
    outcome.ok = not outcome.problems
    return outcome


def take_turn(
    conversation: Any,
    burst: list[Any],
    now: datetime,
    brain: Any,
    hooks: Hooks,
    inject: str | None,
) -> tuple[list[str], list[str]]:
    """One burst answered as the pipeline would: (what the person said, Yume's replies)."""
    conversation = type(conversation).get_by_id(conversation.id)
    new = [inbound(conversation, said, now) for said in burst]
    hooks.arm(inject)
    try:
        reply = respond(conversation, new, now, brain)
    except Killed:  # the worker died: nothing claimed, nothing sent; RQ runs the job again
        hooks.arm(None)
        conversation = type(conversation).get_by_id(conversation.id)
        reply = respond(conversation, new, now, brain)
    conversations.claim_inbound(new, now)
    queue_actions(conversation, reply.actions, now)
    if reply.handover:  # as jobs/inbound.py does: one hand-over state machine
        handover.hand_over(conversation, reply.handover_reason or reply.notify_owner, now)
    Message.update(status="sent").where(Message.status == "queued").execute()
    texts = [a.body for a in reply.actions if hasattr(a, "body")]
    return [m.text for m in new if m.text], texts


def respond(conversation: Any, new: list[Message], now: datetime, brain: Any) -> Reply:
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
        return brain.respond(turn)
    except BrainUnavailable as unavailable:
        return Reply([Text(unavailable.holding)])


# -- the end state ----------------------------------------------------------------------------


def snapshot() -> set[tuple[Any, ...]]:
    return {(a.id, a.start_at, a.staff_id, a.status, a.service_id) for a in Appointment.select()}


def described(appointment: Appointment) -> str:
    local = appointment.start_at.astimezone(TZ)
    offset = (local.date() - WEDNESDAY).days
    day = next((k for k, v in DAY_OFFSETS.items() if v == offset), local.date().isoformat())
    return f"{appointment.service.name}@{day} {local:%H:%M}"


def check(
    dialogue: Dialogue,
    biz: Business,
    conversation: Any,
    before: set[Any],
    replies_per_turn: Sequence[int],
) -> list[str]:
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
        .where((Customer.phone == "+525500000001") & Appointment.status.in_(ACTIVE_STATUSES))
        .count(),
        "staff": next((a.staff.name for a in mine if a.status in ACTIVE_STATUSES), None),
        "guests": sorted(a.guest_name for a in mine if a.guest_name),
    }
    problems = [
        f"{key}: expected {want!r}, got {found[key]!r}"
        for key, want in expect.items()
        if key in found and (sorted(want) if key == "active" else want) != found[key]
    ]
    if "max_active" in expect and len(active) > expect["max_active"]:
        problems.append(f"max_active: {len(active)} > {expect['max_active']}")
    if expect.get("one_reply_per_turn") and any(n != 1 for n in replies_per_turn):
        problems.append(f"replies per turn: {list(replies_per_turn)}")
    for name, spec in expect.get("booked_for", {}).items():
        booked = [
            described(a)
            for a in Appointment.select().join(Customer).where(Customer.name == name)
            if a.status in ACTIVE_STATUSES
        ]
        if booked != [spec]:
            problems.append(f"booked_for {name}: expected {spec!r}, got {booked!r}")
    return problems


# -- the fake model: sizes, and a fooled model for the scripted dialogues -------------------------


def generic_answer(body: dict[str, Any]) -> dict[str, Any]:
    """One read tool per message, then a short text (request sizes only)."""
    from tests.fake_anthropic import message, tool_results, tool_use

    if tool_results(body):
        return message([{"type": "text", "text": "Listo, ¿te ayudo con algo más?"}])
    names = [t["name"] for t in body.get("tools", [])]
    tomorrow = (WEDNESDAY + timedelta(days=1)).isoformat()
    if "get_schedule" in names:
        return message([tool_use("get_schedule", {"date": WEDNESDAY.isoformat()})])
    return message([tool_use("find_available_slots", {"service_id": 1, "date": tomorrow})])


class Fooled:
    """A scripted model that does what the dialogue's `fake` script says, turn by turn:
    the tool calls first, then (for "cancel_listed") one more round cancelling every
    appointment a schedule listed, then a short text made only of what the tools said."""

    def __init__(
        self,
        script: list[list[tuple[Any, ...]]],
        biz_of: Callable[[], Business],
        again: list[tuple[Any, ...]] | None = None,
    ):
        self.script = script
        self.biz_of = biz_of
        self.again = again  # what it does when a turn is asked again (a job's retry)
        self.turn = 0
        self.asked: dict[int, int] = {}

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        from tests.fake_anthropic import message, tool_results, tool_use

        steps = self.script[self.turn] if self.turn < len(self.script) else []
        results = tool_results(body)
        if not results:
            self.asked[self.turn] = self.asked.get(self.turn, 0) + 1
            if self.asked[self.turn] > 1 and self.again is not None:
                steps = self.again  # "la primera que tengas": now the next free one
            calls = [self.resolve(step) for step in steps if step[0] != "cancel_listed"]
            if calls:
                return message([tool_use(name, args) for name, args in calls])
            return message([{"type": "text", "text": "¿En qué te ayudo?"}])
        listed = [
            a["id"]
            for r in results
            for member in (r["content"].get("staff") or [])
            for a in member["appointments"]
        ]
        if ("cancel_listed",) in steps and listed:
            return message([tool_use("cancel_appointment", {"appointment_id": i}) for i in listed])
        return message([{"type": "text", "text": self.words(results)}])

    def resolve(self, step: tuple[Any, ...]) -> tuple[str, dict[str, Any]]:
        kind, *rest = step
        biz = self.biz_of()
        if kind == "schedule":  # ("schedule", "mañana")
            day = WEDNESDAY + timedelta(days=DAY_OFFSETS[rest[0]])
            return "get_schedule", {"date": day.isoformat()}
        if kind in ("book", "slots"):
            spec, extra = rest[0], (rest[1] if len(rest) > 1 else {})
            service, start = when(spec if " " in spec.partition("@")[2] else spec + " 00:00")
            local = start.astimezone(TZ)
            args: dict[str, Any] = {"service_id": biz.services[service].id}
            if kind == "book":
                return "book_appointment", {
                    **args,
                    "start": local.strftime("%Y-%m-%dT%H:%M"),
                    **extra,
                }
            return "find_available_slots", {**args, "date": local.date().isoformat(), **extra}
        if kind == "cancel":  # "Pedro@mañana 13:00": that person's appointment then
            name, _, moment = rest[0].partition("@")
            _, start = when("x@" + moment)
            appointment = (
                Appointment.select()
                .join(Customer)
                .where((Customer.phone == "+525500000001") & (Appointment.start_at == start))
                .get()
            )
            return "cancel_appointment", {"appointment_id": appointment.id}
        return kind, rest[0]  # a raw tool call: (name, arguments)

    @staticmethod
    def words(results: list[dict[str, Any]]) -> str:
        """A reply built only from the tool results (what a fooled model would say)."""
        said = []
        for result in results:
            content = result["content"]
            if "appointment" in content:
                said.append(f"Listo: {content['appointment']['when']}.")
            elif "time" in content:
                free = "libre" if content["time"]["free"] else "ocupado"
                said.append(f"El {content['time']['when']} está {free}.")
            elif "error" in content:
                said.append("Eso no se pudo.")
        return " ".join(said) or "Listo, ¿te ayudo con algo más?"


def request_size(call: Any) -> tuple[int, int, int, int, int]:
    """(static prefix, changing part, cache read, cache write, uncached input) in tokens."""
    from tests.fake_anthropic import estimate_tokens, static_prefix_tokens

    body = call.body
    changing = json.dumps([body["system"][2:], body["messages"]], ensure_ascii=False)
    return (
        static_prefix_tokens(body),
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


def pass_k(runs: dict[str, list[Outcome]]) -> tuple[int, int, float]:
    """(dialogues that passed every run, dialogues, mean success per run)."""
    every = sum(1 for outcomes in runs.values() if all(o.ok for o in outcomes))
    mean = sum(o.ok for outcomes in runs.values() for o in outcomes) / max(
        1, sum(len(o) for o in runs.values())
    )
    return every, len(runs), mean


def report_real(runs: dict[str, list[Outcome]], model: str) -> int:
    from yume.brains.usage import cost

    k = max(len(o) for o in runs.values())
    print(f"{'dialogue':40} {'pass':>5} {'calls/msg':>9} {'in':>7} {'out':>6} {'c.read':>7}")
    total, calls, messages = Decimal(0), 0, 0
    for name, outcomes in runs.items():
        for o in outcomes:
            t = o.tokens
            total += cost(model, t["in"], t["out"], t["cache_write"], t["cache_read"]) or 0
            calls, messages = calls + o.calls, messages + o.messages
        last = outcomes[-1]
        passed = sum(1 for o in outcomes if o.ok)
        per = sum(o.calls for o in outcomes) / max(1, sum(o.messages for o in outcomes))
        print(
            f"{name[:40]:40} {passed:>3}/{len(outcomes)} {per:>9.2f} {last.tokens['in']:>7} "
            f"{last.tokens['out']:>6} {last.tokens['cache_read']:>7}"
        )
        for problem in sorted({p for o in outcomes for p in o.problems}):
            print(f"    {problem}")
    every, count, mean = pass_k(runs)
    print(
        f"\npass^{k} {every}/{count} ({100 * every / count:.0f}%), pass@1 {100 * mean:.0f}%, "
        f"{calls / max(1, messages):.2f} Claude calls per message (goal ≤ {CALLS_GOAL:.0f}), "
        f"≈ USD {total:.4f} ({model})"
    )
    return 0


def report_fake(sizes: list[Outcome], scripted: dict[str, list[Outcome]], model: str) -> int:
    from yume.brains.usage import min_cacheable

    failures: list[str] = []
    print(f"{'dialogue':40} {'msgs':>4} {'calls':>5}  static / changing per call (≈ tokens)")
    calls = [s for o in sizes for s in o.sizes]
    for o in sizes:
        per_call = " ".join(f"{s[1]}" for s in o.sizes)
        print(f"{o.name[:40]:40} {o.messages:>4} {len(o.sizes):>5}  {o.sizes[0][0]} / {per_call}")
        failures += [f"{o.name}: {p}" for p in o.problems]
    firsts = {s[0]: s for s in reversed(calls)}  # the first call of each prefix (role)
    later = [s for s in calls if all(s is not f for f in firsts.values())]
    cached = sum(1 for s in later if s[2] >= s[0])
    changing = [s[1] for s in calls]
    messages = sum(o.messages for o in sizes)
    per_message = len(calls) / messages
    minimum = min_cacheable(model)
    print(
        f"\nstatic prefix ≈ {min(firsts)}–{max(firsts)} tokens (customer / staff); the model's "
        f"minimum is {minimum} (goal ≥ {PREFIX_MARGIN:.0%} of it: {PREFIX_MARGIN * minimum:.0f})"
    )
    print(
        f"calls after the first of each prefix that read it from the cache: {cached}/{len(later)}"
    )
    print(
        f"changing part per call ≈ avg {sum(changing) / len(changing):.0f}, max {max(changing)} "
        f"tokens (goal ≤ {CHANGING_GOAL})"
    )
    print(
        f"Claude calls per message: {per_message:.2f} with the fake's fixed one-tool-then-text "
        f"policy (goal ≤ {CALLS_GOAL:.0f}; real counts need a key)"
    )
    if min(firsts) < PREFIX_MARGIN * minimum:
        failures.append(f"static prefix {min(firsts)} < {PREFIX_MARGIN * minimum:.0f}")
    if cached != len(later):
        failures.append(f"prefix read from the cache on {cached}/{len(later)} later calls")
    if max(changing) > CHANGING_GOAL:
        failures.append(f"changing part {max(changing)} > {CHANGING_GOAL} tokens")
    if per_message > CALLS_GOAL:
        failures.append(f"{per_message:.2f} calls per message > {CALLS_GOAL}")

    if scripted:
        k = max(len(o) for o in scripted.values())
        print(f"\nscripted (a fooled model, failure injection, guesses): end state + graders, ×{k}")
        for name, outcomes in scripted.items():
            mark = "✓" if all(o.ok for o in outcomes) else "✗"
            print(f"  {mark} {name}")
            for problem in sorted({p for o in outcomes for p in o.problems}):
                print(f"      {problem}")
                failures.append(f"{name}: {problem}")
        every, count, _ = pass_k(scripted)
        print(f"pass^{k} {every}/{count}")

    checked = self_check(WEDNESDAY)
    print(f"\ngraders' self-check: {'ok' if not checked else '; '.join(checked)}")
    failures += checked
    print("\nFAILED:\n  " + "\n  ".join(failures) if failures else "\nall --fake checks passed")
    return 1 if failures else 0


# -- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fake", action="store_true", help="against the fake server, no key")
    parser.add_argument("-k", default="", help="only dialogues whose name contains this")
    parser.add_argument("--repeat", type=int, default=None, help="runs per dialogue (pass^k)")
    args = parser.parse_args(argv)
    chosen = [d for d in DIALOGUES if args.k in d["name"]]
    config = Config.from_env()
    if not args.fake and not config.anthropic_api_key:
        print(
            "ANTHROPIC_API_KEY is not set: no dialogue was run against Claude. Set it to run "
            f"the {len(chosen)} dialogues, or pass --fake for what can be checked without a model."
        )
        return 0
    open_scratch_database()
    fake = start_fake() if args.fake else None
    from yume.brains.claude import ClaudeBrain
    from yume.brains.claude_client import client_for

    key = "sk-fake" if fake else (config.anthropic_api_key or "")
    if fake:
        config = Config(anthropic_api_key=key, model=config.model)
    hooks = Hooks()
    brain = ClaudeBrain(config, client=client_for(key).with_middleware(hooks))
    print(
        f"{len(chosen)} dialogues, model {config.model}, now {NOW.astimezone(TZ):%A %Y-%m-%d %H:%M}"
    )
    repeat = args.repeat or (1 if fake else 3)
    if fake is None:
        runs = {
            d["name"]: [run_dialogue(d, brain, hooks, None) for _ in range(repeat)] for d in chosen
        }
        return report_real(runs, config.model)
    sizes = []
    for dialogue in chosen:
        fake.reset(keep_cache=True)  # the cache outlives a conversation
        fake.responder = generic_answer
        plain = {**dialogue, "inject": None}
        sizes.append(run_dialogue(plain, brain, hooks, fake, check_state=False))
    scripted: dict[str, list[Outcome]] = {}
    for dialogue in (d for d in chosen if "fake" in d):
        scripted[dialogue["name"]] = []
        for _ in range(repeat):
            fake.reset(keep_cache=True)
            fake.responder = Fooled(dialogue["fake"], current_business, dialogue.get("again"))
            scripted[dialogue["name"]].append(run_dialogue(dialogue, brain, hooks, fake))
    return report_fake(sizes, scripted, config.model)


def current_business() -> Business:
    """The business of the dialogue being run (the database holds only that one)."""
    org = Organization.get()
    return Business(
        org,
        {s.name: s for s in ServiceType.select().where(ServiceType.organization == org)},
        {m.name: m for m in Staff.select().where(Staff.organization == org)},
    )


def start_fake() -> Any:
    from tests.fake_anthropic import FakeAnthropic

    fake = FakeAnthropic().start()
    os.environ["ANTHROPIC_BASE_URL"] = fake.url
    return fake


if __name__ == "__main__":
    sys.exit(main())
