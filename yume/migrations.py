"""Apply the numbered scripts in migrations/ with peewee's own runner (pwmigrate)."""

from __future__ import annotations

from pathlib import Path

from peewee import Database
from playhouse.migrations import Runner

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def migrate(db: Database) -> list[str]:
    """Apply pending migrations in order; return the names applied."""
    return list(Runner(db, directory=str(MIGRATIONS_DIR)).up())
