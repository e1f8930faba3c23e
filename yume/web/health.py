"""GET /health: the database (and Redis, when configured) answer, or 503 names who did not."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from yume.db import database

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


@health.get("/health")
def get_health() -> ResponseReturnValue:
    config = current_app.config["YUME"]
    probes: dict[str, Callable[[], str | None]] = {"database": _check_database}
    if config.redis_url:
        probes["redis"] = partial(_check_redis, config.redis_url)
    failures = {name: problem for name, probe in probes.items() if (problem := probe())}
    checks = {name: "error" if name in failures else "ok" for name in probes}
    if not config.redis_url:
        checks["redis"] = "embedded"
    mode = "embedded" if config.embedded else "redis"
    if failures:
        body = {
            "status": "error",
            "failing": sorted(failures),
            "errors": failures,
            "checks": checks,
        }
        return jsonify(body), 503
    return jsonify({"status": "ok", "mode": mode, "checks": checks})
