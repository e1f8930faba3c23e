"""/webhooks/whatsapp: Meta's verification handshake, and signed deliveries stored then
enqueued, answered 200 at once. Check order: secret configured → signature over the raw
bytes → parse (never raises) → store → enqueue."""

from __future__ import annotations

import json
import logging

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from yume.config import Config
from yume.inbox import PROCESS_CONVERSATION, Inbox
from yume.queue import get_queue
from yume.whatsapp.payloads import parse_webhook
from yume.whatsapp.signature import verify_signature

log = logging.getLogger(__name__)
webhooks = Blueprint("webhooks", __name__)


def _config() -> Config:
    return current_app.config["YUME"]


@webhooks.get("/webhooks/whatsapp")
def verify() -> ResponseReturnValue:
    token = _config().meta_verify_token
    if (
        token
        and request.args.get("hub.mode") == "subscribe"
        and request.args.get("hub.verify_token") == token
    ):
        return request.args.get("hub.challenge", ""), 200, {"Content-Type": "text/plain"}
    return jsonify(error={"code": "forbidden", "message": "verify token mismatch"}), 403


@webhooks.post("/webhooks/whatsapp")
def receive() -> ResponseReturnValue:
    config = _config()
    if not config.meta_app_secret:
        log.error("webhook.missing-secret: set META_APP_SECRET to accept webhooks")
        return jsonify(error={"code": "forbidden", "message": "webhooks are not configured"}), 403
    raw = request.get_data(cache=False)
    header = request.headers.get("X-Hub-Signature-256")
    if not header:
        return jsonify(error={"code": "unauthorized", "message": "missing signature"}), 401
    if not verify_signature(config.meta_app_secret, raw, header):
        log.warning("webhook.invalid-signature")
        return jsonify(error={"code": "forbidden", "message": "invalid signature"}), 403
    try:
        body = json.loads(raw)
    except ValueError:
        log.warning("webhook.not-json bytes=%s", len(raw))
        return "", 200
    try:
        work = Inbox().store(parse_webhook(body))
    except Exception:  # the database is down: say so, and Meta will deliver again
        log.exception("webhook.store-failed")
        return jsonify(error={"code": "unavailable", "message": "try again later"}), 503
    queue = get_queue(config.redis_url)
    for item in work:
        delay = config.quiet_seconds if item.job == PROCESS_CONVERSATION else 0
        queue.enqueue(item.job, item.argument, delay=delay)
    return "", 200
