"""Times of day as written: "a las 4", "4:30", "cuarto para las 5", "en la tarde"...

Works on text passed through `yume.nlu.text.prepare`. It only reads what was written;
whether a bare "4" is 4 AM or 4 PM is decided in `yume.nlu.when` from business hours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MORNING, AFTERNOON, EVENING = "morning", "afternoon", "evening"
EARLY_AFTERNOON = "early_afternoon"  # "temprano en la tarde": the afternoon's first hours

_MERIDIEM = (
    r"(?:\s?(?:am|pm|hrs|hr|h|de la manana|de la tarde|de la noche|de la madrugada|del dia))"
)
_CLOCK = (
    r"(?:(?:cuarto|\d{1,2})(?: minutos)? para (?:las|la) \d{1,2}"
    r"|\d{1,2}(?::[0-5]\d| y (?:media|cuarto|\d{1,2})(?: minutos)?| menos (?:cuarto|\d{1,2}))?)"
    rf"(?: en punto)?{_MERIDIEM}?"
    r"|medio ?dia"
)
_LEAD = (
    r"(?:a las|a la|las|la|tipo|como a las|como a la|a eso de las|a eso de la|para las|para la"
    r"|sobre las|x las|por ahi de las|cerca de las)"
)

_PARTS = re.compile(
    r"(?P<early_afternoon>\btempran(?:o|ito) (?:en|por) la tarde\b"
    r"|\b(?:en|por) la tarde tempran(?:o|ito)\b"
    r"|\b(?:a|en) (?:las? )?primeras? horas? de la tarde\b|\b(?:al )?inicio de la tarde\b"
    r"|\btarde tempran(?:o|ito)\b)"
    r"|(?P<morning>\b(?:en|por|de) (?:la|las) mananas?\b|\btempran(?:o|ito)\b|\bprimera hora\b"
    r"|\besta manana\b|\bmananita\b)"
    r"|(?P<afternoon>\b(?:en|por) (?:la|las) tardes?\b|\besta tarde\b|\btardecita\b"
    r"|\bdespues de (?:comer|la comida)\b|(?<!\bmas )(?<!\bmuy )(?<!\bbuenas )\btarde\b)"
    r"|(?P<evening>\b(?:en|por) (?:la|las) noches?\b|\besta noche\b|\bnochecita\b"
    r"|(?<!\bbuenas )\bnoche\b)"
)
_RANGE = re.compile(
    rf"\b(?:de|entre) (?:las |la )?(?P<a>{_CLOCK}) (?:a|y|hasta) (?:las |la )?(?P<b>{_CLOCK})\b"
)
# "5 a 6 pm", "4 a 6": a range without "de" (never "el 5 a las 6": the 5th at 6).
_BARE_RANGE = re.compile(
    rf"(?<!\bel )(?<!\bdia )(?<!\bdel )(?<!\bpara el )(?<![\d/:])\b(?P<a>{_CLOCK}) (?:a|hasta) "
    rf"(?P<b>{_CLOCK})\b(?!\s*(?:personas?|gente|cortes?|citas?|servicios?|dias?|semanas?"
    r"|horas?|minutos?|veces|anos?|meses?|pesos?))"
)
# "en 2 horas", "en una hora", "dentro de media hora", "en 45 minutos": from now.
_FROM_NOW = re.compile(
    r"\b(?:en|dentro de|de aqui a)\s+(?:(?P<hours>\d{1,2})\s+horas?(?P<half> y media)?"
    r"|(?P<minutes>\d{1,3})\s+(?:minutos|mins?)|(?P<half_hour>media hora)"
    r"|(?:1\s+)?(?P<hour_half>hora y media))\b"
)
_AFTER = re.compile(
    rf"\b(?:despues de|a partir de|desde|pasadas|ya pasadas|mas tarde de) (?:las |la )?"
    rf"(?P<a>{_CLOCK})\b|\bde (?:las |la )?(?P<b>{_CLOCK}) (?:en adelante|para adelante)\b"
)
_BEFORE = re.compile(rf"\b(?:antes de|antes del|a mas tardar a) (?:las |la )?(?P<a>{_CLOCK})\b")
_PARA = re.compile(rf"\b(?:cuarto|\d{{1,2}})(?: minutos)? para (?:las|la) \d{{1,2}}{_MERIDIEM}?\b")
_LED = re.compile(rf"\b{_LEAD} (?P<a>{_CLOCK})\b")
_MARKED = re.compile(
    rf"(?<!\bel )(?<!\bdia )\b(?P<a>\d{{1,2}}(?::[0-5]\d| y (?:media|cuarto)| menos cuarto)"
    r"(?: en punto)?"
    rf"{_MERIDIEM}?|\d{{1,2}}(?: en punto)?{_MERIDIEM})\b|\bmedio ?dia\b"
)
_ALONE = re.compile(r"^(?P<a>\d{1,2}(?::[0-5]\d)?)$")
_LATER = re.compile(r"\b(?:al rato|mas tarde|en un rato|mas al rato)\b")
_ASAP = re.compile(
    r"\b(?:ahorita|ahora mismo|ahora|lo antes posible|lo mas pronto|en este momento|ya mismo"
    r"|cuanto antes|lo mas rapido)\b"
)

_CLOCK_PARTS = re.compile(
    r"^(?:(?P<q>cuarto|\d{1,2})(?: minutos)? para (?:las|la) (?P<ph>\d{1,2})"
    r"|(?P<h>\d{1,2})(?::(?P<mm>\d\d)| y (?P<frac>media|cuarto|\d{1,2})(?: minutos)?"
    r"| menos (?P<less>cuarto|\d{1,2}))?)"
    r"(?: en punto)?\s?(?P<mer>am|pm|hrs|hr|h|de la manana|de la tarde|de la noche"
    r"|de la madrugada|del dia)?$"
)


@dataclass(frozen=True)
class Clock:
    """A clock reading as written; `meridiem` is None when it could be AM or PM."""

    hour: int
    minute: int = 0
    meridiem: str | None = None  # "am" | "pm" | "24h"

    @property
    def ambiguous(self) -> bool:
        return self.meridiem is None and 1 <= self.hour <= 12


@dataclass(frozen=True)
class TimeRef:
    at: Clock | None = None
    after: Clock | None = None
    before: Clock | None = None
    part: str | None = None  # MORNING | AFTERNOON | EVENING
    later: bool = False  # "al rato": later today
    asap: bool = False  # "ahorita": as soon as possible
    from_now: int | None = None  # "en 2 horas": this many minutes from now


def find_time(text: str) -> TimeRef | None:
    from_now = _from_now(text)
    if from_now is not None:
        return TimeRef(from_now=from_now)
    window = _window(text)
    exact = _exact(text)
    part = _part(text)
    later = bool(_LATER.search(text))
    asap = not later and bool(_ASAP.search(text))
    if window is None and exact is None and part is None and not later and not asap:
        return None
    after, before = window or (None, None)
    return TimeRef(at=exact, after=after, before=before, part=part, later=later, asap=asap)


def _from_now(text: str) -> int | None:
    match = _FROM_NOW.search(text)
    if match is None:
        return None
    if match["hours"]:
        return int(match["hours"]) * 60 + (30 if match["half"] else 0)
    if match["minutes"]:
        return int(match["minutes"])
    return 30 if match["half_hour"] else 90


def _window(text: str) -> tuple[Clock | None, Clock | None] | None:
    match = _RANGE.search(text) or _BARE_RANGE.search(text)
    if match:
        start, end = read_clock(match["a"]), read_clock(match["b"])
        if start and end and start.meridiem is None and end.meridiem in ("am", "pm"):
            start = _shared_meridiem(start, end)
        return start, end
    match = _AFTER.search(text)
    if match:
        return read_clock(match["a"] or match["b"]), None
    match = _BEFORE.search(text)
    if match:
        return None, read_clock(match["a"])
    return None


def _shared_meridiem(start: Clock, end: Clock) -> Clock:
    """'de 3 a 5 de la tarde': the end's AM/PM applies to the start too."""
    if end.hour == 12:
        return Clock(start.hour, start.minute, "am")
    if start.hour <= end.hour:
        return Clock(start.hour, start.minute, end.meridiem)
    return start


