"""Booking and rescheduling: service → day → time → confirm → (name), with free text
accepted at every step ("mejor el viernes", "a las 4", "mejor barba")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from yume.booking import book_appointment, reschedule_appointment
from yume.brain import Buttons, ListMessage, Reply, Text
from yume.brains import slots as slotting
from yume.brains.context import Ctx, clock
from yume.brains.slots import PART_NAMES
from yume.brains.ui import Row, buttons, rows
from yume.errors import DomainError
from yume.formatting import minute_clock, money, spanish_date
from yume.models import Appointment
from yume.nlu import intents as nlu
from yume.nlu.when import When
from yume.scheduling import Slot


def reply(*actions: Text | Buttons | ListMessage) -> Reply:
    return Reply(actions=list(actions))


# -- entering the flow -------------------------------------------------------------------------


def start(ctx: Ctx, text: str = "") -> Reply:
    """A booking wish, possibly with a service and a day or time: jump as far as it says."""
    ctx.state.begin("book")
    candidates = ctx.match_services(text) if text else []
    if len(candidates) == 1:
        ctx.state.service_id = candidates[0]
    remember(ctx, ctx.when(text) if text else None)
    return advance(ctx, candidates=candidates)


def begin_reschedule(ctx: Ctx, appointment: Appointment, text: str = "") -> Reply:
    ctx.state.begin("reschedule")
    ctx.state.appointment_id = appointment.id
    ctx.state.service_id = appointment.service_id
    remember(ctx, ctx.when(text) if text else None)
    return advance(ctx)


def remember(ctx: Ctx, when: When | None) -> None:
    """Fold what the person said about day and time into the state."""
    if when is None:
        return
    state = ctx.state
    if when.day is not None:
        state.window, state.time = None, None
        if when.days > 1:  # "la próxima semana": offer the days from its first one
            state.day, state.first_day = None, when.day.isoformat()
        else:
            state.day, state.first_day = when.day.isoformat(), None
    if when.window is not None:
        state.window, state.time = list(when.window), None
    if when.time is not None:
        state.time, state.window = when.time, None


def advance(ctx: Ctx, note: str = "", candidates: list[int] | None = None) -> Reply:
    """Ask for whatever the booking still lacks."""
    state = ctx.state
    if state.service_id is None and len(ctx.services) == 1:
        state.service_id = ctx.services[0].id
    if state.service_id is None:
        return ask_service(ctx, note, candidates or [])
    if state.day is None and state.time is not None:
        state.day = _first_day_with_time(ctx, state.time)
    if state.day is None:
        first = date.fromisoformat(state.first_day) if state.first_day else ctx.today
        return ask_day(ctx, note, first)
    return show_times(ctx, note)


# -- service -----------------------------------------------------------------------------------


def ask_service(ctx: Ctx, note: str = "", candidates: list[int] | None = None) -> Reply:
    ctx.state.step = "service"
    if not ctx.services:
        return reply(
            Text(
                "Por ahora no tengo servicios para agendar. Escribe «persona» y le aviso al equipo."
            )
        )
    offered = [s for s in ctx.services if s.id in (candidates or [])] or ctx.services
    body = (
        "¿Cuál de estos servicios?"
        if len(offered) < len(ctx.services)
        else "¿Qué servicio quieres?"
    )
    items: list[Row] = [
        (f"svc:{s.id}", s.name, f"{money(s.price_mxn)} · {s.duration_minutes} min") for s in offered
    ]
    return reply(rows(note + body, "Ver servicios", items))


def on_service(ctx: Ctx, service_id: int) -> Reply:
    if ctx.service(service_id) is None:
        return ask_service(ctx, "Ese servicio ya no está disponible. ")
    ctx.state.service_id = service_id
    return advance(ctx)


# -- day ---------------------------------------------------------------------------------------


def ask_day(ctx: Ctx, note: str = "", first: date | None = None) -> Reply:
    state = ctx.state
    state.step = "day"
    service = ctx.service(state.service_id)
    assert service is not None
    days = slotting.days_with_openings(ctx, service.id, first or ctx.today, state.window)
    if not days and state.window:
        state.window = None
        days = slotting.days_with_openings(ctx, service.id, first or ctx.today)
        note += "En ese horario no tengo lugar pronto. "
    if not days:
        body = f"{note}Uy, no tengo lugar para {service.name} en las próximas semanas 😕."
        return reply(buttons(body, [("m:human", "Hablar con alguien"), ("m:menu", "Ver menú")]))
    items = [_day_row(ctx, day, found) for day, found in days.items()]
    body = f"{note}¿Qué día te queda para *{service.name}*? Estos tienen lugar:"
    if state.flow == "reschedule":
        body = f"{note}¿Para qué día cambiamos tu cita de *{service.name}*? Estos tienen lugar:"
    return reply(rows(body, "Ver días", items))


def _day_row(ctx: Ctx, day: date, found: list[Slot]) -> Row:
    count = f"{len(found)} horario{'s' if len(found) != 1 else ''}"
    first = clock(ctx.local(found[0].start))
    if day == ctx.today:
        return (f"day:{day}", "Hoy", f"{spanish_date(day)} · {count}, desde {first}")
    if day == ctx.today + timedelta(days=1):
        return (f"day:{day}", "Mañana", f"{spanish_date(day)} · {count}, desde {first}")
    return (f"day:{day}", spanish_date(day).capitalize(), f"{count}, desde {first}")


def on_day(ctx: Ctx, day: date) -> Reply:
    ctx.state.day, ctx.state.time = day.isoformat(), None
    return show_times(ctx)


def _first_day_with_time(ctx: Ctx, minute: int) -> str | None:
    """The first day from today where the wished time is open."""
    assert ctx.state.service_id is not None
    days = slotting.days_with_openings(ctx, ctx.state.service_id, ctx.today, [minute, minute + 1])
    return next(iter(days)).isoformat() if days else None


# -- time --------------------------------------------------------------------------------------


def show_times(ctx: Ctx, note: str = "") -> Reply:
    state = ctx.state
    service = ctx.service(state.service_id)
    assert service is not None and state.day is not None
    day = date.fromisoformat(state.day)
    found = slotting.slots_on(ctx, service.id, day)
    if not found:
        state.day, state.time = None, None
        return ask_day(ctx, note + _why_not(ctx, day, service.name), _retry_from(ctx, day))
    if state.time is not None:
        return _wished_time(ctx, found, state.time, note)
    wished = slotting.within(ctx, found, state.window)
    if state.window and not wished:
        note += f"En ese horario ya no tengo lugar {ctx.on_day(day)}; esto es lo que hay. "
        state.window, wished = None, found
    parts = slotting.parts_with_openings(ctx, wished, day)
    if not state.window and len(wished) > 10 and len(parts) > 1:
        return _ask_part(ctx, day, parts, note)
    return _time_list(ctx, day, wished, note + f"Horarios para *{service.name}* {ctx.on_day(day)}:")


def _why_not(ctx: Ctx, day: date, service_name: str) -> str:
    if not ctx.hours.get(day.weekday()):
        return f"{ctx.on_day(day).capitalize()} no abrimos. "
    if day > _last_day(ctx):
        return "Todavía no abro la agenda para esa fecha. "
    return f"{ctx.on_day(day).capitalize()} ya no tengo lugar para {service_name}. "


def _last_day(ctx: Ctx) -> date:
    return ctx.today + timedelta(days=int(ctx.org.setting("booking_horizon_days")))


def _retry_from(ctx: Ctx, day: date) -> date:
    return ctx.today if day > _last_day(ctx) else max(day, ctx.today)


def _wished_time(ctx: Ctx, found: list[Slot], minute: int, note: str) -> Reply:
    state = ctx.state
    hit = slotting.exact(ctx, found, minute)
    state.time = None
    if hit is not None:
        return propose(ctx, hit, note)
    day = date.fromisoformat(state.day or "")
    wished = minute_clock(minute)
    body = f"{note}A las {wished} no tengo lugar {ctx.on_day(day)}. Lo más cercano:"
    return _time_list(ctx, day, slotting.nearest(ctx, found, minute), body)


def _ask_part(ctx: Ctx, day: date, parts: list[str], note: str) -> Reply:
    ctx.state.step = "time"
    body = f"{note}{ctx.on_day(day).capitalize()} tengo lugar. ¿Qué hora te acomoda más?"
    return reply(buttons(body, [(f"part:{part}", PART_NAMES[part]) for part in parts]))


def _time_list(ctx: Ctx, day: date, found: list[Slot], body: str) -> Reply:
    ctx.state.step = "time"
    several = len(ctx.team) > 1
    items: list[Row] = []
    for slot in slotting.sample(ctx, found):
        staff = ctx.team.get(slot.staff_id)
        who = f"con {staff.name}" if several and staff else None
        items.append((slotting.slot_id(slot), clock(ctx.local(slot.start)), who))
    return reply(rows(f"{body}\n{another_hint(ctx, day)}", "Ver horarios", items))


def another_hint(ctx: Ctx, shown: date | None = None) -> str:
    """'¿Otro día u hora? …p. ej. «el sábado a las 12»': an open day at least two days ahead
    (never "el viernes" when tomorrow or today is Friday), not the day on screen, at an hour
    that day is open."""
    example = example_day(ctx, shown)
    if example is None:
        return "¿Otro día u hora? Escríbemelo, p. ej. «pasado mañana a las 4»."
    name, hour = example
    return f"¿Otro día u hora? Escríbemelo, p. ej. «el {name} {hour}»."


def example_day(ctx: Ctx, shown: date | None = None) -> tuple[str, str] | None:
    """A weekday name to give as an example, two to eight days ahead, and an open hour."""
    for ahead in range(2, 9):
        day = ctx.today + timedelta(days=ahead)
        spans = ctx.hours.get(day.weekday())
        if spans and day != shown:
            hour = (min(start for start, _ in spans) // 60 + 3 - 1) % 12 + 1
            return spanish_date(day).split()[0], f"a la{'' if hour == 1 else 's'} {hour}"
    return None


def on_part(ctx: Ctx, part: str) -> Reply:
    parts = ctx.clock.day_parts(date.fromisoformat(ctx.state.day or ctx.today.isoformat()))
    if part not in parts:
        return show_times(ctx)
    ctx.state.window = list(parts[part])
    return show_times(ctx)


# -- confirm and book --------------------------------------------------------------------------


def propose(ctx: Ctx, slot: Slot, note: str = "") -> Reply:
    state = ctx.state
    state.step, state.start, state.staff_id = "confirm", slot.start.isoformat(), slot.staff_id
    state.day = ctx.local(slot.start).date().isoformat()
    service = ctx.service(state.service_id)
    assert service is not None
    staff = ctx.team.get(slot.staff_id)
    who = f" con {staff.name}" if staff and len(ctx.team) > 1 else ""
    if state.flow == "reschedule":
        body = f"{note}¿Cambio tu cita de {service.name} para {ctx.moment(slot.start)}{who}?"
        options = [("confirm:yes", "Sí, cambiarla"), ("confirm:other", "Otra hora"),
                   ("confirm:no", "No, dejarla así")]  # fmt: skip
    else:
        price = f"Son {money(service.price_mxn)} y dura {service.duration_minutes} min."
        body = f"{note}¿Te agendo *{service.name}* {ctx.moment(slot.start)}{who}? {price}"
        options = [("confirm:yes", "Sí, agendar"), ("confirm:other", "Otra hora"),
                   ("confirm:no", "No, gracias")]  # fmt: skip
        body, options = _besides_theirs(ctx, slot, body, options)
    return reply(buttons(body, options))


def _besides_theirs(
    ctx: Ctx, slot: Slot, body: str, options: list[tuple[str, str]]
) -> tuple[str, list[tuple[str, str]]]:
    """A booking next to the customer's own upcoming ones says so: on the same day it asks
    first (one more, or move that one?); on other days it reminds them of the one they have."""
    from yume.brains.appointments_flow import describe, upcoming

    mine = upcoming(ctx)
    day = ctx.local(slot.start).date()
    same_day = [a for a in mine if ctx.local(a.start_at).date() == day]
    if same_day:
        ctx.state.appointment_id = same_day[0].id
        body = f"Ojo: ese día ya tienes tu cita de {describe(ctx, same_day[0])}.\n{body}"
        return body.replace("¿Te agendo", "¿Te agendo *otra* cita,", 1), [
            ("confirm:yes", "Sí, otra cita"), ("confirm:move", "Mejor cambiarla"),
            ("confirm:no", "No, gracias"),
        ]  # fmt: skip
    if mine:
        body += f"\n(Ya tienes tu cita de {describe(ctx, mine[0])}; esta sería otra, aparte.)"
    return body, options


def _move_instead(ctx: Ctx) -> Reply:
    """ "Mejor cambiarla": the chosen time goes to the appointment they already had that day."""
    from yume.brains.appointments_flow import own_appointment

    state = ctx.state
    theirs = own_appointment(ctx, state.appointment_id)
    if theirs is None or state.start is None:
        return show_times(ctx)
    start = datetime.fromisoformat(state.start)
    state.flow, state.service_id = "reschedule", theirs.service_id
    service = ctx.service(theirs.service_id)
    assert service is not None
    end = start + timedelta(minutes=service.duration_minutes)
    return propose(ctx, Slot(start, end, state.staff_id or theirs.staff_id))


def on_slot(ctx: Ctx, reply_id: str) -> Reply:
    _, epoch, staff_id = reply_id.split(":")
    start = datetime.fromtimestamp(int(epoch), UTC)
    service = ctx.service(ctx.state.service_id)
    assert service is not None
    slot = Slot(start, start + timedelta(minutes=service.duration_minutes), int(staff_id))
    return propose(ctx, slot)


def on_confirm(ctx: Ctx) -> Reply:
    if ctx.state.flow == "reschedule":
        return _reschedule(ctx)
    if not (ctx.customer.name or "").strip():
        ctx.state.step = "name"
        return reply(Text("¡Perfecto! ¿A nombre de quién hago la cita?"))
    return _book(ctx)


def on_name(ctx: Ctx, text: str) -> Reply:
    name = clean_name(text)
    if name is None:
        ctx.state.misses += 1
        return reply(Text("¿Me compartes solo tu nombre, por favor? Por ejemplo: «Ana López»."))
    ctx.customer.name = name
    ctx.customer.save()
    return _book(ctx)


def clean_name(text: str) -> str | None:
    words = [w for w in text.replace(",", " ").split() if w.lower() not in ("soy", "me", "llamo")]
    if not words or len(words) > 5 or any(not w.replace(".", "").isalpha() for w in words):
        return None
    return " ".join(w if w.isupper() and len(w) > 1 else w.capitalize() for w in words)[:120]


TOO_MANY = (
    "Ya tienes {limit} citas próximas, que es lo máximo que puedo apartar por persona. "
    "Si quieres otra, primero cambia o cancela una: escribe «mis citas» 🙂"
)


def decline(ctx: Ctx) -> Reply:
    rescheduling = ctx.state.flow == "reschedule"
    ctx.state.reset()
    if rescheduling:
        return reply(Text("Va, tu cita se queda como estaba 👍"))
    return reply(Text("Va, no agendé nada. Si quieres algo más, escribe «menú» 😊"))


def _chosen_start(ctx: Ctx) -> datetime:
    assert ctx.state.start is not None
    return datetime.fromisoformat(ctx.state.start)


def _book(ctx: Ctx) -> Reply:
    state = ctx.state
    assert state.service_id is not None
    try:
        appointment = book_appointment(
            ctx.org, state.service_id, _chosen_start(ctx), ctx.customer, staff_id=state.staff_id,
            source="chat", created_by="yume", now=ctx.now,
        )  # fmt: skip
    except DomainError as error:
        return _taken(ctx, error)
    state.reset()
    return reply(Text(confirmation(ctx, appointment, "¡Listo")))


def _reschedule(ctx: Ctx) -> Reply:
    from yume.brains.appointments_flow import own_appointment

    state = ctx.state
    if own_appointment(ctx, state.appointment_id) is None:
        state.reset()
        return reply(
            Text("Ya no encontré esa cita entre las tuyas. Escribe «mis citas» para verlas.")
        )
    assert state.appointment_id is not None
    try:
        appointment = reschedule_appointment(
            ctx.org, state.appointment_id, _chosen_start(ctx), staff_id=state.staff_id, now=ctx.now
        )
    except DomainError as error:
        return _taken(ctx, error)
    state.reset()
    return reply(Text(confirmation(ctx, appointment, "¡Listo, la cambié")))


def _taken(ctx: Ctx, error: DomainError) -> Reply:
    if error.code == "too_many_appointments":  # issue 11: no other time would help
        ctx.state.reset()
        return reply(Text(TOO_MANY.format(limit=ctx.org.setting("max_active_appointments"))))
    ctx.state.start, ctx.state.staff_id = None, None
    return show_times(ctx, f"Uy, {error.message[0].lower()}{error.message[1:]} ")


def confirmation(ctx: Ctx, appointment: Appointment, opening: str) -> str:
    name = (ctx.customer.name or "").split(" ")[0]
    staff = ctx.team.get(appointment.staff_id)
    who = f" con {staff.name}" if staff and len(ctx.team) > 1 else ""
    address = ctx.org.locations.first()
    where = f"\n📍 {address.address}" if address and address.address else ""
    return (
        f"{opening}{', ' + name if name else ''}! ✅ Tu cita de *{appointment.service.name}* es "
        f"{ctx.moment(appointment.start_at)}{who}.{where}\n"
        "Si necesitas cambiarla o cancelarla, solo escríbeme."
    )


# -- free text and taps inside the flow --------------------------------------------------------


def handle_tap(ctx: Ctx, reply_id: str) -> Reply | None:
    state = ctx.state
    prefix, _, value = reply_id.partition(":")
    if prefix == "svc" and state.flow == "book":
        return on_service(ctx, int(value))
    if state.service_id is None:
        return None
    if prefix == "day":
        return on_day(ctx, date.fromisoformat(value))
    if prefix == "part" and state.day:
        return on_part(ctx, value)
    if prefix == "slot" and state.day:
        return on_slot(ctx, reply_id)
    if prefix == "confirm" and state.step == "confirm":
        return _on_answer(ctx, value)
    return None


def _on_answer(ctx: Ctx, answer: str) -> Reply:
    if answer == "yes":
        return on_confirm(ctx)
    if answer == "move":
        return _move_instead(ctx)
    if answer == "other":
        ctx.state.start, ctx.state.window = None, None
        return show_times(ctx)
    return decline(ctx)


def handle_text(ctx: Ctx, text: str, tags: list[str]) -> Reply | None:
    """Free text inside the flow; None when it says nothing the flow understands."""
    state = ctx.state
    said = nlu.answer(tags)
    if state.step == "confirm" and said and ctx.when(text) is None:
        return _on_answer(ctx, said)
    if state.flow == "book":
        candidates = ctx.match_services(text)
        if len(candidates) == 1 and candidates[0] != state.service_id:
            state.service_id, state.start = candidates[0], None
            remember(ctx, ctx.when(text))
            return advance(ctx)
        if len(candidates) > 1 and state.step == "service":
            remember(ctx, ctx.when(text))
            return ask_service(ctx, candidates=candidates)
    when = ctx.when(text)
    if when is not None and state.service_id is not None:
        state.start = None
        remember(ctx, when)
        return advance(ctx)
    if when is not None:
        remember(ctx, when)
        return ask_service(ctx)
    return _other_words(ctx, text)


def _other_words(ctx: Ctx, text: str) -> Reply | None:
    cleaned = nlu.clean(text)
    if ctx.state.service_id is not None and "otro dia" in cleaned:
        ctx.state.day, ctx.state.time, ctx.state.window = None, None, None
        return ask_day(ctx)
    if ctx.state.day and "otra hora" in cleaned:
        ctx.state.time, ctx.state.window = None, None
        return show_times(ctx)
    return None
