"""Which day a person means, under booking semantics: always today or later.

Works on text already passed through `yume.nlu.text.prepare`. "el lunes" said on a
Wednesday is next Monday; "el 15" after the 15th is next month's; "15 de enero" after
January 15 is next year's.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

WEEKDAYS = {
    "lunes": 0, "martes": 1, "miercoles": 2, "jueves": 3, "viernes": 4, "sabado": 5,
    "domingo": 6,
}  # fmt: skip
MONTHS = {
    name: number
    for number, name in enumerate(
        [
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ],
        start=1,
    )
}
MONTHS.update({"setiembre": 9, "ene": 1, "feb": 2, "mar": 3, "abr": 4, "jun": 6, "jul": 7,
               "ago": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dic": 12})  # fmt: skip

_WEEKDAY = "|".join(WEEKDAYS)
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORDINAL = r"(?:(?P<first>primero)|(?P<n>\d{1,2})(?:ro|o|vo|to)?)"


@dataclass(frozen=True)
class DayRef:
    day: date
    span: int = 1  # how many days it covers: 2 for "el fin de semana", 7 for "la otra semana"


def find_day(text: str, today: date) -> DayRef | None:
    for rule in (_numeric, _day_of_month, _in_days, _relative, _weekday, _week, _month):
        found = rule(text, today)
        if found is not None:
            return found
    return None


# -- relative days ------------------------------------------------------------------------

_PASADO = re.compile(r"\bpasado (?:de )?manana\b")
_MANANA = re.compile(r"(?<!\bla )(?<!\blas )(?<!\besta )\bmanana\b")
_TODAY = re.compile(
    r"\b(?:hoy|ahorita|ahora mismo|al rato|lo antes posible|lo mas pronto"
    r"|esta (?:manana|tarde|noche)|en este momento)\b"
)


def _relative(text: str, today: date) -> DayRef | None:
    if _PASADO.search(text):
        return DayRef(today + timedelta(days=2))
    if _MANANA.search(text):
        return DayRef(today + timedelta(days=1))
    if _TODAY.search(text):
        return DayRef(today)
    return None


# -- weekdays -----------------------------------------------------------------------------

_WEEKDAY_PHRASE = re.compile(
    rf"(?:\b(?P<this>este|esta)\s+|\b(?P<other>el otro)\s+)?\b(?P<name>{_WEEKDAY})\b"
    r"(?P<next_week>\s+de la (?:proxima|otra|siguiente) semana"
    r"|\s+de la semana que (?:viene|entra))?"
)


def _weekday(text: str, today: date) -> DayRef | None:
    match = _WEEKDAY_PHRASE.search(text)
    if match is None:
        return None
    weekday = WEEKDAYS[match["name"]]
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and not match["this"]:
        ahead = 7  # "el viernes" said on a Friday is next week's
    day = today + timedelta(days=ahead)
    if match["other"]:
        day += timedelta(days=7)
    elif match["next_week"]:
        next_monday = today + timedelta(days=7 - today.weekday())
        day = next_monday + timedelta(days=weekday)
    return DayRef(day)


_WEEK = re.compile(
    r"\b(?:(?P<next>(?:la )?(?:proxima|otra|siguiente) semana|(?:la )?semana que (?:viene|entra)"
    r"|(?:la )?semana (?:proxima|siguiente|entrante))"
    r"|(?P<weekend>(?:el |este )?(?:fin de semana|finde)|(?:el|este) fin)|(?P<this>esta semana))\b"
)


def _week(text: str, today: date) -> DayRef | None:
    match = _WEEK.search(text)
    if match is None:
        return None
    if match["weekend"]:
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        if today.weekday() == 6:
            return DayRef(today)
        return DayRef(saturday, 2)
    if match["this"]:
        return DayRef(today, 7 - today.weekday())
    return DayRef(today + timedelta(days=7 - today.weekday()), 7)


_IN_DAYS = re.compile(
    r"\b(?:(?:en|dentro de|de aqui a) (?P<n>\d{1,2}) (?P<unit>dias?|semanas?)"
    r"|(?P<n2>\d{1,2}) (?P<unit2>dias?|semanas?) (?:despues|a partir de hoy|mas adelante))\b"
)
_A_WEEK_FROM_TODAY = re.compile(r"\bde hoy en 8\b")


def _in_days(text: str, today: date) -> DayRef | None:
    if _A_WEEK_FROM_TODAY.search(text):
        return DayRef(today + timedelta(days=7))
    match = _IN_DAYS.search(text)
    if match is None:
        return None
    n, unit = int(match["n"] or match["n2"]), match["unit"] or match["unit2"]
    return DayRef(today + timedelta(days=n * 7 if unit.startswith("semana") else n))


_MONTH_AHEAD = re.compile(
    r"\b(?:(?P<next>(?:proximo|siguiente|otro) mes|mes (?:que viene|que entra|proximo|siguiente"
    r"|entrante))|(?P<this>este mes))\b"
)


def _month(text: str, today: date) -> DayRef | None:
    """'el mes que viene', 'el próximo mes': the whole next month; 'este mes': what is left."""
    match = _MONTH_AHEAD.search(text)
    if match is None:
        return None
    days_in = calendar.monthrange(today.year, today.month)[1]
    if match["this"]:
        return DayRef(today, days_in - today.day + 1)
    first = today.replace(day=1) + timedelta(days=days_in)
    return DayRef(first, calendar.monthrange(first.year, first.month)[1])


# -- days of the month --------------------------------------------------------------------

_NUMERIC = re.compile(r"\b(?P<d>\d{1,2})/(?P<m>\d{1,2})(?:/(?P<y>\d{2}|\d{4}))?\b")
# "el 21 del 3": a day and a month number (never an hour: "a las 8 del 12" is the 12th).
_DAY_OF_MONTH_NUMBER = re.compile(
    r"(?:\b(?P<lead>el|dia|para el)\s+|(?<!\blas )(?<!\bla )(?<!\ba )\b)(?P<d>\d{1,2}) del "
    r"(?P<m>\d{1,2})\b(?!\s*(?::\d|y |pm|am|hrs|h\b|de la|a \d))"
)
_DAY_MONTH = re.compile(
    rf"\b{_ORDINAL}\s+(?:de\s+)?(?P<month>{_MONTH})\b(?:\s+(?:de\s+|del\s+)?(?P<y>\d{{4}}))?"
)
_MONTH_DAY = re.compile(rf"\b(?P<month>{_MONTH})\s+{_ORDINAL}\b(?!\s*(?::|y |pm|am|hrs))")
_DAY_ONLY = re.compile(
    rf"\b(?:el|dia|del|para el|(?P<weekday>{_WEEKDAY}))\s+(?:dia\s+)?{_ORDINAL}\b"
    r"(?!\s*(?::\d|y media|y cuarto|pm|am|hrs|h\b|de la (?:manana|tarde|noche)))"
)


def _numeric(text: str, today: date) -> DayRef | None:
    match = _NUMERIC.search(text)
    if match is None:
        return _day_of_month_number(text, today)
    year = match["y"]
    if year is not None:
        return _exact(int(year) + (2000 if len(year) == 2 else 0), int(match["m"]), int(match["d"]))
    return _next_dated(today, int(match["d"]), int(match["m"]))


def _day_of_month_number(text: str, today: date) -> DayRef | None:
    for match in _DAY_OF_MONTH_NUMBER.finditer(text):
        day, month = int(match["d"]), int(match["m"])
        if month <= 12 and (match["lead"] or day > 12):
            return _next_dated(today, day, month)
    return None


def _day_of_month(text: str, today: date) -> DayRef | None:
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        match = pattern.search(text)
        if match is not None:
            number = 1 if match["first"] else int(match["n"])
            month = MONTHS[match["month"]]
            if match.groupdict().get("y"):
                return _exact(int(match["y"]), month, number)
            return _next_dated(today, number, month)
    match = _DAY_ONLY.search(text)
    if match is None:
        return None
    found = _next_day_numbered(today, 1 if match["first"] else int(match["n"]))
    if found and match["weekday"] and found.day.weekday() != WEEKDAYS[match["weekday"]]:
        return None  # "el viernes 5" when the 5th is no Friday: the 5 is not a date
    return found


def _exact(year: int, month: int, day: int) -> DayRef | None:
    try:
        return DayRef(date(year, month, day))
    except ValueError:
        return None


def _next_dated(today: date, day: int, month: int) -> DayRef | None:
    """The next `day`/`month` on or after today."""
    for year in (today.year, today.year + 1):
        found = _exact(year, month, day)
        if found is not None and found.day >= today:
            return found
    return None


def _next_day_numbered(today: date, day: int) -> DayRef | None:
    """The next date on or after today whose day of the month is `day`."""
    year, month = today.year, today.month
    for _ in range(13):
        found = _exact(year, month, day)
        if found is not None and found.day >= today:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None
