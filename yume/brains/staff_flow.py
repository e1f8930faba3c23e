"""Staff on WhatsApp: the agenda of a day and blocked time.

The owner sees (and may block) everyone's calendar and can name a team member
("agenda de Beto mañana"); a staff member only ever sees and blocks their own.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from yume.agenda import appointments_between, appointments_overlapping, time_off_between
from yume.brain import Reply, Text
from yume.brains import booking_flow
from yume.brains.context import Ctx, clock
from yume.brains.ui import buttons
from yume.business import add_time_off
from yume.errors import DomainError
from yume.formatting import minute_clock
from yume.models import (
    Appointment,
    AvailabilityException,
    Staff,
)
from yume.nlu import intents as nlu
from yume.nlu.text import normalize
from yume.nlu.when import When
from yume.timeutil import local_midnight_utc, local_to_utc

WHOLE_DAY = [0, 24 * 60]


# -- whose calendar ----------------------------------------------------------------------------


def named_staff(ctx: Ctx, text: str) -> Staff | None:
    """A team member named in the text ("agenda de Beto"), other than the writer."""
    words = set(normalize(text).split())
    for member in ctx.team.values():
        first = normalize(member.name).split()[0] if member.name.strip() else ""
        if first and first in words and (ctx.staff is None or member.id != ctx.staff.id):
            return member
    return None


def visible_staff(ctx: Ctx, text: str = "") -> list[Staff]:
    """Whose agenda the writer may read: the owner everyone's (or the one named),
    a staff member only their own."""
    assert ctx.staff is not None
    if not ctx.is_owner:
        return [ctx.staff]
    named = named_staff(ctx, text)
    return [named] if named else list(ctx.team.values())


# -- agenda ------------------------------------------------------------------------------------


def agenda(ctx: Ctx, day: date, text: str = "") -> Reply:
    ctx.state.reset()
    members = visible_staff(ctx, text)
    start = local_midnight_utc(day, ctx.tz)
    end = local_midnight_utc(day + timedelta(days=1), ctx.tz)
    booked = _appointments(ctx, members, start, end)
    blocked = _blocks(members, start, end)
    heading = f"📅 Agenda {_of(ctx, day)}"
    sections = [_section(ctx, m, booked, blocked, len(members) > 1) for m in members]
    example = booking_flow.example_day(ctx, day)
    other = f"agenda del {example[0]}" if example else "agenda de pasado mañana"
    more = f"\n\n¿Otro día? Escríbeme, p. ej. «{other}»."
    return Reply([Text(heading + "\n" + "\n\n".join(sections) + more)])


def _of(ctx: Ctx, day: date) -> str:
    name = ctx.day_name(day)
    return f"de {name}" if day <= ctx.today + timedelta(days=1) else f"del {name}"


def _appointments(
    ctx: Ctx, members: list[Staff], start: datetime, end: datetime
) -> list[Appointment]:
    return appointments_between(ctx.org.id, [m.id for m in members], start, end)


def _blocks(members: list[Staff], start: datetime, end: datetime) -> list[AvailabilityException]:
    return time_off_between([m.id for m in members], start, end)


def _section(
    ctx: Ctx,
    member: Staff,
    booked: list[Appointment],
    blocked: list[AvailabilityException],
    titled: bool,
) -> str:
    entries: list[tuple[datetime, str]] = []
    for appointment in (a for a in booked if a.staff_id == member.id):
        customer = appointment.customer
        who = customer.name or customer.phone
        entries.append(
            (
                appointment.start_at,
                f"• {clock(ctx.local(appointment.start_at))} {appointment.service.name} — {who}",
            )
        )
    for block in (b for b in blocked if b.staff_id == member.id):
        span = f"{clock(ctx.local(block.start_at))} a {clock(ctx.local(block.end_at))}"
        entries.append((block.start_at, f"• 🚫 {span} {_blocked(block.reason)}"))
    lines = [text for _, text in sorted(entries, key=lambda e: e[0])] or ["Sin citas"]
    return "\n".join(([f"*{member.name}*"] if titled else []) + lines)


def _blocked(reason: str) -> str:
    """'bloqueado (comida)'; the reason once, and none when it only says "bloqueado"."""
    said = reason.strip()
    if not said or said.lower().startswith("bloquead"):
        return "bloqueado"
    return f"bloqueado ({said})"


def ask_agenda_day(ctx: Ctx) -> Reply:
    ctx.state.begin("agenda", "day")
    return Reply([Text("¿De qué día? Escríbeme, p. ej. «el viernes» o «15 de enero».")])


# -- blocking time -----------------------------------------------------------------------------


def start_block(ctx: Ctx, text: str = "") -> Reply:
    assert ctx.staff is not None
    ctx.state.begin("block", "when")
    named = named_staff(ctx, text)
    if named is not None and not ctx.is_owner:
        return Reply([Text("Solo el dueño puede bloquear la agenda de otra persona.")])
    ctx.state.staff_id = named.id if named else ctx.staff.id
    reason = text.split(" por ", 1)[1].strip() if " por " in text else ""
    ctx.state.name = reason[:200] or None
    when = ctx.when(text) if text else None
    return block_when(ctx, when) if when else _ask_block_when(ctx)


def _ask_block_when(ctx: Ctx, note: str = "") -> Reply:
    ctx.state.step = "when"
    return Reply([Text(f"{note}¿Qué día y de qué hora a qué hora? P. ej. «mañana de 3 a 5».")])


def block_when(ctx: Ctx, when: When) -> Reply:
    state = ctx.state
    if when.day is not None:
        state.day = when.day.isoformat()
    if when.window is not None:
        state.window = list(when.window)
    if state.day is None and state.window is not None:
        state.day = ctx.today.isoformat()
    if state.day is None:
        return _ask_block_when(ctx)
    if state.window is None:
        state.step = "span"
        body = f"¿Bloqueo todo el día {ctx.on_day(date.fromisoformat(state.day))}?"
        return Reply([
            buttons(body + " Si es solo un rato, escríbeme de qué hora a qué hora.",
                    [("block:allday", "Todo el día"), ("block:no", "No, nada")])
        ])  # fmt: skip
    return _confirm_block(ctx)


def _confirm_block(ctx: Ctx) -> Reply:
    state = ctx.state
    assert state.day is not None and state.window is not None
    state.step = "confirm"
    member = ctx.team.get(state.staff_id or 0)
    whose = "tu agenda" if ctx.staff and member and member.id == ctx.staff.id else "la agenda"
    if member and whose == "la agenda":
        whose += f" de {member.name}"
    day = date.fromisoformat(state.day)
    span = _span_text(state.window)
    body = f"¿Bloqueo {whose} {ctx.on_day(day)}, {span}?"
    return Reply([buttons(body, [("block:yes", "Sí, bloquear"), ("block:no", "No")])])


def _span_text(window: list[int]) -> str:
    if window == WHOLE_DAY:
        return "todo el día"
    start, end = window
    return f"de {_time(start)} a {_time(end)}"


def _time(minute: int) -> str:
    if minute >= 24 * 60:
        return "las 12:00 AM"
    article = "la" if minute // 60 % 12 == 1 else "las"
    return f"{article} {minute_clock(minute)}"


def confirm_block(ctx: Ctx) -> Reply:
    state = ctx.state
    member = ctx.team.get(state.staff_id or 0)
    if member is None or state.day is None or state.window is None:
        state.reset()
        return Reply([Text("Se me perdió el bloqueo; empecemos de nuevo con «bloquear».")])
    day = date.fromisoformat(state.day)
    start = local_to_utc(day, state.window[0], ctx.tz)
    end = local_to_utc(day, state.window[1], ctx.tz)
    try:
        add_time_off(member, start, end, reason=state.name or "Bloqueado por WhatsApp")
    except DomainError as error:
        return _ask_block_when(ctx, error.message + " ")
    clashes = appointments_overlapping(ctx.org.id, [member.id], start, end)
    state.reset()
    text = f"Listo, bloqueé {ctx.on_day(day)}, {_span_text([*_minutes(ctx, start, end)])} 🚫"
    if clashes:
        names = ", ".join(
            f"{clock(ctx.local(a.start_at))} {a.customer.name or ''}" for a in clashes
        )
        text += f"\nOjo: ya hay citas en ese horario ({names}); no las cancelé."
    return Reply([Text(text)])


def _minutes(ctx: Ctx, start: datetime, end: datetime) -> tuple[int, int]:
    local_start, local_end = ctx.local(start), ctx.local(end)
    end_minute = local_end.hour * 60 + local_end.minute
    if local_end.date() > local_start.date():
        end_minute += 24 * 60
    return local_start.hour * 60 + local_start.minute, end_minute


def block_tap(ctx: Ctx, value: str) -> Reply | None:
    state = ctx.state
    if state.flow != "block":
        return None
    if value == "allday" and state.day:
        state.window = list(WHOLE_DAY)
        return _confirm_block(ctx)
    if value == "yes" and state.step == "confirm":
        return confirm_block(ctx)
    if value == "no":
        state.reset()
        return Reply([Text("Va, no bloqueé nada.")])
    return None


def block_text(ctx: Ctx, text: str, tags: list[str]) -> Reply | None:
    state = ctx.state
    said = nlu.answer(tags)
    if state.step == "confirm" and said:
        return block_tap(ctx, said)
    if state.step == "span" and "todo el dia" in nlu.clean(text):
        return block_tap(ctx, "allday")
    when = ctx.when(text)
    if when is not None:
        return block_when(ctx, when)
    return None
