"""`python -m yume chat`: talk to a business from the terminal, as a customer or staff.

Each line becomes the webhook body Meta would send, signed and posted to the real
webhook view; the same job, brain and sending code answer, and the transport prints
what WhatsApp would show. Type the number of a button or list row to tap it.
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from yume.config import Config
from yume.phones import whatsapp_id
from yume.templates import TEMPLATES
from yume.whatsapp.signature import sign

SIMULATOR_SECRET = "yume-simulator"


class ConsoleTransport:
    """Stands in for the Graph API: prints each message as WhatsApp would show it."""

    def __init__(self, echo: Callable[[str], None], me: str = "") -> None:
        self.echo = echo
        self.me = me  # the simulated person's WhatsApp id; others' messages are shown aside
        self.choices: list[dict[str, str]] = []  # the last buttons/rows shown, in order

    def post(self, path: str, payload: dict[str, Any], token: str) -> dict[str, Any]:
        if payload.get("status") == "read":
            return {"success": True}
        to = str(payload.get("to", ""))
        if self.me and to != self.me:
            choices = self.choices
            self.echo(f"   ↪ (WhatsApp a +{to}) " + self.render(payload).replace("\n", "\n     "))
            self.choices = choices  # their buttons are not yours to tap
        else:
            self.echo(self.render(payload))
        wamid = f"wamid.SIM{uuid.uuid4().hex}"  # unique across runs on the same database
        return {
            "messaging_product": "whatsapp",
            "contacts": [{"input": payload.get("to"), "wa_id": payload.get("to")}],
            "messages": [{"id": wamid}],
        }

    def get(self, path_or_url: str, token: str) -> Any:
        raise NotImplementedError("the simulator has no media to download")

    def render(self, payload: dict[str, Any]) -> str:
        kind = payload.get("type")
        if kind == "text":
            return "Yume: " + payload["text"]["body"]
        if kind == "reaction":
            return f"Yume reacciona {payload['reaction']['emoji']}"
        if kind == "template":
            return "Yume (plantilla): " + self._template_text(payload["template"])
        if kind == "interactive":
            return "Yume: " + self._interactive(payload["interactive"])
        return f"Yume envía {json.dumps(payload, ensure_ascii=False)}"

    def _interactive(self, interactive: dict[str, Any]) -> str:
        body = interactive.get("body", {}).get("text", "")
        action = interactive.get("action", {})
        if interactive.get("type") == "button":
            self.choices = [
                {"kind": "button_reply", **b["reply"]} for b in action.get("buttons", [])
            ]
        else:
            self.choices = [
                {"kind": "list_reply", **row}
                for section in action.get("sections", [])
                for row in section.get("rows", [])
            ]
        lines = [body] + [
            f"   [{i}] {c['title']}" + (f" — {c['description']}" if c.get("description") else "")
            for i, c in enumerate(self.choices, start=1)
        ]
        return "\n".join(lines)

    def _template_text(self, template: dict[str, Any]) -> str:
        known = TEMPLATES.get(template.get("name", ""))
        values = [
            p.get("text", "")
            for c in template.get("components", [])
            if c.get("type") == "body"
            for p in c.get("parameters", [])
        ]
        buttons = [
            {
                "kind": "template_button",
                "id": p.get("payload", ""),
                "title": known.buttons[i]
                if known and i < len(known.buttons)
                else p.get("payload", ""),
            }
            for i, c in enumerate(
                c for c in template.get("components", []) if c.get("type") == "button"
            )
            for p in c.get("parameters", [])
        ]
        if buttons:
            self.choices = buttons
        text = known.render(values) if known else f"{template.get('name')} {values}"
        return text + "".join(f"\n   [{i}] {b['title']}" for i, b in enumerate(buttons, start=1))


def message_for(line: str, choices: list[dict[str, str]]) -> dict[str, Any]:
    """The `messages[]` item Meta would send for what the person typed or tapped."""
    base = {"id": f"wamid.SIMIN{uuid.uuid4().hex}", "timestamp": str(int(time.time()))}
    if line.isdigit() and 1 <= int(line) <= len(choices):
        choice = choices[int(line) - 1]
        if choice["kind"] == "template_button":
            return {
                **base,
                "type": "button",
                "button": {"payload": choice["id"], "text": choice["title"]},
            }
        reply = {"id": choice["id"], "title": choice["title"]}
        return {
            **base,
            "type": "interactive",
            "interactive": {"type": choice["kind"], choice["kind"]: reply},
        }
    return {**base, "type": "text", "text": {"body": line}}


def webhook_body(phone_number_id: str, wa_id: str, name: str, message: dict[str, Any]) -> bytes:
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "0",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "5215500000000",
                                "phone_number_id": phone_number_id,
                            },
                            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                            "messages": [{"from": wa_id, **message}],
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(body).encode()


class Simulator:
    def __init__(
        self,
        config: Config,
        org_id: int,
        phone: str,
        name: str,
        echo: Callable[[str], None] = print,
    ) -> None:
        from jobs.runtime import use_config
        from yume.app import create_app
        from yume.delivery import set_transport_factory
        from yume.models import Organization
        from yume.queue import RecordingQueue, set_queue

        self.config = dataclasses.replace(config, meta_app_secret=SIMULATOR_SECRET, quiet_seconds=0)
        self.org = Organization.get_by_id(org_id)
        if not self.org.whatsapp_phone_number_id:
            raise ValueError("ese negocio no tiene whatsapp_phone_number_id")
        self.wa_id = (
            "521" + whatsapp_id(phone)[2:] if phone.startswith("+52") else whatsapp_id(phone)
        )
        self.name = name
        self.transport = ConsoleTransport(echo, me=self.wa_id)
        self.queue = RecordingQueue()
        set_queue(self.queue)
        set_transport_factory(lambda _config: self.transport)
        use_config(self.config)
        self.client = create_app(self.config).test_client()

    def say(self, line: str) -> int:
        raw = webhook_body(
            self.org.whatsapp_phone_number_id,
            self.wa_id,
            self.name,
            message_for(line, self.transport.choices),
        )
        response = self.client.post(
            "/webhooks/whatsapp",
            data=raw,
            content_type="application/json",
            headers={"X-Hub-Signature-256": sign(SIMULATOR_SECRET, raw)},
        )
        if response.status_code != 200:
            raise RuntimeError(f"el webhook respondió {response.status_code}")
        return self.queue.run_all()
