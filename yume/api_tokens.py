"""Per-business API tokens: a business's own integrations (its website's booking form, a
spreadsheet) get a token that reads and writes that one organization and nothing else, so
the admin token (every business, and the queues) never has to leave the developer's hands.

A token is shown once, when it is made; only its SHA-256 is stored, so a leaked database
does not leak working tokens. `python -m yume tokens` makes, lists and revokes them."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from peewee import CharField, ForeignKeyField

from yume.models import BaseModel, Organization, UTCDateTimeField, utcnow

PREFIX = "yume_"  # tells a business token from the admin token at a glance


class ApiToken(BaseModel):
    organization = ForeignKeyField(Organization, backref="api_tokens", on_delete="CASCADE")
    name = CharField()  # what it is for, e.g. "sitio web"
    token_hash = CharField(unique=True)
    created_at = UTCDateTimeField(default=utcnow)
    revoked_at = UTCDateTimeField(null=True)

    class Meta:
        table_name = "api_token"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def issue(org: Organization, name: str, now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for `org`: the row, and the token itself (shown once, never stored)."""
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.create(
        organization=org, name=name.strip() or "API", token_hash=digest(token),
        created_at=now or utcnow(),
    )  # fmt: skip
    return row, token


def organization_of(token: str) -> int | None:
    """The organization a live token belongs to, or None."""
    if not token.startswith(PREFIX):
        return None
    row = ApiToken.get_or_none(
        (ApiToken.token_hash == digest(token)) & ApiToken.revoked_at.is_null()
    )
    return row.organization_id if row is not None else None


def revoke(token_id: int, now: datetime | None = None) -> bool:
    revoked = (
        ApiToken.update(revoked_at=now or utcnow())
        .where((ApiToken.id == token_id) & ApiToken.revoked_at.is_null())
        .execute()
    )
    return revoked == 1
