"""No phone numbers in the logs: a customer's number is personal data, and logs travel (log
drains, screenshots, support tickets). Every record of every logger (ours, RQ's, gunicorn's
access log, a driver's error text, a traceback) is masked as it is made: a run of 10 to 15
digits, with or without "+" and spaces, keeps only its last 4 ("…5678"), enough for ops to
tell two numbers apart and to find a conversation, too little to call anyone."""

from __future__ import annotations

import logging
import re
from typing import Any

# 10-15 digits, maybe spaced, maybe after "+" or its URL escape (a query string in an
# access log), not inside a longer word (ids, base64, uuids)
PHONE = re.compile(r"(?<![\w.+-])(?:\+|%2[Bb])?\d(?: ?\d){9,14}(?![\w])")


class MetaId(str):
    """A Meta account or number id (WABA, phone_number_id: 15–16 digits) that ops need whole
    in the log: passed as a log argument, it is not masked as if it were a phone."""


def mask_phones(text: str) -> str:
    return PHONE.sub(lambda match: "…" + match.group(0)[-4:], text)


def _masked(value: Any) -> Any:
    """Strings and exceptions (a driver's error quotes the row) masked; anything else as is."""
    if isinstance(value, MetaId):
        return str(value)
    if isinstance(value, str):
        return mask_phones(value)
    if isinstance(value, BaseException):
        return mask_phones(str(value))
    return value


def install() -> None:
    """Mask every log record made in this process from now on (idempotent)."""
    make_record = logging.getLogRecordFactory()
    if getattr(make_record, "masks_phones", False):
        return

    def masking_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if isinstance(record.msg, str):
            record.msg = mask_phones(record.msg)
        elif not record.args:  # e.g. peewee's (sql, params) at DEBUG: shown as str(msg)
            record.msg = mask_phones(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(_masked(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _masked(arg) for key, arg in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_phones(logging.Formatter().formatException(record.exc_info))
        return record

    masking_factory.masks_phones = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masking_factory)
