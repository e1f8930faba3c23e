"""The yardstick for bench/webhook.py: a bare Flask app whose one route answers 200 at once,
served by the same gunicorn settings as Yume (`python -m gunicorn bench.bare_app:app`)."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.post("/webhooks/whatsapp")
def receive() -> tuple[str, int]:
    return "", 200
