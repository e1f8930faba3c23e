"""The one way Yume connects to Redis: the web's queue, the worker, the scheduler, the
rq-dashboard at /rq and /health all go through `connect`.

Managed Redis speaks TLS (`rediss://`). Heroku's Key-Value Store presents a self-signed
certificate that no CA vouches for, so verification must be switched off there:
`REDIS_TLS_VERIFY=0`. The setting travels inside the URL (`?ssl_cert_reqs=none`, redis-py's
own query option), so a library that only accepts a URL (rq-dashboard re-reads it on every
request) connects exactly as Yume does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    from redis import Redis

CONNECT_TIMEOUT = 2.0  # seconds to open a connection (TLS handshake included)
COMMAND_TIMEOUT = 5.0  # seconds for one command; RQ's worker raises it for its BLPOP
HEALTH_CHECK_SECONDS = 30  # a connection idle this long is PINGed before use


def with_tls_verify(url: str, verify: bool) -> str:
    """`url` as Yume connects to it: for `rediss://` with verification off, the
    `ssl_cert_reqs=none` option added (unless the URL already says how to verify)."""
    parts = urlsplit(url)
    if parts.scheme != "rediss" or verify:
        return url
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(name == "ssl_cert_reqs" for name, _ in query):
        return url
    return urlunsplit(parts._replace(query=urlencode([*query, ("ssl_cert_reqs", "none")])))


def connect(url: str, **options: Any) -> Redis:
    """A Redis client for `url` (`redis://` or `rediss://`), with Yume's timeouts; `options`
    override them (redis-py keyword arguments). Nothing is sent until the first command."""
    from redis import Redis

    settings: dict[str, Any] = {
        "socket_connect_timeout": CONNECT_TIMEOUT,
        "socket_timeout": COMMAND_TIMEOUT,
        "socket_keepalive": True,
        "health_check_interval": HEALTH_CHECK_SECONDS,
        **options,
    }
    return Redis.from_url(url, **settings)
