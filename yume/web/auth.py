"""Who is asking: the admin token (YUME_ADMIN_TOKEN) and per-business API tokens, read from
`Authorization: Bearer …` (or HTTP Basic's password, for rq-dashboard in a browser) and
compared in constant time."""

from __future__ import annotations

import hmac

from flask import request

from yume.config import Config


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
