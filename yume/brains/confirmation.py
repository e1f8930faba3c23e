"""Was this exact day and time shown to the person and accepted? Checked in code before
Claude books, moves or cancels for a customer (and before staff cancel), so a guess —
"a las 7" read as 7 PM, "el viernes" read as this Friday — never becomes a booking
the person did not see.

A time counts as shown back and accepted when:
- the person tapped an option whose id carries it ("2026-01-15T16:00|3"), or
- the last message they got before writing was this brain's own reply (not a notice,
  a reminder or an alert, which may name times the person never chose) and it names
  that day and time: the confirmation question, or the offer they picked from, or
- their own words name it fully: day of the month and month, and a time that cannot
  be read two ways ("16:00", "4:00 PM", "4 de la tarde").

Code cannot tell an inferred reading from an explicit one in free text, so the rule is
the safe one: unless the person said the full date and time themselves, it must have
been shown to them first.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

from yume.brain import Turn
from yume.formatting import spanish_date

TAPS = ("button_reply", "list_reply")
STATE_KEY = "claude"  # the Claude brain's part of Conversation.state (yume/brains/claude.py)
SHOWN = "shown"  # there: the text of its last message to the person
DAY_PARTS = {
    "am": ("am", "de la manana", "de la madrugada"),
    "pm": ("pm", "de la tarde", "de la noche"),
}


def accepted(turn: Turn, start: datetime, tz: ZoneInfo) -> bool:
    local = start.astimezone(tz)
    stamp = local.strftime("%Y-%m-%dT%H:%M")
    for message in turn.new_messages:
        if message.kind in TAPS and stamp in str((message.payload or {}).get("reply_id") or ""):
            return True
    said = [m.text or "" for m in turn.new_messages if m.direction == "in"]
    return any(names(text, local) for text in [last_shown(turn), *said])


def last_shown(turn: Turn) -> str:
    """The text of the last message the person got before writing, if this brain sent it."""
    first_new = min((m.id for m in turn.new_messages), default=None)
    earlier = [
        m for m in turn.history if m.direction == "out" and (first_new is None or m.id < first_new)
    ]
    state = (turn.conversation.state or {}).get(STATE_KEY) or {}
    last = (earlier[-1].text or "") if earlier else ""
    return last if last and last == state.get(SHOWN) else ""


def names(text: str, local: datetime) -> bool:
    """Does `text` name this local day (day and month) and this time unambiguously?"""
    flat = _flat(text)
    day = _flat(spanish_date(local).split(" ", 1)[1])  # "15 de enero"
    return re.search(rf"(?<!\d){re.escape(day)}\b", flat) is not None and _names_time(flat, local)


def _names_time(flat: str, local: datetime) -> bool:
    hour12 = local.hour % 12 or 12
    minute = f":{local.minute:02d}"
    half = "pm" if local.hour >= 12 else "am"
    optional_minute = f"(?:{minute})?" if local.minute == 0 else minute
    parts = "|".join(re.escape(p) for p in DAY_PARTS[half])
    patterns = [rf"(?<![\d:]){hour12}{optional_minute}\s*(?:{parts})\b"]
    if local.hour >= 13 or local.hour == 0:  # 16:00 cannot be read two ways
        patterns.append(rf"(?<![\d:]){local.hour:02d}{minute}(?!\d)")
        patterns.append(rf"(?<![\d:]){local.hour}{minute}(?!\d)")
    if local.hour == 12 and local.minute == 0:
        patterns.append(r"\bmediodia\b")
    return any(re.search(p, flat) for p in patterns)


def _flat(text: str) -> str:
    """Lower case, no accents, "p. m." as "pm", spaces collapsed."""
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    plain = re.sub(r"\b([ap])\.?\s?m\b\.?", r"\1m", plain)
    return re.sub(r"\s+", " ", plain)
