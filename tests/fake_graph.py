"""A fake Meta Graph API: a real HTTP server on 127.0.0.1, spoken to by the real `requests`.

It records every request in order, answers with Meta's real success and error bodies, serves
media behind the bearer token, keeps message templates, and checks each outgoing message
against Meta's limits the way Meta would (a 131009 error), so a payload that would fail in
production fails here too. Tests script it with `fail_next`, `delay_next` and `drop_next`.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.local_server import LocalServer

Matcher = Callable[["RecordedRequest"], bool]
Answer = tuple[int, Any, str]  # status, body (JSON value or bytes), content type

VERSIONED = re.compile(r"^/(v\d+\.\d+)/([^/]+)(?:/([a-z_]+))?$")
MEDIA = re.compile(r"^/media/([^/]+)$")


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    status: int | None = None  # what the fake answered (set before any scripted delay)

    @property
    def token(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        return auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None

    @property
    def is_message(self) -> bool:
        """A POST …/messages that is a message, not a mark-as-read."""
        return (
            self.method == "POST"
            and self.path.endswith("/messages")
            and isinstance(self.json, dict)
            and "status" not in self.json
        )

    @property
    def is_read_receipt(self) -> bool:
        return (
            self.method == "POST"
            and self.path.endswith("/messages")
            and isinstance(self.json, dict)
            and "status" in self.json
        )


@dataclass
class _Script:
    """A scripted behaviour for the next `times` matching requests."""

    times: int
    match: Matcher | None = None
    error: dict[str, Any] | None = None
    http_status: int = 400
    delay: float = 0.0
    drop: bool = False


@dataclass
class _Media:
    content: bytes
    mime_type: str
    url: str | None = None  # where the media info says to download it (default: here)


def meta_error(
    code: int, message: str, details: str = "", subcode: int | None = None
) -> dict[str, Any]:
    """Meta's synchronous error body."""
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details},
        "fbtrace_id": "Afake" + uuid.uuid4().hex[:20],
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


@dataclass
class FakeNumber:
    """A phone number of a business's WhatsApp account, as the Graph API describes it."""

    id: str
    display_phone_number: str
    verified_name: str
    is_on_biz_app: bool = True  # Coexistence: still in the WhatsApp Business app


@dataclass
class FakeBusiness:
    """A WhatsApp Business Account someone finished Embedded Signup with."""

    waba_id: str
    numbers: list[FakeNumber]
    subscribed: bool = False
    synced: list[tuple[str, str]] = field(default_factory=list)  # (number id, sync_type)
    registered: dict[str, str] = field(default_factory=dict)  # number id → PIN


