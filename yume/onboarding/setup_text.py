"""Reading an owner's free text during setup by chat. Pure: no database, no brain.

- services: "corte 40 min 250, barba 30 min 150, corte y barba 1 hora $350"
- opening hours: "lunes a sábado de 10 a 8, domingo cerrado", "diario de 9 a 2 y de 4 a 8"
- staff: "Pedro 55 1234 5678 hace cortes y barba; Luis 55 8765 4321 hace cortes"
- closure days: "el 25 de diciembre", "del 24 al 26 de diciembre", "mañana", "el lunes"

Each reader returns what it understood, or nothing, never guesses silently: the flow
shows the owner what it read before going on.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from yume.nlu.days import MONTHS
from yume.nlu.days import WEEKDAYS as DAY_NUMBERS

WEEKDAYS = {**DAY_NUMBERS, "sabados": 5, "domingos": 6}
WEEKDAY_NAMES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
YES = frozenset({"si", "sí", "claro", "correcto", "asi es", "así es", "ok", "va", "sale", "exacto"})


def plain(text: str) -> str:
    """Lower case, no accents, single spaces: 'Sábado' → 'sabado'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", bare).strip()


def is_yes(text: str) -> bool:
    words = plain(text).strip(" .!¡")
    return words in {plain(y) for y in YES} or words.startswith(("si ", "si,", "sí "))


# -- services ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceText:
    name: str
    minutes: int
    price: int


_HOURS = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:h|hr|hrs|hora|horas)\b")
_HALF_HOUR = re.compile(r"\b(?:una\s+)?hora\s+y\s+media\b")
_ONE_HOUR = re.compile(r"\buna\s+hora\b")
_MINUTES = re.compile(r"(\d+)\s*(?:m|min|mins|minutos?)\b")
_PRICE = re.compile(r"\$\s*(\d+(?:[.,]\d+)?)|(\d+(?:[.,]\d+)?)\s*(?:pesos|mxn|varos)\b|(\d+)")
_FILLER = re.compile(r"\b(?:de|a|en|por|con|cuesta|vale|dura|precio|el|la|los|las)\s*$")


def read_services(text: str) -> list[ServiceText]:
    """Every "name minutes price" chunk, split on commas, semicolons and lines."""
    found = []
    for chunk in re.split(r"[,;\n]+", text):
        service = _read_service(chunk)
        if service is not None:
            found.append(service)
    return found


def _read_service(chunk: str) -> ServiceText | None:
    lowered = plain(chunk)
    minutes, rest = _duration(lowered)
    if minutes is None:
        return None
    match = _PRICE.search(rest)
    if match is None:
        return None
    price = float((match.group(1) or match.group(2) or match.group(3)).replace(",", "."))
    name = (rest[: match.start()] + " " + rest[match.end() :]).strip()
    name = re.sub(r"\$|\b(?:pesos|mxn|varos)\b", " ", name)
    name = re.sub(r"\s+", " ", name).strip(" -:.")
    while _FILLER.search(name):
        name = _FILLER.sub("", name).strip(" -:.")
    name = _original_words(chunk, name)
    if not name or not 5 <= minutes <= 720 or not 0 <= price < 100000:
        return None
    return ServiceText(name, minutes, round(price))


def _duration(lowered: str) -> tuple[int | None, str]:
    for pattern, minutes_of in (
        (_HALF_HOUR, lambda m: 90),
        (_HOURS, lambda m: round(float(m.group(1).replace(",", ".")) * 60)),
        (_ONE_HOUR, lambda m: 60),
        (_MINUTES, lambda m: int(m.group(1))),
    ):
        match = pattern.search(lowered)
        if match:
            extra = _MINUTES.search(lowered, match.end()) if pattern is _HOURS else None
            minutes = minutes_of(match) + (int(extra.group(1)) if extra else 0)
            end = extra.end() if extra else match.end()
            return minutes, lowered[: match.start()] + " " + lowered[end:]
    return None, lowered


def _original_words(chunk: str, name: str) -> str:
    """The name as the owner wrote it (accents and all), capitalised."""
    words = chunk.split()
    wanted = name.split()
    kept = [w for w in words if plain(w).strip(".,:") in wanted]
    text = (" ".join(kept) or name).strip(" :.,-")
    return text[:1].upper() + text[1:80]


# -- opening hours ---------------------------------------------------------------------------

Week = dict[int, list[tuple[int, int]]]

_RANGE = re.compile(
    r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\s*(?:a|-|–|hasta|y)\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm)?"
)
_DAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_DAY_RANGE = re.compile(rf"\b({_DAY})\s+(?:a|al|-|hasta)\s+({_DAY})\b")
_DAY_WORD = re.compile(rf"\b({_DAY})\b")


def read_week(text: str) -> Week | None:
    """Opening hours by weekday; days not named are closed. None if nothing was read."""
    week: Week = {}
    days: list[int] = []
    for clause in re.split(r"[,;\n.]+", plain(text)):
        named = _days(clause)
        if named:
            days = named
        if not days:
            continue
        if re.search(r"\b(cerrad[oa]s?|no abrimos|descans[oa]|no trabajamos)\b", clause):
            for day in days:
                week.pop(day, None)
            continue
        for start, end in _ranges(clause[_time_start(clause) :]):
            for day in days:
                week.setdefault(day, []).append((start, end))
    for day in week:
        week[day] = sorted(set(week[day]))
    return week or None


def _time_start(clause: str) -> int:
    last_day = list(_DAY_WORD.finditer(clause))
    return last_day[-1].end() if last_day else 0


