"""Is the business ready for customers? At least one service and one person with a weekly
schedule. Until then customers get a kind holding message and the owner is told someone
wrote (at most once a day per customer), so nobody is left unanswered while the owner
finishes setting up by chat."""

from __future__ import annotations

from datetime import datetime

from yume import conversations
from yume.brain import Reply, Text, Turn
from yume.models import Organization, ServiceType, Staff, WorkingHours

STATE_KEY = "setup_hold"
HOLDING = (
    "¡Hola! 👋 Gracias por escribir a {business}. Estamos terminando de preparar nuestra "
    "agenda por WhatsApp; en un momento alguien del equipo te contesta 🙏"
)


def missing(org: Organization) -> list[str]:
    """What setup still lacks, in the owner's words."""
    lacking = []
    if (
        not ServiceType.select()
        .where((ServiceType.organization == org) & ServiceType.active)
        .exists()
    ):
        lacking.append("servicios")
    staffed = (
        WorkingHours.select().join(Staff).where((Staff.organization == org) & Staff.active).exists()
    )
    if not staffed:
        lacking.append("alguien con horario")
    return lacking


def is_ready(org: Organization) -> bool:
    return not missing(org)


def holding_reply(turn: Turn) -> Reply | None:
    """The customer's answer while the business is not set up; None once it is."""
    if turn.role != "customer" or is_ready(turn.organization):
        return None
    org = turn.organization
    reply = Reply([Text(HOLDING.format(business=org.name))])
    if _first_today(turn.conversation, turn.now, org):
        who = turn.conversation.profile_name or turn.conversation.phone
        reply.notify_owner = (
            f"{who} escribió y aún no puedo agendar porque faltan "
            f"{' y '.join(missing(org))}. Escríbeme «hola» y lo terminamos en unos minutos"
        )
    return reply


def _first_today(conversation, now: datetime, org: Organization) -> bool:  # noqa: ANN001
    from yume.timeutil import zone

    today = now.astimezone(zone(org.timezone)).date().isoformat()
    if (conversation.state or {}).get(STATE_KEY) == today:
        return False
    conversations.save_state(conversation, STATE_KEY, today)
    return True