@dataclass
class FakeGraph:
    token: str | None = None  # None: any bearer token is accepted
    url: str = ""
    _requests: list[RecordedRequest] = field(default_factory=list, repr=False)
    _scripts: list[_Script] = field(default_factory=list, repr=False)
    _media: dict[str, _Media] = field(default_factory=dict, repr=False)
    _templates: list[dict[str, Any]] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1), repr=False)
    _http: LocalServer = field(init=False, repr=False)
    # Embedded Signup (issue 10): businesses, codes and the tokens they were exchanged for
    app_id: str = "yume-test-app"
    app_secret: str = "test-app-secret"
    businesses: dict[str, FakeBusiness] = field(default_factory=dict, repr=False)
    _codes: dict[str, str | None] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._http = LocalServer(self)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeGraph:
        self.url = self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

    def reset(self) -> None:
        with self._lock:
            self.token = None
            self._requests.clear()
            self._scripts.clear()
            self._media.clear()
            self._templates.clear()
            self.businesses.clear()
            self._codes.clear()

    # -- what tests read -----------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def sent_messages(self) -> list[dict[str, Any]]:
        """Bodies of the messages Meta accepted (answered 200), oldest first."""
        return [r.json for r in self.requests if r.is_message and r.status == 200]

    def read_receipts(self) -> list[dict[str, Any]]:
        return [r.json for r in self.requests if r.is_read_receipt and r.status == 200]

    @property
    def templates(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(t) for t in self._templates]

    # -- what tests script ---------------------------------------------------------------

    def fail_next(
        self,
        code: int,
        http_status: int = 400,
        times: int = 1,
        title: str = "",
        details: str = "",
        match: Matcher | None = None,
    ) -> None:
        """Answer the next `times` (matching) requests with Meta's error body for `code`."""
        error = meta_error(code, title or f"(#{code}) Scripted failure", details)
        self._script(_Script(times, match, error=error, http_status=http_status))

    def delay_next(self, seconds: float, times: int = 1, match: Matcher | None = None) -> None:
        """Handle the request normally but answer `seconds` late (provokes a read timeout)."""
        self._script(_Script(times, match, delay=seconds))

    def drop_next(self, times: int = 1, match: Matcher | None = None) -> None:
        """Read the request, then close the connection without answering."""
        self._script(_Script(times, match, drop=True))

    def add_media(
        self, media_id: str, content: bytes, mime_type: str = "image/jpeg", url: str | None = None
    ) -> str:
        with self._lock:
            self._media[media_id] = _Media(content, mime_type, url)
        return media_id

    def set_template_status(self, name: str, status: str) -> None:
        with self._lock:
            for template in self._templates:
                if template["name"] == name:
                    template["status"] = status

    def add_business(
        self,
        waba_id: str = "",
        phone_number_id: str = "",
        display_phone_number: str = "+52 55 4123 4567",
        verified_name: str = "Barbería La Navaja",
    ) -> FakeBusiness:
        """A business whose owner can finish Embedded Signup; ids are made up if not given."""
        waba_id = waba_id or str(10**14 + next(self._ids))
        number = FakeNumber(
            phone_number_id or str(2 * 10**14 + next(self._ids)),
            display_phone_number,
            verified_name,
        )
        business = FakeBusiness(waba_id, [number])
        with self._lock:
            self.businesses[waba_id] = business
        return business

    def issue_code(self) -> str:
        """The code `FB.login` hands the page; it can be exchanged once."""
        code = f"AQ{uuid.uuid4().hex}"
        with self._lock:
            self._codes[code] = None
        return code

    def issued_tokens(self) -> list[str]:
        with self._lock:
            return [token for token in self._codes.values() if token]

    def calls(self, method: str = "", edge: str = "") -> list[RecordedRequest]:
        """Recorded requests, by method and by the path's last part."""
        return [
            r
            for r in self.requests
            if (not method or r.method == method) and (not edge or r.path.endswith("/" + edge))
        ]

    def approve_all_templates(self) -> None:
        with self._lock:
            for template in self._templates:
                template["status"] = "APPROVED"

    def _script(self, script: _Script) -> None:
        with self._lock:
            self._scripts.append(script)

    # -- serving ---------------------------------------------------------------------------

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        request = _read_request(handler)
        with self._lock:
            self._requests.append(request)
            script = self._take_script(request)
        if script is not None and script.drop:
            handler.close_connection = True
            return
        if script is not None and script.error is not None:
            status, body, content_type = script.http_status, script.error, "application/json"
        else:
            status, body, content_type = self._answer(request)
        request.status = status
        if script is not None and script.delay:
            time.sleep(script.delay)
        _write(handler, status, body, content_type)

    def _take_script(self, request: RecordedRequest) -> _Script | None:
        for script in self._scripts:
            if script.times > 0 and (script.match is None or script.match(request)):
                script.times -= 1
                return script
        return None

    def _answer(self, request: RecordedRequest) -> Answer:
        if request.path.endswith("/oauth/access_token") and request.method == "GET":
            return self._exchange(request.query)
        token = request.token
        if not token or (self.token is not None and token != self.token):
            return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        media = MEDIA.match(request.path)
        if media and request.method == "GET":
            return self._media_bytes(media.group(1))
        route = VERSIONED.match(request.path)
        if route is None:
            return _error(400, 100, f"Unsupported {request.method.lower()} request.")
        _, object_id, edge = route.groups()
        if edge == "messages" and request.method == "POST":
            return self._message(request.json)
        if edge == "message_templates":
            return self._template_call(request)
        if edge in ("subscribed_apps", "phone_numbers", "smb_app_data", "register"):
            return self._signup_call(object_id, edge, request)
        if edge is None and request.method == "GET" and self._number(object_id):
            return self._number_info(object_id, request.query)
        if edge is None and request.method == "GET":
            return self._media_info(object_id)
        return _error(400, 100, f"Unsupported {request.method.lower()} request.")

    def _message(self, body: Any) -> Answer:
        if isinstance(body, dict) and body.get("status") == "read":
            if not body.get("message_id"):
                return _error(400, 131008, "Required parameter is missing", "message_id")
            return 200, {"success": True}, "application/json"
        problem = message_problem(body)
        if problem:
            return _error(400, 131009, "(#131009) Parameter value is not valid", problem)
        wamid = f"wamid.FAKE{next(self._ids):06d}{uuid.uuid4().hex[:12].upper()}"
        answer = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": wamid}],
        }
        return 200, answer, "application/json"

    def _media_info(self, media_id: str) -> Answer:
        with self._lock:
            media = self._media.get(media_id)
        if media is None:
            message = f"Unsupported get request. Object with ID '{media_id}' does not exist"
            return _error(400, 100, message, subcode=33)
        info = {
            "messaging_product": "whatsapp",
            "url": media.url or f"{self.url}/media/{media_id}",
            "mime_type": media.mime_type,
            "file_size": len(media.content),
            "id": media_id,
        }
        return 200, info, "application/json"

    def _media_bytes(self, media_id: str) -> Answer:
        with self._lock:
            media = self._media.get(media_id)
        if media is None:
            return 404, b"Not Found", "text/plain"
        return 200, media.content, media.mime_type

    def _template_call(self, request: RecordedRequest) -> Answer:
        if request.method == "GET":
            name = request.query.get("name")
            data = [t for t in self.templates if name is None or t["name"] == name]
            return 200, {"data": data}, "application/json"
        body = request.json if isinstance(request.json, dict) else {}
        for required in ("name", "language", "category"):
            if not body.get(required):
                return _error(400, 100, "Invalid parameter", f"{required} is required")
        return self._store_template(body)

    def _store_template(self, body: dict[str, Any]) -> Answer:
        with self._lock:
            if any(
                t["name"] == body["name"] and t["language"] == body["language"]
                for t in self._templates
            ):
                details = f"Message template {body['name']!r} already exists in this language"
                return _error(400, 100, "Invalid parameter", details, subcode=2388024)
            template = {**body, "id": str(10**15 + next(self._ids)), "status": "PENDING"}
            self._templates.append(template)
        answer = {"id": template["id"], "status": "PENDING", "category": body["category"]}
        return 200, answer, "application/json"

    # -- Embedded Signup and onboarding (reference §5.4) ---------------------------------

    def _exchange(self, query: dict[str, str]) -> Answer:
        if query.get("client_id") != self.app_id or query.get("client_secret") != self.app_secret:
            return _error(400, 101, "Error validating application. Invalid application ID.")
        code = query.get("code", "")
        with self._lock:
            if code not in self._codes:
                return _error(400, 100, "Invalid verification code format.")
            if self._codes[code] is not None:
                return _error(400, 100, "This authorization code has been used.", subcode=36009)
            token = f"EAAG{uuid.uuid4().hex}{uuid.uuid4().hex}"
            self._codes[code] = token
        return 200, {"access_token": token, "token_type": "bearer"}, "application/json"

    def _number(self, number_id: str) -> FakeNumber | None:
        with self._lock:
            for business in self.businesses.values():
                for number in business.numbers:
                    if number.id == number_id:
                        return number
        return None

    def _business_of(self, object_id: str) -> FakeBusiness | None:
        with self._lock:
            if object_id in self.businesses:
                return self.businesses[object_id]
            for business in self.businesses.values():
                if any(number.id == object_id for number in business.numbers):
                    return business
        return None

    def _number_info(self, number_id: str, query: dict[str, str]) -> Answer:
        number = self._number(number_id)
        assert number is not None
        info: dict[str, Any] = {
            "id": number.id,
            "display_phone_number": number.display_phone_number,
            "verified_name": number.verified_name,
            "is_on_biz_app": number.is_on_biz_app,
            "platform_type": "CLOUD_API",
        }
        wanted = query.get("fields")
        if wanted:
            info = {k: v for k, v in info.items() if k in wanted.split(",") or k == "id"}
        return 200, info, "application/json"

    def _signup_call(self, object_id: str, edge: str, request: RecordedRequest) -> Answer:
        business = self._business_of(object_id)
        if business is None:
            message = f"Unsupported {request.method.lower()} request. Object with ID '{object_id}'"
            return _error(400, 100, message + " does not exist", subcode=33)
        body = request.json if isinstance(request.json, dict) else {}
        if edge == "subscribed_apps" and request.method == "POST":
            business.subscribed = True
            return 200, {"success": True}, "application/json"
        if edge == "phone_numbers" and request.method == "GET":
            data = [
                {
                    "id": n.id,
                    "display_phone_number": n.display_phone_number,
                    "verified_name": n.verified_name,
                }
                for n in business.numbers
            ]
            return 200, {"data": data}, "application/json"
        if edge == "smb_app_data" and request.method == "POST":
            return self._sync(business, object_id, body)
        if edge == "register" and request.method == "POST":
            pin = str(body.get("pin", ""))
            if not (pin.isdigit() and len(pin) == 6):
                return _error(400, 100, "Invalid parameter", "pin must be 6 digits")
            business.registered[object_id] = pin
            return 200, {"success": True}, "application/json"
        return _error(400, 100, f"Unsupported {request.method.lower()} request.")

    def _sync(self, business: FakeBusiness, number_id: str, body: dict[str, Any]) -> Answer:
        sync_type = body.get("sync_type")
        if sync_type not in ("smb_app_state_sync", "history"):
            return _error(400, 100, "Invalid parameter", "sync_type")
        if (number_id, sync_type) in business.synced:  # Meta: once, unless re-onboarded
            return _error(400, 100, "Invalid parameter", "sync already requested")
        business.synced.append((number_id, sync_type))
        answer = {"messaging_product": "whatsapp", "request_id": uuid.uuid4().hex[:16]}
        return 200, answer, "application/json"


