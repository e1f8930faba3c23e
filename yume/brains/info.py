"""What the business is: hours, address, services and prices; and handing over to a person."""

from __future__ import annotations

from yume import faq
from yume.brain import Reply, Text
from yume.brains.context import Ctx
from yume.brains.ui import buttons
from yume.formatting import minute_clock, money
from yume.models import Location, ServiceType

WEEKDAY_NAMES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
BOOK_OR_MENU = [("m:book", "Agendar cita"), ("m:menu", "Ver menú")]


def _at(minute: int) -> str:
    return minute_clock(min(minute, 24 * 60))


def _spans(spans: list[tuple[int, int]]) -> str:
    if not spans:
        return "cerrado"
    return " y ".join(f"{_at(start)} a {_at(end)}" for start, end in sorted(spans))


def hours_lines(ctx: Ctx) -> list[str]:
    """'Lunes a sábado: 10:00 AM a 8:00 PM', 'Domingo: cerrado': equal days run together."""
    week = [_spans(ctx.hours.get(day, [])) for day in range(7)]
    lines: list[str] = []
    first = 0
    for day in range(1, 8):
        if day == 7 or week[day] != week[first]:
            names = WEEKDAY_NAMES[first]
            if day - 1 > first:
                names += f" a {WEEKDAY_NAMES[day - 1]}"
            lines.append(f"{names.capitalize()}: {week[first]}")
            first = day
    return lines


def address(ctx: Ctx) -> str:
    location = Location.get_or_none(Location.organization == ctx.org)
    return location.address.strip() if location and location.address else ""


def hours_and_address(ctx: Ctx) -> Reply:
    where = address(ctx)
    place = f"📍 {where}\n" if where else ""
    body = f"*{ctx.org.name}*\n{place}🕒 " + "\n🕒 ".join(hours_lines(ctx))
    return Reply([buttons(body, BOOK_OR_MENU)])


def prices(ctx: Ctx, text: str = "") -> Reply:
    """The price list; a question about one service ("¿cuánto cuesta el corte?") gets that
    service's price, and the days it can be booked."""
    if not ctx.services:
        return Reply(
            [Text("Todavía no tengo la lista de servicios. Escribe «persona» y te ayudan.")]
        )
    named = ctx.match_services(text) if text else []
    if named and len(named) < len(ctx.services):
        return _priced(ctx, [s for s in ctx.services if s.id in named])
    lines = [f"• {s.name}: {money(s.price_mxn)} ({s.duration_minutes} min)" for s in ctx.services]
    return Reply([buttons("Servicios y precios:\n" + "\n".join(lines), BOOK_OR_MENU)])


def _priced(ctx: Ctx, services: list[ServiceType]) -> Reply:
    from yume.brains import booking_flow

    lines = [
        f"*{s.name}* cuesta {money(s.price_mxn)} y dura {s.duration_minutes} min." for s in services
    ]
    if len(services) > 1:
        return Reply([buttons("\n".join(lines) + "\n¿Te agendo alguno?", BOOK_OR_MENU)])
    ctx.state.begin("book")
    ctx.state.service_id = services[0].id
    return booking_flow.ask_day(ctx, lines[0] + " ")


def robot(ctx: Ctx) -> Reply:
    """An honest, friendly answer to "¿eres un robot?"."""
    body = (
        f"Soy Yume, la asistente virtual de {ctx.org.name} 🤖✨ Te ayudo a agendar, cambiar o "
        "cancelar citas y con las dudas del negocio. Si prefieres a una persona del equipo, "
        "con gusto le aviso."
    )
    return Reply([buttons(body, [("m:menu", "Ver menú"), ("m:human", "Hablar con alguien")])])


def from_faq(ctx: Ctx, text: str) -> Reply | None:
    """The business's own answer to the question, if it has one."""
    entry = faq.answer_for(ctx.org, text)
    return Reply([Text(entry.answer)]) if entry is not None else None


def dont_know(ctx: Ctx) -> Reply:
    """A question with no answer here: say so plainly, and offer to ask the team."""
    body = "Eso no lo sé, perdón 🙈 ¿Quieres que le pregunte a alguien del equipo?"
    return Reply([buttons(body, [("m:human", "Sí, pregúntales"), ("m:menu", "Ver menú")])])


def who_wrote(ctx: Ctx) -> str:
    """The person writing, for the owner: «Name (+52 …)»."""
    conversation = ctx.turn.conversation
    if ctx.staff is not None:
        who = ctx.staff.name
    else:
        who = ctx.customer.name or conversation.profile_name or "Un cliente"
    return f"{who} ({conversation.phone})"


def human(ctx: Ctx, text: str = "") -> Reply:
    """Hand the conversation to the team: Yume goes quiet and the owner is told."""
    ctx.state.reset()
    said = f": «{text.strip()[:200]}»" if text.strip() else "."
    return Reply(
        actions=[Text("Claro 🙌 Ya le avisé al equipo.")],  # yume.handover says when
        handover=True,
        handover_reason="pidió hablar con una persona",
        notify_owner=f"{who_wrote(ctx)} quiere hablar con alguien{said}",
    )


def thanks(ctx: Ctx) -> Reply:
    return Reply([Text("¡Con gusto! 😊 Aquí estoy si necesitas algo más.")])