def _days(clause: str) -> list[int]:
    if re.search(r"\b(diario|todos los dias|toda la semana)\b", clause):
        return list(range(7))
    if re.search(r"\bentre semana\b", clause):
        return list(range(5))
    if re.search(r"\bfines? de semana\b", clause):
        return [5, 6]
    days: list[int] = []
    for match in _DAY_RANGE.finditer(clause):
        first, last = WEEKDAYS[match.group(1)], WEEKDAYS[match.group(2)]
        days += (
            list(range(first, last + 1)) if first <= last else [*range(first, 7), *range(last + 1)]
        )
    clause = _DAY_RANGE.sub(" ", clause)
    days += [WEEKDAYS[m.group(1)] for m in _DAY_WORD.finditer(clause)]
    return sorted(set(days))


def _ranges(clause: str) -> list[tuple[int, int]]:
    found = []
    for match in _RANGE.finditer(clause):
        start = _clock(int(match.group(1)), int(match.group(2) or 0), match.group(3))
        end = _clock(int(match.group(4)), int(match.group(5) or 0), match.group(6))
        if start is None or end is None:
            continue
        if end <= start and end + 12 * 60 <= 24 * 60:  # "de 10 a 8": 8 in the evening
            end += 12 * 60
        if start < end:
            found.append((start, end))
    return found


def _clock(hour: int, minute: int, meridiem: str | None) -> int | None:
    if hour > 24 or minute > 59:
        return None
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    elif meridiem is None and 1 <= hour <= 6:  # nobody opens at 3 in the morning
        hour += 12
    return hour * 60 + minute


def describe_week(week: Week) -> str:
    """'lunes a sábado de 10:00 a 20:00; domingo cerrado' (grouping equal days)."""
    groups: list[tuple[list[int], list[tuple[int, int]]]] = []
    for day in range(7):
        spans = week.get(day, [])
        if groups and groups[-1][1] == spans and groups[-1][0][-1] == day - 1:
            groups[-1][0].append(day)
        else:
            groups.append(([day], spans))
    parts = []
    for days, spans in groups:
        name = WEEKDAY_NAMES[days[0]]
        if len(days) > 1:
            name += f" a {WEEKDAY_NAMES[days[-1]]}"
        hours = " y ".join(f"de {_hhmm(a)} a {_hhmm(b)}" for a, b in spans) or "cerrado"
        parts.append(f"{name} {hours}")
    return "; ".join(parts)


def _hhmm(minute: int) -> str:
    return f"{minute // 60}:{minute % 60:02d}"


# -- staff -----------------------------------------------------------------------------------


@dataclass
class StaffText:
    name: str
    phone: str
    services: list[str] = field(default_factory=list)  # what they said they do, as words


_PHONE = re.compile(r"\+?\d[\d\s().-]{7,}\d")
_DOES = re.compile(r"\b(?:hace|hacen|que hace|para|atiende|corta|solo)\b\s*(.*)$")


def read_staff(text: str) -> list[StaffText]:
    """One person per chunk that holds a phone; chunks without one add to the previous
    person's services ("Pedro 55… hace cortes, barba y tinte")."""
    people: list[StaffText] = []
    for chunk in re.split(r"[,;\n]+", text):
        phone = _PHONE.search(chunk)
        if phone is None:
            if people:
                people[-1].services += _service_words(chunk)
            continue
        name = re.sub(r"\b(y|con|es|se llama|llamad[oa])\b", " ", chunk[: phone.start()])
        name = " ".join(name.split()).strip(" :-")
        if not name:
            continue
        rest = chunk[phone.end() :]
        does = _DOES.search(plain(rest))
        person = StaffText(name[:1].upper() + name[1:60], phone.group(0).strip())
        person.services = _service_words(does.group(1)) if does else []
        people.append(person)
    return people


def _service_words(text: str) -> list[str]:
    parts = re.split(r"\by\b|/|\+", plain(text))
    cleaned = [re.sub(r"\b(de|el|la|los|las|todo|tambien)\b", " ", p) for p in parts]
    return [" ".join(p.split()) for p in cleaned if p.strip()]


# -- closure days ----------------------------------------------------------------------------

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_SPAN = re.compile(
    rf"\bdel?\s+(\d{{1,2}})(?:\s+de\s+({_MONTH}))?"
    rf"\s+(?:al?|hasta el)\s+(\d{{1,2}})\s+de\s+({_MONTH})"
)
_DATE = re.compile(rf"\b(\d{{1,2}})\s+de\s+({_MONTH})\b")


def read_closure_days(text: str, today: date) -> tuple[date, date] | None:
    """The first and last local day of a closure the owner announced."""
    lowered = plain(text)
    span = _SPAN.search(lowered)
    if span:
        last = _upcoming(int(span.group(3)), MONTHS[span.group(4)], today)
        first_month = MONTHS[span.group(2)] if span.group(2) else MONTHS[span.group(4)]
        first = _upcoming(int(span.group(1)), first_month, today)
        if first and last and first <= last:
            return first, last
        return None
    dated = _DATE.search(lowered)
    if dated:
        day = _upcoming(int(dated.group(1)), MONTHS[dated.group(2)], today)
        return (day, day) if day else None
    if re.search(r"\bpasado manana\b", lowered):
        return today + timedelta(days=2), today + timedelta(days=2)
    if re.search(r"\bmanana\b", lowered):
        return today + timedelta(days=1), today + timedelta(days=1)
    if re.search(r"\bhoy\b", lowered):
        return today, today
    weekday = _DAY_WORD.search(lowered)
    if weekday:
        ahead = (WEEKDAYS[weekday.group(1)] - today.weekday()) % 7 or 7
        day = today + timedelta(days=ahead)
        return day, day
    return None


def _upcoming(day: int, month: int, today: date) -> date | None:
    """That day and month this year, or next year once it has passed."""
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
    return None
