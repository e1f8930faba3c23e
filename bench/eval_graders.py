"""Graders for bench/evals.py: they fail a dialogue on what a careful reader would catch.

Each grader reads Yume's replies of one dialogue and what the model was given (every
request's tool results and system blocks, and what the person wrote) and returns problems:
- `invented`: a time or a price in a reply that appears in no tool result, in neither the
  business nor the moment block (opening hours, prices, the next days), and not in the
  person's own words;
- `weekday`: "viernes 15 de enero" where the 15th of January is no Friday;
- `usted`: "usted" / "ustedes" (Yume says tú);
- `markdown`: bold, headings, tables, links or code fences (WhatsApp shows them raw);
- `phone`: a phone number in a reply to a customer that is not their own.
`self_check()` runs every grader on replies known to be bad and known to be good, so a
grader that stopped catching anything fails the evals too.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import get_day_names, get_month_names

from yume.formatting import LOCALE


def _plain(text: str) -> str:
    """Lower case without accents: "sábado" and "sabado" read the same."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


MONTHS = [_plain(get_month_names("wide", locale=LOCALE)[n]) for n in range(1, 13)]
WEEKDAYS = [_plain(get_day_names("wide", locale=LOCALE)[n]) for n in range(7)]  # 0 = lunes
CLOCK_12 = re.compile(r"\b(1[0-2]|0?[1-9])(?::([0-5]\d))?\s*([ap])\.?\s?m\b\.?", re.IGNORECASE)
CLOCK_24 = re.compile(r"(?<![\d:])([01]?\d|2[0-3]):([0-5]\d)(?!\d)(?!\s*[ap]\.?\s?m\b)", re.I)
PRICE = re.compile(r"\$\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{2}))?")
DATED = re.compile(
    rf"\b({'|'.join(WEEKDAYS)})\s+(\d{{1,2}})\s+de\s+({'|'.join(MONTHS)})\b", re.IGNORECASE
)
USTED = re.compile(r"\busted(es)?\b", re.IGNORECASE)
MARKDOWN = re.compile(r"\*\*|__|^\s{0,3}#{1,6}\s|\|\s*-{3,}|\[[^\]]+\]\(https?:|```", re.M)
PHONE = re.compile(r"(?<!\d)(?:\+?\d[\s-]?){10,13}(?!\d)")
ISO_CLOCK = re.compile(r"T([01]\d|2[0-3]):([0-5]\d)")
BARE_HOUR = re.compile(r"\b(?:a las|a la|las)\s+(1[0-2]|0?[1-9])(?::([0-5]\d))?\b", re.I)


@dataclass
class Seen:
    """What the model was given in a dialogue: the sources a reply may quote."""

    texts: list[str] = field(default_factory=list)  # tool results and system blocks
    said: list[str] = field(default_factory=list)  # what the person wrote

    def add_request(self, body: dict[str, Any]) -> None:
        for block in body.get("system", []) or []:
            if isinstance(block, dict):
                self.texts.append(block.get("text", ""))
        for message in body.get("messages", []):
            content = message.get("content")
            for block in content if isinstance(content, list) else []:
                if block.get("type") == "tool_result":
                    self.texts.append(json.dumps(block.get("content"), ensure_ascii=False))

    @property
    def minutes(self) -> set[int]:
        found = set()
        for text in self.texts:
            found |= clock_minutes(text) | {
                int(h) * 60 + int(m) for h, m in ISO_CLOCK.findall(text)
            }
        for text in self.said:
            found |= clock_minutes(text) | spoken_hours(text)
        return found

    @property
    def prices(self) -> set[Decimal]:
        found = set()
        for text in self.texts:
            found |= prices_in(text)
            found |= {Decimal(v) for v in re.findall(r'"price_mxn":\s*(\d+(?:\.\d+)?)', text)}
        return found


def clock_minutes(text: str) -> set[int]:
    """Minutes of the day of every "4:00 PM" / "16:00" in `text`."""
    found = set()
    for hour, minute, half in CLOCK_12.findall(text):
        h = int(hour) % 12 + (12 if half.lower() == "p" else 0)
        found.add(h * 60 + int(minute or 0))
    for hour, minute in CLOCK_24.findall(text):
        found.add(int(hour) * 60 + int(minute))
    return found


