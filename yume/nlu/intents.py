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
CANCEL_OR_MOVE = "cancel_or_move"  # "no voy a llegar", "se me complicó": which of the two?
ANOTHER = "another"  # one more appointment, besides the ones they have
MY_APPOINTMENTS = "my_appointments"
HUMAN = "human"
ROBOT = "robot"  # "¿eres un robot?": an honest answer, not a hand-over
HOURS = "hours"
ADDRESS = "address"
PRICES = "prices"
BOOK = "book"
# staff
AGENDA = "agenda"
WALK_IN = "walk_in"
LOOKUP = "lookup"
BLOCK = "block"
FAQ_ADMIN = "faq_admin"  # the owner's "preguntas frecuentes"

_CITA = r"(?:cita|citas|turno|reservacion|reserva)"
# Verbs that move an appointment, however conjugated: cambiar, mover, pasar, recorrer...
_MOVE = r"(?:cambi|muev|mov|recorr|reagend|reprogram|adelant|atras|pospon|posterg)"
# "pasar" moves an appointment only towards somewhere: "pásala al lunes", not "la pasamos bien".
_PASS_TO = (
    r"(?:(?:me |se |nos )?(?:la|lo) (?:(?:puedo|puedes|podemos|pueden|podrias|podria) )?pas\w*"
    r"|pas\w*(?:la|lo|mela|melo|sela|nosla)) (?:al|para|a la|a las|a el|pa)\b"
)
_CANCEL_VERB = r"(?:cancel|cansel|kancel|anul|borr|quit|elimin)"
RULES: list[tuple[str, re.Pattern[str]]] = [
    (ROBOT, re.compile(
        r"\b(?:(?:eres|es|sos|son|estoy hablando con|hablo con|me contesta|me responde|contesta)"
        r" (?:un |una )?(?:robot|bot|chatbot|maquina|ia|inteligencia artificial|programa"
        r"|persona real|humano|humana|real|automatico|automatica|contestadora)"
        r"|^(?:robot|bot|chatbot)$|quien (?:me )?(?:contesta|responde|escribe))\b"
    )),
    (HUMAN, re.compile(
        r"\b(?:persona|humano|alguien|asesor|asesora|encargad[oa]|duen[oa]|agente|operador"
        r"|hablar con|me (?:pueden|puedes) llamar|llamenme|marquenme|queja|atiend[ae] alguien)\b"
    )),
    (CANCEL, re.compile(
        r"\b(?:cancel\w*|cansel\w*|kancel\w*|anul\w*|desagend\w*|(?:da|dar|dame|darme|den) de baja"
        r"|(?:ya )?no (?:voy a|podre|puedo|voy|ire|vamos a|podremos)(?: poder)?"
        r" (?:ir|asistir|acudir)"
        r"|ya no (?:voy|ire|puedo|podre|quiero (?:la|mi) " + _CITA + r""
        r"|la necesito|(?:la|lo) ocupo)"
        r"|siempre no (?:voy|ire|puedo|podre|quiero (?:ir|la cita))"
        r"|" + _CANCEL_VERB + r"\w* (?:mi|la|el|esa|esta) (?:" + _CITA + r"|turno)"
        r"|(?:me )?(?:la|lo) (?:puedes |pueden |podrias )?" + _CANCEL_VERB + r"\w*"
        r"|" + _CANCEL_VERB + r"\w*(?:la|lo|mela|melo|sela)"
        r"|no (?:me )?(?:la|lo) (?:voy a )?(?:poder|podre) (?:hacer|tomar))\b"
    )),
    (RESCHEDULE, re.compile(
        r"\b(?:reagend\w*|re agend\w*|reprogram\w*|pospon\w*|posterg\w*"
        r"|(?:" + _MOVE + r"|pas)\w* (?:mi|la|de|el|esa|esta) (?:" + _CITA + r"|turno|horario)"
        r"|" + _PASS_TO + r""
        r"|" + _MOVE + r"\w*(?:la|lo|mela|melo|sela|nosla|mela)"
        r"|(?:me |se |nos )?(?:la|lo) (?:(?:puedo|puedes|podemos|pueden|podrias|podria|podre"
        r"|quiero|quisiera|puedas|podamos) )?" + _MOVE + r"\w*"
        r"|(?:cambi\w*|mover) (?:la |el |de )?(?:hora|fecha|dia|horario) (?:de|a) (?:mi|la) "
        + _CITA + r"|cambio de (?:hora|horario|fecha|dia)"
        r"|(?:otro|otra) (?:dia|hora|horario|fecha) (?:para|a) (?:mi|la) " + _CITA + r")\b"
    )),
    (CANCEL_OR_MOVE, re.compile(
        r"\b(?:no (?:voy a|creo) (?:poder )?llegar|no (?:alcanzo|llego) a llegar|se me complico"
        r"|se me atraveso|tengo un imprevisto|me surgio (?:algo|un)|surgio algo"
        r"|no (?:voy a )?(?:poder|podre) (?:llegar|ir) a (?:mi|la) " + _CITA + r")\b"
    )),
    (ANOTHER, re.compile(
        r"\b(?:otra " + _CITA + r"|otro (?:corte|servicio|turno)|una " + _CITA + r" mas|otra mas"
        r"|(?:otra|una) (?:para|pa) (?:mi|el|la)|nueva " + _CITA + r"|segunda " + _CITA + r""
        r"|(?:agend|apart|reserv)\w* otra|ademas de (?:la|mi|esa)|aparte de (?:la|mi|esa)"
        r"|sin cancelar (?:la|mi)|sin quitar (?:la|mi)|tambien (?:quiero|para|me|otra|una)"
        r"|(?:para|pa) mi (?:hij[oa]|espos[oa]|herman[oa]|mama|papa|novi[oa]|amig[oa]|prim[oa]"
        r"|sobrin[oa]|marido|senora|nin[oa]|chamaco|chamaca|abuel[oa]|suegr[oa]|tia|tio))\b"
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
    (LOOKUP, re.compile(
        r"\b(?:busca\w*|historial|quien es|consulta\w*|datos de|cliente|clienta)\b"
        r"|^\+?[\d ]{8,}$"  # a phone number alone
    )),
    (BLOCK, re.compile(
        r"\b(?:bloque\w*|no (?:estare|voy a estar|vengo|trabajo)|descanso|vacaciones"
        r"|permiso|cierra\w* (?:la )?agenda|tiempo libre|aparta\w* (?:mi|el) (?:tiempo|horario))\b"
    )),
    (FAQ_ADMIN, re.compile(
        r"\b(?:preguntas? frecuentes?|faq|respuestas? (?:automaticas|frecuentes)"
        r"|(?:agrega\w*|guarda\w*|anade|nueva) (?:una )?pregunta)\b"
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
    (NO, re.compile(
        r"^(?:no+|nel|nop|nope|mejor no|ninguno|ninguna|no gracias|todavia no|siempre no"
        r"|olvidalo|dejalo asi|asi dejala)\b"
    )),
]  # fmt: skip

_GREETING_PREFIX = re.compile(
    r"^(?:(?:hola+|holi|ola|que tal|que onda|hey|buen(?:o|a)s?(?: dias| tardes| noches)?|buen dia)"
    r"\s*)+"
)


def clean(text: str) -> str:
    names = written_names(text)
    return " ".join(w if w in names else fix_typo(w) for w in normalize(text).split())


_KEEPING = re.compile(r"\bsin (?:cancelar|quitar|borrar|mover|cambiar)\b")


def intents(text: str) -> list[str]:
    """Every intent the message expresses, most specific first."""
    cleaned = clean(text)
    found = [name for name, pattern in RULES if pattern.search(cleaned)]
    if _KEEPING.search(cleaned):  # "sin cancelar la que tengo": one more, nothing undone
        found = [name for name in found if name not in (CANCEL, RESCHEDULE)]
    return found


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
