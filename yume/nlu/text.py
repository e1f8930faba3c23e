"""Normalising free text: lower case, no accents, no punctuation, digits for number words,
abbreviated weekdays spelt out, and typos of time words fixed (only those: a real word or
a name is never "corrected", see `yume.nlu.known_words`)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from yume.nlu.known_words import known_words

NUMBER_WORDS = {
    "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
    "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14,
    "quince": 15, "dieciseis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19,
    "veinte": 20, "veintiuno": 21, "veintiun": 21, "veintidos": 22, "veintitres": 23,
    "veinticuatro": 24, "veinticinco": 25, "veintiseis": 26, "veintisiete": 27,
    "veintiocho": 28, "veintinueve": 29, "treinta": 30, "cuarenta": 40, "cincuenta": 50,
}  # fmt: skip
TENS = ("20", "30", "40", "50")
# Abbreviated weekdays ("el sáb", "vie.", "mié"); "mar" is also March, so it is a weekday
# only after an article or "este"/"próximo" and not before "de" ("el 5 de mar").
ABBREVIATIONS = {
    "lun": "lunes", "mie": "miercoles", "mier": "miercoles", "mierc": "miercoles",
    "jue": "jueves", "juev": "jueves", "vie": "viernes", "vier": "viernes", "sab": "sabado",
    "dom": "domingo", "mart": "martes",
}  # fmt: skip
BEFORE_WEEKDAY = frozenset(("el", "este", "proximo", "para", "al", "hoy", "del"))
HOUR_LEADS = frozenset(("las", "la"))

# Words the date and time rules look for; a typo of one of them is read as the word.
VOCABULARY = (
    "manana", "pasado", "lunes", "martes", "miercoles", "jueves", "viernes", "sabado",
    "domingo", "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
    "septiembre", "octubre", "noviembre", "diciembre", "mediodia", "temprano", "tempranito",
    "ahorita", "despues", "proximo", "proxima", "semana", "noche", "tarde", "antes",
)  # fmt: skip
# Common words a typo-fixer must never turn into a vocabulary word.
KEEP = frozenset(
    (
        "quiero", "quisiera", "puedes", "puedo", "tienes", "tienen", "hacer", "corte", "cortes",
        "cabello", "barba", "unas", "manicure", "pedicure", "mejor", "mismo", "favor", "gracias",
        "buenas", "buenos", "tardes", "noches", "dias", "hola", "tinte", "citas", "cita",
        "horario", "horarios", "hora", "horas", "minutos", "media", "cuarto", "ahora", "otro",
        "otra", "nuestra", "nuestro", "mande", "perdon", "claro", "vale", "bueno", "tambien",
        "todavia", "sabes", "puede", "donde", "viene", "entra", "vienes", "tienda"
    )
)  # fmt: skip

_PUNCTUATION = re.compile(r"[^\w:/\s]")
# "de 4-6" (a range of hours) or "17-2" (a date): decided by the numbers and their context.
_HYPHENATED = re.compile(
    r"(?<![\d/:])(\d{1,2}(?::[0-5]\d)?)\s*-\s*(\d{1,2}(?::[0-5]\d)?)(?![\d/:])"
)
RANGE_BEFORE = frozenset(("de", "entre", "desde", "las", "como", "tipo", "x"))
DATE_BEFORE = frozenset(("el", "dia", "del", "para"))
MERIDIEM_AFTER = frozenset(("am", "pm", "hrs", "hr", "h"))
_SPACES = re.compile(r"\s+")
_MERIDIEM = [
    (re.compile(r"\bp\s*\.\s*m\b\.?"), " pm "),
    (re.compile(r"\ba\s*\.\s*m\b\.?"), " am "),
    (re.compile(r"(\d)\s*(pm|am|hrs|hr|h)\b"), r"\1 \2"),
    (re.compile(r"\b(\d{1,2})\.(\d{2})\b"), r"\1:\2"),
]


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize(text: str) -> str:
    """'¿Mañana a las 4 P.M.?' → 'manana a las 4 pm'."""
    text = strip_accents(text.lower())
    for pattern, replacement in _MERIDIEM:
        text = pattern.sub(replacement, text)
    text = _HYPHENATED.sub(_hyphenated, text)
    text = _PUNCTUATION.sub(" ", text.replace("_", " "))
    text = re.sub(r"(?<!\d):|:(?!\d)", " ", text)
    return _SPACES.sub(" ", text).strip()


def _hyphenated(match: re.Match[str]) -> str:
    """'4-6' → '4 a 6' (hours) or '4/6' (a day and month), from the numbers and the words
    around them: 'de 4-6', '4-6 pm' and '17-20' are hours; 'el 4-6' and '17-2' dates."""
    first, second = match[1], match[2]
    before = match.string[: match.start()].split()[-1:]
    after = match.string[match.end() :].split()[:1]
    hour_a, hour_b = int(first.split(":")[0]), int(second.split(":")[0])
    as_range = f"{first} a {second}"
    if ":" in first + second or before and before[0] in RANGE_BEFORE:
        return as_range
    if after and (after[0] in MERIDIEM_AFTER or after[0] == "de" and "de la" in match.string):
        return as_range
    if hour_b > 12:
        return as_range if max(hour_a, hour_b) <= 24 else match[0]
    if hour_a > 12 or before and before[0] in DATE_BEFORE:
        return f"{first}/{second}"
    return as_range


def typo_match(word: str) -> str | None:
    """The time word `word` looks like a misspelling of, if any (no exceptions applied)."""
    if len(word) < 4 or not word.isalpha():
        return None
    cutoff = 85 if len(word) == 4 else 80
    # loaded on first use: the web process never needs it (bench/footprint.py)
    from rapidfuzz import fuzz, process

    match = process.extractOne(word, VOCABULARY, scorer=fuzz.ratio, score_cutoff=cutoff)
    return match[0] if match and match[0] != word else None


@lru_cache(maxsize=4096)
def fix_typo(word: str) -> str:
    """A misspelt time word ('mierkoles' → 'miercoles'); every other word unchanged, and so
    is any real Spanish word or name that merely looks like one ('tarea', 'juanito')."""
    if word in KEEP or word in VOCABULARY or word in known_words():
        return word
    return typo_match(word) or word


def number_words_to_digits(text: str) -> str:
    """'a las cuatro y media' → 'a las 4 y media'; 'cuarenta y cinco' → '45';
    'el veintisiete' → 'el 27'; minutes said without "y": 'siete treinta' → '7:30'."""
    numbers: list[tuple[str, bool]] = []  # (token, was a number word)
    for word in text.split():
        value = NUMBER_WORDS.get(word)
        if value is None:
            numbers.append((word, False))
        elif value < 10 and len(numbers) >= 2 and numbers[-1][0] == "y" and _tens(numbers[-2]):
            numbers[-2:] = [(str(int(numbers[-2][0]) + value), True)]
        else:
            numbers.append((str(value), True))
    out: list[str] = []
    for index, (token, worded) in enumerate(numbers):
        if out and _minutes_after_hour(numbers, index, worded):
            out[-1] = f"{out[-1]}:{int(token):02d}"
        else:
            out.append(token)
    return " ".join(out)


def _tens(token: tuple[str, bool]) -> bool:
    return token[1] and token[0] in TENS


def _minutes_after_hour(numbers: list[tuple[str, bool]], index: int, worded: bool) -> bool:
    """Is numbers[index] the minutes of the hour just before it ('siete treinta', or
    'a las 7 30')? Two number words in a row, or digits right after 'a las H'."""
    hour, hour_worded = numbers[index - 1]
    token = numbers[index][0]
    if not (hour.isdigit() and token.isdigit() and 1 <= int(hour) <= 12):
        return False
    if not 10 <= int(token) <= 59:
        return False
    if worded and hour_worded:
        return True
    led = index >= 2 and numbers[index - 2][0] in HOUR_LEADS
    return led and not worded and len(token) == 2


def expand_abbreviations(words: list[str]) -> list[str]:
    """'el sab' → 'el sabado', 'vie' → 'viernes'; 'el mar' → 'el martes' (not '5 de mar')."""
    out: list[str] = []
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        if word == "mar" and out and out[-1] in BEFORE_WEEKDAY and following != "de":
            out.append("martes")
        else:
            out.append(ABBREVIATIONS.get(word, word))
    return out


def written_names(text: str) -> frozenset[str]:
    """Words written with a capital inside a sentence ('busca a Juanito Pérez'): names,
    which the typo fixer must not touch."""
    names = set()
    for sentence in re.split(r"[.!?¿¡\n]+", text):
        words = sentence.split()
        for word in words[1:]:
            if word[:1].isupper() and not word.isupper():
                names.update(normalize(word).split())
    return frozenset(names)


def prepare(text: str) -> str:
    """Everything the date and time rules need: normalised, typos fixed, weekdays spelt
    out, digits."""
    names = written_names(text)
    words = [w if w in names else fix_typo(w) for w in normalize(text).split()]
    return number_words_to_digits(" ".join(expand_abbreviations(words)))
