"""Fixtures for the fake Anthropic Messages API (tests/fake_anthropic.py): one server per
session, reset for every test. Import them in a test module to use them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from tests.fake_anthropic import FakeAnthropic
from yume.config import Config

API_KEY = "sk-ant-test"


@pytest.fixture(scope="session")
def fake_anthropic_server() -> Iterator[FakeAnthropic]:
    fake = FakeAnthropic().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_claude(
    fake_anthropic_server: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeAnthropic]:
    """The fake, reset, with ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY pointing at it: the
    real SDK talks to it as it would to Anthropic."""
    fake_anthropic_server.reset()
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic_server.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    yield fake_anthropic_server
    fake_anthropic_server.reset()


@pytest.fixture
def claude_config(pipeline_config: Config) -> Config:
    return dataclasses.replace(pipeline_config, anthropic_api_key=API_KEY)


@pytest.fixture
def claude_pipeline(
    fake_claude: FakeAnthropic, jobs, claude_config: Config, monkeypatch: pytest.MonkeyPatch
) -> FakeAnthropic:
    """The WhatsApp pipeline (`wa` + `jobs`) answering with the Claude brain: the key is
    set and YUME_BRAIN (which `jobs` points at the echo brain) is unset."""
    from jobs.runtime import use_config

    monkeypatch.delenv("YUME_BRAIN", raising=False)
    use_config(claude_config)
    return fake_claude
