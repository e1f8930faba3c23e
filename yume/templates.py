"""The WhatsApp templates Yume needs, defined in one place (name, Spanish text, variables).

Outside the 24-hour window only approved templates may be sent; each template here is
submitted to the business's WhatsApp account for approval (`python -m yume templates sync
--org N`). Meta's rules the texts follow: positional variables {{1}}…{{n}} in order, never
at the very start or end of the body, no new lines or tabs inside a variable's value, at
most 3 quick-reply buttons of 25 characters; `examples` are the sample values Meta's
reviewers see.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGE = "es_MX"
UTILITY = "UTILITY"


@dataclass(frozen=True)
class Template:
    name: str
    category: str  # UTILITY | MARKETING | AUTHENTICATION
    body: str  # {{1}}, {{2}}… are the variables, in order
    variables: tuple[str, ...]
    buttons: tuple[str, ...] = ()  # quick-reply labels
    language: str = LANGUAGE
    examples: tuple[str, ...] = ()  # one sample value per variable, for Meta's review

    def render(self, values: list[str]) -> str:
        text = self.body
        for index, value in enumerate(values, start=1):
            text = text.replace(f"{{{{{index}}}}}", value)
        return text


PENDING_REPLY = Template(
    name="yume_respuesta_pendiente",
    category=UTILITY,
    body="Hola, {{1}} tiene una respuesta para ti sobre tu cita. "
    "Escríbenos por aquí para continuar la conversación.",
    variables=("nombre del negocio",),
    examples=("Barbería Don Chuy",),
)

OWNER_ALERT = Template(
    name="yume_aviso_dueno",
    category=UTILITY,
    body="Aviso de Yume para {{1}}: {{2}}. Revisa la conversación cuando puedas.",
    variables=("nombre del negocio", "aviso"),
    examples=("Barbería Don Chuy", "Ana pidió hablar con una persona"),
)

# The hand-over alert's buttons: "own:take:<conversation id>" / "own:yume:<conversation id>".
HANDOVER_BUTTONS = ("Yo le contesto", "Que siga Yume")

HANDOVER_ALERT = Template(
    name="yume_pide_persona",
    category=UTILITY,
    body="Aviso de Yume para {{1}}: {{2}}. Escribió: «{{3}}». Le dije que le contestan {{4}}. "
    "¿Le contestas tú o sigue Yume?",
    variables=("nombre del negocio", "quién y por qué", "lo que escribió", "cuándo"),
    buttons=HANDOVER_BUTTONS,
    examples=(
        "Barbería Don Chuy",
        "Ana López (+52 55 1234 5678) necesita a alguien del equipo: pidió hablar con una persona",
        "quiero hablar con una persona",
        "en menos de una hora",
    ),
)

# Reminder buttons: labels here, payloads "rem:<action>:<appointment id>" in the same order.
CONFIRM, CHANGE, CANCEL = "Confirmo", "Cambiar horario", "Cancelar"
REMINDER_BUTTONS = (CONFIRM, CHANGE, CANCEL)

APPOINTMENT_REMINDER = Template(
    name="yume_recordatorio_cita",
    category=UTILITY,
    body="¡Hola! 👋 Te recordamos tu cita de {{1}} en {{2}}: {{3}}, con {{4}}. "
    "¿Nos confirmas que vienes? Si no puedes, cámbiala o cancélala con un toque.",
    variables=("servicio", "nombre del negocio", "día y hora", "quién atiende"),
    buttons=REMINDER_BUTTONS,
    examples=(
        "Corte de cabello",
        "Barbería Don Chuy",
        "mañana viernes 15 de enero a las 3:00 PM",
        "Beto",
    ),
)

APPOINTMENT_BOOKED = Template(
    name="yume_cita_agendada",
    category=UTILITY,
    body="¡Listo! ✅ Tu cita de {{1}} en {{2}} quedó agendada para {{3}}, con {{4}}. "
    "Si necesitas cambiarla o cancelarla, escríbenos por aquí.",
    variables=("servicio", "nombre del negocio", "día y hora", "quién atiende"),
    examples=(
        "Corte de cabello",
        "Barbería Don Chuy",
        "el viernes 15 de enero a las 3:00 PM",
        "Beto",
    ),
)

APPOINTMENT_CHANGED = Template(
    name="yume_cita_cambiada",
    category=UTILITY,
    body="Tu cita de {{1}} en {{2}} cambió 🔁: ahora es {{3}}, con {{4}}. "
    "Si no te queda, escríbenos por aquí y buscamos otro horario.",
    variables=("servicio", "nombre del negocio", "nuevo día y hora", "quién atiende"),
    examples=(
        "Corte de cabello",
        "Barbería Don Chuy",
        "el sábado 16 de enero a las 11:00 AM",
        "Beto",
    ),
)

APPOINTMENT_CANCELLED = Template(
    name="yume_cita_cancelada",
    category=UTILITY,
    body="Tu cita de {{1}} en {{2}} ({{3}}) quedó cancelada. "
    "Cuando quieras agendar otra, escríbenos por aquí 🙌",
    variables=("servicio", "nombre del negocio", "día y hora"),
    examples=("Corte de cabello", "Barbería Don Chuy", "viernes 15 de enero a las 3:00 PM"),
)

TEAM_NOTICE = Template(
    name="yume_aviso_cita_equipo",
    category=UTILITY,
    body="Aviso de agenda de {{1}}: {{2}}. Servicio: {{3}}. Cliente: {{4}}. "
    "Cuándo: {{5}}, con {{6}}. Escríbeme «agenda» para ver tu día completo.",
    variables=(
        "nombre del negocio",
        "qué pasó",
        "servicio",
        "cliente",
        "día y hora",
        "quién atiende",
    ),
    examples=(
        "Barbería Don Chuy",
        "nueva cita",
        "Corte de cabello",
        "Ana López",
        "el viernes 15 de enero a las 3:00 PM",
        "Beto",
    ),
)

MORNING_AGENDA = Template(
    name="yume_agenda_del_dia",
    category=UTILITY,
    body="Buenos días, {{1}} ☀️ Tu agenda de hoy, {{2}}, en {{3}}: {{4}}. "
    "¡Que tengas un excelente día!",
    variables=("nombre", "fecha", "nombre del negocio", "citas del día"),
    examples=(
        "Beto",
        "viernes 15 de enero",
        "Barbería Don Chuy",
        "10:00 AM Corte de cabello con Ana; 11:30 AM Arreglo de barba con Pepe",
    ),
)

OWNER_WELCOME = Template(
    name="yume_bienvenida_dueno",
    category=UTILITY,
    body="¡Hola! 👋 Soy Yume y ya estoy conectada al WhatsApp de {{1}}. Escríbeme «hola» "
    "por aquí y en unos minutos dejamos listos tus servicios, horarios y equipo.",
    variables=("nombre del negocio",),
    examples=("Barbería Don Chuy",),
)

ALL: tuple[Template, ...] = (
    APPOINTMENT_REMINDER,
    APPOINTMENT_BOOKED,
    APPOINTMENT_CHANGED,
    APPOINTMENT_CANCELLED,
    TEAM_NOTICE,
    MORNING_AGENDA,
    OWNER_ALERT,
    HANDOVER_ALERT,
    PENDING_REPLY,
    OWNER_WELCOME,
)
TEMPLATES: dict[str, Template] = {t.name: t for t in ALL}
