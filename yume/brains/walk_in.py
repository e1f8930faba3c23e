"""Staff on WhatsApp: register a customer who walked in, and look up a customer's history."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from peewee import fn
from rapidfuzz import fuzz

from yume.availability import staff_for_service
from yume.booking import book_appointment, get_or_create_customer
from yume.brain import Reply, Text
from yume.brains import booking_flow
from yume.brains.context import Ctx
from yume.brains.ui import Row, buttons, rows
from yume.customers import customer_without_phone, reachable
from yume.errors import DomainError
from yume.formatting import local_date_time
from yume.models import Appointment, Customer, ServiceType, Staff
from yume.nlu.text import normalize
from yume.phones import InvalidPhone, display_phone
from yume.timeutil import local_to_utc

STATUS_NAMES = {
    "booked": "agendada", "confirmed": "confirmada", "cancelled": "cancelada",
    "completed": "atendida", "no_show": "no vino",
}  # fmt: skip
LOOKUP_WORDS = frozenset(
    (
        "busca", "buscar", "buscame", "historial", "de", "del", "la", "el", "a", "al", "cliente",
        "clienta", "quien", "es", "consulta", "consultar", "datos", "por", "favor"
    )
)  # fmt: skip
SIMILAR_NAME = 80


# -- walk-in -----------------------------------------------------------------------------------


def start_walk_in(ctx: Ctx, text: str = "") -> Reply:
    ctx.state.begin("walk_in")
    candidates = ctx.match_services(text) if text else []
    if len(candidates) == 1:
        ctx.state.service_id = candidates[0]
    _remember_time(ctx, text)
    return advance(ctx)


def _remember_time(ctx: Ctx, text: str) -> None:
    when = ctx.when(text) if text else None
    if when is None:
        return
    if when.asap:
        ctx.state.start = _now_minute(ctx).isoformat()
    elif when.time is not None:
        day = when.day or ctx.today
        ctx.state.start = local_to_utc(day, when.time, ctx.tz).isoformat()


def _now_minute(ctx: Ctx) -> datetime:
    """Now, rounded up to the next whole minute."""
    rounded = ctx.now.replace(second=0, microsecond=0)
    return rounded + timedelta(minutes=1) if rounded < ctx.now else rounded


def advance(ctx: Ctx) -> Reply:
    state = ctx.state
    if state.service_id is None and len(ctx.services) == 1:
        state.service_id = ctx.services[0].id
    if not ctx.services:
        state.reset()
        return Reply([Text("Todavía no hay servicios dados de alta para registrar la visita.")])
    if state.service_id is None:
        state.step = "service"
        items: list[Row] = [
            (f"svc:{s.id}", s.name, f"{s.duration_minutes} min") for s in ctx.services
        ]
        return Reply([rows("Cliente sin cita: ¿qué servicio?", "Ver servicios", items)])
    if state.start is None:
        state.step = "when"
        body = "¿Lo atienden ahorita? Si es más tarde, escríbeme la hora (p. ej. «a las 5»)."
        return Reply([buttons(body, [("walkin:now", "Ahorita"), ("walkin:no", "Cancelar")])])
    if state.name is None:
        state.step = "name"
        return Reply(
            [Text("¿Cómo se llama? Si quieres, agrega su teléfono: «Pedro 55 1234 5678».")]
        )
    return _book(ctx)


def take_name(ctx: Ctx, text: str) -> Reply:
    digits = re.sub(r"\D", "", text)
    name = booking_flow.clean_name(re.sub(r"[\d+()-]", " ", text))
    if name is None:
        return Reply([Text("Escríbeme solo el nombre (y, si quieres, el teléfono).")])
    ctx.state.name = name
    ctx.state.phone = digits if len(digits) >= 10 else None
    return _book(ctx)


def walk_in_customer(ctx: Ctx, name: str, phone: str | None) -> Customer:
    """The customer by phone; else the only one with that exact name; else a new one.

    A walk-in without a phone gets a key that is no phone (yume.customers), and no
    message is ever sent to it."""
    if phone:
        try:
            return get_or_create_customer(ctx.org, phone, name)
        except InvalidPhone:
            pass
    same = list(
        Customer.select()
        .where((Customer.organization == ctx.org) & (fn.LOWER(Customer.name) == name.lower()))
        .limit(2)
    )
    if len(same) == 1:
        return same[0]
    return customer_without_phone(ctx.org, name, ctx.now)


def _book(ctx: Ctx) -> Reply:
    state = ctx.state
    assert state.service_id is not None and state.start is not None and state.name
    start = datetime.fromisoformat(state.start)
    customer = walk_in_customer(ctx, state.name, state.phone)
    try:
        appointment = _book_with_someone(ctx, state.service_id, start, customer)
    except DomainError as error:
        state.start = None
        return Reply([Text(f"No se pudo: {error.message}"), *advance(ctx).actions])
    state.reset()
    who = appointment.staff.name
    return Reply([Text(
        f"Listo ✅ Registré a {customer.name}: {appointment.service.name} "
        f"{ctx.moment(appointment.start_at)} con {who}."
    )])  # fmt: skip


def _book_with_someone(
    ctx: Ctx, service_id: int, start: datetime, customer: Customer
) -> Appointment:
    """With the writer when they do the service, else with whoever is free.

    Walk-ins skip the minimum notice: the customer is already there."""
    notice = timedelta(minutes=int(ctx.org.setting("min_notice_minutes")))
    now = min(ctx.now, start - notice)
    assert ctx.staff is not None
    first_choice = staff_for_service(ctx.org, service_id, ctx.staff.id)
    options = ([ctx.staff.id] if first_choice else []) + [None]
    for attempt, staff_id in enumerate(options):
        try:
            return book_appointment(
                ctx.org, service_id, start, customer, staff_id=staff_id, source="walk_in",
                created_by=f"staff:{ctx.staff.id}", now=now, actor=f"staff:{ctx.staff.id}",
            )  # fmt: skip
        except DomainError:
            if attempt == len(options) - 1:
                raise
    raise AssertionError("unreachable")


def walk_in_tap(ctx: Ctx, prefix: str, value: str) -> Reply | None:
    state = ctx.state
    if state.flow != "walk_in":
        return None
    if prefix == "svc" and value.isdigit():
        state.service_id = int(value)
        return advance(ctx)
    if prefix == "walkin" and value == "now":
        state.start = _now_minute(ctx).isoformat()
        return advance(ctx)
    if prefix == "walkin":
        state.reset()
        return Reply([Text("Va, no registré nada.")])
    return None


def walk_in_text(ctx: Ctx, text: str) -> Reply | None:
    state = ctx.state
    if state.step == "name":
        return take_name(ctx, text)
    if state.step == "service":
        candidates = ctx.match_services(text)
        if len(candidates) == 1:
            state.service_id = candidates[0]
            _remember_time(ctx, text)
            return advance(ctx)
    if state.step == "when":
        _remember_time(ctx, text)
        if state.start is not None:
            return advance(ctx)
    return None


# -- customer look-up --------------------------------------------------------------------------


def start_lookup(ctx: Ctx, text: str = "") -> Reply:
    """ "busca a Juanito Pérez", "cliente 5555550101": the words as written (never through
    the typo fixer: a name is no misspelt month)."""
    ctx.state.begin("lookup", "query")
    query = " ".join(w for w in normalize(text).split() if w not in LOOKUP_WORDS)
    if not query:
        return Reply([Text("¿A quién busco? Escríbeme su nombre o teléfono.")])
    return lookup(ctx, query)


def find_customers(ctx: Ctx, query: str, limit: int = 5) -> list[Customer]:
    digits = re.sub(r"\D", "", query)
    customers = Customer.select().where(Customer.organization == ctx.org)
    if len(digits) >= 4:
        return list(customers.where(Customer.phone.contains(digits[-10:])).limit(limit))
    wanted = normalize(query)
    scored = [
        (fuzz.token_set_ratio(wanted, normalize(c.name)), c)
        for c in customers.where(Customer.name.is_null(False))
    ]
    found = sorted((s for s in scored if s[0] >= SIMILAR_NAME), key=lambda s: -s[0])
    return [c for _, c in found[:limit]]


def lookup(ctx: Ctx, query: str) -> Reply:
    found = find_customers(ctx, query)
    if not found:
        return Reply(
            [Text(f"No encontré a nadie con «{query}». Prueba con otro nombre o el teléfono.")]
        )
    if len(found) == 1:
        return history(ctx, found[0])
    items: list[Row] = [
        (f"cust:{c.id}", c.name or display_phone(c.phone), display_phone(c.phone)) for c in found
    ]
    return Reply([rows(f"Encontré {len(found)} clientes. ¿Cuál?", "Ver clientes", items)])


def history(ctx: Ctx, customer: Customer) -> Reply:
    ctx.state.reset()
    visits = list(
        Appointment.select(Appointment, ServiceType, Staff)
        .join(ServiceType)
        .switch(Appointment)
        .join(Staff)
        .where((Appointment.customer == customer) & (Appointment.organization == ctx.org))
        .order_by(Appointment.start_at.desc())
        .limit(8)
    )
    phone = f" ({display_phone(customer.phone)})" if reachable(customer) else ""
    lines = [f"👤 *{customer.name or 'Sin nombre'}*{phone}"]
    if customer.notes:
        lines.append(f"📝 {customer.notes}")
    for visit in visits:
        lines.append(
            f"• {local_date_time(visit.start_at, ctx.tz)} — {visit.service.name} con "
            f"{visit.staff.name} ({STATUS_NAMES.get(visit.status, visit.status)})"
        )
    if not visits:
        lines.append("Todavía no tiene citas.")
    return Reply([Text("\n".join(lines))])


def lookup_tap(ctx: Ctx, value: str) -> Reply | None:
    if not value.isdigit():
        return None
    customer = Customer.get_or_none(
        (Customer.id == int(value)) & (Customer.organization == ctx.org)
    )
    if customer is None:
        return Reply([Text("Ya no encontré a ese cliente.")])
    return history(ctx, customer)
