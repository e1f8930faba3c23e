"""The one seam for every call to Meta's Graph API (WhatsApp Cloud API).

`GraphTransport` is the only code that speaks HTTP to graph.facebook.com; `WhatsAppClient`
builds each message and keeps every field inside Meta's limits, so a send never fails for a
length we could have checked ourselves. Every failure becomes a `WhatsAppError` whose `kind`
tells the caller what to do next:

- "transient": Meta did not take the request (or a GET failed); retry with backoff.
- "ambiguous": the request went out and the answer was lost; it may have been delivered, and
  POST /messages has no idempotency key, so the caller must NOT resend.
- "window_closed": the 24-hour customer service window is closed; send a template instead.
- "permanent": retrying cannot help (bad parameter, token, policy, undeliverable number…).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from yume.config import DEFAULT_API_VERSION, DEFAULT_GRAPH_URL, Config
from yume.phones import whatsapp_id

log = logging.getLogger(__name__)

ErrorKind = Literal["transient", "ambiguous", "window_closed", "permanent"]

# Meta's error codes → what to do. From Meta's error-code page (see the reference, §3.7).
# Codes not listed fall back on the HTTP status: 5xx and 429 are transient, the rest permanent.
ERROR_KINDS: dict[int, ErrorKind] = {
    0: "permanent",  # AuthException: access token invalid or expired
    1: "transient",  # unknown API error
    2: "transient",  # service temporarily unavailable
    4: "transient",  # app-level API call rate limit
    10: "permanent",  # permission denied
    100: "permanent",  # invalid parameter: a bug on our side
    190: "permanent",  # access token expired or invalid: the tenant must re-authorise
    368: "permanent",  # temporarily blocked for policy violations: stop sending
    80007: "transient",  # WABA rate limit
    130429: "transient",  # Cloud API throughput reached: back off and pace
    130472: "permanent",  # user is part of a marketing experiment
    131000: "transient",  # something went wrong on Meta's side
    131005: "permanent",  # access denied
    131008: "permanent",  # required parameter missing
    131009: "permanent",  # parameter value not valid
    131016: "transient",  # service unavailable
    131021: "permanent",  # recipient cannot be the sender
    131026: "permanent",  # undeliverable: not on WhatsApp, old app, blocked us…
    131030: "permanent",  # recipient not in the allowed list (test numbers only)
    131031: "permanent",  # business account locked or restricted
    131042: "permanent",  # business eligibility or payment issue
    131047: "window_closed",  # more than 24 h since the user's last message: use a template
    131048: "permanent",  # spam rate limit: pause outbound and check quality
    131049: "permanent",  # not delivered to keep ecosystem engagement healthy (marketing cap)
    131050: "permanent",  # user stopped marketing messages
    131051: "permanent",  # unsupported message type
    131056: "transient",  # (business, consumer) pair rate limit: retry after 4^X seconds
    131057: "transient",  # account in maintenance (throughput upgrade, about a minute)
    131062: "permanent",  # authentication templates cannot go to a BSUID
    133010: "permanent",  # phone number not registered
}
PERMANENT_CODE_RANGES: tuple[range, ...] = (
    range(200, 300),  # permission not granted (200–299)
    range(132000, 132016),  # template problems: params, language, length, format, paused
)
PAIR_RATE_LIMIT = 131056
WINDOW_CLOSED = 131047

# Meta's limits (reference §3.2–3.4), in characters. We never send over them.
TEXT_BODY_MAX = 4096
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
BUTTON_BODY_MAX = 1024
LIST_BODY_MAX = 4096
HEADER_MAX = 60
FOOTER_MAX = 60
LIST_ROWS_MAX = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
ROW_ID_MAX = 200
SECTION_TITLE_MAX = 24
LIST_BUTTON_MAX = 20
TEMPLATE_BUTTONS_MAX = 10
CALLBACK_DATA_MAX = 512
ELLIPSIS = "…"
DEFAULT_LIST_BUTTON = "Ver opciones"

# Where Meta serves the Graph API and media downloads (lookaside.fbsbx.com, *.fbcdn.net…).
META_DOMAINS = ("facebook.com", "fbsbx.com", "fbcdn.net", "whatsapp.net", "whatsapp.com")
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
USER_AGENT = "Yume/1.0 (WhatsApp receptionist; python-requests)"


def classify(code: int | None, http_status: int | None) -> ErrorKind:
    """What a failed Graph call means, from Meta's `code` first and the HTTP status second."""
    if code is not None:
        if code in ERROR_KINDS:
            return ERROR_KINDS[code]
        if any(code in codes for codes in PERMANENT_CODE_RANGES):
            return "permanent"
    if http_status is not None and (http_status >= 500 or http_status == 429):
        return "transient"
    return "permanent"


