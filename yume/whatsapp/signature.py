"""X-Hub-Signature-256: HMAC-SHA256 of the raw request bytes, keyed with the Meta app secret.

Hash the bytes exactly as received: Meta signs its own (unicode-escaped) serialisation, so
re-encoding parsed JSON changes the bytes, and the signature, for any non-ASCII text.
"""

from __future__ import annotations

import hashlib
import hmac
import re

PREFIX = "sha256="
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")


def sign(app_secret: str, raw_body: bytes) -> str:
    """The full header value Meta would send for this body: 'sha256=<lowercase hex>'."""
    digest = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return PREFIX + digest


def verify_signature(app_secret: str, raw_body: bytes, header: str | None) -> bool:
    """True only for a well-formed header that matches; never raises on a bad header."""
    if not app_secret or not isinstance(header, str) or not header.startswith(PREFIX):
        return False
    given = header.removeprefix(PREFIX)
    if not _HEX_DIGEST.fullmatch(given):
        return False  # also keeps non-ASCII text away from compare_digest, which rejects it
    return hmac.compare_digest(given.lower(), sign(app_secret, raw_body).removeprefix(PREFIX))
