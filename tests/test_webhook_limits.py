"""The webhook's door: a body over the limit is refused (413) before it is read whole, signed
or not; the signature is checked as the body streams in; the verify token is compared in
constant time."""

from __future__ import annotations

import dataclasses
import io
import json

from tests import webhooks
from yume.app import create_app
from yume.models import Message
from yume.webhook_journal import InboundWebhook
from yume.whatsapp.signature import BodyTooLarge, read_signed, sign

LIMIT = 64 * 1024
CUSTOMER_WA = "5215599998888"


class CountingStream(io.RawIOBase):
    """An endless body that counts what the server read of it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001
        buffer[:] = b"x" * len(buffer)
        self.read_bytes += len(buffer)
        return len(buffer)


def limited_client(pipeline_config):
    app = create_app(dataclasses.replace(pipeline_config, webhook_max_bytes=LIMIT))
    return app.test_client()


def test_a_declared_size_over_the_limit_is_refused_before_reading_a_byte(
    pipeline_config, cast, jobs
):
    body = CountingStream()
    response = limited_client(pipeline_config).post(
        "/webhooks/whatsapp",
        content_type="application/json",
        headers={"X-Hub-Signature-256": "sha256=" + "0" * 64},
        environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(200 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert response.headers["Connection"] == "close"
    assert body.read_bytes == 0
    assert InboundWebhook.select().count() == 0 and jobs.pending() == 0


def test_a_chunked_body_is_cut_off_as_soon_as_it_passes_the_limit(pipeline_config, cast, jobs):
    """No Content-Length (chunked): reading stops one chunk past the limit."""
    body = CountingStream()
    response = limited_client(pipeline_config).post(
        "/webhooks/whatsapp",
        content_type="application/json",
        headers={"X-Hub-Signature-256": "sha256=" + "0" * 64, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input": body, "wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    assert LIMIT < body.read_bytes <= LIMIT + 64 * 1024
    assert InboundWebhook.select().count() == 0


def test_an_unsigned_body_is_not_read_at_all(pipeline_config, cast):
    body = CountingStream()
    response = limited_client(pipeline_config).post(
        "/webhooks/whatsapp",
        headers={"X-Hub-Signature-256": "sha1=abc"},
        environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": "1000"},
    )
    assert response.status_code == 403 and body.read_bytes == 0


def test_a_signed_body_just_under_the_limit_is_taken_and_answered(
    pipeline_config, cast, jobs, fake_graph
):
    padding = "x" * (LIMIT - 2048)
    payload = webhooks.text(CUSTOMER_WA, "hola")
    payload["entry"][0]["padding"] = padding  # Meta adds fields we do not know; fine
    raw = json.dumps(payload).encode()
    assert len(raw) <= LIMIT
    assert webhooks.post(limited_client(pipeline_config), raw).status_code == 200
    jobs.run()
    assert Message.select().where(Message.direction == "in").count() == 1
    assert len(fake_graph.sent_messages()) == 1


def test_a_signed_body_one_byte_over_the_limit_is_refused(pipeline_config, cast, jobs):
    raw = b" " * (LIMIT + 1)
    assert webhooks.post(limited_client(pipeline_config), raw).status_code == 413
    assert InboundWebhook.select().count() == 0


def test_the_streaming_check_matches_the_signature_of_the_whole_body():
    secret, raw = "s3cret", json.dumps(webhooks.text(CUSTOMER_WA, "¿mañana? 😊")).encode() * 50
    assert read_signed(io.BytesIO(raw), secret, sign(secret, raw), len(raw)) == raw
    assert read_signed(io.BytesIO(raw + b" "), secret, sign(secret, raw), len(raw) + 1) is None
    try:
        read_signed(io.BytesIO(raw), secret, sign(secret, raw), len(raw) - 1)
    except BodyTooLarge:
        pass
    else:
        raise AssertionError("a body over the limit must not pass")


def test_the_verify_token_must_match_exactly(wa):
    url = "/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=7&hub.verify_token="
    assert wa.get(url + "verify-me").status_code == 200
    for wrong in ("verify-m", "verify-me ", "VERIFY-ME", "", "verify-me%00"):
        assert wa.get(url + wrong).status_code == 403
