"""One YUME_SECRET_KEY for a bench and every process it starts.

A deployment refuses to start without the key (issue 10), and a token the bench stores
encrypted must be readable by the workers it starts: the bench takes the key from the
environment, or makes one, and both it and its children use that one."""

from __future__ import annotations

import os

from yume import crypto


def share_key() -> str:
    key = os.environ.get(crypto.KEY_VARIABLE) or crypto.new_key()
    os.environ[crypto.KEY_VARIABLE] = key  # inherited by every process the bench starts
    crypto.use_key(key)
    return key
