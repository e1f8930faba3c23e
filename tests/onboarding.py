"""Shared by the onboarding tests: a configuration for Embedded Signup against the fakes,
and the steps of connecting a business through the connect page's endpoints."""

from __future__ import annotations

import dataclasses
from typing import Any

from yume.config import Config
from yume.onboarding.links import Invite, create_invite

OWNER_PHONE = "+52 55 4123 8876"
CONFIG_ID = "1234567890"


def signup_config(pipeline_config: Config, fake_graph: Any, sdk_url: str = "") -> Config:
    return dataclasses.replace(
        pipeline_config,
        meta_app_id=fake_graph.app_id,
        meta_app_secret=fake_graph.app_secret,
        meta_config_id=CONFIG_ID,
        meta_sdk_url=sdk_url or pipeline_config.meta_sdk_url,
    )


def invite(name: str = "Barbería La Navaja") -> Invite:
    return create_invite(name, OWNER_PHONE, owner_name="Rodrigo Salas")


def finish(waba_id: str, phone_number_id: str | None = None, coexistence: bool = True):
    from tests.fake_facebook import finish_event

    return finish_event(waba_id, phone_number_id, coexistence)


def wait_for_state(driver: object, state: str, timeout: float = 15) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    def reached(d) -> bool:  # noqa: ANN001
        return d.execute_script("return document.body.getAttribute('data-state')") == state

    WebDriverWait(driver, timeout).until(reached)
