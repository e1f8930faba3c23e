"""Webhook bodies as Meta sends them, signed and posted to the real view."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from yume.whatsapp.signature import sign

APP_SECRET = "test-app-secret"
PHONE_NUMBER_ID = "1001"  # the cast's business
_ids = itertools.count(1)


def envelope(value: dict[str, Any], field: str = "messages") -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "WABA1",
                "changes": [
                    {
                        "field": field,
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "5215500001001",
                                "phone_number_id": value.pop("phone_number_id", PHONE_NUMBER_ID),
                            },
                            **value,
                        },
                    }
                ],
            }
        ],
    }


def text(
    wa_id: str,
    body: str,
    *,
    wamid: str | None = None,
    ts: int | None = None,
    name: str = "Ana",
    phone_number_id: str = PHONE_NUMBER_ID,
) -> dict[str, Any]:
    return envelope(
        {
            "phone_number_id": phone_number_id,
            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": wamid or f"wamid.T{next(_ids)}",
                    "timestamp": str(ts or int(time.time())),
                    "type": "text",
                    "text": {"body": body},
                }
            ],
        }
    )


def button_reply(wa_id: str, reply_id: str, title: str) -> dict[str, Any]:
    return envelope(
        {
            "contacts": [{"profile": {"name": "Ana"}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": f"wamid.B{next(_ids)}",
                    "timestamp": str(int(time.time())),
                    "type": "interactive",
                    "interactive": {
                        "type": "button_reply",
                        "button_reply": {"id": reply_id, "title": title},
                    },
                }
            ],
        }
    )


def echo(to: str, body: str, ts: int | None = None) -> dict[str, Any]:
    return envelope(
        {
            "message_echoes": [
                {
                    "from": "5215500001001",
                    "to": to,
                    "id": f"wamid.E{next(_ids)}",
                    "timestamp": str(ts or int(time.time())),
                    "type": "text",
                    "text": {"body": body},
                }
            ]
        },
        field="smb_message_echoes",
    )


def status(
    wamid: str, state: str, code: int | None = None, ts: int | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": wamid,
        "status": state,
        "timestamp": str(ts or int(time.time())),
        "recipient_id": "5215599998888",
    }
    if code:
        item["errors"] = [
            {
                "code": code,
                "title": "Re-engagement message",
                "error_data": {"details": "more than 24 hours"},
            }
        ]
    return envelope({"statuses": [item]})


def post(client: Any, body: Any, secret: str = APP_SECRET) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        "/webhooks/whatsapp",
        data=raw,
        content_type="application/json",
        headers={"X-Hub-Signature-256": sign(secret, raw)},
    )


def template_button(wa_id: str, payload: str, title: str) -> dict[str, Any]:
    """A tap on a template's quick-reply button (outside the 24-hour window)."""
    return envelope(
        {
            "contacts": [{"profile": {"name": "Chuy"}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": f"wamid.Q{next(_ids)}",
                    "timestamp": str(int(time.time())),
                    "type": "button",
                    "button": {"payload": payload, "text": title},
                }
            ],
        }
    )
