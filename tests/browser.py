"""A real browser for the tests: headless Chromium from Debian driven by selenium, and
Yume's app served over real HTTP on 127.0.0.1 so the browser can reach it. Import the
fixtures (`browser`, `fake_facebook`, `live_app`) in a test module to use them."""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.fake_facebook import FakeFacebook

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=412,915",  # a phone held upright
)


def chromium_binary() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("Chromium is not installed: `apt-get install chromium chromium-driver`")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    driver_path = shutil.which("chromedriver")
    if driver_path is None:
        pytest.fail("chromedriver is not installed: `apt-get install chromium-driver`")
    profile = tempfile.mkdtemp(prefix="yume-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium_binary()
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def fake_facebook() -> Iterator[FakeFacebook]:
    fake = FakeFacebook().start()
    yield fake
    fake.stop()


class LiveApp:
    """The app on a real port, in a thread; `url` is its base URL."""

    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_app() -> Iterator[Callable[[Flask], LiveApp]]:
    started: list[LiveApp] = []

    def serve(app: Flask) -> LiveApp:
        started.append(LiveApp(app))
        return started[-1]

    yield serve
    for live in started:
        live.stop()
