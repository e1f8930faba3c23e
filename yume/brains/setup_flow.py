"""Setup by chat with the guided brain: the owner leaves the business ready in a handful of
WhatsApp messages, then changes anything later in plain words.

The flow (state in `Conversation.state["setup"]`), for an owner whose business is not ready:
name (confirm or change) → address → services in one message ("corte 40 min 250, barba 30
min 150") → opening hours ("lunes a sábado de 10 a 8, domingo cerrado") → does the owner
attend customers too → the rest of the team ("Pedro 55 1234 5678 hace cortes y barba")
→ done. Each answer is echoed back as it was understood; anything unreadable gets an
example, never a guess.

Afterwards (and for any ready business) the owner's plain-words changes are understood
before the guided brain's menus: "sube el corte a 280", "Pedro ya no trabaja aquí",
"cerramos el 25 de diciembre", "agrega tinte 90 min 600", "abrimos lunes a viernes de 9 a 7".
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from datetime import timedelta
from typing import Any

from rapidfuzz import fuzz, process

from yume import business, closures, conversations
from yume.agenda import appointments_between
from yume.brain import Reply, Text, Turn
from yume.brains.context import Said
from yume.brains.ui import buttons
from yume.errors import DomainError
from yume.formatting import local_date_time, money, spanish_date
from yume.models import Organization, ServiceType, Staff
from yume.onboarding import readiness
from yume.onboarding.setup_text import (
    ServiceText,
    describe_week,
    is_yes,
    plain,
    read_closure_days,
    read_services,
    read_staff,
    read_week,
)
from yume.timeutil import zone

KEY = "setup"
DONE = "done"
ENDINGS = frozenset({"listo", "es todo", "ya", "ya es todo", "nadie mas", "nadie", "no", "ninguno"})
GREETINGS = frozenset({"hola", "menu", "buenas", "buenos dias", "buenas tardes", "inicio"})
SIMILAR = 70


@dataclass
class SetupState:
    step: str | None = None  # name | rename | address | services | hours | owner | staff | done
    updated_at: str | None = None


def load(turn: Turn) -> SetupState:
    data = (turn.conversation.state or {}).get(KEY) or {}
    known = {f.name for f in fields(SetupState)}
    return SetupState(**{k: v for k, v in data.items() if k in known})


def save(turn: Turn, state: SetupState) -> None:
    state.updated_at = turn.now.isoformat()
    conversations.save_state(turn.conversation, KEY, asdict(state))


def answer(turn: Turn, said: Said) -> Reply | None:
    """The owner's setup or change, or None to let the guided brain answer."""
    if turn.role != "owner" or said.kind not in ("text", "tap"):
        return None
    state = load(turn)
    ready = readiness.is_ready(turn.organization)
    if state.step in (None, DONE) and ready:
        return owner_change(turn, said.text) if said.kind == "text" else None
    if state.step in (None, DONE):
        state.step = None  # not ready (again): the flow starts over where it must
    reply = _step(turn, state, said)
    save(turn, state)
    return reply


def _step(turn: Turn, state: SetupState, said: Said) -> Reply:
    tap = said.reply_id if said.kind == "tap" else None
    text = said.text.strip()
    if state.step is None or (plain(text) in GREETINGS and tap is None):
        return _ask(turn, state, state.step or "name", repeat=state.step is not None)
    handler = STEPS[state.step]
    return handler(turn, state, text, tap)


# -- questions -------------------------------------------------------------------------------


def _ask(turn: Turn, state: SetupState, step: str, lead: str = "", repeat: bool = False) -> Reply:
    state.step = step
    org = Organization.get_by_id(turn.organization.id)
    prefix = (lead + "\n\n") if lead else ("Seguimos 🙂 " if repeat else "")
    if step == "name":
        body = f"{prefix}Primero lo básico: ¿tu negocio se llama «{org.name}»?"
        return Reply(
            [buttons(body, [("setup:yes", "Sí, así"), ("setup:rename", "Cambiar nombre")])]
        )
    if step == "rename":
        return Reply(
            [Text(f"{prefix}¿Cómo se llama tu negocio? Escríbelo como lo verán tus clientes.")]
        )
    if step == "address":
        body = (
            f"{prefix}¿Cuál es la dirección? Es la que verán tus clientes cuando pregunten "
            "dónde están."
        )
        return Reply([buttons(body, [("setup:skip", "Prefiero no darla")])])
    if step == "services":
        return Reply(
            [
                Text(
                    f"{prefix}Ahora tus servicios, con duración y precio, todos en un mensaje. "
                    "Por ejemplo:\n«corte 40 min 250, barba 30 min 150, corte y barba 1 hora 350»"
                )
            ]
        )
    if step == "hours":
        return Reply(
            [
                Text(
                    f"{prefix}¿Qué días y a qué hora abren? Por ejemplo:\n"
                    "«lunes a sábado de 10 a 8, domingo cerrado»"
                )
            ]
        )
    if step == "owner":
        body = f"{prefix}¿Tú también atiendes clientes?"
        return Reply(
            [
                buttons(
                    body,
                    [
                        ("setup:owner_works", "Sí, también"),
                        ("setup:owner_admin", "No, solo administro"),
                    ],
                )
            ]
        )
    body = (
        f"{prefix}¿Quién más trabaja contigo? Mándame su nombre, celular y qué servicios hace; "
        "varias personas en un mensaje, separadas por «;». Por ejemplo:\n"
        "«Pedro 55 1234 5678 hace cortes y barba; Luis 55 8765 4321 hace cortes»"
    )
    return Reply([buttons(body, [("setup:done", "Nadie más")])])