class WhatsAppError(Exception):
    """A Graph API call failed; `kind` says whether and how to try again."""

    def __init__(
        self,
        title: str,
        kind: ErrorKind = "permanent",
        code: int | None = None,
        http_status: int | None = None,
        details: str = "",
        subcode: int | None = None,
        fbtrace_id: str | None = None,
    ) -> None:
        super().__init__(_describe(title, kind, code, http_status, details))
        self.title = title
        self.kind: ErrorKind = kind
        self.code = code
        self.http_status = http_status
        self.details = details
        self.subcode = subcode
        self.fbtrace_id = fbtrace_id

    def __reduce__(self) -> tuple[type[WhatsAppError], tuple[Any, ...]]:
        fields = (self.title, self.kind, self.code, self.http_status, self.details)
        return type(self), (*fields, self.subcode, self.fbtrace_id)

    @property
    def retryable(self) -> bool:
        return self.kind == "transient"

    @property
    def ambiguous(self) -> bool:
        return self.kind == "ambiguous"

    @property
    def window_closed(self) -> bool:
        return self.kind == "window_closed"

    def retry_after_seconds(self, attempt: int = 0) -> int | None:
        """Meta's own wait for the pair rate limit, 4^attempt seconds (1, 4, 16, …).

        None for every other error: the caller applies its usual backoff (or none)."""
        return 4**attempt if self.code == PAIR_RATE_LIMIT else None


def _describe(title: str, kind: str, code: int | None, status: int | None, details: str) -> str:
    where = [f"code {code}"] if code is not None else []
    if status is not None:
        where.append(f"HTTP {status}")
    text = f"WhatsApp {kind} error" + (f" ({', '.join(where)})" if where else "") + f": {title}"
    return f"{text} — {details}" if details else text


def error_from_response(response: requests.Response) -> WhatsAppError:
    """Meta's error body `{"error": {"message", "code", "error_data": {"details"}, …}}`."""
    error = _error_object(response)
    code = error.get("code")
    subcode = error.get("error_subcode")
    error_data = error.get("error_data")
    details = error_data.get("details") if isinstance(error_data, dict) else None
    code = code if isinstance(code, int) else None
    return WhatsAppError(
        str(error.get("message") or error.get("title") or f"HTTP {response.status_code}"),
        kind=classify(code, response.status_code),
        code=code,
        http_status=response.status_code,
        details=str(details or ""),
        subcode=subcode if isinstance(subcode, int) else None,
        fbtrace_id=error.get("fbtrace_id"),
    )


def _error_object(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:  # an HTML page from a proxy, an empty body…
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


_URL_ERRORS = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
)


def network_error(exc: requests.RequestException, *, idempotent: bool) -> WhatsAppError:
    """A failure without an HTTP answer. Only a non-idempotent request that may have reached
    Meta is ambiguous; a GET can always be repeated."""
    if isinstance(exc, _URL_ERRORS):
        kind: ErrorKind = "permanent"
    elif idempotent or _never_sent(exc):
        kind = "transient"
    else:
        kind = "ambiguous"
    return WhatsAppError(f"network error: {type(exc).__name__}", kind=kind, details=str(exc))


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the failure happened before a byte of the request could reach Meta:
    no connection (refused, DNS, unreachable), a connect timeout, a failed TLS handshake."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError):
        return True
    if not isinstance(exc, requests.ConnectionError) or not exc.args:
        return False
    reason = exc.args[0]
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)


class Transport(Protocol):
    """What WhatsAppClient needs from the wire; a console transport can stand in."""

    def post(self, path: str, payload: Mapping[str, Any], token: str) -> dict[str, Any]: ...

    def get(self, path_or_url: str, token: str) -> requests.Response: ...