def _exact(text: str) -> Clock | None:
    if any(p.search(text) for p in (_RANGE, _BARE_RANGE, _AFTER, _BEFORE)):
        return None
    match = _PARA.search(text)
    if match:
        return read_clock(match[0])
    for pattern in (_LED, _MARKED, _ALONE):
        match = pattern.search(text)
        if match:
            return read_clock(match["a"] or "mediodia")
    return None


def _part(text: str) -> str | None:
    match = _PARTS.search(text)
    if match is None:
        return None
    return next(name for name, value in match.groupdict().items() if value)


def read_clock(raw: str) -> Clock | None:
    """'4', '4:30', '4 y media', 'cuarto para las 5', '10 de la manana', 'mediodia'."""
    if raw.replace(" ", "") == "mediodia":
        return Clock(12, 0, "pm")
    match = _CLOCK_PARTS.match(raw)
    if match is None:
        return None
    if match["ph"]:
        before = 15 if match["q"] == "cuarto" else int(match["q"])
        return _clock(int(match["ph"]) * 60 - before, match["mer"], raw_hour=int(match["ph"]))
    hour = int(match["h"])
    minute = _minutes(match["mm"], match["frac"])
    if match["less"]:
        minute = -(15 if match["less"] == "cuarto" else int(match["less"]))
    return _clock(hour * 60 + minute, match["mer"], raw_hour=hour, leading_zero=raw[0] == "0")


def _minutes(mm: str | None, frac: str | None) -> int:
    if mm:
        return int(mm)
    if frac in ("media", "cuarto"):
        return 30 if frac == "media" else 15
    return int(frac or 0)


def _clock(
    total: int, marker: str | None, raw_hour: int, leading_zero: bool = False
) -> Clock | None:
    hour, minute = divmod(total % 1440, 60)
    if raw_hour > 23 or minute > 59:
        return None
    if raw_hour > 12 or raw_hour == 0 or leading_zero:
        return Clock(hour, minute, "24h")
    if hour == 0:
        hour = 12  # "cuarto para la 1" is 12:45, not 00:45
    meridiem = {
        "am": "am", "de la manana": "am", "de la madrugada": "am",
        "pm": "pm", "de la tarde": "pm", "de la noche": "pm",
    }.get(marker or "")  # fmt: skip
    if marker == "del dia" and raw_hour == 12:
        meridiem = "pm"
    return Clock(hour, minute, meridiem)