# -- answers ---------------------------------------------------------------------------------


def _on_name(turn: Turn, state: SetupState, text: str, tap: str | None) -> Reply:
    if tap == "setup:rename" or (not tap and plain(text) in ("no", "cambiar", "cambiar nombre")):
        return _ask(turn, state, "rename")
    if tap == "setup:yes" or is_yes(text):
        return _ask(turn, state, "address", "¡Perfecto!")
    return _on_rename(turn, state, text, tap)


def _on_rename(turn: Turn, state: SetupState, text: str, tap: str | None) -> Reply:
    name = " ".join(text.split())[:120]
    if tap or not name:
        return _ask(turn, state, "rename")
    business.update_organization(turn.organization, {"name": name})
    return _ask(turn, state, "address", f"Listo, tu negocio es «{name}».")


def _on_address(turn: Turn, state: SetupState, text: str, tap: str | None) -> Reply:
    if tap == "setup:skip":
        return _ask(turn, state, "services", "Va, sin dirección por ahora.")
    if tap or len(text) < 4:
        return _ask(turn, state, "address")
    business.update_organization(turn.organization, {"address": text[:500]})
    return _ask(turn, state, "services", "Anotada la dirección 📍")


def _on_services(turn: Turn, state: SetupState, text: str, tap: str | None) -> Reply:
    found = read_services(text) if not tap else []
    if not found:
        return Reply(
            [
                Text(
                    "No logré leer tus servicios 🙈 Escríbelos con nombre, minutos y precio, "
                    "separados por comas: «corte 40 min 250, barba 30 min 150»"
                )
            ]
        )
    saved = save_services(turn.organization, found)
    lines = "\n".join(
        f"• {s.name} · {s.duration_minutes} min · {money(s.price_mxn)}" for s in saved
    )
    return _ask(turn, state, "hours", f"Anoté:\n{lines}")


def _on_hours(turn: Turn, state: SetupState, text: str, tap: str | None) -> Reply:
    week = read_week(text) if not tap else None
    if week is None:
        return Reply(
            [
                Text(
                    "No entendí el horario 🙈 Escríbelo así: «lunes a sábado de 10 a 8, "
                    "domingo cerrado» (o «diario de 9 a 2 y de 4 a 8»)."
                )
            ]
        )
    set_week(turn.organization, week)
    return _ask(turn, state, "owner", f"Tu horario: {describe_week(week)}.")


def _on_owner(turn: Turn, state: SetupState, text: str, tap: str | None) -> Reply:
    works = tap == "setup:owner_works" or (tap is None and is_yes(text))
    if works and turn.staff is not None:
        business.set_schedule(turn.staff, business.opening_week(turn.organization))
        lead = "Perfecto, te pongo con el horario del negocio y todos los servicios."
    else:
        lead = "Va, tú solo administras."
    return _ask(turn, state, "staff", lead)


def _on_staff(turn: Turn, state: SetupState, text: str, tap: str | None) -> Reply:
    if tap == "setup:done" or plain(text).strip(" .!") in ENDINGS:
        return _finish(turn, state)
    people = read_staff(text) if not tap else []
    if not people:
        return Reply(
            [
                Text(
                    "No encontré nombre y celular 🙈 Escríbelo así: «Pedro 55 1234 5678 hace "
                    "cortes y barba». Si no hay nadie más, escribe «listo»."
                )
            ]
        )
    added, problems = add_people(turn.organization, people)
    said = []
    if added:
        names = ", a ".join(added[:-1]) + (" y a " if len(added) > 1 else "") + added[-1]
        said.append(f"Agregué a {names}.")
    said += problems
    body = " ".join(said) + "\n\n¿Alguien más? Mándamelo igual, o toca «Es todo»."
    return Reply([buttons(body, [("setup:done", "Es todo")])])


