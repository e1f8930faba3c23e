"""REST API /api/v1 (placeholder until the API lands)."""

from __future__ import annotations

from flask import Flask


def register_api(app: Flask) -> None:
    return None
