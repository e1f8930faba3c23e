"""/connect/<token>: the page an owner opens from an invite to connect their WhatsApp
(Embedded Signup with Coexistence), and the two calls its script makes."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue

from yume.config import Config
from yume.models import Organization
from yume.onboarding import signup
from yume.onboarding.links import LinkUnusable, connection_of, resolve
from yume.onboarding.page import page_settings
from yume.web.errors import error_response
from yume.whatsapp.client import WhatsAppError

log = logging.getLogger(__name__)
connect = Blueprint(
    "connect",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/connect-static",
)

UNUSABLE = {
    "unknown": (404, "Este enlace no existe", "Revisa que lo copiaste completo o pide uno nuevo."),
    "expired": (410, "Este enlace ya venció", "Pide un enlace nuevo a quien te lo mandó."),
    "used": (410, "Este enlace ya se usó", "Tu WhatsApp ya quedó conectado con él."),
}
MAX_BODY = 20_000


def _config() -> Config:
    return current_app.config["YUME"]


@connect.get("/connect/<token>")
def page(token: str) -> ResponseReturnValue:
    try:
        link = resolve(token)
    except LinkUnusable as unusable:
        status, title, message = UNUSABLE[unusable.reason]
        return render_template("connect.html", problem={"title": title, "message": message}), status
    org = Organization.get_by_id(link.organization_id)
    connection = connection_of(org)
    settings = page_settings(
        _config(),
        url_for("connect.session", token=token),
        url_for("connect.status", token=token),
    )
    return render_template(
        "connect.html",
        business=org.name,
        settings=settings,
        sdk_url=_config().meta_sdk_url,
        shown=signup.describe(connection, org),
    )


@connect.get("/connect/<token>/status")
def status(token: str) -> ResponseReturnValue:
    return _answer(token, None)


@connect.post("/connect/<token>/session")
def session(token: str) -> ResponseReturnValue:
    if (request.content_length or 0) > MAX_BODY:
        return error_response(413, "too_large", "demasiado grande")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not ({"code", "event"} & set(body)):
        return error_response(400, "bad_request", "envía {code} o {event} en JSON")
    return _answer(token, body)


def _answer(token: str, body: dict[str, Any] | None) -> ResponseReturnValue:
    try:
        link = resolve(token)
    except LinkUnusable as unusable:
        status_code, title, message = UNUSABLE[unusable.reason]
        return error_response(status_code, f"link_{unusable.reason}", f"{title}. {message}")
    org = Organization.get_by_id(link.organization_id)
    connection = connection_of(org)
    try:
        if body and "event" in body:
            connection = signup.record_event(connection, body["event"], _config())
        if body and "code" in body:
            connection = signup.record_code(connection, body["code"], _config())
    except signup.BadCallback as bad:
        return error_response(422, "bad_callback", str(bad))
    except WhatsAppError as error:
        return jsonify(signup.exchange_failed(error))
    org = Organization.get_by_id(org.id)
    return jsonify(signup.describe(connection, org))
