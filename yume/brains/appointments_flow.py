"""A customer's own appointments: see them, pick one to cancel or to move.

Every query here is scoped to the conversation's customer and business, whatever id a
tap or a text carries: nobody sees or touches another person's appointment.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from yume.booking import cancel_appointment
from yume.brain import Reply, Text
from yume.brains import booking_flow
from yume.brains.context import Ctx, clock
from yume.brains.ui import Row, buttons, rows
from yume.errors import DomainError
from yume.formatting import LOCALE, minute_clock
from yume.models import ACTIVE_STATUSES, Appointment, ServiceType, Staff
from yume.nlu import intents as nlu
from yume.nlu.when import When

ACTIONS = {"cancel": "cancelar", "reschedule": "cambiar"}
MOVE_WORDS = ("cambia", "mueve", "mover", "la misma", "esa", "recorr", "pasa")
ANOTHER_WORDS = ("otra", "nueva", "aparte", "ademas", "las dos", "ambas")
TARGET_SPLIT = (" para el ", " al ", " a el ", " para ")


def upcoming(ctx: Ctx) -> list[Appointment]:
    return list(
        Appointment.select(Appointment, ServiceType, Staff)
        .join(ServiceType)
        .switch(Appointment)
        .join(Staff)
        .where(
            (Appointment.organization == ctx.org)
            & (Appointment.customer == ctx.customer)
            & Appointment.status.in_(ACTIVE_STATUSES)
            & (Appointment.start_at >= ctx.now)
        )
        .order_by(Appointment.start_at)
        .limit(10)
    )


def own_appointment(ctx: Ctx, appointment_id: int | None) -> Appointment | None:
    """The appointment if it is this customer's, active and still ahead; else None."""
    if appointment_id is None:
        return None
    return next((a for a in upcoming(ctx) if a.id == appointment_id), None)


def describe(ctx: Ctx, appointment: Appointment) -> str:
    who = f" con {appointment.staff.name}" if len(ctx.team) > 1 else ""
    return f"*{appointment.service.name}* {ctx.moment(appointment.start_at)}{who}"


def show_mine(ctx: Ctx) -> Reply:
    ctx.state.reset()
    mine = upcoming(ctx)
    if not mine:
        body = "No tienes citas próximas. ¿Agendamos una?"
        return Reply([buttons(body, [("m:book", "Agendar cita"), ("m:menu", "Ver menú")])])
    lines = "\n".join(f"• {describe(ctx, a)}" for a in mine)
    title = "Tu próxima cita:" if len(mine) == 1 else "Tus próximas citas:"
    options = [("m:reschedule", "Cambiar una cita"), ("m:cancel", "Cancelar una cita"),
               ("m:menu", "Ver menú")]  # fmt: skip
    return Reply([buttons(f"{title}\n{lines}", options)])


def start(ctx: Ctx, flow: str, text: str = "", target: str | None = None) -> Reply:
    """Cancel or reschedule: pick the appointment first (skipped when there is one).
    `target` is where to move it, when already known apart from `text`."""
    if target is not None:
        source = ""
    elif flow == "reschedule":
        source, target = _split_target(text)
    else:
        source, target = text, ""
    mine = upcoming(ctx)
    when = ctx.when(source) if source else None
    on_day = [a for a in mine if when and when.day and _local_day(ctx, a) == when.day]
    if not mine:
        ctx.state.reset()
        body = "No encontré citas próximas a tu nombre. ¿Quieres agendar una?"
        return Reply([buttons(body, [("m:book", "Agendar cita"), ("m:menu", "Ver menú")])])
    if len(on_day) == 1 or len(mine) == 1:
        chosen = on_day[0] if len(on_day) == 1 else mine[0]
        return picked(ctx, flow, chosen, target or ("" if on_day else source))
    ctx.state.begin(flow, "pick")
    ctx.state.pending = target or None  # where to move the one they pick
    items: list[Row] = [(f"appt:{a.id}", _short(ctx, a), a.service.name) for a in (on_day or mine)]
    return Reply([rows(f"¿Cuál cita quieres {ACTIONS[flow]}?", "Ver citas", items)])


