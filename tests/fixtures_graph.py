"""The `fake_graph` fixture: one fake Meta Graph API server per test session, reset for every
test. Import the two fixtures (in conftest.py or a test module) to use it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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


@contextmanager
def meta_answering_too_late(fake: FakeGraph, seconds: float = 2) -> Iterator[None]:
    """The next message send reaches Meta, whose answer comes after our read timeout
    (0.5 s here): the send is ambiguous."""
    from yume import delivery
    from yume.whatsapp.client import GraphTransport

    fake.delay_next(seconds, match=lambda r: r.is_message)
    delivery.set_transport_factory(
        lambda c: GraphTransport(c.meta_graph_url, c.meta_api_version, read_timeout=0.5)
    )
    try:
        yield
    finally:
        delivery.set_transport_factory(None)