def _finish(turn: Turn, state: SetupState) -> Reply:
    org = Organization.get_by_id(turn.organization.id)
    lacking = readiness.missing(org)
    if "servicios" in lacking:
        return _ask(turn, state, "services", "Me faltan tus servicios para que puedan agendar.")
    if lacking:
        return _ask(
            turn, state, "staff", "Para que tus clientes agenden necesito a alguien que atienda."
        )
    state.step = DONE
    services = ServiceType.select().where((ServiceType.organization == org) & ServiceType.active)
    team = Staff.select().where((Staff.organization == org) & Staff.active).order_by(Staff.id)
    week = business.opening_week(org)
    hours = describe_week(_as_week(week)) if week else "cuando trabaja tu equipo"
    return Reply(
        [
            Text(
                f"¡Listo! Terminamos de configurar {org.name} 🎉\n"
                f"• {services.count()} servicios\n"
                f"• Horario: {hours}\n"
                f"• Equipo: {', '.join(member.name for member in team)}\n\n"
                "Tus clientes ya pueden agendar por aquí. Cuando quieras cambiar algo, "
                "escríbemelo: «sube el corte a 280», «Pedro ya no trabaja aquí» o "
                "«cerramos el 25 de diciembre»."
            )
        ]
    )


STEPS = {
    "name": _on_name,
    "rename": _on_rename,
    "address": _on_address,
    "services": _on_services,
    "hours": _on_hours,
    "owner": _on_owner,
    "staff": _on_staff,
}


# -- the business, changed ------------------------------------------------------------------


def save_services(org: Organization, found: list[ServiceText]) -> list[ServiceType]:
    """Add each service, or update the one with the same name."""
    existing = {
        plain(s.name): s
        for s in ServiceType.select().where((ServiceType.organization == org) & ServiceType.active)
    }
    saved = []
    for item in found:
        current = existing.get(plain(item.name))
        if current is not None:
            saved.append(
                business.update_service(
                    current, {"duration_minutes": item.minutes, "price_mxn": item.price}
                )
            )
        else:
            saved.append(business.add_service(org, item.name, item.minutes, item.price))
    return saved


def set_week(org: Organization, week: dict[int, list[tuple[int, int]]]) -> None:
    intervals = [
        business.WeeklyInterval(day, start, end)
        for day, spans in sorted(week.items())
        for start, end in spans
    ]
    business.set_opening_hours(org, intervals)


def _as_week(intervals: list[business.WeeklyInterval]) -> dict[int, list[tuple[int, int]]]:
    week: dict[int, list[tuple[int, int]]] = {}
    for interval in intervals:
        week.setdefault(interval.weekday, []).append((interval.start_minute, interval.end_minute))
    return week


def match_service(org: Organization, words: str) -> ServiceType | None:
    services = list(
        ServiceType.select().where((ServiceType.organization == org) & ServiceType.active)
    )
    names = {s.id: plain(s.name) for s in services}
    wanted = plain(words)
    for service in services:  # "cortes" is the corte
        if names[service.id] in wanted or wanted.rstrip("s") == names[service.id]:
            return service
    best = process.extractOne(wanted, names, scorer=fuzz.WRatio, score_cutoff=SIMILAR)
    return next(s for s in services if s.id == best[2]) if best else None


def add_people(org: Organization, people: list[Any]) -> tuple[list[str], list[str]]:
    """Add each person with the opening hours as their schedule; what was added (with
    the services they do) and, in words, what could not be."""
    week = business.opening_week(org)
    added, problems = [], []
    for person in people:
        services = [match_service(org, words) for words in person.services]
        known = [s for s in services if s is not None]
        try:
            business.add_staff(
                org,
                person.name,
                person.phone,
                schedule=week,
                service_ids=[s.id for s in known] or None,
            )
        except DomainError as problem:
            problems.append(f"A {person.name} no lo pude agregar: {problem.message}")
            continue
        doing = ", ".join(s.name for s in known) if known else "todos los servicios"
        added.append(f"{person.name} ({doing})")
    return added, problems


# -- changes in plain words, once the business is ready ---------------------------------------

