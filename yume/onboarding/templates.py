"""Template approval: submitting Yume's templates when a business connects, keeping Meta's
verdict on each (`message_template_status_update`), and deciding what may be sent.

A business whose templates Yume has never submitted (set up by hand through the API) has
no rows here; its templates are tried as before. Once rows exist, only an APPROVED
template is sent: anything else is not attempted and the business is degraded with the
reason, until Meta approves it.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from yume.models import Organization, utcnow
from yume.onboarding.models import TemplateApproval
from yume.template_sync import ALREADY_EXISTS, graph_definition, status_of
from yume.templates import ALL, Template
from yume.whatsapp.client import GraphTransport, WhatsAppError

log = logging.getLogger(__name__)

APPROVED, PENDING, SUBMIT_ERROR = "APPROVED", "PENDING", "ERROR"
PARALLEL = 4  # submissions in flight at once: a connection's ~9 calls take ~3 round trips


def submit_all(
    org: Organization,
    transport: GraphTransport,
    waba_id: str,
    token: str,
    templates: tuple[Template, ...] = ALL,
) -> None:
    """Submit every template (a few at a time) and keep each one's status."""
    with ThreadPoolExecutor(PARALLEL, thread_name_prefix="yume-templates") as pool:
        verdicts = list(pool.map(lambda t: _submit(transport, waba_id, token, t), templates))
    now = utcnow()
    for template, (status, reason) in zip(templates, verdicts, strict=True):
        record(org, template.name, template.language, status, reason, now)


def _submit(
    transport: GraphTransport, waba_id: str, token: str, template: Template
) -> tuple[str, str]:
    try:
        answer = transport.post(f"{waba_id}/message_templates", graph_definition(template), token)
    except WhatsAppError as error:
        if error.subcode == ALREADY_EXISTS:  # a business that connects again
            found = status_of(transport, waba_id, token, template)
            return found.status, found.note
        log.warning("templates.submit-failed template=%s %s", template.name, error)
        return SUBMIT_ERROR, str(error)[:300]
    return str(answer.get("status") or PENDING).upper(), ""


def record(
    org: Organization,
    name: str,
    language: str,
    status: str,
    reason: str = "",
    now: datetime | None = None,
) -> None:
    now = now or utcnow()
    fields = {"status": status[:40], "reason": (reason or "")[:500], "updated_at": now}
    (
        TemplateApproval.insert(organization=org, name=name, language=language, **fields)
        .on_conflict(
            conflict_target=[
                TemplateApproval.organization,
                TemplateApproval.name,
                TemplateApproval.language,
            ],
            update=fields,
        )
        .execute()
    )


def verdict(org_id: int, name: str, language: str) -> str | None:
    """Meta's status of a template for this business; None when Yume never submitted it."""
    row = TemplateApproval.get_or_none(
        (TemplateApproval.organization == org_id)
        & (TemplateApproval.name == name)
        & (TemplateApproval.language == language)
    )
    return row.status if row else None


def blocked_reason(org_id: int, name: str, language: str) -> str | None:
    """Why a template may not be sent now (in plain Spanish), or None when it may."""
    status = verdict(org_id, name, language)
    if status is None or status == APPROVED:
        return None
    return f"la plantilla «{name}» no está aprobada por Meta ({status})"


def statuses(org: Organization) -> list[TemplateApproval]:
    return list(
        TemplateApproval.select()
        .where(TemplateApproval.organization == org)
        .order_by(TemplateApproval.name)
    )


def approved(org_id: int, template: Template) -> bool:
    return verdict(org_id, template.name, template.language) == APPROVED
