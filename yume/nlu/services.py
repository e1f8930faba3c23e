"""Which of the business's services a message names, typos and slang included.

"korte" is "Corte de cabello", "uñas" may be a manicure or acrylic nails (both are
offered), "barba" is "Arreglo de barba". Matching is per word: colloquial words are
first mapped to the words businesses use in service names, then compared with each
service name's words with a fuzzy ratio (rapidfuzz), so accents and typos do not matter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from rapidfuzz import fuzz

from yume.nlu.text import normalize

SIMILAR = 80  # rapidfuzz ratio from which two words are taken as the same word
STOPWORDS = frozenset(
    (
        "de", "del", "la", "las", "el", "los", "y", "con", "para", "en", "a", "al", "un", "una",
        "mi", "me", "por", "sin", "o", "que", "quiero", "quisiera", "cita", "agendar", "hacer",
        "hacerme", "servicio", "favor", "hola", "buenas"
    )
)  # fmt: skip
# Words of a service's name that only qualify it ("Corte de *dama*"): they count less, and
# a name word that is neither named nor a qualifier counts against the service.
QUALIFIERS = frozenset(
    (
        "cabello", "dama", "caballero", "nino", "ninos", "arreglo", "diseno", "unas", "completo",
        "sencillo", "basico", "clasico", "express"
    )
)  # fmt: skip
# Colloquial word → words that appear in service names; "~" marks a loose meaning
# ("uñas" may be a manicure), which counts half.
ALIASES: dict[str, tuple[str, ...]] = {
    "corte": ("corte",), "cortar": ("corte",), "cortarme": ("corte",), "cortarse": ("corte",),
    "recorte": ("corte",), "pelo": ("cabello",), "cabello": ("cabello",),
    "pelado": ("corte",), "peluqueado": ("corte",), "casquete": ("corte",),
    "barba": ("barba",), "rasurar": ("barba",), "rasurado": ("barba",), "afeitar": ("barba",),
    "afeitado": ("barba",), "bigote": ("barba",),
    "unas": ("unas", "~manicure", "~pedicure"), "manos": ("manicure",), "mani": ("manicure",),
    "manicura": ("manicure",), "manicure": ("manicure",), "pedi": ("pedicure",),
    "pedicura": ("pedicure",), "pies": ("pedicure",), "gelish": ("gel", "unas"),
    "acrilico": ("acrilicas",), "acrilicas": ("acrilicas",), "acrilicos": ("acrilicas",),
    "tinte": ("tinte",), "pintar": ("tinte",), "pintarme": ("tinte",), "color": ("tinte",),
    "mechas": ("tinte", "mechas"), "rayitos": ("tinte", "mechas"), "luces": ("tinte", "mechas"),
    "balayage": ("tinte", "balayage"), "decoloracion": ("tinte",),
    "ceja": ("cejas",), "cejas": ("cejas",), "pestanas": ("pestanas",), "pestana": ("pestanas",),
    "keratina": ("keratina",), "alaciado": ("keratina", "alaciado"), "alaciar": ("alaciado",),
    "peinar": ("peinado",), "peinado": ("peinado",), "chongo": ("peinado",),
    "depilar": ("depilacion",), "depilacion": ("depilacion",), "cera": ("depilacion", "cera"),
    "maquillar": ("maquillaje",), "maquillaje": ("maquillaje",), "make": ("maquillaje",),
    "masaje": ("masaje",), "facial": ("facial",), "dama": ("dama",), "mujer": ("dama",),
    "senora": ("dama",), "caballero": ("caballero",), "hombre": ("caballero",),
    "nino": ("nino",), "nina": ("nino",), "ninos": ("nino",),
}  # fmt: skip


def words(text: str) -> list[str]:
    return [w for w in normalize(text).split() if w not in STOPWORDS and not w.isdigit()]


@lru_cache(maxsize=1024)
def _expand(word: str) -> tuple[tuple[str, int], ...]:
    """(service-name word, strength) pairs a typed word may stand for, itself included."""
    alias = word if word in ALIASES else None
    if alias is None and len(word) >= 4:
        best = max(ALIASES, key=lambda candidate: fuzz.ratio(word, candidate))
        alias = best if fuzz.ratio(word, best) >= SIMILAR else None
    meanings = ALIASES.get(alias, ()) if alias else ()
    return ((word, 2), *((m.lstrip("~"), 1 if m.startswith("~") else 2) for m in meanings))


def _same(typed: str, name_word: str) -> bool:
    if typed == name_word:
        return True
    return min(len(typed), len(name_word)) >= 4 and fuzz.ratio(typed, name_word) >= SIMILAR


def score(text_words: Iterable[str], service_name: str) -> int:
    """How well the text names the service: 0 when it does not name it at all."""
    typed = [meaning for word in text_words for meaning in _expand(word)]
    total, matched = 0, False
    for name_word in words(service_name):
        weight = 1 if name_word in QUALIFIERS else 2
        strength = max((s for t, s in typed if _same(t, name_word)), default=0)
        matched = matched or strength > 0
        total += strength * weight if strength else -(weight // 2)
    return total if matched else 0


def match_services(text: str, services: Sequence[tuple[int, str]]) -> list[int]:
    """Ids of the services the text names best (several when it is ambiguous), or []."""
    text_words = words(text)
    if not text_words:
        return []
    scores = {service_id: score(text_words, name) for service_id, name in services}
    named = {service_id: value for service_id, value in scores.items() if value > 0}
    if not named:
        return []
    best = max(named.values())
    return [service_id for service_id, _ in services if named.get(service_id) == best]
