"""The Flask application factory."""

from __future__ import annotations

import logging

from flask import Flask
from flask_openapi3 import Info, OpenAPI

from yume.config import Config
from yume.db import database, open_database


def create_app(config: Config | None = None) -> Flask:
    config = config or Config.from_env()
    open_database(config.database_url)
    app = OpenAPI(
        __name__,
        info=Info(title="Yume API", version="1.0.0"),
        security_schemes={"bearer": {"type": "http", "scheme": "bearer"}},
        doc_prefix="/api/v1",
        doc_url="/openapi.json",
    )
    app.config["YUME"] = config
    app.json.ensure_ascii = False  # Spanish reads better unescaped
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    @app.before_request
    def _connect() -> None:
        database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(_exc: BaseException | None) -> None:
        if not database.is_closed():
            database.close()

    from yume.web.api import register_api
    from yume.web.health import health

    app.register_blueprint(health)
    register_api(app)
    return app


def yume_config(app: Flask) -> Config:
    return app.config["YUME"]
