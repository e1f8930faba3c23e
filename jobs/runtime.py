"""What every job needs once per process: the configuration and the database."""

from __future__ import annotations

from yume.config import Config
from yume.db import database, open_database

_config: Config | None = None


def current() -> Config:
    """The process's configuration (read from the environment on first use)."""
    global _config
    if _config is None:
        _config = Config.from_env()
    if database.obj is None:
        open_database(_config.database_url)
    return _config


def use_config(config: Config) -> None:
    """Pin the configuration (embedded mode, the simulator and tests build their own)."""
    global _config
    _config = config
    if database.obj is None:
        open_database(config.database_url)
