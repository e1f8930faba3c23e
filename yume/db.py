"""The one database handle: a Peewee proxy bound from `DATABASE_URL`."""

from __future__ import annotations

from contextlib import AbstractContextManager

from peewee import Database, DatabaseProxy, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    "synchronous": "normal",
}


POOL = {"max_connections": 32, "stale_timeout": 300, "timeout": 10}


def open_database(url: str) -> Database:
    """Build a Database from a URL and bind the proxy to it.

    PostgreSQL connections are pooled: a web request or a job that "closes" its
    connection hands it back instead of paying a new backend (~5–8 ms) next time."""
    if url.startswith("sqlite"):
        db = connect(url, pragmas=SQLITE_PRAGMAS)
    elif url.startswith(("postgres://", "postgresql://")):
        db = connect("postgresql+pool://" + url.split("://", 1)[1], **POOL)
    else:
        db = connect(url)
    database.initialize(db)
    return db


def is_postgres() -> bool:
    return isinstance(database.obj, PostgresqlDatabase)


def is_sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


def write_transaction() -> AbstractContextManager:
    """A transaction that serialises writers where the database cannot do better.

    SQLite gets `BEGIN IMMEDIATE`, so two bookings never both read "free" and both
    insert; PostgreSQL relies on the appointment exclusion constraint instead.
    """
    if is_sqlite() and database.transaction_depth() == 0:
        return database.atomic("IMMEDIATE")
    return database.atomic()
