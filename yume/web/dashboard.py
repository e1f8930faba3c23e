"""rq-dashboard at /rq for ops, behind HTTP Basic auth (any user name; the password is
YUME_ADMIN_TOKEN). Mounted only when REDIS_URL is set: embedded mode has no queues to watch."""

from __future__ import annotations

import hmac

from flask import Flask, Response, request

from yume.config import Config

REALM = 'Basic realm="Yume ops", charset="UTF-8"'


def _authorised(token: str | None) -> bool:
    if not token:
        return False
    auth = request.authorization
    given = (auth.password if auth and auth.type == "basic" else None) or (
        auth.token if auth and auth.type == "bearer" else None
    )
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


def mount_dashboard(app: Flask, config: Config) -> None:
    if not config.redis_url:
        return
    import rq_dashboard
    from rq_dashboard.web import setup_rq_connection

    app.config["RQ_DASHBOARD_REDIS_URL"] = config.redis_url
    setup_rq_connection(app)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix="/rq")

    @app.before_request
    def _guard() -> Response | None:
        if request.blueprint != "rq_dashboard" or _authorised(config.admin_token):
            return None
        return Response("Autenticación requerida", 401, {"WWW-Authenticate": REALM})
