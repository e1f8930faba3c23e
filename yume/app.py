"""The Flask application factory."""

from __future__ import annotations

import logging

from flask import Flask
from flask_openapi3 import OpenAPI

from yume import crypto, log_privacy
from yume.config import Config
from yume.db import database, open_database
from yume.queue import get_queue


def create_app(config: Config | None = None) -> Flask:
    config = config or Config.from_env()
    if config.secret_key:  # tokens are encrypted at rest; the processes require the key
        crypto.use_key(config.secret_key)
    open_database(config.database_url)
    from yume.web.api import openapi_options, register_api

    # openapi_options: title, description, bearer scheme and our 422 error shape
    app = OpenAPI(__name__, **openapi_options(), doc_prefix="/api/v1", doc_url="/openapi.json")
    app.config["YUME"] = config
    get_queue(config.redis_url)  # this process's queue, for code without the config at hand
    app.json.ensure_ascii = False  # Spanish reads better unescaped
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    log_privacy.install()  # no phone numbers in the logs (gunicorn's access log included)

    @app.teardown_request
    def _close(_exc: BaseException | None) -> None:
        """Peewee connects on a request's first query; hand the connection back after it."""
        if not database.is_closed():
            database.close()

    from yume.web.connect import connect
    from yume.web.dashboard import mount_dashboard
    from yume.web.health import health
    from yume.web.webhooks import install_journal, webhooks

    install_journal(app, config)

    app.register_blueprint(health)
    app.register_blueprint(webhooks)
    app.register_blueprint(connect)  # issue 10: the connect page
    mount_dashboard(app, config)
    register_api(app)
    return app
