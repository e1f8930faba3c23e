"""GET /health: the database (and Redis, when configured) answer and the webhook journal is
not stuck, or 503 naming who is not.

Anyone may ask (load balancers, uptime checks), so the answer names the failing parts only;
the errors behind them are shown to a caller with the admin token (they can hold host
names and driver messages).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from yume.db import database
from yume.web.auth import is_admin
from yume.webhook_journal import STALLED_AFTER_SECONDS

log = logging.getLogger(__name__)
health = Blueprint("health", __name__)


def _check_database() -> str | None:
    try:
        database.execute_sql("SELECT 1").fetchone()
    except Exception as exc:  # any driver error means "down"
        return f"{type(exc).__name__}: {exc}"
    return None


def _check_redis(url: str) -> str | None:
    from yume.redis_connection import connect

    try:
        with connect(url, socket_connect_timeout=1, socket_timeout=1) as client:
            client.ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _check_journal() -> str | None:
    """The webhook's group commit: a flush (or a delivery waiting for one) older than
    STALLED_AFTER_SECONDS means webhooks are not being acknowledged."""
    from yume.web.webhooks import JOURNAL

    journal = current_app.extensions.get(JOURNAL)
    stalled = journal.stalled_seconds() if journal is not None else 0.0
    if stalled > STALLED_AFTER_SECONDS:
        return f"the webhook journal has waited {stalled:.0f} s for the database"
    return None


@health.get("/health")
def get_health() -> ResponseReturnValue:
    config = current_app.config["YUME"]
    probes: dict[str, Callable[[], str | None]] = {
        "database": _check_database,
        "journal": _check_journal,
    }
    if config.redis_url:
        probes["redis"] = partial(_check_redis, config.redis_url)
    failures = {name: problem for name, probe in probes.items() if (problem := probe())}
    checks = {name: "error" if name in failures else "ok" for name in probes}
    if not config.redis_url:
        checks["redis"] = "embedded"
    mode = "embedded" if config.embedded else "redis"
    if failures:
        log.warning("health.failing %s", failures)
        body = {"status": "error", "failing": sorted(failures), "checks": checks}
        if is_admin(config):
            body["errors"] = failures
        return jsonify(body), 503
    return jsonify({"status": "ok", "mode": mode, "checks": checks})
