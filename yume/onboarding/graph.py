"""The Graph API calls of onboarding (reference §5.4), through the one HTTP seam
(yume.whatsapp.client.GraphTransport), each failure a classified WhatsAppError."""

from __future__ import annotations

from typing import Any

import requests

from yume.config import Config
from yume.whatsapp.client import (
    GraphTransport,
    WhatsAppError,
    error_from_response,
    network_error,
)

PHONE_FIELDS = "id,display_phone_number,verified_name"
NUMBER_FIELDS = "display_phone_number,verified_name,is_on_biz_app,platform_type"


def exchange_code(config: Config, code: str, transport: GraphTransport | None = None) -> str:
    """The business token for Embedded Signup's code (which lives 30 s: call at once).

    The app secret travels as a query parameter, as Meta's example does; it is never
    logged (only the path is)."""
    if not (config.meta_app_id and config.meta_app_secret):
        raise WhatsAppError("META_APP_ID and META_APP_SECRET are needed to exchange the code")
    transport = transport or GraphTransport.from_config(config)
    params = {
        "client_id": config.meta_app_id,
        "client_secret": config.meta_app_secret,
        "code": code,
    }
    try:
        response = transport.session.get(
            transport.url("oauth/access_token"), params=params, timeout=transport.timeout
        )
    except requests.RequestException as exc:
        raise network_error(exc, idempotent=True) from None
    if not response.ok:
        raise error_from_response(response)
    token = _json(response).get("access_token")
    if not isinstance(token, str) or not token:
        raise WhatsAppError("no access_token in Meta's answer", kind="permanent")
    return token


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    return body if isinstance(body, dict) else {}


def subscribe_app(transport: GraphTransport, waba_id: str, token: str) -> None:
    transport.post(f"{waba_id}/subscribed_apps", {}, token)


def phone_numbers(transport: GraphTransport, waba_id: str, token: str) -> list[dict[str, Any]]:
    answer = _json(transport.get(f"{waba_id}/phone_numbers?fields={PHONE_FIELDS}", token))
    return [n for n in answer.get("data", []) if isinstance(n, dict) and n.get("id")]


def phone_number(transport: GraphTransport, phone_number_id: str, token: str) -> dict[str, Any]:
    return _json(transport.get(f"{phone_number_id}?fields={NUMBER_FIELDS}", token))


def sync_app_data(
    transport: GraphTransport, phone_number_id: str, token: str, sync_type: str
) -> str:
    """Coexistence: ask Meta to send the Business app's contacts or chat history (once)."""
    body = {"messaging_product": "whatsapp", "sync_type": sync_type}
    answer = transport.post(f"{phone_number_id}/smb_app_data", body, token)
    return str(answer.get("request_id") or "")


def register_number(transport: GraphTransport, phone_number_id: str, token: str, pin: str) -> None:
    """A new number (not Coexistence) must be registered for the Cloud API with a PIN."""
    body = {"messaging_product": "whatsapp", "pin": pin}
    transport.post(f"{phone_number_id}/register", body, token)