_session: requests.Session | None = None
_session_pid: int | None = None
_session_lock = threading.Lock()


def shared_session() -> requests.Session:
    """One connection pool per process. Re-created after a fork (RQ forks a work horse per
    job), because sockets inherited from the parent must not be shared."""
    global _session, _session_pid
    with _session_lock:
        if _session is None or _session_pid != os.getpid():
            _session = requests.Session()
            _session_pid = os.getpid()
        return _session


class GraphTransport:
    """HTTP to the Graph API with explicit timeouts, Meta's errors parsed into WhatsAppError."""

    def __init__(
        self,
        base_url: str = DEFAULT_GRAPH_URL,
        version: str = DEFAULT_API_VERSION,
        *,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.version = version.strip("/")
        self.timeout = (connect_timeout, read_timeout)
        self._session = session

    @classmethod
    def from_config(cls, config: Config, **options: Any) -> GraphTransport:
        return cls(config.meta_graph_url, config.meta_api_version, **options)

    @property
    def session(self) -> requests.Session:
        return self._session or shared_session()

    def url(self, path_or_url: str) -> str:
        """An absolute URL as is (media download links); a path under base URL and version."""
        if path_or_url.startswith(("https://", "http://")):
            return path_or_url
        return f"{self.base_url}/{self.version}/{path_or_url.lstrip('/')}"

    def post(self, path: str, payload: Mapping[str, Any], token: str) -> dict[str, Any]:
        response = self._request("POST", self.url(path), token, payload)
        return _json_object(response)

    def get(self, path_or_url: str, token: str) -> requests.Response:
        url = self.url(path_or_url)
        if not self.may_carry_token(url):
            host = urlsplit(url).hostname
            raise WhatsAppError(f"refusing to send the access token to {host}", kind="permanent")
        return self._request("GET", url, token)

    def may_carry_token(self, url: str) -> bool:
        """The business's access token goes only to Meta (media download links live on
        Meta's CDNs) or to the Graph URL we were configured with; a media URL pointing
        anywhere else is refused, token and all."""
        host = (urlsplit(url).hostname or "").lower()
        if host == (urlsplit(self.base_url).hostname or "").lower():
            return True
        return urlsplit(url).scheme == "https" and any(
            host == domain or host.endswith("." + domain) for domain in META_DOMAINS
        )

    def _request(
        self, method: str, url: str, token: str, payload: Mapping[str, Any] | None = None
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT}
        try:
            response = self.session.request(
                method, url, json=payload, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise network_error(exc, idempotent=method == "GET") from exc
        if not response.ok:
            error = error_from_response(response)
            log.info("graph.error %s %s %s trace=%s", method, url, error, error.fbtrace_id)
            raise error
        return response


def _json_object(response: requests.Response) -> dict[str, Any]:
    """The JSON object of a 2xx answer. Anything else after a POST is ambiguous: Meta said
    yes (2xx) but we cannot read what it accepted."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise WhatsAppError(
            "unreadable answer from Meta", kind="ambiguous", http_status=response.status_code
        )
    return body


def truncate(text: str, limit: int) -> str:
    """`text` if it fits, else cut to at most `limit` characters ending in "…".

    Trailing spaces before the "…" are dropped, so the result can be a little shorter; it is
    never empty unless `text` was."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def unique_titles(titles: Sequence[str], limit: int) -> list[str]:
    """Truncated titles, made distinct with " (2)", " (3)"… (Meta rejects repeated titles)."""
    seen: set[str] = set()
    result: list[str] = []
    for title in titles:
        candidate, number = truncate(title, limit), 2
        while candidate in seen:
            suffix = f" ({number})"
            candidate, number = truncate(title, limit - len(suffix)) + suffix, number + 1
        seen.add(candidate)
        result.append(candidate)
    return result


def _required(text: str, what: str) -> str:
    if not text or not text.strip():
        raise ValueError(f"{what} must not be empty")
    return text.strip()


def _checked_id(value: str, limit: int, what: str) -> str:
    """Ids come back to us in the user's reply, so they are never cut: too long is a bug."""
    _required(value, what)
    if len(value) > limit:
        raise ValueError(f"{what} is {len(value)} characters, Meta allows {limit}: {value!r}")
    return value


def _template_text(value: str) -> str:
    """Meta rejects template parameters with newlines, tabs or more than 4 spaces in a row."""
    return " ".join(_required(value, "template parameter").split())


def recipient(to: str) -> str:
    """What Meta gave us (wa_id or BSUID) as is; an E.164 number as digits without "+"."""
    to = _required(to, "recipient")
    if to.startswith("+"):
        return whatsapp_id(re.sub(r"[\s().-]", "", to))
    return to


class WhatsAppClient:
    """Sends messages for one business number (`phone_number_id`) with its access token."""

    def __init__(self, transport: Transport, phone_number_id: str, token: str) -> None:
        self.transport = transport
        self.phone_number_id = phone_number_id
        self.token = token
        self._callback_data: str | None = None

    @contextmanager
    def noting(self, callback_data: str) -> Iterator[None]:
        """Messages sent inside carry `callback_data` (Meta's biz_opaque_callback_data, at
        most 512 characters), which comes back in every status of the message: a send whose
        answer was lost can still be matched to its row."""
        self._callback_data = callback_data[:CALLBACK_DATA_MAX]
        try:
            yield
        finally:
            self._callback_data = None

    def send_text(self, to: str, body: str, reply_to: str | None = None) -> str:
        """Send a text (cut to 4096 characters; splitting is the caller's business)."""
        message: dict[str, Any] = {
            "type": "text",
            "text": {
                "preview_url": False,
                "body": truncate(_required(body, "body"), TEXT_BODY_MAX),
            },
        }
        if reply_to:
            message["context"] = {"message_id": reply_to}
        return self._send(to, message)

    def send_buttons(
        self,
        to: str,
        body: str,
        buttons: Sequence[tuple[str, str]],
        header: str | None = None,
        footer: str | None = None,
    ) -> str:
        """Reply buttons `(id, title)`; more than three become a list, as Meta allows 3."""
        if len(buttons) > BUTTONS_MAX:
            rows = [(button_id, title, None) for button_id, title in buttons]
            return self.send_list(to, body, DEFAULT_LIST_BUTTON, rows, header=header, footer=footer)
        if not buttons:
            raise ValueError("send_buttons needs at least one button")
        action = {"buttons": _reply_buttons(buttons)}
        interactive = _interactive("button", body, BUTTON_BODY_MAX, action, header, footer)
        return self._send(to, {"type": "interactive", "interactive": interactive})

    def send_list(
        self,
        to: str,
        body: str,
        button_label: str,
        rows: Sequence[tuple[str, str, str | None]],
        section_title: str = "Opciones",
        header: str | None = None,
        footer: str | None = None,
    ) -> str:
        """A one-section list of `(id, title, description)` rows; rows past 10 are dropped."""
        if not rows:
            raise ValueError("send_list needs at least one row")
        if len(rows) > LIST_ROWS_MAX:
            dropped = len(rows) - LIST_ROWS_MAX
            log.warning("whatsapp.list-rows-dropped kept=%d dropped=%d", LIST_ROWS_MAX, dropped)
        section = {
            "title": truncate(_required(section_title, "section title"), SECTION_TITLE_MAX),
            "rows": [_row(*row) for row in rows[:LIST_ROWS_MAX]],
        }
        label = truncate(_required(button_label, "list button label"), LIST_BUTTON_MAX)
        action = {"button": label, "sections": [section]}
        interactive = _interactive("list", body, LIST_BODY_MAX, action, header, footer)
        return self._send(to, {"type": "interactive", "interactive": interactive})

    def send_template(
        self,
        to: str,
        name: str,
        language: str = "es_MX",
        body_params: Sequence[str] = (),
        button_payloads: Sequence[str] = (),
    ) -> str:
        """An approved template with positional body parameters and quick-reply payloads
        (button 0, 1, …): the only message allowed outside the 24-hour window."""
        if len(button_payloads) > TEMPLATE_BUTTONS_MAX:
            raise ValueError(f"templates have at most {TEMPLATE_BUTTONS_MAX} buttons")
        template: dict[str, Any] = {"name": name, "language": {"code": language}}
        components = _template_components(body_params, button_payloads)
        if components:
            template["components"] = components
        return self._send(to, {"type": "template", "template": template})

    def send_reaction(self, to: str, message_id: str, emoji: str) -> str:
        """React to a message; an empty `emoji` removes our reaction."""
        reaction = {"message_id": message_id, "emoji": emoji}
        return self._send(to, {"type": "reaction", "reaction": reaction})

    def mark_read(self, message_id: str, typing: bool = True) -> None:
        """Blue ticks on `message_id` (and earlier ones); `typing` shows "typing…" until we
        send or 25 s pass, so only ask for it when a reply is coming."""
        payload: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": message_id,
        }
        if typing:
            payload["typing_indicator"] = {"type": "text"}
        self.transport.post(self._messages_path, payload, self.token)

    def media_url(self, media_id: str) -> tuple[str, str]:
        """The short-lived (5 min) download URL and MIME type of an inbound media id."""
        response = self.transport.get(_required(media_id, "media id"), self.token)
        try:
            info = response.json()
        except ValueError:
            info = None
        if not isinstance(info, dict) or not info.get("url"):
            raise WhatsAppError(f"no download URL for media {media_id}", kind="permanent")
        return str(info["url"]), str(info.get("mime_type") or "application/octet-stream")

    def download_media(self, media_id: str) -> tuple[bytes, str]:
        """The bytes and MIME type of an inbound media id (the URL needs the bearer token)."""
        url, mime_type = self.media_url(media_id)
        response = self.transport.get(url, self.token)
        return response.content, mime_type

    @property
    def _messages_path(self) -> str:
        return f"{self.phone_number_id}/messages"

    def _send(self, to: str, message: Mapping[str, Any]) -> str:
        """POST one message; returns the wamid Meta accepted it under."""
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": recipient(to),
            **message,
        }
        if self._callback_data:
            payload["biz_opaque_callback_data"] = self._callback_data
        answer = self.transport.post(self._messages_path, payload, self.token)
        try:
            return str(answer["messages"][0]["id"])
        except (KeyError, IndexError, TypeError):
            # 2xx without a wamid: Meta took something, we cannot tell what.
            raise WhatsAppError("no message id in Meta's answer", kind="ambiguous") from None


