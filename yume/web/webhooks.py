"""/webhooks/whatsapp: Meta's verification handshake, and signed deliveries journalled then
answered 200 at once.

Check order: secret configured → signature over the raw bytes → the bytes committed to the
webhook journal (one transaction shared with the deliveries arriving at the same moment) →
an ingest job asked for → 200. Parsing, routing and storing messages happen in that job
(jobs/ingest.py), so the acknowledgement costs one small insert whatever the body holds.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, current_app, request
from flask.typing import ResponseReturnValue

from yume.config import Config
from yume.queue import get_queue
from yume.web.errors import error_response
from yume.webhook_journal import INGEST_JOB, WebhookJournal
from yume.whatsapp.signature import verify_signature

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
    if (
        token
        and request.args.get("hub.mode") == "subscribe"
        and request.args.get("hub.verify_token") == token
    ):
        return request.args.get("hub.challenge", ""), 200, {"Content-Type": "text/plain"}
    return error_response(403, "forbidden", "verify token mismatch")


@webhooks.post("/webhooks/whatsapp")
def receive() -> ResponseReturnValue:
    config = _config()
    if not config.meta_app_secret:
        log.error("webhook.missing-secret: set META_APP_SECRET to accept webhooks")
        return error_response(403, "forbidden", "webhooks are not configured")
    raw = request.get_data(cache=False)
    header = request.headers.get("X-Hub-Signature-256")
    if not header:
        return error_response(401, "unauthorized", "missing signature")
    if not verify_signature(config.meta_app_secret, raw, header):
        log.warning("webhook.invalid-signature")
        return error_response(403, "forbidden", "invalid signature")
    try:
        current_app.extensions[JOURNAL].record(raw)
    except Exception:  # the database is down: say so, and Meta will deliver again
        log.exception("webhook.store-failed")
        return error_response(503, "unavailable", "try again later")
    return "", 200