def _split_target(text: str) -> tuple[str, str]:
    """'cambia mi cita del jueves al viernes' → ('… del jueves', 'viernes')."""
    lowered = f" {text.lower()} "
    for marker in TARGET_SPLIT:
        at = lowered.rfind(marker)
        if at >= 0:
            return lowered[:at], lowered[at + len(marker) :]
    return text, ""


def _local_day(ctx: Ctx, appointment: Appointment) -> date:
    return ctx.local(appointment.start_at).date()


def _short(ctx: Ctx, appointment: Appointment) -> str:
    local = ctx.local(appointment.start_at)
    return f"{format_date(local, 'EEE d MMM', locale=LOCALE)}, {clock(local)}"


def picked(ctx: Ctx, flow: str, appointment: Appointment, text: str = "") -> Reply:
    if flow == "reschedule":
        return booking_flow.begin_reschedule(ctx, appointment, text)
    ctx.state.begin("cancel", "confirm")
    ctx.state.appointment_id = appointment.id
    body = f"¿Cancelo tu cita de {describe(ctx, appointment)}?"
    return Reply([buttons(body, [("cancel:yes", "Sí, cancelarla"), ("cancel:no", "No, dejarla")])])


def on_pick(ctx: Ctx, appointment_id: int) -> Reply:
    flow = ctx.state.flow or "cancel"
    appointment = own_appointment(ctx, appointment_id)
    if appointment is None:
        return _not_yours(ctx, flow)
    return picked(ctx, flow, appointment, ctx.state.pending or "")


def _not_yours(ctx: Ctx, flow: str) -> Reply:
    reply = start(ctx, flow)
    return Reply([Text("No encontré esa cita entre las tuyas."), *reply.actions])


def confirm_cancel(ctx: Ctx) -> Reply:
    appointment = own_appointment(ctx, ctx.state.appointment_id)
    ctx.state.reset()
    if appointment is None:
        return Reply(
            [Text("Ya no encontré esa cita entre las tuyas. Escribe «mis citas» para verlas.")]
        )
    try:
        cancel_appointment(ctx.org, appointment.id, "Cancelada por WhatsApp", now=ctx.now)
    except DomainError as error:
        return Reply([Text(error.message)])
    body = f"Listo, cancelé tu cita de {describe(ctx, appointment)}. ¿Quieres agendar otra?"
    return Reply([buttons(body, [("m:book", "Agendar otra"), ("m:menu", "Ver menú")])])


def keep(ctx: Ctx) -> Reply:
    ctx.state.reset()
    return Reply([Text("Va, tu cita sigue en pie 👍")])


# -- change it, or book another? ---------------------------------------------------------------


def ask_move_or_another(ctx: Ctx, text: str, mine: list[Appointment], when: When) -> Reply:
    """Someone with appointments ahead names a day or time without saying what for: one
    question, never a silent second booking."""
    ctx.state.begin("choose", "intent")
    ctx.state.pending = text
    wished = wish_phrase(ctx, when)
    limit = int(ctx.org.setting("max_active_appointments"))
    if len(mine) == 1:
        body = (
            f"Ya tienes tu cita de {describe(ctx, mine[0])}. ¿La cambio para {wished}, "
            "o te agendo otra cita aparte?"
        )
        move = "Cambiar mi cita"
    else:
        lines = "\n".join(f"• {describe(ctx, a)}" for a in mine)
        body = (
            f"Tienes {len(mine)} citas próximas:\n{lines}\n¿Cambio una de ellas para {wished}, "
            "o te agendo otra cita aparte?"
        )
        move = "Cambiar una cita"
    another = ("intent:another", "Agendar otra cita")
    if len(mine) >= limit:  # issue 11's cap: another booking would be refused, so don't offer it
        body = body.replace(", o te agendo otra cita aparte?", "?") + (
            f"\n(Ya son {limit} citas, lo máximo que puedo apartar por persona: para otra, "
            "primero cambia o cancela una.)"
        )
        another = ("m:cancel", "Cancelar una cita")
    options = [("intent:move", move), another, ("m:menu", "Ver menú")]
    return Reply([buttons(body, options)])


