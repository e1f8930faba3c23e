"""Normalising free text: lower case, no accents, no punctuation, digits for number words."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz, process

NUMBER_WORDS = {
    "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
    "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14,
    "quince": 15, "dieciseis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19,
    "veinte": 20, "veinticinco": 25, "treinta": 30, "cuarenta": 40, "cincuenta": 50,
}  # fmt: skip

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
    text = _PUNCTUATION.sub(" ", text.replace("_", " "))
    text = re.sub(r"(?<!\d):|:(?!\d)", " ", text)
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=4096)
def fix_typo(word: str) -> str:
    """A misspelt vocabulary word ('miercoles' for 'mierkoles'); other words unchanged."""
    if len(word) < 4 or word in KEEP or word in VOCABULARY or not word.isalpha():
        return word
    cutoff = 85 if len(word) == 4 else 80
    match = process.extractOne(word, VOCABULARY, scorer=fuzz.ratio, score_cutoff=cutoff)
    return match[0] if match else word


def number_words_to_digits(text: str) -> str:
    """'a las cuatro y media' → 'a las 4 y media'; 'cuarenta y cinco' → '45'."""
    words = text.split()
    out: list[str] = []
    for word in words:
        value = NUMBER_WORDS.get(word)
        if value is None:
            out.append(word)
        elif (
            value < 10 and len(out) >= 2 and out[-1] == "y" and out[-2] in ("20", "30", "40", "50")
        ):
            out[-2:] = [str(int(out[-2]) + value)]
        else:
            out.append(str(value))
    return " ".join(out)


def prepare(text: str) -> str:
    """Everything the date and time rules need: normalised, typos fixed, digits."""
    words = [fix_typo(w) for w in normalize(text).split()]
    return number_words_to_digits(" ".join(words))
