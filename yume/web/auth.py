"""Who is asking: the admin token (YUME_ADMIN_TOKEN) and per-business API tokens, read from
`Authorization: Bearer …` (or HTTP Basic's password, for rq-dashboard in a browser) and
compared in constant time."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from flask import Response, request

from yume import api_tokens
from yume.config import Config
from yume.web.errors import error_response


def same_secret(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison of two secrets; never equal when either is missing."""
    if not given or not expected:
        return False
    return hmac.compare_digest(
        given.encode("utf-8", "replace"), expected.encode("utf-8", "replace")
    )


def presented_token(allow_basic: bool = False) -> str | None:
    """The bearer token of this request (or the Basic password, when allowed)."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if allow_basic and scheme.lower() == "basic":
        auth = request.authorization
        return auth.password if auth is not None and auth.password else None
    return None


def is_admin(config: Config, allow_basic: bool = False) -> bool:
    return same_secret(presented_token(allow_basic), config.admin_token)


@dataclass(frozen=True)
class Access:
    """What the caller may reach: everything (the admin token, or demo mode) or one
    organization (a business token)."""

    admin: bool
    organization_id: int | None = None

    def refusal(self) -> Response | None:
        """None when this request is within reach; else the answer: 403 for what only the
        admin may do, 404 for another business's paths (as for its ids)."""
        if self.admin:
            return None
        org = (request.view_args or {}).get("org")
        if org is None:
            return error_response(403, "forbidden", "Eso solo se puede con el token de admin.")
        if str(org) != str(self.organization_id):
            return error_response(404, "not_found", f"No existe el negocio {org}.")
        return None


def api_access(config: Config) -> Access | None:
    """Who is calling the API; None when nobody we know."""
    if config.admin_token is None and config.demo_mode:
        return Access(admin=True)
    token = presented_token()
    if same_secret(token, config.admin_token):
        return Access(admin=True)
    organization_id = api_tokens.organization_of(token) if token else None
    return Access(admin=False, organization_id=organization_id) if organization_id else None
