"""A fake Anthropic Messages API: a real HTTP server on 127.0.0.1, spoken to by the real
`anthropic` SDK through ANTHROPIC_BASE_URL (or `base_url=`).

Scripted turn by turn: each POST /v1/messages takes the next scripted step — a text, some
tool_use blocks, a callable that builds the answer from the request, or an error with
Anthropic's error body (429, 500, 529…). Every request body is recorded with its headers.
It accepts `Authorization: Bearer` or `x-api-key` and any `anthropic-version`.

It also checks what the real API would refuse (`temperature` on API 2026-10-21, more than
four cache breakpoints, tool results that do not answer the previous tool_use blocks or do
not come first) and imitates prompt caching: each `cache_control` breakpoint whose prefix
is at least the model's minimum is written on first sight and read afterwards, so
`usage` carries believable cache-write and cache-read counts. Tokens are estimated as
characters / CHARS_PER_TOKEN.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.local_server import LocalServer
from yume.brains.usage import min_cacheable

CHARS_PER_TOKEN = 3.5
LOOKBACK = 20  # blocks a breakpoint looks back for an earlier cache entry
Step = Callable[[dict[str, Any]], dict[str, Any]]
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    503: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


def estimate_tokens(text: str) -> int:
    return round(len(text) / CHARS_PER_TOKEN)


@dataclass
class Call:
    """One request the fake received."""

    headers: dict[str, str]
    body: dict[str, Any]
    status: int = 200
    usage: dict[str, int] = field(default_factory=dict)

    @property
    def tool_names(self) -> list[str]:
        return [tool["name"] for tool in self.body.get("tools", [])]

    @property
    def system_text(self) -> str:
        system = self.body.get("system", "")
        if isinstance(system, str):
            return system
        return "\n".join(block.get("text", "") for block in system)

    @property
    def last_user_blocks(self) -> list[dict[str, Any]]:
        content = self.body["messages"][-1]["content"]
        return [{"type": "text", "text": content}] if isinstance(content, str) else content

    def tool_results(self) -> list[dict[str, Any]]:
        return tool_results(self.body)


@dataclass
class _Failure:
    status: int
    message: str
    retry_after_ms: int


class FakeAnthropic:
    def __init__(self) -> None:
        self.url = ""
        self.calls: list[Call] = []
        self.unscripted = 0
        self._steps: list[Step | _Failure] = []
        self._cache: dict[str, int] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._http = LocalServer(self)
        self.responder: Step | None = None  # answers when nothing is scripted

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeAnthropic:
        self.url = self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

    def reset(self, keep_cache: bool = False) -> None:
        """Forget calls and scripts (and, unless kept, what the imitated cache holds)."""
        with self._lock:
            self.calls.clear()
            self._steps.clear()
            if not keep_cache:
                self._cache.clear()
            self.unscripted = 0
            self.responder = None

    # -- scripting ---------------------------------------------------------------------------

    def say(self, text: str) -> FakeAnthropic:
        """The next call answers with this text (stop_reason end_turn)."""
        return self.then(lambda body: message([{"type": "text", "text": text}], "end_turn"))

    def use(self, *calls: tuple[str, dict[str, Any]], text: str | None = None) -> FakeAnthropic:
        """The next call answers with these tool_use blocks (in parallel), after `text`."""
        blocks = [{"type": "text", "text": text}] if text else []
        blocks += [tool_use(name, arguments) for name, arguments in calls]
        return self.then(lambda body: message(copy.deepcopy(blocks), "tool_use"))

    def then(self, step: Step) -> FakeAnthropic:
        """The next call answers with `step(request_body)` (a whole Messages response)."""
        with self._lock:
            self._steps.append(step)
        return self

    def fail(
        self, status: int, times: int = 1, message: str = "", retry_after_ms: int = 10
    ) -> FakeAnthropic:
        """The next `times` calls answer with Anthropic's error body for `status`."""
        text = message or {529: "Overloaded", 429: "Rate limited"}.get(status, "Internal error")
        with self._lock:
            self._steps += [_Failure(status, text, retry_after_ms) for _ in range(times)]
        return self

    def stall(self, seconds: float, times: int = 1) -> FakeAnthropic:
        """The next `times` calls answer only after `seconds` (provokes the SDK's timeout)."""

        def late(body: dict[str, Any]) -> dict[str, Any]:
            time.sleep(seconds)
            return message([{"type": "text", "text": "(tarde)"}])

        with self._lock:
            self._steps += [late] * times
        return self

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._steps)

    # -- serving -------------------------------------------------------------------------------

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in handler.headers.items()}
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        call = Call(headers=headers, body=body)
        with self._lock:
            self.calls.append(call)
        status, answer, extra = self._answer(handler.path, call)
        call.status = status
        _write(handler, status, answer, extra)

    def _answer(self, path: str, call: Call) -> tuple[int, dict[str, Any], dict[str, str]]:
        if not (call.headers.get("x-api-key") or call.headers.get("authorization", "")[7:]):
            return _error(401, "invalid x-api-key")
        if path.split("?")[0] != "/v1/messages":
            return _error(404, f"Not found: {path}")
        problem = request_problem(call.body)
        if problem:
            return _error(400, problem)
        step = self._next_step()
        if isinstance(step, _Failure):
            return _error(step.status, step.message, step.retry_after_ms)
        answer = step(call.body)
        answer.setdefault("id", f"msg_fake{next(self._ids):05d}")
        answer.setdefault("model", call.body.get("model", ""))
        answer["usage"] = call.usage = self._usage(call.body, answer)
        return 200, answer, {}

    def _next_step(self) -> Step | _Failure:
        with self._lock:
            if self._steps:
                return self._steps.pop(0)
            self.unscripted += 1
            responder = self.responder
        return responder or (lambda body: message([{"type": "text", "text": "(sin guion)"}]))

    def _usage(self, body: dict[str, Any], answer: dict[str, Any]) -> dict[str, int]:
        """Input split as the API would: cache read, cache write, the rest."""
        pieces, marks = prompt_pieces(body)
        sizes = list(itertools.accumulate(estimate_tokens(p) for p in pieces))
        keys = list(itertools.accumulate(pieces, lambda key, p: _hash(key + p), initial=""))[1:]
        minimum = min_cacheable(body.get("model", ""))
        read = written = 0
        with self._lock:
            cached = dict(self._cache)  # entries this very request writes are not read by it
            for index in marks:
                # a breakpoint finds an entry written at itself or up to 19 blocks earlier
                lookback = range(index, max(index - LOOKBACK, -1), -1)
                hits = [j for j in lookback if keys[j] in cached]
                read = max([read] + [sizes[j] for j in hits[:1]])
                if keys[index] not in cached and sizes[index] >= minimum:
                    self._cache[keys[index]] = sizes[index]
                    written = sizes[index]
        output = estimate_tokens(json.dumps(answer.get("content", []), ensure_ascii=False))
        total = sizes[-1] if sizes else 0
        write = max(written - read, 0)
        return {
            "input_tokens": max(total - read - write, 0),
            "output_tokens": output,
            "cache_creation_input_tokens": write,
            "cache_read_input_tokens": read,
        }


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# -- the shape of answers ------------------------------------------------------------------


