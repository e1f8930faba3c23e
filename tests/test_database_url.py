"""DATABASE_URL as managed PostgreSQL spells it: `postgres://` (Heroku's scheme, not only
`postgresql://`) and `?sslmode=require` (the connection must be encrypted), reaching
psycopg2 whether the connection is pooled (web, worker) or not (the webhook journal): refused
by the shared test server, which has no TLS, and encrypted with a private cluster that has."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import pytest
from peewee import OperationalError, PostgresqlDatabase

from tests.conftest import DATABASE_URL
from yume.db import build_database

on_postgres = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgres"), reason="needs YUME_TEST_DATABASE_URL (PostgreSQL)"
)


def spelled(scheme: str, query: str) -> str:
    return urlunsplit(urlsplit(DATABASE_URL)._replace(scheme=scheme, query=query))


@pytest.mark.parametrize("pooled", [True, False])
def test_it_reads_heroku_style_urls(pooled):
    db = build_database("postgres://u:p%40ss@db.example.test:5433/yume?sslmode=require", pooled)
    assert isinstance(db, PostgresqlDatabase)
    assert db.database == "yume"
    assert db.connect_params == {
        "user": "u",
        "password": "p@ss",
        "host": "db.example.test",
        "port": 5433,
        "sslmode": "require",
    }


@on_postgres
@pytest.mark.parametrize("pooled", [True, False])
def test_a_postgres_scheme_url_connects(pooled):
    db = build_database(spelled("postgres", "sslmode=prefer"), pooled)
    with db.connection_context():
        assert db.execute_sql("SELECT 1").fetchone() == (1,)


@on_postgres
def test_sslmode_require_reaches_the_driver():
    """The test server has no TLS: libpq refusing to go on in clear proves `require` is
    honoured (a managed PostgreSQL, which speaks TLS, is then reached encrypted)."""
    db = build_database(spelled("postgres", "sslmode=require"))
    with pytest.raises(OperationalError, match="SSL was required"):
        db.connect()


@on_postgres
@pytest.mark.parametrize("pooled", [True, False])
def test_sslmode_require_connects_encrypted_to_a_postgres_that_speaks_tls(tls_postgres, pooled):
    """A private cluster with ssl=on: `postgres://…?sslmode=require` connects, encrypted,
    pooled (web, worker) and not (the webhook journal)."""
    url = f"postgres://postgres@127.0.0.1:{tls_postgres}/postgres?sslmode=require"
    db = build_database(url, pooled)
    with db.connection_context():
        (encrypted,) = db.execute_sql(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        ).fetchone()
    assert encrypted is True


@pytest.fixture(scope="module")
def tls_postgres():
    from tests.tls import tls_postgres_server

    with tls_postgres_server() as port:
        yield port
