"""Test wiring: a real database (SQLite by default, PostgreSQL when
YUME_TEST_DATABASE_URL says so), cleaned before every test, and the shared cast."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.cast import Cast
from yume.app import create_app
from yume.config import Config
from yume.db import database, is_sqlite, open_database
from yume.migrations import migrate
from yume.models import ALL_MODELS

ADMIN_TOKEN = "test-admin-token"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _database_url() -> str:
    url = os.environ.get("YUME_TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="yume-test-"), "test.db")


DATABASE_URL = _database_url()
REDIS_URL = os.environ.get("YUME_TEST_REDIS_URL") or None


@pytest.fixture(scope="session", autouse=True)
def _schema() -> Iterator[None]:
    """Migrate once; a database that cannot be reached fails the run, never skips it."""
    db = open_database(DATABASE_URL)
    db.connect()
    if not is_sqlite():
        tables = ", ".join(m._meta.table_name for m in ALL_MODELS)
        db.execute_sql(f"DROP TABLE IF EXISTS {tables}, schema_migration CASCADE")
    migrate(db)
    if REDIS_URL:
        from redis import Redis

        Redis.from_url(REDIS_URL).ping()
    db.close()
    yield


def clean_database() -> None:
    tables = [m._meta.table_name for m in ALL_MODELS]
    if is_sqlite():
        for table in reversed(tables):
            database.execute_sql(f"DELETE FROM {table}")
    else:
        database.execute_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


@pytest.fixture(autouse=True)
def db() -> Iterator[None]:
    open_database(DATABASE_URL)
    database.connect(reuse_if_open=True)
    clean_database()
    yield
    if not database.is_closed():
        database.close()


@pytest.fixture
def config() -> Config:
    return Config(database_url=DATABASE_URL, redis_url=REDIS_URL, admin_token=ADMIN_TOKEN)


@pytest.fixture
def app(config: Config) -> Flask:
    app = create_app(config)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def cast() -> Cast:
    return Cast()
