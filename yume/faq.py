"""The business's answers to what customers ask: set, list and delete them, and find the one
a customer's question is about.

A customer rarely asks in the owner's words: "¿aceptan tarjeta?" is about the entry "Formas
de pago". So an entry matches by topic first (payment, parking, cancellation policy, social
media…: keyword rules on both sides), then by the words the question and the entry share.
"""

from __future__ import annotations

import re
from datetime import datetime

from peewee import IntegrityError

from yume.errors import Invalid, NotFound
from yume.faq_models import ANSWER_MAX, QUESTION_MAX, FaqEntry
from yume.models import Organization, utcnow
from yume.nlu.text import normalize

MAX_ENTRIES = 50
SIMILAR = 80  # rapidfuzz token_set_ratio from which a question is taken as the entry's
TOPICS: dict[str, re.Pattern[str]] = {
    name: re.compile(rf"\b(?:{words})\b")
    for name, words in {
        "regalo": r"tarjetas? de regalo|gift ?cards?|certificados? de regalo|regalar",
        "pago": r"tarjetas?|efectivo|transferencias?|pagos?|pagar|pago con|terminal|credito"
        r"|debito|mercado ?pago|clip|spei|oxxo|amex|american express|visa|mastercard|vales"
        r"|formas? de pago|metodos? de pago|cobran con",
        "estacionamiento": r"estacionamientos?|estacionar(?:me|se)?|estaciono|parking|valet"
        r"|cajon(?:es)?|dejar (?:el|mi) (?:carro|coche|auto)|donde (?:me )?estaciono",
        "cancelacion": r"politicas? de cancelacion|cancelacion|cobran (?:si|por) cancel\w*"
        r"|penalizacion|anticipo|deposito|tolerancia|si llego tarde|llego tarde|retardo",
        "redes": r"instagram|insta|ig|facebook|face|fb|tiktok|redes(?: sociales)?|pagina"
        r"|sitio web|web|whatsapp de",
        "wifi": r"wifi|wi fi|internet",
        "ninos": r"ninos?|ninas?|infantil|bebes?|menores",
        "mascotas": r"mascotas?|perr[oi]t?[oa]s?|gat[oi]t?[oa]s?|pet friendly",
        "promociones": r"promociones|promocion|promos?|descuentos?|ofertas?|paquetes?|2x1",
        "factura": r"facturas?|facturar|facturan|rfc|cfdi",
        "accesibilidad": r"silla de ruedas|accesibles?|rampas?|elevador|discapacidad",
        "sin_cita": r"sin cita|walk ?in|llegar sin|de pasada",
        "productos": r"productos?|venden|shampoo|cera|pomada|tienda",
        "bebidas": r"bebidas?|cerveza|cafe|agua",
    }.items()
}
QUESTION_WORDS = frozenset(
    (
        "que", "cual", "cuales", "como", "donde", "cuando", "cuanto", "cuantos", "tienen",
        "tienes", "hay", "aceptan", "puedo", "pueden", "se", "hacen", "venden", "manejan", "dan",
        "es", "son", "cobran", "ofrecen", "atienden", "trabajan", "aceptas", "haces",
    )
)  # fmt: skip
STOPWORDS = frozenset(
    (
        "el", "la", "los", "las", "un", "una", "de", "del", "en", "y", "o", "a", "al", "con",
        "por", "para", "que", "se", "me", "mi", "tu", "su", "es", "son", "hay", "tienen",
        "tienes", "ustedes", "hola", "oye", "oigan", "buenas", "buenos", "dias", "tardes",
        "noches", "favor", "porfa", "pregunta", "duda", "una", "si", "no", "le", "lo",
    )
)  # fmt: skip


# -- keeping them -------------------------------------------------------------------------------


def entries(org: Organization) -> list[FaqEntry]:
    """The business's entries, oldest first (a fixed order: the Claude prompt caches them)."""
    return list(FaqEntry.select().where(FaqEntry.organization == org).order_by(FaqEntry.id))