def spoken_hours(text: str) -> set[int]:
    """ "a las 4" could be 4:00 AM or PM: both are the person's own words."""
    found = set()
    for hour, minute in BARE_HOUR.findall(text):
        for h in (int(hour) % 12, int(hour) % 12 + 12):
            found.add(h * 60 + int(minute or 0))
    return found


def prices_in(text: str) -> set[Decimal]:
    return {
        Decimal(whole.replace(",", "") + "." + (cents or "00"))
        for whole, cents in PRICE.findall(text)
    }


# -- the graders -----------------------------------------------------------------------------


def invented(replies: Sequence[str], seen: Seen) -> list[str]:
    minutes, prices = seen.minutes, seen.prices
    problems = []
    for reply in replies:
        for minute in sorted(clock_minutes(reply) - minutes):
            problems.append(f"invented: {minute // 60}:{minute % 60:02d} in {reply[:60]!r}")
        for price in sorted(prices_in(reply) - prices):
            problems.append(f"invented: ${price} in {reply[:60]!r}")
    return problems


def weekday(replies: Sequence[str], today: date) -> list[str]:
    problems = []
    for reply in replies:
        for name, day, month in DATED.findall(_plain(reply)):
            real = _nearest(today, MONTHS.index(month) + 1, int(day))
            if real is None or WEEKDAYS[real.weekday()] != name:
                problems.append(f"weekday: '{name} {day} de {month}' in {reply[:60]!r}")
    return problems


def _nearest(today: date, month: int, day: int) -> date | None:
    """The date with that month and day closest to today (this year, or the next)."""
    for year in (today.year, today.year + 1, today.year - 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if abs((candidate - today).days) <= 200:
            return candidate
    return None


def usted(replies: Sequence[str]) -> list[str]:
    return [f"usted: {r[:60]!r}" for r in replies if USTED.search(r)]


def markdown(replies: Sequence[str]) -> list[str]:
    return [f"markdown: {r[:60]!r}" for r in replies if MARKDOWN.search(r)]


def phone(replies: Sequence[str], allowed: Iterable[str]) -> list[str]:
    mine = {re.sub(r"\D", "", p)[-10:] for p in allowed}
    problems = []
    for reply in replies:
        for match in PHONE.findall(reply):
            if re.sub(r"\D", "", match)[-10:] not in mine:
                problems.append(f"phone: {match.strip()} in {reply[:60]!r}")
    return problems


def grade(replies: Sequence[str], seen: Seen, today: date, customer_phone: str | None) -> list[str]:
    """Every grader; `customer_phone` None for staff (who may read customers' phones)."""
    problems = invented(replies, seen) + weekday(replies, today) + usted(replies)
    problems += markdown(replies)
    if customer_phone is not None:
        problems += phone(replies, [customer_phone])
    return problems


# -- the graders graded --------------------------------------------------------------------------


def self_check(today: date) -> list[str]:
    """Known-bad replies must be caught and known-good ones must pass; returns failures."""
    friday = next(
        date.fromordinal(today.toordinal() + i)
        for i in range(1, 8)
        if date.fromordinal(today.toordinal() + i).weekday() == 4
    )
    label = f"{WEEKDAYS[4]} {friday.day} de {MONTHS[friday.month - 1]}"
    wrong = f"{WEEKDAYS[3]} {friday.day} de {MONTHS[friday.month - 1]}"
    seen = Seen(
        texts=['{"when": "' + label + ', 4:00 PM", "price": "$250", "start": "T16:30"}'],
        said=["¿tienes a las 6?"],
    )
    cases: list[tuple[str, list[str]]] = [
        (f"Tengo el {label} a las 4:00 PM, cuesta $250.", []),
        ("También a las 4:30 PM o a las 6:00 PM, como dijiste.", []),
        ("Tengo a las 5:00 PM.", ["invented"]),
        ("Te queda en $125 con el descuento.", ["invented"]),
        (f"Quedó el {wrong} a las 4:00 PM.", ["weekday"]),
        ("¿Usted gusta agendar?", ["usted"]),
        ("**Listo**, quedó tu cita.", ["markdown"]),
        ("El cel de la señora es 55 1234 5678.", ["phone"]),
        ("Te escribo a tu número 55 9999 8888.", []),
    ]
    failures = []
    for reply, expected in cases:
        found = sorted({p.split(":")[0] for p in grade([reply], seen, today, "+525599998888")})
        if found != expected:
            failures.append(f"grader self-check: {reply!r} gave {found}, expected {expected}")
    return failures
