"""/api/v1 routes of issue 10, on the API's own blueprint (same auth, errors and OpenAPI):
signup links, and each business's WhatsApp connection with its templates."""

from __future__ import annotations

from typing import Annotated

from flask import Response, current_app, request
from pydantic import Field

from yume import business
from yume.errors import Invalid
from yume.models import Organization
from yume.onboarding import readiness
from yume.onboarding.links import MAX_DAYS, connection_of, create_invite
from yume.onboarding.templates import statuses
from yume.schemas import Body, Id, Name, OrgPath, Phone, Shape
from yume.web.api import CONFLICT, ORGANIZATIONS, api, shaped, writes


class SignupLinkCreate(Body):
    """A new business (`name` and `owner_phone`), or a new link for `organization_id`."""

    name: Name | None = None
    owner_phone: Phone | None = Field(None, description="The owner's WhatsApp number.")
    owner_name: Name = "Dueño"
    organization_id: Id | None = Field(None, description="A new link for this business.")
    days: Annotated[int, Field(ge=1, le=MAX_DAYS)] = 7


class SignupLink(Shape):
    url: str = Field(description="/connect/<token>: one-time, signed, expiring.")
    organization_id: int
    expires_at: str


class TemplateState(Shape):
    name: str
    language: str
    status: str
    reason: str


class ConnectionState(Shape):
    state: str = Field(description="pending, connecting, connected, degraded or disconnected.")
    reason: str
    mode: str = Field(description="coexistence, new_number, or empty before signup.")
    waba_id: str | None
    phone_number_id: str | None
    display_phone_number: str | None
    verified_name: str | None
    steps: list[str] = Field(description="Onboarding steps done, in order.")
    templates: list[TemplateState]
    missing_setup: list[str] = Field(description="What stops customers from booking yet.")


@api.post("/signup-links", tags=[ORGANIZATIONS], responses={201: SignupLink, **CONFLICT})
@writes
def create_signup_link(body: SignupLinkCreate) -> Response:
    """Make a signup link
    A new business needs `name` and `owner_phone` (it is created pending, with its owner);
    `organization_id` makes a fresh link for an existing one (say, after it was
    disconnected). The owner opens the link to connect their WhatsApp.
    """
    if body.organization_id is None and not (body.name and body.owner_phone):
        raise Invalid("da name y owner_phone, u organization_id")
    made = create_invite(
        body.name,
        body.owner_phone,
        org_id=body.organization_id,
        owner_name=body.owner_name,
        days=body.days,
    )
    base = current_app.config["YUME"].public_url or request.host_url
    return shaped(
        SignupLink(
            url=made.url(base),
            organization_id=made.organization.id,
            expires_at=made.link.expires_at.isoformat(timespec="seconds"),
        ),
        201,
    )


@api.get("/organizations/<org>/connection", tags=[ORGANIZATIONS], responses={200: ConnectionState})
def get_connection(path: OrgPath) -> Response:
    """Read the WhatsApp connection
    The connection's state (with the reason when degraded or disconnected), the number,
    the onboarding steps done, each template's approval, and what setup still lacks.
    """
    org: Organization = business.get_organization(path.org)
    connection = connection_of(org)
    return shaped(
        ConnectionState(
            state=connection.state,
            reason=connection.reason,
            mode=connection.mode,
            waba_id=connection.waba_id,
            phone_number_id=connection.phone_number_id or org.whatsapp_phone_number_id,
            display_phone_number=connection.display_phone_number,
            verified_name=connection.verified_name,
            steps=list(connection.steps or {}),
            templates=[
                TemplateState(name=t.name, language=t.language, status=t.status, reason=t.reason)
                for t in statuses(org)
            ],
            missing_setup=readiness.missing(org),
        )
    )