def wish_phrase(ctx: Ctx, when: When) -> str:
    """'el viernes 15 de enero en la tarde', 'mañana, jueves 14 de enero a las 4:00 PM'."""
    parts = []
    if when.day is not None:
        parts.append(ctx.on_day(when.day) if when.days == 1 else f"la semana del {when.day.day}")
    if when.time is not None:
        parts.append(f"a las {minute_clock(when.time)}" if when.time // 60 % 12 != 1 else
                     f"a la {minute_clock(when.time)}")  # fmt: skip
    elif when.window is not None:
        parts.append(_window_phrase(ctx, when))
    return " ".join(parts) or "ese horario"


def _window_phrase(ctx: Ctx, when: When) -> str:
    names = {"morning": "en la mañana", "afternoon": "en la tarde", "evening": "en la noche"}
    for part, window in ctx.clock.parts(when.day).items():
        if window == when.window:
            return names[part]
    start, end = when.window or (0, 0)
    if end >= 24 * 60:
        return f"después de las {minute_clock(start)}"
    return f"entre {minute_clock(start)} y {minute_clock(end)}"


def on_choice(ctx: Ctx, choice: str) -> Reply | None:
    if ctx.state.flow != "choose":
        return None
    wished = ctx.state.pending or ""
    if choice == "move":
        return start(ctx, "reschedule", target=wished)
    if choice == "another":
        return booking_flow.start(ctx, wished)
    return None


def choice_text(ctx: Ctx, text: str, tags: list[str]) -> Reply | None:
    """A typed answer to "¿la cambio o agendo otra?"."""
    cleaned = nlu.clean(text)
    if nlu.RESCHEDULE in tags:
        return on_choice(ctx, "move")
    if nlu.ANOTHER in tags or any(word in cleaned for word in ANOTHER_WORDS):
        return on_choice(ctx, "another")
    if any(word in cleaned for word in MOVE_WORDS):
        return on_choice(ctx, "move")
    return None


def cancel_or_move(ctx: Ctx) -> Reply:
    """ "No voy a llegar": cancel it, or move it?"""
    mine = upcoming(ctx)
    if not mine:
        return start(ctx, "cancel")
    ctx.state.reset()
    which = f"tu cita de {describe(ctx, mine[0])}" if len(mine) == 1 else "tu cita"
    body = f"Gracias por avisar 🙏 ¿Quieres cambiar {which} a otro día u hora, o cancelarla?"
    options = [("m:reschedule", "Cambiarla"), ("m:cancel", "Cancelarla"), ("m:menu", "Ver menú")]
    return Reply([buttons(body, options)])


def handle_tap(ctx: Ctx, reply_id: str) -> Reply | None:
    prefix, _, value = reply_id.partition(":")
    if prefix == "intent":
        return on_choice(ctx, value)
    if prefix == "appt" and ctx.state.flow in ("cancel", "reschedule") and value.isdigit():
        return on_pick(ctx, int(value))
    if prefix == "cancel" and ctx.state.flow == "cancel" and ctx.state.step == "confirm":
        return confirm_cancel(ctx) if value == "yes" else keep(ctx)
    return None


def handle_text(ctx: Ctx, text: str, tags: list[str]) -> Reply | None:
    state = ctx.state
    if state.flow == "choose":
        return choice_text(ctx, text, tags)
    if state.flow == "cancel" and state.step == "confirm":
        if nlu.NO in tags:
            return keep(ctx)
        if nlu.YES in tags or nlu.CANCEL in tags:
            return confirm_cancel(ctx)
        appointment = own_appointment(ctx, state.appointment_id)
        if appointment is not None and ctx.when(text) is not None:  # "mejor pásala al viernes"
            return booking_flow.begin_reschedule(ctx, appointment, text)
    if state.step == "pick" and state.flow:
        when = ctx.when(text)
        if when is not None and when.day is not None:
            return start(ctx, state.flow, text)
    return None
