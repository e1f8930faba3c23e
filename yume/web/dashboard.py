"""rq-dashboard at /rq for ops, behind HTTP Basic auth (any user name; the password is
YUME_ADMIN_TOKEN). Mounted only when REDIS_URL is set: embedded mode has no queues to watch."""

from __future__ import annotations

import hmac

from flask import Blueprint, Flask, Response, current_app, request

from yume.config import Config
from yume.redis_connection import connect

REALM = 'Basic realm="Yume ops", charset="UTF-8"'
REDIS = "yume.redis"  # app.extensions key: the dashboard's Redis client


def _authorised(token: str | None) -> bool:
    if not token:
        return False
    auth = request.authorization
    given = (auth.password if auth and auth.type == "basic" else None) or (
        auth.token if auth and auth.type == "bearer" else None
    )
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


def _use_our_connection(blueprint: Blueprint) -> None:
    """rq-dashboard builds a client from the URL on every request; replace it with this app's
    client from yume.redis_connection (once per blueprint, which is a module-level object)."""
    if getattr(blueprint, "_yume_connection", False):
        return
    blueprint._yume_connection = True  # type: ignore[attr-defined]

    @blueprint.before_request
    def _pin_connection() -> None:  # runs after rq-dashboard's own hook
        current_app.redis_conn = current_app.extensions[REDIS]  # type: ignore[attr-defined]

    @blueprint.errorhandler(LookupError)
    def _no_such_instance(_error: LookupError) -> Response:
        """rq-dashboard raises LookupError for a Redis instance number it has not got."""
        return Response("No existe esa instancia de Redis", 404)


def mount_dashboard(app: Flask, config: Config) -> None:
    if not config.redis_url:
        return
    import rq_dashboard
    from rq_dashboard.web import setup_rq_connection

    app.config["RQ_DASHBOARD_REDIS_URL"] = config.redis_url
    setup_rq_connection(app)
    app.extensions[REDIS] = connect(config.redis_url)
    _use_our_connection(rq_dashboard.blueprint)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix="/rq")

    @app.before_request
    def _guard() -> Response | None:
        if request.blueprint != "rq_dashboard" or _authorised(config.admin_token):
            return None
        return Response("Autenticación requerida", 401, {"WWW-Authenticate": REALM})
