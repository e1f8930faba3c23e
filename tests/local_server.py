"""A real HTTP server on 127.0.0.1, in a background thread, for the fake APIs the tests run
(Meta's Graph API, Anthropic's Messages API). Every request goes to `fake.handle(handler)`."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol


class Fake(Protocol):
    def handle(self, handler: BaseHTTPRequestHandler) -> None: ...


class LocalServer:
    def __init__(self, fake: Fake) -> None:
        self.fake = fake
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Listen on a free port; the base URL."""
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self.fake
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return f"http://127.0.0.1:{self._server.server_port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # idle keep-alive connections must not hold up stop()
    fake: Fake


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # headers and body in one go: no 40 ms delayed-ACK wait
    protocol_version = "HTTP/1.1"  # keep-alive, like the real APIs
    server: _Server

    def do_GET(self) -> None:
        self.server.fake.handle(self)

    def do_POST(self) -> None:
        self.server.fake.handle(self)

    def do_DELETE(self) -> None:
        self.server.fake.handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the fakes record what they were asked."""
