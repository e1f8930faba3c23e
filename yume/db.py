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


def build_database(
    url: str, pooled: bool = True, shared: bool = False, **connect_options: object
) -> Database:
    """A Database for a URL, not bound to the proxy.

    PostgreSQL connections are pooled unless `pooled` is false: a web request or a job that
    "closes" its connection hands it back instead of paying a new backend (~5–8 ms) next
    time. `shared` makes one connection that any thread may use, one thread at a time (the
    webhook journal's batch leaders take turns on it). `connect_options` go to the driver
    (timeouts, keepalives); on SQLite only `pragmas`, over the defaults."""
    options: dict = {"thread_safe": False} if shared else {}
    if url.startswith("sqlite"):
        if shared:
            options["check_same_thread"] = False
        pragmas = {**SQLITE_PRAGMAS, **connect_options.get("pragmas", {})}  # type: ignore[dict-item]
        return connect(url, pragmas=pragmas, **options)
    # a URL's user and password are percent-encoded (libpq and the platforms agree)
    options.update(unquote_user=True, unquote_password=True)
    options.update(connect_options)
    if url.startswith(("postgres://", "postgresql://")) and pooled:
        return connect("postgresql+pool://" + url.split("://", 1)[1], **POOL, **options)
    return connect(url, **options)


def open_database(url: str) -> Database:
    """Build the process's Database from a URL and bind the proxy to it."""
    db = build_database(url)
    database.initialize(db)
    return db


def is_postgres(db: Database | None = None) -> bool:
    """Whether `db` (default: the process's database) is PostgreSQL."""
    return isinstance(db if db is not None else database.obj, PostgresqlDatabase)


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