def message(content: list[dict[str, Any]], stop_reason: str | None = None) -> dict[str, Any]:
    uses = any(block.get("type") == "tool_use" for block in content)
    return {
        "type": "message",
        "role": "assistant",
        "content": content,
        "stop_reason": stop_reason or ("tool_use" if uses else "end_turn"),
        "stop_sequence": None,
    }


def tool_use(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "tool_use",
        "id": f"toolu_{uuid.uuid4().hex[:20]}",
        "name": name,
        "input": arguments,
    }


def tool_results(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The tool results a request carries (in its last user message), content decoded."""
    results = []
    for block in _blocks(body["messages"][-1]["content"]):
        if block.get("type") == "tool_result":
            content = block.get("content")
            decoded = json.loads(content) if isinstance(content, str) else content
            results.append({**block, "content": decoded})
    return results


def text_of(body: dict[str, Any]) -> str:
    """Everything the person wrote in the request's last user message (text blocks)."""
    content = body["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return "\n".join(b.get("text", "") for b in content if b.get("type") == "text")


# -- what the real API refuses -------------------------------------------------------------


def request_problem(body: dict[str, Any]) -> str | None:
    for removed in ("temperature", "top_p", "top_k"):
        if removed in body:
            return f"{removed}: Extra inputs are not permitted"
    if not body.get("model") or not isinstance(body.get("max_tokens"), int):
        return "model and max_tokens are required"
    messages = body.get("messages") or []
    if not messages or messages[0].get("role") != "user":
        return "messages: the first message must use the user role"
    if _breakpoints(body) > 4:
        return "A maximum of 4 blocks with cache_control may be provided."
    return _alternation_problem(messages) or _tool_result_problem(messages)


def _blocks(content: Any) -> list[dict[str, Any]]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)


def _breakpoints(body: dict[str, Any]) -> int:
    blocks = list(body.get("tools", []))
    system = body.get("system", [])
    blocks += system if isinstance(system, list) else []
    for item in body.get("messages", []):
        blocks += _blocks(item.get("content", []))
    return sum(1 for block in blocks if isinstance(block, dict) and "cache_control" in block)


def _alternation_problem(messages: list[dict[str, Any]]) -> str | None:
    for before, after in itertools.pairwise(messages):
        if before.get("role") == after.get("role"):
            return "messages: roles must alternate between user and assistant"
    return None


def _tool_result_problem(messages: list[dict[str, Any]]) -> str | None:
    for before, after in itertools.pairwise(messages):
        if before.get("role") != "assistant":
            continue
        asked = {b["id"] for b in _blocks(before["content"]) if b.get("type") == "tool_use"}
        blocks = _blocks(after["content"])
        answered = [b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"]
        if set(answered) != asked:
            return "tool_use ids were found without tool_result blocks immediately after"
        if asked and any(b.get("type") != "tool_result" for b in blocks[: len(answered)]):
            return "tool_result blocks must come first in the content"
    return None


# -- prompt caching, imitated --------------------------------------------------------------


def prompt_pieces(body: dict[str, Any]) -> tuple[list[str], list[int]]:
    """The prompt in cache order (tools, system, messages) as text pieces, and the indices
    of the pieces that carry a cache_control breakpoint."""
    pieces: list[str] = []
    marks: list[int] = []

    def add(block: Any) -> None:
        if isinstance(block, dict) and "cache_control" in block:
            marks.append(len(pieces))
            block = {k: v for k, v in block.items() if k != "cache_control"}
        pieces.append(json.dumps(block, ensure_ascii=False, sort_keys=True))

    for tool in body.get("tools", []):
        add(tool)
    system = body.get("system", [])
    for block in _blocks(system) if system else []:
        add(block)
    for item in body.get("messages", []):
        for block in _blocks(item.get("content", [])):
            add({"role": item.get("role"), **block} if isinstance(block, dict) else block)
    return pieces, marks


def static_prefix(body: dict[str, Any]) -> str:
    """Tools and the system blocks up to the last system breakpoint."""
    pieces, marks = prompt_pieces(body)
    end = _last_system_mark(body, marks)
    return "".join(pieces[: end + 1]) if end is not None else ""


def static_prefix_tokens(body: dict[str, Any]) -> int:
    """The static prefix in tokens, counted piece by piece as the imitated cache counts it
    (so a cache read of the whole prefix equals it exactly, with no rounding between)."""
    pieces, marks = prompt_pieces(body)
    end = _last_system_mark(body, marks)
    return sum(estimate_tokens(p) for p in pieces[: end + 1]) if end is not None else 0


def _last_system_mark(body: dict[str, Any], marks: list[int]) -> int | None:
    tools = len(body.get("tools", []))
    system_marks = [m for m in marks if m < tools + len(_blocks(body.get("system") or []))]
    return system_marks[-1] if system_marks else None


# -- HTTP plumbing -------------------------------------------------------------------------


def _error(
    status: int, message_: str, retry_after_ms: int | None = None
) -> tuple[int, dict[str, Any], dict[str, str]]:
    body = {
        "type": "error",
        "error": {"type": ERROR_TYPES.get(status, "api_error"), "message": message_},
        "request_id": f"req_fake{uuid.uuid4().hex[:16]}",
    }
    headers = {"retry-after-ms": str(retry_after_ms)} if retry_after_ms else {}
    return status, body, headers


def _write(
    handler: BaseHTTPRequestHandler, status: int, body: dict[str, Any], headers: dict[str, str]
) -> None:
    data = json.dumps(body).encode()
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("request-id", body.get("request_id") or f"req_{uuid.uuid4().hex}")
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        handler.close_connection = True
