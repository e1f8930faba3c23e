"""Invite links: `/connect/<token>`, one-time and expiring, signed with itsdangerous.

An invite creates the business (pending: no WhatsApp yet) with its owner, so everything
after it (the connect page, the onboarding job, setup by chat) has a business to work on
and `python -m yume orgs` shows it waiting. A link stops working once the signup it started
has connected the business, or when it expires; a new invite for the same business
(`--org N`) is how a disconnected business connects again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from yume import business, crypto
from yume.db import database
from yume.errors import Invalid
from yume.models import Organization, utcnow
from yume.onboarding.models import DISCONNECTED, PENDING, Connection, SignupLink

SALT = "yume-signup-link"
DEFAULT_DAYS = 7
MAX_DAYS = 30
OWNER_NAME = "Dueño"


class LinkUnusable(Exception):
    """The link is not ours, expired, or already connected a business; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # unknown | expired | used


@dataclass(frozen=True)
class Invite:
    organization: Organization
    link: SignupLink
    token: str

    def url(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/connect/{self.token}"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(crypto.signing_secret(), salt=SALT)


def connection_of(org: Organization) -> Connection:
    """The business's connection row, created pending on first need."""
    Connection.insert(organization=org, steps={}).on_conflict_ignore().execute()
    return Connection.get(Connection.organization == org)


def create_invite(
    name: str | None = None,
    owner_phone: str | None = None,
    *,
    org_id: int | None = None,
    owner_name: str = OWNER_NAME,
    days: int = DEFAULT_DAYS,
    now: datetime | None = None,
) -> Invite:
    """A new business with its owner (name and owner_phone), or a fresh link for an
    existing one (org_id): it may have been disconnected, or its link expired."""
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(f"un enlace dura de 1 a {MAX_DAYS} días")
    now = now or utcnow()
    with database.atomic():
        if org_id is not None:
            org = business.get_organization(org_id)
            _start_over(connection_of(org), now)
        else:
            org = _new_business(name or "", owner_phone or "", owner_name)
            connection_of(org)
        link = SignupLink.create(
            organization=org,
            nonce=secrets.token_urlsafe(16),
            expires_at=now + timedelta(days=days),
            created_at=now,
        )
    token = _serializer().dumps({"l": link.id, "n": link.nonce})
    return Invite(org, link, token)


def _start_over(connection: Connection, now: datetime) -> None:
    """A disconnected business signs up afresh: what the last signup left is forgotten
    (Meta allows the Coexistence sync again after offboarding)."""
    if connection.state not in (DISCONNECTED, PENDING):
        return
    Connection.update(
        state=PENDING,
        reason="",
        waba_id=None,
        phone_number_id=None,
        business_id=None,
        code_hash=None,
        last_event="",
        event_data=None,
        steps={},
        updated_at=now,
    ).where(Connection.id == connection.id).execute()


def _new_business(name: str, owner_phone: str, owner_name: str) -> Organization:
    if not name.strip():
        raise Invalid("falta el nombre del negocio")
    if not owner_phone.strip():
        raise Invalid("falta el teléfono del dueño")
    org = business.create_organization(name=name)
    business.add_staff(org, owner_name.strip() or OWNER_NAME, owner_phone, role="owner")
    return org


def resolve(token: str, now: datetime | None = None, allow_used: bool = True) -> SignupLink:
    """The link a token names. Expired links are refused; a used link is refused only when
    `allow_used` is false (its page still shows the business connected)."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        raise LinkUnusable("unknown") from None
    if not isinstance(data, dict):
        raise LinkUnusable("unknown")
    link = SignupLink.get_or_none(
        (SignupLink.id == data.get("l")) & (SignupLink.nonce == str(data.get("n")))
    )
    if link is None:
        raise LinkUnusable("unknown")
    if link.used_at is not None:
        if not allow_used:
            raise LinkUnusable("used")
        return link
    if link.expires_at <= (now or utcnow()):
        raise LinkUnusable("expired")
    return link


def mark_used(org: Organization, now: datetime) -> None:
    """The business is connected: its open links have done their job."""
    SignupLink.update(used_at=now).where(
        (SignupLink.organization == org) & SignupLink.used_at.is_null()
    ).execute()
