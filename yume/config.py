"""Configuration read once from the environment (and `.env`), typed and checked."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from dotenv import load_dotenv

from yume.redis_connection import with_tls_verify

DEFAULT_DATABASE_URL = "sqlite:///yume.db"
DEFAULT_GRAPH_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v23.0"
# A dated snapshot, not an alias: an alias moves to a new model (new tokenizer, new stop
# reasons, new refusals) without a deploy; the evals were read against this one.
DEFAULT_MODEL = "claude-haiku-4-5-20251001"
DEFAULT_SDK_URL = "https://connect.facebook.net/es_LA/sdk.js"
# Meta documents webhook payloads of up to 3 MB (history sync chunks are the large ones).
DEFAULT_WEBHOOK_MAX_BYTES = 3 * 1024 * 1024
# The admin token opens every business's data and the queues: long enough not to be guessed.
ADMIN_TOKEN_MIN_LENGTH = 32


class ConfigError(ValueError):
    """A setting in the environment makes no sense; the message names it."""


def env_int(name: str, default: int, environ: dict[str, str]) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def env_bool(name: str, default: bool, environ: dict[str, str]) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0, got {raw!r}")


def env_str(name: str, environ: dict[str, str]) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def admin_token(environ: dict[str, str]) -> str | None:
    token = env_str("YUME_ADMIN_TOKEN", environ)
    if token is not None and len(token) < ADMIN_TOKEN_MIN_LENGTH:
        raise ConfigError(
            f"YUME_ADMIN_TOKEN must be at least {ADMIN_TOKEN_MIN_LENGTH} characters "
            f"(it has {len(token)}); make one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return token


def positive_int(name: str, default: int, environ: dict[str, str]) -> int:
    value = env_int(name, default, environ)
    if value < 1:
        raise ConfigError(f"{name} must be a positive whole number, got {value}")
    return value


@dataclass(frozen=True)
class Config:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    admin_token: str | None = None
    meta_app_secret: str | None = None
    meta_verify_token: str | None = None
    meta_app_id: str | None = None
    meta_graph_url: str = DEFAULT_GRAPH_URL
    meta_api_version: str = DEFAULT_API_VERSION
    anthropic_api_key: str | None = None
    model: str = DEFAULT_MODEL
    quiet_seconds: int = 2
    port: int = 8000
    webhook_max_bytes: int = DEFAULT_WEBHOOK_MAX_BYTES
    demo_mode: bool = False
    # Embedded Signup and secrets at rest (issue 10)
    secret_key: str | None = None
    meta_config_id: str | None = None
    meta_sdk_url: str = DEFAULT_SDK_URL
    meta_sdk_origin: str | None = None  # None: derived from meta_sdk_url (yume.onboarding.page)
    public_url: str | None = None  # how owners reach this server, for invite links
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def production(self) -> bool:
        """PostgreSQL or Redis: a deployment, where secrets must come from YUME_SECRET_KEY."""
        return self.redis_url is not None or self.database_url.startswith(
            ("postgres://", "postgresql://")
        )

    @property
    def embedded(self) -> bool:
        """True when there is no Redis: jobs and reminders run in-process."""
        return self.redis_url is None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, *, dotenv: bool = True) -> Config:
        if environ is None:
            if dotenv:
                load_dotenv(os.path.join(os.getcwd(), ".env"), override=False)
            environ = dict(os.environ)
        return cls(
            database_url=env_str("DATABASE_URL", environ) or DEFAULT_DATABASE_URL,
            redis_url=_redis_url(environ),
            admin_token=admin_token(environ),
            meta_app_secret=env_str("META_APP_SECRET", environ),
            meta_verify_token=env_str("META_WEBHOOK_VERIFY_TOKEN", environ),
            meta_app_id=env_str("META_APP_ID", environ),
            meta_graph_url=env_str("META_GRAPH_URL", environ) or DEFAULT_GRAPH_URL,
            meta_api_version=env_str("META_API_VERSION", environ) or DEFAULT_API_VERSION,
            anthropic_api_key=env_str("ANTHROPIC_API_KEY", environ),
            model=env_str("YUME_MODEL", environ) or DEFAULT_MODEL,
            quiet_seconds=env_int("YUME_QUIET_SECONDS", 2, environ),
            port=env_int("PORT", 8000, environ),
            secret_key=env_str("YUME_SECRET_KEY", environ),
            meta_config_id=env_str("META_CONFIG_ID", environ),
            meta_sdk_url=env_str("META_SDK_URL", environ) or DEFAULT_SDK_URL,
            meta_sdk_origin=env_str("META_SDK_ORIGIN", environ),
            public_url=env_str("YUME_PUBLIC_URL", environ),
            webhook_max_bytes=positive_int(
                "YUME_WEBHOOK_MAX_BYTES", DEFAULT_WEBHOOK_MAX_BYTES, environ
            ),
        )


def _redis_url(environ: dict[str, str]) -> str | None:
    """REDIS_URL, carrying REDIS_TLS_VERIFY (default on) when it is `rediss://`."""
    url = env_str("REDIS_URL", environ)
    verify = env_bool("REDIS_TLS_VERIFY", True, environ)
    return with_tls_verify(url, verify) if url else None
