"""What a message asks for, from keywords people actually write (accents and case aside).

`intents(text)` lists every intent found, in the order of `RULES`, which ranks the more
specific before the more general: "cancela mi cita" is CANCEL, not MY_APPOINTMENTS.
"""

from __future__ import annotations

import re

from yume.nlu.text import fix_typo, normalize, written_names

GREETING = "greeting"
MENU = "menu"
THANKS = "thanks"
YES = "yes"
NO = "no"
CANCEL = "cancel"
RESCHEDULE = "reschedule"
MY_APPOINTMENTS = "my_appointments"
HUMAN = "human"
HOURS = "hours"
ADDRESS = "address"
PRICES = "prices"
BOOK = "book"
# staff
AGENDA = "agenda"
WALK_IN = "walk_in"
LOOKUP = "lookup"
BLOCK = "block"

_CITA = r"(?:cita|citas|turno|reservacion|reserva)"
RULES: list[tuple[str, re.Pattern[str]]] = [
    (HUMAN, re.compile(
        r"\b(?:persona|humano|alguien|asesor|asesora|encargad[oa]|duen[oa]|agente|operador"
        r"|hablar con|me (?:pueden|puedes) llamar|llamenme|marquenme|queja|atiend[ae] alguien)\b"
    )),
    (CANCEL, re.compile(
        r"\b(?:cancel\w*|cansel\w*|kancel\w*|anul\w*|ya no (?:voy a )?(?:ir|poder ir|puedo ir)"
        r"|no (?:voy a|podre|puedo) (?:poder )?ir|desagend\w*)\b"
    )),
    (RESCHEDULE, re.compile(
        r"\b(?:reagend\w*|re agend\w*|reprogram\w*|pospon\w*|recorr\w* (?:mi|la) " + _CITA + r""
        r"|(?:cambi\w*|mover|muev\w*|pas\w*) (?:mi|la|de) " + _CITA + r""
        r"|(?:cambi\w*|mover) (?:la |de )?(?:hora|fecha|dia) de (?:mi|la) " + _CITA + r")\b"
    )),
    (MY_APPOINTMENTS, re.compile(
        r"\b(?:mis " + _CITA + r"|(?:cuando|a que hora|que dia) (?:es|era|tengo) (?:mi|la) "
        + _CITA + r"|(?:tengo|tenia) (?:una |alguna )?" + _CITA + r"|ver (?:mi|mis) " + _CITA
        + r"|(?:mi|la) proxima " + _CITA + r"|para cuando (?:es|tengo)|que " + _CITA + r" tengo)\b"
    )),
    (HOURS, re.compile(
        r"\b(?:horario|horarios|a que hora (?:abren|cierran|abre|cierra)|abren|cierran"
        r"|que dias (?:abren|trabajan|atienden)|estan abiertos|esta abierto|hasta que hora)\b"
    )),
    (ADDRESS, re.compile(
        r"\b(?:direccion|ubicacion|donde (?:estan|quedan|se encuentran|es|queda|esta)"
        r"|como llego|mapa|domicilio)\b"
    )),
    (PRICES, re.compile(
        r"\b(?:precio|precios|cuanto (?:cuesta|cobran|sale|es|vale|cuestan)|costo|costos"
        r"|tarifa|tarifas|que servicios|servicios|lista de precios|catalogo)\b"
    )),
    (AGENDA, re.compile(
        r"\b(?:agenda|mi agenda|que tengo|quien viene|citas de (?:hoy|manana)|pendientes"
        r"|mis citas de)\b"
    )),
    (WALK_IN, re.compile(
        r"\b(?:walk ?in|sin cita|llego (?:un|una)|registr\w*|anota\w*|apunta\w*"
        r"|agrega\w* (?:a|una|un)|esta aqui)\b"
    )),
    (LOOKUP, re.compile(r"\b(?:busca\w*|historial|quien es|consulta\w*|datos de)\b")),
    (BLOCK, re.compile(
        r"\b(?:bloque\w*|no (?:estare|voy a estar|vengo|trabajo)|descanso|vacaciones"
        r"|permiso|cierra\w* (?:la )?agenda|tiempo libre|aparta\w* (?:mi|el) (?:tiempo|horario))\b"
    )),
    (BOOK, re.compile(
        r"\b(?:agend\w*|reserv\w*|apart\w*|cita|turno|lugar|espacio|disponib\w*|quiero"
        r"|quisiera|me (?:puedes|pueden) (?:anotar|dar)|hay chance|tienes chance|tienen chance)\b"
    )),
    (MENU, re.compile(r"^(?:menu|el menu|ver menu|opciones|inicio|empezar|volver|ayuda|help)$")),
    (GREETING, re.compile(
        r"^(?:hola+|holi|ola|buen(?:o|a)s?(?: dias| tardes| noches)?|que tal|que onda|hey|saludos"
        r"|buen dia)\b"
    )),
    (THANKS, re.compile(r"\b(?:gracias|grax|thx|te agradezco|muy amable|adios|bye|nos vemos)\b")),
    (YES, re.compile(
        r"^(?:si+|sip|simon|claro|va|vale|dale|ok|okay|okey|de acuerdo|perfecto|esta bien"
        r"|confirmo|correcto|sale|andale|orale|si por favor|si porfa|si gracias|asi es|exacto"
        r"|me parece bien|confirmar|adelante|listo)\b"
    )),
    (NO, re.compile(r"^(?:no+|nel|nop|nope|mejor no|ninguno|ninguna|no gracias|todavia no)\b")),
]  # fmt: skip

_GREETING_PREFIX = re.compile(
    r"^(?:(?:hola+|holi|ola|que tal|que onda|hey|buen(?:o|a)s?(?: dias| tardes| noches)?|buen dia)"
    r"\s*)+"
)


def clean(text: str) -> str:
    names = written_names(text)
    return " ".join(w if w in names else fix_typo(w) for w in normalize(text).split())


def intents(text: str) -> list[str]:
    """Every intent the message expresses, most specific first."""
    cleaned = clean(text)
    return [name for name, pattern in RULES if pattern.search(cleaned)]


def without_greeting(text: str) -> str:
    """'hola buenas tardes, quiero un corte' → 'quiero un corte' (normalised)."""
    return _GREETING_PREFIX.sub("", clean(text)).strip()


def is_only_greeting(text: str) -> bool:
    cleaned = clean(text)
    return bool(cleaned) and not without_greeting(text) and bool(_GREETING_PREFIX.match(cleaned))


def answer(tags: list[str]) -> str | None:
    """'yes', 'no' or None for a yes/no question; "cancelar" answers no."""
    if NO in tags:
        return "no"
    if YES in tags:
        return "yes"
    if CANCEL in tags:
        return "no"
    return None
