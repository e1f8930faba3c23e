"""rq-dashboard at /rq for ops, behind HTTP Basic auth (any user name; the password is
YUME_ADMIN_TOKEN). Mounted only when REDIS_URL is set: embedded mode has no queues to watch.

A browser sends Basic credentials to /rq from any page, so a page on another site could make
an ops person's browser requeue or delete jobs (cross-site request forgery). Whatever changes
something (a POST, and rq-dashboard's "requeue all", which also answers GET) must prove it
comes from the dashboard itself: an Origin or Referer naming this host, or the browser's own
Sec-Fetch-Site: same-origin. Pages of another site cannot embed the dashboard's pages either;
following a link to it is fine."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, request

from yume.config import Config
from yume.redis_connection import connect
from yume.web.auth import is_admin

log = logging.getLogger(__name__)

REALM = 'Basic realm="Yume ops", charset="UTF-8"'
REDIS = "yume.redis"  # app.extensions key: the dashboard's Redis client
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CHANGES_ON_GET = frozenset({"rq_dashboard.requeue_all"})


def _changes_something() -> bool:
    return request.method not in SAFE_METHODS or request.endpoint in CHANGES_ON_GET


def _from_this_site() -> bool:
    """The request says it comes from a page of this very host."""
    for header in ("Origin", "Referer"):
        value = request.headers.get(header)
        if value:
            return urlsplit(value).netloc == request.host
    return request.headers.get("Sec-Fetch-Site") == "same-origin"


def _embedded_by_another_site() -> bool:
    """An image, script or frame on another site's page pointing here (a link is fine)."""
    return (
        request.headers.get("Sec-Fetch-Site") == "cross-site"
        and request.headers.get("Sec-Fetch-Mode", "navigate") != "navigate"
    )


def cross_site_refusal() -> Response | None:
    if _changes_something() and not _from_this_site():
        log.warning("dashboard.cross-site-refused %s %s", request.method, request.path)
        return Response("Solicitud de otro sitio rechazada", 403)
    if _embedded_by_another_site():
        return Response("Solicitud de otro sitio rechazada", 403)
    return None


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
        if request.blueprint != "rq_dashboard":
            return None
        refused = cross_site_refusal()
        if refused is not None:
            return refused
        if is_admin(config, allow_basic=True):
            return None
        return Response("Autenticación requerida", 401, {"WWW-Authenticate": REALM})
