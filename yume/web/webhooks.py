"""/webhooks/whatsapp: Meta's verification handshake, and signed deliveries journalled then
answered 200 at once.

Check order: secret configured → a signature header → a declared size within the limit
(413, before a byte is read) → the body read in chunks, hashed as it comes and refused (413)
the moment it passes the limit → signature → the bytes committed to the webhook journal (one
transaction shared with the deliveries arriving at the same moment; 503 if the database does
not take them in time) → an ingest job asked for → 200. Parsing, routing and storing
messages happen in that job (jobs/ingest.py), so the acknowledgement costs one small insert
whatever the body holds.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, current_app, request
from flask.typing import ResponseReturnValue

from yume.config import Config
from yume.queue import get_queue
from yume.web.auth import same_secret
from yume.web.errors import error_response
from yume.webhook_journal import INGEST_JOB, WebhookJournal
from yume.whatsapp.signature import BodyTooLarge, read_signed

log = logging.getLogger(__name__)
webhooks = Blueprint("webhooks", __name__)
JOURNAL = "yume.webhook_journal"


def install_journal(app: Flask, config: Config) -> WebhookJournal:
    """The app's journal; each committed batch asks for one ingest run (if none is waiting)."""
    journal = WebhookJournal(
        config.database_url,
        after_commit=lambda: get_queue(config.redis_url).enqueue_unless_pending(INGEST_JOB),
    )
    app.extensions[JOURNAL] = journal
    return journal


def _config() -> Config:
    return current_app.config["YUME"]


@webhooks.get("/webhooks/whatsapp")
def verify() -> ResponseReturnValue:
    token = _config().meta_verify_token
    if request.args.get("hub.mode") == "subscribe" and same_secret(
        request.args.get("hub.verify_token"), token
    ):
        return request.args.get("hub.challenge", ""), 200, {"Content-Type": "text/plain"}
    return error_response(403, "forbidden", "verify token mismatch")


@webhooks.post("/webhooks/whatsapp")
def receive() -> ResponseReturnValue:
    config = _config()
    if not config.meta_app_secret:
        log.error("webhook.missing-secret: set META_APP_SECRET to accept webhooks")
        return error_response(403, "forbidden", "webhooks are not configured")
    header = request.headers.get("X-Hub-Signature-256")
    if not header:
        return error_response(401, "unauthorized", "missing signature")
    limit = config.webhook_max_bytes
    if (request.content_length or 0) > limit:
        return _too_large(limit)
    try:
        raw = read_signed(request.stream, config.meta_app_secret, header, limit)
    except BodyTooLarge:
        return _too_large(limit)
    if raw is None:
        log.warning("webhook.invalid-signature")
        return error_response(403, "forbidden", "invalid signature")
    try:
        current_app.extensions[JOURNAL].record(raw)
    except Exception:  # the database is down: say so, and Meta will deliver again
        log.exception("webhook.store-failed")
        return error_response(503, "unavailable", "try again later")
    return "", 200


def _too_large(limit: int) -> ResponseReturnValue:
    """413, and the connection closed: the rest of the body is never read."""
    log.warning("webhook.too-large limit=%s declared=%s", limit, request.content_length)
    response = error_response(413, "too_large", f"the body is over {limit} bytes")
    response.headers["Connection"] = "close"
    return response
