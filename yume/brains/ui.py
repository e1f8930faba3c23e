"""Lists and buttons within WhatsApp's limits, and the few messages every flow shares."""

from __future__ import annotations

from yume.brain import Buttons, ListMessage

MAX_BUTTONS = 3
MAX_ROWS = 10
BUTTON_TITLE = 20
ROW_TITLE = 24
ROW_DESCRIPTION = 72
BODY = 1024

Row = tuple[str, str, str | None]


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def buttons(body: str, options: list[tuple[str, str]]) -> Buttons:
    return Buttons(
        cut(body, BODY), [(rid, cut(title, BUTTON_TITLE)) for rid, title in options[:MAX_BUTTONS]]
    )


def rows(body: str, button: str, items: list[Row]) -> ListMessage:
    return ListMessage(
        cut(body, BODY),
        cut(button, BUTTON_TITLE),
        [(rid, *fit_row(title, description)) for rid, title, description in items[:MAX_ROWS]],
    )


def fit_row(title: str, description: str | None) -> tuple[str, str | None]:
    """A row within WhatsApp's limits, words whole: what does not fit the title (24) opens
    the description (72): "Afeitado clásico con" / "toalla caliente · $220 · 30 min"."""
    title = " ".join(title.split())
    if len(title) > ROW_TITLE:
        head = title[: ROW_TITLE + 1].rsplit(" ", 1)[0] if " " in title[: ROW_TITLE + 1] else ""
        head = head or title[: ROW_TITLE - 1] + "…"  # one word longer than a title
        rest = title[len(head.rstrip("…")) :].strip()
        title = head
        description = " · ".join(part for part in (rest, description) if part)
    if description and len(description) > ROW_DESCRIPTION:
        description = description[: ROW_DESCRIPTION - 1].rsplit(" ", 1)[0].rstrip(" ·,") + "…"
    return title, description or None


def choose(body: str, button: str, items: list[Row]) -> Buttons | ListMessage:
    """Buttons for up to three short choices, a list otherwise."""
    if len(items) <= MAX_BUTTONS and all(len(title) <= BUTTON_TITLE for _, title, _ in items):
        return buttons(body, [(rid, title) for rid, title, _ in items])
    return rows(body, button, items)


CUSTOMER_MENU: list[Row] = [
    ("m:book", "Agendar una cita", "Elige servicio, día y hora"),
    ("m:mine", "Mis citas", "Ve tus próximas citas"),
    ("m:reschedule", "Cambiar una cita", "Muévela a otro día u hora"),
    ("m:cancel", "Cancelar una cita", None),
    ("m:prices", "Servicios y precios", None),
    ("m:info", "Horario y dirección", None),
    ("m:human", "Hablar con alguien", "Le aviso al equipo"),
]
STAFF_MENU: list[Row] = [
    ("s:today", "Agenda de hoy", None),
    ("s:tomorrow", "Agenda de mañana", None),
    ("s:day", "Agenda de otro día", "Escríbeme el día"),
    ("s:walkin", "Cliente sin cita", "Registra a quien llegó"),
    ("s:lookup", "Buscar cliente", "Por nombre o teléfono"),
    ("s:block", "Bloquear horario", "Comida, permiso, vacaciones"),
]


def customer_menu(greeting: str) -> ListMessage:
    return rows(greeting + "\n¿En qué te ayudo?", "Ver opciones", CUSTOMER_MENU)


OWNER_ROWS: list[Row] = [("s:faq", "Preguntas frecuentes", "Lo que contesto a tus clientes")]


def staff_menu(greeting: str, owner: bool = False) -> ListMessage:
    return rows(greeting + "\n¿Qué necesitas?", "Ver opciones", STAFF_MENU + OWNER_ROWS * owner)
