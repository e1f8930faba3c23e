"""X-Hub-Signature-256: HMAC-SHA256 of the raw request bytes, keyed with the Meta app secret.

Hash the bytes exactly as received: Meta signs its own (unicode-escaped) serialisation, so
re-encoding parsed JSON changes the bytes, and the signature, for any non-ASCII text.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import BinaryIO

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


class BodyTooLarge(Exception):
    """The body went past the size limit; reading stopped there."""


CHUNK_BYTES = 64 * 1024


def read_signed(stream: BinaryIO, app_secret: str, header: str | None, limit: int) -> bytes | None:
    """Read a body in chunks, hashing as it comes, and return it if `header` is its signature
    (None if not, without reading a byte when the header is not even well formed). Raises
    BodyTooLarge as soon as more than `limit` bytes have arrived, so a huge body never sits
    in memory whole, signed or not."""
    if not app_secret or not isinstance(header, str) or not header.startswith(PREFIX):
        return None
    given = header.removeprefix(PREFIX)
    if not _HEX_DIGEST.fullmatch(given):
        return None
    mac = hmac.new(app_secret.encode(), digestmod=hashlib.sha256)
    body = bytearray()
    while chunk := stream.read(min(CHUNK_BYTES, limit + 1 - len(body))):
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(f"more than {limit} bytes")
        mac.update(chunk)
    return bytes(body) if hmac.compare_digest(given.lower(), mac.hexdigest()) else None
