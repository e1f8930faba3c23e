"""A fake Facebook JS SDK, served from its own origin on 127.0.0.1, that behaves as Meta's
does for Embedded Signup: `FB.init`, and `FB.login` that hands the page a code through its
callback and posts the session event (`WA_EMBEDDED_SIGNUP`) from the SDK's origin through a
frame, as Facebook's popup does, in the order a test asks for. It remembers the options
`FB.login` was called with (`window.__fbLoginOptions`)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from tests.local_server import LocalServer

SDK = """
(function () {
  var scenario = %(scenario)s;
  var origin = %(origin)s;
  function later(ms, fn) { setTimeout(fn, ms); }
  function postEvent() {
    if (!scenario.event) return;
    var frame = document.createElement("iframe");
    frame.style.display = "none";
    frame.src = origin + "/es.html#" + encodeURIComponent(JSON.stringify(scenario.event));
    document.body.appendChild(frame);
  }
  function answer(callback) {
    var response = scenario.code
      ? { status: "connected", authResponse: { code: scenario.code } }
      : { status: "unknown", authResponse: null };
    callback(response);
  }
  window.FB = {
    init: function (options) { window.__fbInitOptions = options; },
    login: function (callback, options) {
      window.__fbLoginOptions = options;
      if (scenario.forged) {  // a page script pretending to be Facebook: must be ignored
        window.postMessage(JSON.stringify(scenario.forged), "*");
      }
      if (scenario.order === "event-first") {
        postEvent();
        later(scenario.gap_ms, function () { answer(callback); });
      } else {
        later(0, function () { answer(callback); });
        later(scenario.gap_ms, postEvent);
      }
    }
  };
  later(0, function () { if (window.fbAsyncInit) window.fbAsyncInit(); });
})();
"""

EVENT_PAGE = """<!doctype html><script>
parent.postMessage(decodeURIComponent(location.hash.slice(1)), "*");
</script>"""


@dataclass
class FakeFacebook:
    url: str = ""
    scenario: dict[str, Any] = field(default_factory=dict)
    served: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._http = LocalServer(self)

    def start(self) -> FakeFacebook:
        self.url = self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

    @property
    def sdk_url(self) -> str:
        return f"{self.url}/es_LA/sdk.js"

    def script(
        self,
        code: str | None,
        event: dict[str, Any] | None,
        order: str = "code-first",
        gap_ms: int = 300,
        forged: dict[str, Any] | None = None,
    ) -> None:
        """What the next page that loads the SDK will see when the owner taps the button."""
        with self._lock:
            self.scenario = {
                "code": code,
                "event": event,
                "order": order,
                "gap_ms": gap_ms,
                "forged": forged,
            }

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = urlsplit(handler.path).path
        with self._lock:
            self.served.append(path)
            scenario = dict(self.scenario)
        if path.endswith("/sdk.js"):
            body = SDK % {"scenario": json.dumps(scenario), "origin": json.dumps(self.url)}
            _write(handler, 200, body.encode(), "application/javascript")
        elif path == "/es.html":
            _write(handler, 200, EVENT_PAGE.encode(), "text/html")
        else:
            _write(handler, 404, b"not found", "text/plain")


def finish_event(waba_id: str, phone_number_id: str | None = None, coexistence: bool = True):
    data: dict[str, Any] = {"waba_id": waba_id}
    if phone_number_id:
        data["phone_number_id"] = phone_number_id
    event = "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING" if coexistence else "FINISH"
    return {"data": data, "type": "WA_EMBEDDED_SIGNUP", "event": event, "version": 3}


def cancel_event(step: str | None = None, error_message: str | None = None):
    data: dict[str, Any] = {}
    if step:
        data["current_step"] = step
    if error_message:
        data.update(error_message=error_message, error_code="524126", session_id="f34b1d")
    return {"data": data, "type": "WA_EMBEDDED_SIGNUP", "event": "CANCEL", "version": 3}


def _write(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str) -> None:
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Access-Control-Allow-Origin", "*")  # as Meta's CDN: crossorigin
        handler.end_headers()
        handler.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        handler.close_connection = True
