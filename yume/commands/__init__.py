"""Command groups for `python -m yume`, each a click group registered in yume/cli.py, and
what every command does first: read the configuration and open the database."""

from __future__ import annotations

import click

from yume.config import Config, ConfigError
from yume.db import database, open_database


def load_config() -> Config:
    try:
        return Config.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def connect(config: Config) -> Config:
    """Open DATABASE_URL, saying which URL failed if it cannot be opened."""
    try:
        open_database(config.database_url)
        database.connect(reuse_if_open=True)
    except Exception as exc:  # driver errors vary
        msg = f"no pude abrir la base de datos {config.database_url}: {exc}"
        raise click.ClickException(msg) from None
    return config
