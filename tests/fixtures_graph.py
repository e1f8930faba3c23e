"""The `fake_graph` fixture: one fake Meta Graph API server per test session, reset for every
test. Import the two fixtures (in conftest.py or a test module) to use it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fake_graph import FakeGraph


@pytest.fixture(scope="session")
def fake_graph_server() -> Iterator[FakeGraph]:
    fake = FakeGraph().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_graph(fake_graph_server: FakeGraph) -> Iterator[FakeGraph]:
    """The running fake with no recorded requests, scripts, media or templates."""
    fake_graph_server.reset()
    yield fake_graph_server
    fake_graph_server.reset()