# -- Meta's limits, checked the way Meta would check them -----------------------------------

LIMITS = {
    "text": 4096,
    "button_body": 1024,
    "list_body": 4096,
    "header": 60,
    "footer": 60,
    "button_title": 20,
    "button_id": 256,
    "row_title": 24,
    "row_id": 200,
    "row_description": 72,
    "section_title": 24,
    "list_button": 20,
}


def message_problem(body: Any) -> str | None:
    """Why Meta would reject this message body, or None."""
    if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
        return "messaging_product must be 'whatsapp'"
    if not body.get("to"):
        return "to is required"
    kind = body.get("type")
    if kind == "text":
        return _length(body.get("text", {}).get("body"), "text")
    if kind == "interactive":
        return _interactive_problem(body.get("interactive") or {})
    if kind in ("template", "reaction"):
        return None if isinstance(body.get(kind), dict) else f"{kind} is required"
    return f"unsupported message type {kind!r}"


def _length(value: Any, limit_name: str) -> str | None:
    limit = LIMITS[limit_name]
    if not isinstance(value, str) or not value or len(value) > limit:
        return f"{limit_name} must be 1-{limit} characters, got {value!r}"
    return None


def _interactive_problem(interactive: dict[str, Any]) -> str | None:
    kind = interactive.get("type")
    problems = [
        _length((interactive.get("body") or {}).get("text"), f"{kind}_body")
        if kind in ("button", "list")
        else f"unsupported interactive type {kind!r}",
        _length(interactive["header"].get("text"), "header") if "header" in interactive else None,
        _length(interactive["footer"].get("text"), "footer") if "footer" in interactive else None,
    ]
    action = interactive.get("action") or {}
    problems += _button_problems(action) if kind == "button" else _list_problems(action)
    return next((p for p in problems if p), None)


