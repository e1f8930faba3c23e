"""Lines for the Claude brain (issue 10): for the owner, what setup still lacks (written by
code: it goes in the system's moment block); for a customer who wrote before Yume (imported
Coexistence history), what that earlier conversation was about, so Yume greets a regular as
one. Those lines quote what people typed, so they go in the user's context, never the
system role (issue 11)."""

from __future__ import annotations

from yume.brain import Turn
from yume.formatting import spanish_date
from yume.models import Message
from yume.onboarding import readiness
from yume.timeutil import zone

PAST_LINES = 4
PAST_CHARS = 90


def setup_note(turn: Turn) -> str:
    """For the owner's moment block: what the business still lacks, if anything."""
    if turn.role != "owner":
        return ""
    lacking = readiness.missing(turn.organization)
    if not lacking:
        return ""
    return (
        "\nEl negocio aún no está listo para que los clientes agenden: faltan "
        f"{' y '.join(lacking)}. Guía al dueño paso a paso, una pregunta a la vez (nombre "
        "y dirección, servicios con minutos y precio, horario, quién atiende) con las "
        "herramientas de configuración (empieza con get_setup) y confirma lo que anotaste."
    )


def earlier_chats(turn: Turn) -> str:
    """For a customer's context: their chats with the business before Yume, if imported."""
    if turn.role != "customer":
        return ""
    earlier = list(
        Message.select()
        .where((Message.conversation == turn.conversation.id) & (Message.status == "history"))
        .order_by(Message.sent_at.desc())
        .limit(PAST_LINES)
    )
    if not earlier:
        return ""
    total = (
        Message.select()
        .where((Message.conversation == turn.conversation.id) & (Message.status == "history"))
        .count()
    )
    tz = zone(turn.organization.timezone)
    last = spanish_date(earlier[0].sent_at.astimezone(tz).date())
    lines = [
        f"- {'persona' if m.direction == 'in' else 'equipo'}: {_squeeze(m.text or f'[{m.kind}]')}"
        for m in reversed(earlier)
    ]
    return (
        f"Ya era cliente antes de Yume: {total} mensajes por WhatsApp con el negocio, el "
        f"último el {last}. Lo último que se dijeron:\n" + "\n".join(lines)
    )


def _squeeze(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PAST_CHARS else flat[: PAST_CHARS - 1] + "…"
