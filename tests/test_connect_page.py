"""The connect page in a real headless Chromium: the fake Facebook SDK calls back as Meta's
does (a code through FB.login's callback, the session event posted from Facebook's origin),
and the real app exchanges the code, runs the onboarding against the fake Graph API, and
tells the owner what happened."""

from __future__ import annotations

import logging

import pytest
from selenium.webdriver.common.by import By

from tests.fake_facebook import cancel_event, finish_event
from tests.onboarding import CONFIG_ID, invite, signup_config, wait_for_state
from yume.app import create_app
from yume.db import database
from yume.models import Organization
from yume.onboarding.models import Connection

pytest_plugins = ["tests.browser"]


@pytest.fixture
def site(pipeline_config, fake_graph, fake_facebook, jobs, live_app):
    from jobs.runtime import use_config

    config = signup_config(pipeline_config, fake_graph, fake_facebook.sdk_url)
    use_config(config)
    return live_app(create_app(config))


def open_and_tap(driver, url: str) -> None:
    driver.get(url)
    button = driver.find_element(By.ID, "connect")
    driver.execute_script("return 1")
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10).until(lambda d: button.is_enabled())
    button.click()


def database_dump() -> str:
    rows = []
    for table in database.get_tables():
        for row in database.execute_sql(f"SELECT * FROM {table}").fetchall():
            rows.append(repr(row))
    return "\n".join(rows)


@pytest.mark.parametrize("order", ["code-first", "event-first"])
def test_the_owner_connects_from_the_page_in_a_real_browser(
    browser,
    site,
    fake_facebook,
    fake_graph,
    jobs,
    caplog,
    order,
):
    caplog.set_level(logging.INFO)  # what a deployment logs (yume.app sets INFO)
    business = fake_graph.add_business()
    made = invite()
    forged = finish_event("999999", "888888")  # posted by the page itself: must be ignored
    fake_facebook.script(
        fake_graph.issue_code(), finish_event(business.waba_id), order=order, forged=forged
    )
    open_and_tap(browser, made.url(site.url))
    wait_for_state(browser, "connecting")
    assert jobs.pending() == 1  # the onboarding job the page's callbacks started
    jobs.run()
    wait_for_state(browser, "connected")
    assert "quedó conectado" in browser.find_element(By.ID, "title").text
    link = browser.find_element(By.ID, "wa-link").get_attribute("href")
    assert link == "https://wa.me/525541234567?text=hola"

    options = browser.execute_script("return window.__fbLoginOptions")
    assert options["config_id"] == CONFIG_ID
    assert options["response_type"] == "code" and options["override_default_response_type"]
    assert options["extras"]["featureType"] == "whatsapp_business_app_onboarding"
    assert options["extras"]["sessionInfoVersion"] == "3" and options["extras"]["setup"] == {}

    org = Organization.get_by_id(made.organization.id)
    assert org.whatsapp_business_account_id == business.waba_id  # not the forged one
    assert org.whatsapp_phone_number_id == business.numbers[0].id
    exchanges = fake_graph.calls("GET", "access_token")
    assert len(exchanges) == 1
    edges = [r.path.rsplit("/", 1)[-1] for r in fake_graph.requests]
    assert edges[:6] == [
        "access_token",
        "subscribed_apps",
        "phone_numbers",
        business.numbers[0].id,
        "smb_app_data",
        "smb_app_data",
    ]
    token = fake_graph.issued_tokens()[0]
    assert token not in database_dump()
    assert token not in caplog.text and exchanges[0].query["code"] not in caplog.text


def test_a_replayed_callback_from_the_browser_changes_nothing(
    browser,
    site,
    fake_facebook,
    fake_graph,
    jobs,
):
    business = fake_graph.add_business()
    made = invite()
    code = fake_graph.issue_code()
    fake_facebook.script(code, finish_event(business.waba_id))
    open_and_tap(browser, made.url(site.url))
    wait_for_state(browser, "connecting")
    jobs.run()
    wait_for_state(browser, "connected")
    before = (len(fake_graph.requests), database_dump())
    replay = """
        const done = arguments[arguments.length - 1];
        const url = arguments[0];
        Promise.all([
          fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                      body: JSON.stringify({code: arguments[1]})}),
          fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                      body: JSON.stringify({event: arguments[2]})}),
        ]).then(rs => Promise.all(rs.map(r => r.json()))).then(done);
    """
    session = f"{site.url}/connect/{made.token}/session"
    answers = browser.execute_async_script(replay, session, code, finish_event(business.waba_id))
    assert [a["state"] for a in answers] == ["connected", "connected"]
    assert jobs.pending() == 0  # nothing started again
    after_dump = database_dump()
    assert len(fake_graph.requests) == before[0]
    assert _without_times(after_dump) == _without_times(before[1])


def _without_times(dump: str) -> list[str]:
    """Rows compared without the columns a read may touch (none should change at all)."""
    return sorted(dump.splitlines())


@pytest.mark.parametrize(
    ("event", "words"),
    [
        (cancel_event(step="PHONE_NUMBER_SETUP"), "registrar tu número"),
        (cancel_event(error_message="El número ya está en otra cuenta"), "otra cuenta"),
        ({"type": "WA_EMBEDDED_SIGNUP", "event": "ERROR", "data": {}}, "Vuelve a intentarlo"),
    ],
)
def test_a_cancel_or_error_in_facebook_is_told_in_plain_spanish(
    browser,
    site,
    fake_facebook,
    fake_graph,
    event,
    words,
):
    made = invite()
    fake_facebook.script(None, event, order="event-first")
    open_and_tap(browser, made.url(site.url))
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 10).until(lambda d: words in d.find_element(By.ID, "message").text)
    assert browser.find_element(By.ID, "connect").is_displayed()  # try again right there
    assert not fake_graph.requests
    connection = Connection.get(Connection.organization == made.organization)
    assert connection.state == "pending" and connection.last_event == event["event"]


def test_the_secondary_link_connects_a_new_number_without_coexistence(
    browser, site, fake_facebook, fake_graph, jobs
):
    business = fake_graph.add_business()
    made = invite()
    number = business.numbers[0]
    fake_facebook.script(fake_graph.issue_code(), finish_event(business.waba_id, number.id, False))
    browser.get(made.url(site.url))
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "connect").is_enabled())
    browser.find_element(By.ID, "new-number").click()
    wait_for_state(browser, "connecting")
    jobs.run()
    wait_for_state(browser, "connected")
    options = browser.execute_script("return window.__fbLoginOptions")
    assert "featureType" not in options["extras"]
    assert number.id in business.registered  # registered with a PIN, not synced
    assert not fake_graph.calls("POST", "smb_app_data")
