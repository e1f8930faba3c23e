"""Submitting Yume's templates (yume/templates.py) to a business's WhatsApp Business
Account and reading back Meta's verdict, through the Graph API:

- `POST /{waba_id}/message_templates` with the name, language, category and components
  (the body with its example values, the quick-reply buttons);
- `GET /{waba_id}/message_templates?name=…` for each template's status (APPROVED,
  PENDING, REJECTED, PAUSED…).

A template that already exists is not an error: its status is simply reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from yume.config import Config
from yume.models import Organization
from yume.reminders_models import business_account_id
from yume.templates import ALL, Template
from yume.whatsapp.client import GraphTransport, WhatsAppError

ALREADY_EXISTS = 2388024  # Meta's error_subcode: same name and language exist


class NoBusinessAccount(ValueError):
    """The organization has no WhatsApp Business Account id to submit templates to."""


@dataclass(frozen=True)
class TemplateStatus:
    name: str
    language: str
    status: str  # Meta's status, or SUBMITTED / ERROR / MISSING
    note: str = ""


def graph_definition(template: Template) -> dict[str, Any]:
    """The body of POST /{waba_id}/message_templates for one template."""
    body: dict[str, Any] = {"type": "BODY", "text": template.body}
    if template.examples:
        body["example"] = {"body_text": [list(template.examples)]}
    components: list[dict[str, Any]] = [body]
    if template.buttons:
        buttons = [{"type": "QUICK_REPLY", "text": label} for label in template.buttons]
        components.append({"type": "BUTTONS", "buttons": buttons})
    return {
        "name": template.name,
        "language": template.language,
        "category": template.category,
        "parameter_format": "POSITIONAL",
        "components": components,
    }


def _account(org: Organization) -> str:
    waba = business_account_id(org.id)
    if not waba:
        raise NoBusinessAccount(
            f"{org.name} no tiene whatsapp_business_account_id; dalo con --waba ID"
        )
    return waba


def submit(
    org: Organization, config: Config, templates: tuple[Template, ...] = ALL
) -> list[TemplateStatus]:
    """Create every template on the business's account; then report each one's status."""
    waba, transport = _account(org), GraphTransport.from_config(config)
    token = org.whatsapp_access_token or ""
    notes: dict[str, str] = {}
    for template in templates:
        try:
            transport.post(f"{waba}/message_templates", graph_definition(template), token)
            notes[template.name] = "enviada a revisión"
        except WhatsAppError as error:
            notes[template.name] = (
                "ya existía" if error.subcode == ALREADY_EXISTS else f"error: {error}"
            )
    return [
        _with_note(status, notes.get(status.name, ""))
        for status in (status_of(transport, waba, token, template) for template in templates)
    ]


def statuses(
    org: Organization, config: Config, templates: tuple[Template, ...] = ALL
) -> list[TemplateStatus]:
    """Meta's status of each template on the business's account."""
    waba, transport = _account(org), GraphTransport.from_config(config)
    token = org.whatsapp_access_token or ""
    return [status_of(transport, waba, token, template) for template in templates]


def status_of(
    transport: GraphTransport, waba: str, token: str, template: Template
) -> TemplateStatus:
    try:
        answer = transport.get(f"{waba}/message_templates?name={template.name}", token).json()
    except (WhatsAppError, ValueError) as error:
        return TemplateStatus(template.name, template.language, "ERROR", str(error))
    for found in answer.get("data", []) if isinstance(answer, dict) else []:
        if found.get("name") == template.name and found.get("language") == template.language:
            reason = found.get("rejected_reason") or ""
            note = "" if reason in ("", "NONE") else f"motivo: {reason}"
            return TemplateStatus(template.name, template.language, str(found["status"]), note)
    return TemplateStatus(template.name, template.language, "MISSING")


def _with_note(status: TemplateStatus, note: str) -> TemplateStatus:
    joined = "; ".join(part for part in (note, status.note) if part)
    return TemplateStatus(status.name, status.language, status.status, joined)
