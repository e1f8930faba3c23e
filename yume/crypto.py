"""Secrets at rest: business access tokens and registration PINs, encrypted with Fernet
under `YUME_SECRET_KEY`; the same key (through its own derivation) signs invite links.

A deployment (PostgreSQL or Redis configured, or the `web`, `worker` and `scheduler`
processes) refuses to start without the key, naming the variable. On the embedded default
(`demo`, `serve`, `chat` with SQLite and no Redis) a missing key is replaced by a key kept
in `.yume-dev-key` in the working directory, made on first use, so a newcomer needs no
setup and nothing is ever stored in clear.

`YUME_SECRET_KEY` may hold several keys separated by commas: the first encrypts, all of
them decrypt (Fernet's MultiFernet), so a key can be rotated without losing a token.

`cryptography` (about 4 MB of a dyno's memory with its Rust binding) is imported on the
first encryption or decryption, not when the key is installed: the web and supervisor
processes of a dyno that only take webhooks never hold it. The key is still checked when it
is installed, so a bad one stops the process at start.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from yume.config import Config, ConfigError

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet

log = logging.getLogger(__name__)

KEY_VARIABLE = "YUME_SECRET_KEY"
DEV_KEY_FILE = ".yume-dev-key"
TOKEN_PREFIX = "gAAAAA"  # every Fernet token starts so (version byte + timestamp)

_lock = threading.Lock()
_keys: list[bytes] | None = None  # Fernet keys (urlsafe base64 of 32 bytes), first encrypts
_cipher: MultiFernet | None = None  # built from _keys on first use
_signing_secret: bytes | None = None


class MissingSecretKey(ConfigError):
    """A deployment started without YUME_SECRET_KEY."""


class InvalidToken(Exception):
    """A value no installed key encrypted (or no Fernet token at all)."""


def new_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode("ascii")


MIN_SECRET_CHARS = 32


def _fernet_key(key: str) -> bytes:
    """The Fernet key for one secret: a Fernet key as `python -m yume secret-key` prints it
    (urlsafe base64 of 32 bytes, the check Fernet itself makes), or any other secret of at
    least 32 characters (a platform's generated secret, e.g. app.json's 64 hex characters),
    from which a Fernet key is derived with SHA-256."""
    raw = key.encode("utf-8")
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32:
            return raw
    except (binascii.Error, ValueError):
        pass
    if len(key) < MIN_SECRET_CHARS:
        raise ConfigError(
            f"{KEY_VARIABLE} must be a Fernet key or a secret of at least "
            f"{MIN_SECRET_CHARS} characters; make one with `python -m yume secret-key`"
        )
    derived = hashlib.sha256(b"yume-fernet:" + raw).digest()
    return base64.urlsafe_b64encode(derived)


def _parse(value: str) -> list[bytes]:
    return [_fernet_key(part.strip()) for part in value.split(",") if part.strip()]


def use_key(value: str) -> None:
    """Make `value` (one key, or several separated by commas) this process's key."""
    global _keys, _cipher, _signing_secret
    keys = _parse(value)
    if not keys:
        raise ConfigError(f"{KEY_VARIABLE} is empty")
    with _lock:
        _keys, _cipher = keys, None
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
    if _keys is None:
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
    global _cipher
    if _keys is None:
        configure(Config.from_env(dotenv=False))
    with _lock:
        if _cipher is None:
            from cryptography.fernet import Fernet, MultiFernet

            assert _keys is not None
            _cipher = MultiFernet([Fernet(key) for key in _keys])
        return _cipher


def encrypt(text: str) -> str:
    return _ready().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """The clear text; InvalidToken when another key encrypted it (or it is no token)."""
    from cryptography.fernet import InvalidToken as FernetInvalidToken

    cipher = _ready()
    try:
        return cipher.decrypt(token.encode("ascii")).decode("utf-8")
    except (FernetInvalidToken, UnicodeEncodeError) as exc:
        raise InvalidToken(str(exc)) from None


def is_encrypted(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX)


def signing_secret() -> bytes:
    """The secret invite links are signed with (derived from the first key)."""
    if _keys is None:
        configure(Config.from_env(dotenv=False))
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
