"""The one JSON error shape of every HTTP answer: {"error": {"code": …, "message": …}}."""

from __future__ import annotations

from flask import Response, jsonify

MAX_MESSAGE = 2000


def error_response(status: int, code: str, message: str) -> Response:
    readable = message.encode("utf-8", "replace").decode("utf-8")[:MAX_MESSAGE]
    response = jsonify({"error": {"code": code, "message": readable}})
    response.status_code = status
    return response
