"""GET /health: the database (and Redis, when configured) answer, or 503 names who did not."""

from __future__ import annotations

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
    from redis import Redis

    try:
        Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@health.get("/health")
def get_health() -> ResponseReturnValue:
    config = current_app.config["YUME"]
    checks: dict[str, str] = {}
    failures: dict[str, str] = {}
    problem = _check_database()
    checks["database"] = "ok" if problem is None else "error"
    if problem:
        failures["database"] = problem
    if config.redis_url:
        problem = _check_redis(config.redis_url)
        checks["redis"] = "ok" if problem is None else "error"
        if problem:
            failures["redis"] = problem
    else:
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