def _interactive(
    kind: str,
    body: str,
    body_max: int,
    action: dict[str, Any],
    header: str | None,
    footer: str | None,
) -> dict[str, Any]:
    interactive: dict[str, Any] = {"type": kind}
    if header and header.strip():
        interactive["header"] = {"type": "text", "text": truncate(header.strip(), HEADER_MAX)}
    interactive["body"] = {"text": truncate(_required(body, "body"), body_max)}
    if footer and footer.strip():
        interactive["footer"] = {"text": truncate(footer.strip(), FOOTER_MAX)}
    interactive["action"] = action
    return interactive


def _reply_buttons(buttons: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    titles = [_required(title, "button title") for _, title in buttons]
    return [
        {"type": "reply", "reply": {"id": _checked_id(bid, BUTTON_ID_MAX, "button id"), "title": t}}
        for (bid, _), t in zip(buttons, unique_titles(titles, BUTTON_TITLE_MAX), strict=True)
    ]


def _row(row_id: str, title: str, description: str | None = None) -> dict[str, str]:
    row = {
        "id": _checked_id(row_id, ROW_ID_MAX, "row id"),
        "title": truncate(_required(title, "row title"), ROW_TITLE_MAX),
    }
    if description and description.strip():
        row["description"] = truncate(description.strip(), ROW_DESCRIPTION_MAX)
    return row


def _template_components(
    body_params: Sequence[str], button_payloads: Sequence[str]
) -> list[dict[str, Any]]:
    components: list[dict[str, Any]] = []
    if body_params:
        parameters = [{"type": "text", "text": _template_text(p)} for p in body_params]
        components.append({"type": "body", "parameters": parameters})
    for index, payload in enumerate(button_payloads):
        components.append(
            {
                "type": "button",
                "sub_type": "quick_reply",
                "index": str(index),
                "parameters": [{"type": "payload", "payload": payload}],
            }
        )
    return components
