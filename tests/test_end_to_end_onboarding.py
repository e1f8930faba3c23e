"""One salon from invite to first booking, as people do it: the invite command prints a
link, the owner opens it in a real browser and connects (the fake Facebook SDK and fake
Graph API stand in for Meta), writes «hola» to the business number, sets the business up
by chat with the guided brain, and a customer books by chat. Every id comes from where
Meta would put it; none is typed by hand."""

from __future__ import annotations

import itertools
import json
import re
import time
from typing import Any

import requests
from click.testing import CliRunner
from selenium.webdriver.common.by import By

from tests import webhooks
from tests.conftest import DATABASE_URL, SECRET_KEY
from tests.fake_facebook import finish_event
from tests.onboarding import signup_config, wait_for_state
from yume.app import create_app
from yume.cli import main
from yume.models import Appointment, Organization
from yume.whatsapp.signature import sign

pytest_plugins = ["tests.browser"]
_ids = itertools.count(1)


class Phone:
    """Someone's WhatsApp: what they type or tap becomes Meta's webhook to the live app;
    what Yume sends them is read from the fake Graph API."""

    def __init__(self, site: Any, graph: Any, jobs: Any, wa_id: str, name: str, pnid: str):
        self.site, self.graph, self.jobs = site, graph, jobs
        self.wa_id, self.name, self.pnid = wa_id, name, pnid
        self.seen = 0

    def _mine(self) -> list[dict[str, Any]]:
        return [m for m in self.graph.sent_messages() if m["to"] == self.wa_id]

    def _post(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        message = {
            "from": self.wa_id,
            "id": f"wamid.E2E{next(_ids)}",
            "timestamp": str(int(time.time())),
            **message,
        }
        body = webhooks.envelope(
            {
                "phone_number_id": self.pnid,
                "contacts": [{"profile": {"name": self.name}, "wa_id": self.wa_id}],
                "messages": [message],
            }
        )
        raw = json.dumps(body).encode()
        answer = requests.post(
            f"{self.site.url}/webhooks/whatsapp",
            data=raw,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": sign(webhooks.APP_SECRET, raw),
            },
            timeout=10,
        )
        assert answer.status_code == 200
        self.jobs.ingest()
        self.jobs.run()
        mine = self._mine()
        new, self.seen = mine[self.seen :], len(mine)
        return new

    def say(self, text: str) -> str:
        return "\n".join(_text(m) for m in self._post({"type": "text", "text": {"body": text}}))

    def tap(self, title: str) -> str:
        last = next(m for m in reversed(self._mine()) if m["type"] == "interactive")
        interactive = last["interactive"]
        action = interactive["action"]
        if interactive["type"] == "button":
            choices = [
                (b["reply"]["id"], b["reply"]["title"], "button_reply") for b in action["buttons"]
            ]
        else:
            rows = [row for section in action["sections"] for row in section["rows"]]
            choices = [(r["id"], r["title"], "list_reply") for r in rows]
        reply_id, shown, kind = next(c for c in choices if c[1].startswith(title))
        tapped = {"type": kind, kind: {"id": reply_id, "title": shown}}
        return "\n".join(
            _text(m) for m in self._post({"type": "interactive", "interactive": tapped})
        )


def _text(message: dict[str, Any]) -> str:
    if message["type"] == "text":
        return message["text"]["body"]
    if message["type"] == "interactive":
        return message["interactive"]["body"]["text"]
    return json.dumps(message, ensure_ascii=False)


def test_from_invite_to_the_first_booking(
    browser, fake_facebook, live_app, fake_graph, jobs, pipeline_config, monkeypatch
):
    from jobs.runtime import use_config

    monkeypatch.delenv("YUME_BRAIN")  # the guided brain answers, as without a Claude key
    config = signup_config(pipeline_config, fake_graph, fake_facebook.sdk_url)
    use_config(config)
    site = live_app(create_app(config))

    invited = CliRunner().invoke(
        main,
        ["invite", "--name", "Barbería La Navaja", "--owner-phone", "+52 55 4123 8876",
         "--owner-name", "Rodrigo Salas", "--base-url", site.url],
        env={"DATABASE_URL": DATABASE_URL, "YUME_SECRET_KEY": SECRET_KEY},
    )  # fmt: skip
    assert invited.exit_code == 0, invited.output
    link = re.search(r"http://\S+/connect/\S+", invited.output).group(0)

    business = fake_graph.add_business(display_phone_number="+52 55 4123 4567")
    fake_facebook.script(fake_graph.issue_code(), finish_event(business.waba_id))
    browser.get(link)
    from selenium.webdriver.support.ui import WebDriverWait

    button = browser.find_element(By.ID, "connect")
    WebDriverWait(browser, 10).until(lambda d: button.is_enabled())
    button.click()
    wait_for_state(browser, "connecting")
    jobs.run()
    wait_for_state(browser, "connected")
    wa_link = browser.find_element(By.ID, "wa-link").get_attribute("href")
    assert wa_link == "https://wa.me/525541234567?text=hola"

    pnid = business.numbers[0].id  # what Meta puts in every webhook for this number
    owner = Phone(site, fake_graph, jobs, "5215541238876", "Rodrigo", pnid)
    first = owner.say("hola")  # the wa.me link's message opens the owner's window
    assert "ya estoy conectada al WhatsApp de Barbería La Navaja" in first  # the greeting
    assert "¿tu negocio se llama «Barbería La Navaja»?" in first
    owner.tap("Sí, así")
    owner.say("Av. Insurgentes Sur 1234, Del Valle, CDMX")
    owner.say("corte 40 min 250, barba 30 min 150, corte y barba 1 hora 350")
    owner.say("lunes a sábado de 10 a 8, domingo cerrado")
    owner.tap("Sí, también")
    owner.say("Pedro 55 1234 5678 hace cortes y barba; Luis 55 8765 4321 hace cortes")
    assert "Terminamos de configurar" in owner.tap("Es todo")

    customer = Phone(site, fake_graph, jobs, "5215599990000", "Lupe", pnid)
    from tests.test_guided_dialogues import coming, on_day

    wednesday = coming(2)
    offer = customer.say("hola, quiero un corte el miércoles a las 11")
    assert f"¿Te agendo *Corte* {on_day(wednesday)} a las 11:00 AM" in offer
    assert "¡Listo, Lupe! ✅" in customer.tap("Sí, agendar")
    appointment = Appointment.get()
    org = Organization.get(Organization.whatsapp_phone_number_id == pnid)
    assert appointment.organization_id == org.id and appointment.source == "chat"
    assert appointment.customer.phone == "+525599990000"
    assert jobs.failures == []