def get_entry(org: Organization, entry_id: int) -> FaqEntry:
    entry = FaqEntry.get_or_none((FaqEntry.id == entry_id) & (FaqEntry.organization == org))
    if entry is None:
        raise NotFound(f"No existe la pregunta frecuente {entry_id}.")
    return entry


def set_entry(
    org: Organization, question: str, answer: str, now: datetime | None = None
) -> FaqEntry:
    """Add an entry, or give a question already there its new answer."""
    question, answer = _checked(question, answer)
    now = now or utcnow()
    existing = _same_question(org, question)
    if existing is not None:
        existing.question, existing.answer, existing.updated_at = question, answer, now
        existing.save()
        return existing
    if FaqEntry.select().where(FaqEntry.organization == org).count() >= MAX_ENTRIES:
        raise Invalid(f"Caben hasta {MAX_ENTRIES} preguntas frecuentes; borra alguna primero.")
    try:
        return FaqEntry.create(
            organization=org, question=question, answer=answer, created_at=now, updated_at=now
        )
    except IntegrityError:
        raise Invalid("Esa pregunta ya está guardada.") from None


def update_entry(
    org: Organization,
    entry_id: int,
    question: str | None = None,
    answer: str | None = None,
    now: datetime | None = None,
) -> FaqEntry:
    entry = get_entry(org, entry_id)
    new_question, new_answer = _checked(question or entry.question, answer or entry.answer)
    other = _same_question(org, new_question)
    if other is not None and other.id != entry.id:
        raise Invalid("Ya hay otra pregunta frecuente igual.")
    entry.question, entry.answer, entry.updated_at = new_question, new_answer, now or utcnow()
    entry.save()
    return entry


def delete_entry(org: Organization, entry_id: int) -> None:
    get_entry(org, entry_id).delete_instance()


def _checked(question: str, answer: str) -> tuple[str, str]:
    question, answer = " ".join(question.split()), answer.strip()
    if not question:
        raise Invalid("Falta la pregunta.")
    if not answer:
        raise Invalid("Falta la respuesta.")
    if len(question) > QUESTION_MAX:
        raise Invalid(f"La pregunta puede tener hasta {QUESTION_MAX} caracteres.")
    if len(answer) > ANSWER_MAX:
        raise Invalid(f"La respuesta puede tener hasta {ANSWER_MAX} caracteres.")
    return question, answer


def _same_question(org: Organization, question: str) -> FaqEntry | None:
    wanted = normalize(question)
    return next((e for e in entries(org) if normalize(e.question) == wanted), None)


# -- answering ---------------------------------------------------------------------------------


def topics(text: str) -> set[str]:
    cleaned = normalize(text)
    found = {name for name, pattern in TOPICS.items() if pattern.search(cleaned)}
    if "regalo" in found:
        found.discard("pago")  # "tarjeta de regalo" is no payment question
    return found


def content_words(text: str) -> str:
    return " ".join(w for w in normalize(text).split() if w not in STOPWORDS)


def answer_for(org: Organization, text: str) -> FaqEntry | None:
    """The entry the customer's message asks about, if the business has one."""
    found = entries(org)
    if not found:
        return None
    asked = topics(text)
    if asked:
        by_topic = [e for e in found if asked & topics(e.question)]
        if by_topic:
            return by_topic[0]
    words = content_words(text)
    if not words:
        return None
    from rapidfuzz import fuzz  # loaded on first use: the web never needs it (bench/footprint.py)

    scored = [(fuzz.token_set_ratio(words, content_words(e.question)), e) for e in found]
    score, best = max(scored, key=lambda pair: pair[0])
    return best if score >= SIMILAR and looks_like_a_question(text) else None


def looks_like_a_question(text: str) -> bool:
    stripped = text.strip()
    if "?" in stripped or stripped.startswith("¿"):
        return True
    first = normalize(stripped).split()[:1]
    return bool(first) and first[0] in QUESTION_WORDS


def prompt_lines(org: Organization) -> list[str]:
    """The entries for Claude's business block, in a fixed order."""
    found = entries(org)
    if not found:
        return ["(ninguna: si preguntan algo que no está aquí, di que no tienes el dato)"]
    return [f"- {e.question} → {' '.join(e.answer.split())}" for e in found]
