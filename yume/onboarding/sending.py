"""What a business may send, given its connection and Meta's verdict on its templates."""

from __future__ import annotations

import logging
from typing import Any

from yume.models import Organization, utcnow
from yume.onboarding.models import CONNECTED, DEGRADED, DISCONNECTED, Connection
from yume.onboarding.templates import blocked_reason

log = logging.getLogger(__name__)

DISCONNECTED_NOTE = "negocio desconectado de WhatsApp: no se intentó"
TEMPLATE_REASON_PREFIX = "No podemos enviar avisos fuera de las 24 horas: "


def refusal(org: Organization, payload: dict[str, Any]) -> str | None:
    """Why this message must not be attempted, or None.

    A disconnected business has had its token wiped, so the check costs a query only for
    businesses without a token; a template costs one for its approval."""
    if not org.whatsapp_access_token and _disconnected(org.id):
        return DISCONNECTED_NOTE
    if payload.get("type") != "template":
        return None
    reason = blocked_reason(org.id, str(payload.get("name")), str(payload.get("language")))
    if reason:
        degrade(org.id, TEMPLATE_REASON_PREFIX + reason + ".")
    return reason


def _disconnected(org_id: int) -> bool:
    return (
        Connection.select()
        .where((Connection.organization == org_id) & (Connection.state == DISCONNECTED))
        .exists()
    )


def degrade(org_id: int, reason: str) -> None:
    """A connected business that cannot send something is degraded, with the reason."""
    changed = (
        Connection.update(state=DEGRADED, reason=reason, updated_at=utcnow())
        .where(
            (Connection.organization == org_id)
            & Connection.state.in_([CONNECTED, DEGRADED])
            & (Connection.reason != reason)
        )
        .execute()
    )
    if changed:
        log.warning("connection.degraded org=%s reason=%s", org_id, reason)


def recover_from_templates(org_id: int) -> None:
    """Every template approved: a business degraded only for its templates is connected."""
    Connection.update(state=CONNECTED, reason="", updated_at=utcnow()).where(
        (Connection.organization == org_id)
        & (Connection.state == DEGRADED)
        & Connection.reason.startswith(TEMPLATE_REASON_PREFIX)
    ).execute()
