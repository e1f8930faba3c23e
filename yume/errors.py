"""Domain errors with stable codes; the API and the brains turn them into words."""

from __future__ import annotations


class DomainError(Exception):
    code = "invalid"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    """The request is well formed but the calendar says no (HTTP 409)."""

    code = "slot_unavailable"


class Invalid(DomainError):
    """The request itself cannot be honoured as written (HTTP 422)."""

    code = "invalid"


MESSAGES = {
    "slot_unavailable": "Ese horario ya no está disponible.",
    "outside_hours": "Ese horario está fuera del horario de trabajo.",
    "business_closed": "Ese día el negocio está cerrado.",
    "in_the_past": "Ese horario ya pasó.",
    "too_soon": "Ese horario es demasiado pronto para reservar.",
    "beyond_horizon": "Ese día está demasiado lejos para reservar todavía.",
    "staff_cannot_perform": "Esa persona no realiza ese servicio.",
    "no_staff": "Nadie realiza ese servicio por ahora.",
}


def booking_refused(code: str) -> Conflict:
    return Conflict(MESSAGES.get(code, "No se pudo reservar ese horario."), code)
