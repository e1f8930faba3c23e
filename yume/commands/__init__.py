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


def secrets_for(config: Config, command: str | None = None) -> None:
    """Install YUME_SECRET_KEY (yume/crypto.py); a deployment, or one of the production
    `command`s, without it stops here with a message naming the variable."""
    from yume import crypto

    try:
        crypto.configure(config, command)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def connect(config: Config, command: str | None = None) -> Config:
    """Open DATABASE_URL, saying which URL failed if it cannot be opened (the secret key is
    installed first: a deployment without it refuses to go on)."""
    secrets_for(config, command)
    try:
        open_database(config.database_url)
        database.connect(reuse_if_open=True)
    except Exception as exc:  # driver errors vary
        msg = f"no pude abrir la base de datos {config.database_url}: {exc}"
        raise click.ClickException(msg) from None
    return config
