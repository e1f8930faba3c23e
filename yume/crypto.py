"""Secrets at rest: business access tokens and registration PINs, encrypted with Fernet
under `YUME_SECRET_KEY`; the same key (through its own derivation) signs invite links.

A deployment (PostgreSQL or Redis configured, or the `web`, `worker` and `scheduler`
processes) refuses to start without the key, naming the variable. On the embedded default
(`demo`, `serve`, `chat` with SQLite and no Redis) a missing key is replaced by a key kept
in `.yume-dev-key` in the working directory, made on first use, so a newcomer needs no
setup and nothing is ever stored in clear.

`YUME_SECRET_KEY` may hold several keys separated by commas: the first encrypts, all of
them decrypt (Fernet's MultiFernet), so a key can be rotated without losing a token.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from yume.config import Config, ConfigError

log = logging.getLogger(__name__)

KEY_VARIABLE = "YUME_SECRET_KEY"
DEV_KEY_FILE = ".yume-dev-key"
TOKEN_PREFIX = "gAAAAA"  # every Fernet token starts so (version byte + timestamp)

_lock = threading.Lock()
_cipher: MultiFernet | None = None
_signing_secret: bytes | None = None


class MissingSecretKey(ConfigError):
    """A deployment started without YUME_SECRET_KEY."""


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


MIN_SECRET_CHARS = 32


def _fernet(key: str) -> Fernet:
    """A Fernet for one key: a Fernet key as `python -m yume secret-key` prints it, or any
    other secret of at least 32 characters (a platform's generated secret, e.g. app.json's
    64 hex characters), from which a Fernet key is derived with SHA-256."""
    try:
        return Fernet(key)
    except ValueError:
        if len(key) < MIN_SECRET_CHARS:
            raise ConfigError(
                f"{KEY_VARIABLE} must be a Fernet key or a secret of at least "
                f"{MIN_SECRET_CHARS} characters; make one with `python -m yume secret-key`"
            ) from None
        derived = hashlib.sha256(b"yume-fernet:" + key.encode("utf-8")).digest()
        return Fernet(base64.urlsafe_b64encode(derived))


def _parse(value: str) -> list[Fernet]:
    return [_fernet(part.strip()) for part in value.split(",") if part.strip()]


def use_key(value: str) -> None:
    """Make `value` (one key, or several separated by commas) this process's key."""
    global _cipher, _signing_secret
    fernets = _parse(value)
    if not fernets:
        raise ConfigError(f"{KEY_VARIABLE} is empty")
    with _lock:
        _cipher = MultiFernet(fernets)
        first = value.split(",")[0].strip().encode("utf-8")
        _signing_secret = hashlib.sha256(b"yume-signing:" + first).digest()


def require_key(config: Config, command: str) -> None:
    """A loud error when a deployment's process starts without the key."""
    if not config.secret_key:
        raise MissingSecretKey(
            f"{KEY_VARIABLE} is not set: `{command}` stores WhatsApp access tokens encrypted "
            f"and will not start without it. Make one with `python -m yume secret-key` and "
            f"set {KEY_VARIABLE} in the environment."
        )


def configure(config: Config, command: str | None = None) -> None:
    """Install the key for this process: YUME_SECRET_KEY when set; refused when missing in
    a deployment (or for `command`, one of the production processes); otherwise the
    development key file."""
    if config.secret_key:
        use_key(config.secret_key)
        return
    if command is not None or config.production:
        require_key(config, command or "yume")
    if _cipher is None:
        use_key(_dev_key())


def _dev_key(path: Path | None = None) -> str:
    path = path or Path.cwd() / DEV_KEY_FILE
    if path.exists():
        return path.read_text().strip()
    key = new_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    log.warning("crypto.dev-key: %s not set; using a development key in %s", KEY_VARIABLE, path)
    return key


def _ready() -> MultiFernet:
    if _cipher is None:
        configure(Config.from_env(dotenv=False))
    assert _cipher is not None
    return _cipher


def encrypt(text: str) -> str:
    return _ready().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """The clear text; InvalidToken when another key encrypted it (or it is no token)."""
    return _ready().decrypt(token.encode("ascii")).decode("utf-8")


def is_encrypted(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX)


def signing_secret() -> bytes:
    """The secret invite links are signed with (derived from the first key)."""
    _ready()
    assert _signing_secret is not None
    return _signing_secret


__all__ = [
    "InvalidToken",
    "MissingSecretKey",
    "configure",
    "decrypt",
    "encrypt",
    "is_encrypted",
    "new_key",
    "require_key",
    "signing_secret",
    "use_key",
]
