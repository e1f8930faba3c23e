"""A connection's life after onboarding, from Meta's webhooks (reference §2.8, §3.4):

- `account_update` PARTNER_REMOVED or ACCOUNT_OFFBOARDED (any reason, e.g. the owner's phone
  inactive for two weeks): the business is disconnected, its token wiped, nothing more is
  sent (yume.onboarding.sending), and it is logged with the WABA id. ACCOUNT_RECONNECTED
  resumes a business that still holds a token; one whose token was wiped waits for a new
  signup link (`python -m yume invite --org N`), which resumes it.
- `message_template_status_update`: each template's verdict is kept and decides what may
  be sent; a rejected or paused template of Yume's degrades the business with the reason,
  and every template approved again lifts it. The owner's welcome template approved sends
  a greeting still waiting.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from yume.log_privacy import MetaId
from yume.models import Organization, utcnow
from yume.onboarding import sending, templates
from yume.onboarding.links import connection_of
from yume.onboarding.models import (
    CONNECTED,
    DEGRADED,
    DISCONNECTED,
    PENDING,
    Connection,
    TemplateApproval,
)
from yume.templates import ALL, OWNER_WELCOME
from yume.whatsapp.payloads import AccountUpdate, TemplateStatusChange

log = logging.getLogger(__name__)

SEND_WAITING_GREETING = "jobs.onboarding.send_waiting_greeting"
DISCONNECTING = frozenset({"PARTNER_REMOVED", "ACCOUNT_OFFBOARDED"})
RECONNECTING = "ACCOUNT_RECONNECTED"
BLOCKING = frozenset({"REJECTED", "PAUSED", "DISABLED", "PENDING_DELETION", "LIMIT_EXCEEDED"})
OURS = {template.name for template in ALL}


def organization_for(waba_id: str, phone_number: str = "") -> Organization | None:
    """The business of a WABA id (entry.id), or of the display number Meta names."""
    if waba_id:
        org = Organization.get_or_none(Organization.whatsapp_business_account_id == waba_id)
        if org is not None:
            return org
    digits = re.sub(r"\D", "", phone_number)
    if not digits:
        return None
    for connection in Connection.select().where(Connection.display_phone_number.is_null(False)):
        if re.sub(r"\D", "", connection.display_phone_number) == digits:
            return Organization.get_by_id(connection.organization_id)
    return None


def apply_account_update(event: AccountUpdate, now: datetime | None = None) -> None:
    now = now or utcnow()
    org = organization_for(event.waba_id, event.phone_number)
    if org is None:
        log.warning("account-update.unknown waba=%s event=%s", MetaId(event.waba_id), event.event)
        return
    connection = connection_of(org)
    if event.event in DISCONNECTING:
        _disconnect(org, connection, event, now)
    elif event.event == RECONNECTING:
        _reconnect(org, connection, now)
    else:
        log.info(
            "account-update org=%s waba=%s event=%s", org.id, MetaId(event.waba_id), event.event
        )


def _disconnect(
    org: Organization, connection: Connection, event: AccountUpdate, now: datetime
) -> None:
    why = ", ".join(part for part in (event.reason, event.initiated_by) if part)
    reason = f"WhatsApp desconectó el número de Yume ({event.event}{': ' + why if why else ''})."
    if event.reason == "PRIMARY_INACTIVITY":
        reason += " La app de WhatsApp Business no se abrió en unas dos semanas."
    Organization.update(whatsapp_access_token=None).where(Organization.id == org.id).execute()
    Connection.update(state=DISCONNECTED, reason=reason, updated_at=now).where(
        Connection.id == connection.id
    ).execute()
    log.warning(
        "connection.disconnected org=%s waba=%s event=%s reason=%s",
        org.id,
        MetaId(event.waba_id),
        event.event,
        event.reason or "-",
    )


def _reconnect(org: Organization, connection: Connection, now: datetime) -> None:
    if org.whatsapp_access_token:
        state, reason = CONNECTED, ""
    else:
        state = PENDING
        reason = "WhatsApp reconectó el número; falta un enlace nuevo para que Yume vuelva."
    Connection.update(state=state, reason=reason, updated_at=now).where(
        (Connection.id == connection.id) & Connection.state.in_([DISCONNECTED, DEGRADED])
    ).execute()
    log.warning(
        "connection.reconnected org=%s waba=%s state=%s", org.id, MetaId(connection.waba_id), state
    )


def apply_template_status(event: TemplateStatusChange, now: datetime | None = None) -> list[str]:
    """Keep the verdict; the jobs it calls for (a waiting greeting to send)."""
    now = now or utcnow()
    org = organization_for(event.waba_id)
    if org is None:
        log.warning(
            "template-status.unknown waba=%s template=%s", MetaId(event.waba_id), event.name
        )
        return []
    templates.record(org, event.name, event.language, event.status, event.reason, now)
    log.info("template-status org=%s template=%s status=%s", org.id, event.name, event.status)
    if event.name not in OURS:
        return []
    if event.status in BLOCKING:
        because = f" ({event.reason})" if event.reason else ""
        sending.degrade(
            org.id,
            f"{sending.TEMPLATE_REASON_PREFIX}Meta marcó la plantilla «{event.name}» como "
            f"{event.status}{because}.",
        )
        return []
    if event.status == templates.APPROVED:
        if _all_usable(org):
            sending.recover_from_templates(org.id)
        if event.name == OWNER_WELCOME.name:
            return [SEND_WAITING_GREETING]
    return []


def _all_usable(org: Organization) -> bool:
    return not (
        TemplateApproval.select()
        .where(
            (TemplateApproval.organization == org)
            & TemplateApproval.name.in_(list(OURS))
            & TemplateApproval.status.in_(list(BLOCKING))
        )
        .exists()
    )
