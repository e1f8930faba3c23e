"""The WhatsApp templates Yume needs, defined in one place (name, Spanish text, variables).

Outside the 24-hour window only approved templates may be sent; each template here is
submitted to the business's WhatsApp account for approval.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGE = "es_MX"


@dataclass(frozen=True)
class Template:
    name: str
    category: str  # UTILITY | MARKETING | AUTHENTICATION
    body: str  # {{1}}, {{2}}… are the variables, in order
    variables: tuple[str, ...]
    buttons: tuple[str, ...] = ()  # quick-reply labels
    language: str = LANGUAGE

    def render(self, values: list[str]) -> str:
        text = self.body
        for index, value in enumerate(values, start=1):
            text = text.replace(f"{{{{{index}}}}}", value)
        return text


PENDING_REPLY = Template(
    name="yume_respuesta_pendiente",
    category="UTILITY",
    body="Hola, {{1}} tiene una respuesta para ti sobre tu cita. "
    "Escríbenos por aquí para continuar la conversación.",
    variables=("nombre del negocio",),
)

OWNER_ALERT = Template(
    name="yume_aviso_dueno",
    category="UTILITY",
    body="Aviso de Yume para {{1}}: {{2}}",
    variables=("nombre del negocio", "aviso"),
)

TEMPLATES: dict[str, Template] = {t.name: t for t in (PENDING_REPLY, OWNER_ALERT)}