_PRICE_CHANGE = re.compile(
    r"^(?:sube|subele|baja|bajale|cambia|pon|deja)\s+(?:el|la|los|las)?\s*(?P<svc>.+?)\s+"
    r"(?:a|en)\s+\$?\s*(?P<price>\d+)"
)
_COSTS = re.compile(
    r"^(?:el|la)?\s*(?P<svc>.+?)\s+(?:ahora\s+)?(?:cuesta|vale)\s+\$?\s*(?P<price>\d+)"
)
_GONE = re.compile(r"^(?P<name>[a-z]+(?:\s+[a-z]+)?)\s+ya no (?:trabaja|viene|esta|va a venir)")
_CLOSING = re.compile(r"\b(cerramos|cerraremos|cerrado|no abrimos|no abriremos|no vamos a abrir)\b")
_ADD = re.compile(r"^(?:agrega|agregar|anade|nuevo servicio|añade)[: ]+(?P<rest>.+)$")
_HOURS_CHANGE = re.compile(r"^(?:nuevo horario|el horario es|abrimos|ahora abrimos)\b")


def owner_change(turn: Turn, text: str) -> Reply | None:
    lowered = plain(text)
    for pattern, change in (
        (_CLOSING, _closure),
        (_PRICE_CHANGE, _price),
        (_COSTS, _price),
        (_GONE, _staff_gone),
        (_ADD, _add_services),
        (_HOURS_CHANGE, _hours),
    ):
        match = pattern.search(lowered)
        if match:
            reply = change(turn, match, text)
            if reply is not None:
                return reply
    return None


def _closure(turn: Turn, match: re.Match[str], text: str) -> Reply | None:
    org = turn.organization
    tz = zone(org.timezone)
    days = read_closure_days(text, turn.now.astimezone(tz).date())
    if days is None:
        return Reply([Text("¿Qué día cierran? Escríbemelo así: «cerramos el 25 de diciembre».")])
    first, last = days
    start, end = closures.days_span(org, first, last)
    try:
        closures.add_closure(org, start, end, reason=text[:300], now=turn.now)
    except DomainError as problem:
        return Reply([Text(f"No pude anotarlo: {problem.message}")])
    when = (
        spanish_date(first)
        if first == last
        else f"del {spanish_date(first)} al {spanish_date(last)}"
    )
    article = "el " if first == last else ""
    lines = [f"Listo, anoté que {org.name} cierra {article}{when}. Nadie podrá agendar ese día."]
    inside = closures.appointments_inside(org, start, end)
    if inside:
        listed = "\n".join(
            f"• {local_date_time(a.start_at, tz)}: {a.customer.name or a.customer.phone}"
            for a in inside[:10]
        )
        lines.append(f"Ojo: ya hay {len(inside)} cita(s) ese día; avísales o muévelas:\n{listed}")
    return Reply([Text("\n\n".join(lines))])


def _price(turn: Turn, match: re.Match[str], text: str) -> Reply | None:
    service = match_service(turn.organization, match.group("svc"))
    if service is None:
        return None
    business.update_service(service, {"price_mxn": int(match.group("price"))})
    return Reply([Text(f"Listo: {service.name} ahora cuesta {money(service.price_mxn)}.")])


def _staff_gone(turn: Turn, match: re.Match[str], text: str) -> Reply | None:
    wanted = match.group("name")
    team = Staff.select().where(
        (Staff.organization == turn.organization) & Staff.active & (Staff.role != "owner")
    )
    found = [
        m for m in team if plain(m.name).startswith(wanted) or plain(m.name).split()[0] == wanted
    ]
    if len(found) != 1:
        return None
    member = found[0]
    business.deactivate_staff(member)
    ahead = appointments_between(
        turn.organization.id, [member.id], turn.now, turn.now + timedelta(days=366)
    )
    note = f" Tiene {len(ahead)} cita(s) por delante: reasígnalas o avísales." if ahead else ""
    return Reply(
        [Text(f"Listo, quité a {member.name} del equipo; ya no se le ofrecen citas.{note}")]
    )


def _add_services(turn: Turn, match: re.Match[str], text: str) -> Reply | None:
    found = read_services(text.split(" ", 1)[1] if " " in text else text)
    if not found:
        return None
    saved = save_services(turn.organization, found)
    lines = ", ".join(f"{s.name} ({s.duration_minutes} min, {money(s.price_mxn)})" for s in saved)
    return Reply([Text(f"Listo, agregué: {lines}.")])


def _hours(turn: Turn, match: re.Match[str], text: str) -> Reply | None:
    week = read_week(text)
    if week is None:
        return None
    set_week(turn.organization, week)
    return Reply([Text(f"Listo, el nuevo horario: {describe_week(week)}.")])