def _button_problems(action: dict[str, Any]) -> list[str | None]:
    replies = [b.get("reply", {}) for b in action.get("buttons", [])]
    titles = [r.get("title") for r in replies]
    problems = [_length(r.get("title"), "button_title") for r in replies]
    problems += [_length(r.get("id"), "button_id") for r in replies]
    if not 1 <= len(replies) <= 3:
        problems.append(f"buttons must be 1-3, got {len(replies)}")
    if len(set(titles)) != len(titles):
        problems.append("button titles must be unique")
    return problems


def _list_problems(action: dict[str, Any]) -> list[str | None]:
    sections = action.get("sections", [])
    rows = [row for section in sections for row in section.get("rows", [])]
    problems = [_length(action.get("button"), "list_button")]
    problems += [_length(s.get("title"), "section_title") for s in sections]
    problems += [_length(r.get("title"), "row_title") for r in rows]
    problems += [_length(r.get("id"), "row_id") for r in rows]
    problems += [_length(r["description"], "row_description") for r in rows if "description" in r]
    if not 1 <= len(rows) <= 10:
        problems.append(f"rows must be 1-10 in total, got {len(rows)}")
    return problems


# -- HTTP plumbing --------------------------------------------------------------------------


def _error(
    http_status: int, code: int, message: str, details: str = "", subcode: int | None = None
) -> Answer:
    return http_status, meta_error(code, message, details, subcode), "application/json"


def _read_request(handler: BaseHTTPRequestHandler) -> RecordedRequest:
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length else b""
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    parts = urlsplit(handler.path)
    return RecordedRequest(
        method=handler.command,
        path=parts.path,
        query=dict(parse_qsl(parts.query)),
        headers=dict(handler.headers.items()),
        json=body,
    )


def _write(handler: BaseHTTPRequestHandler, status: int, body: Any, content_type: str) -> None:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        handler.close_connection = True  # the client gave up waiting (a read timeout)
