"""The connect page's server side: Embedded Signup's two answers, in either order.

The browser sends the code (from `FB.login`'s callback) and the session event (a `message`
from Facebook: FINISH…, CANCEL, ERROR) separately. The code lives 30 seconds, so it is
exchanged for the business token inside the request; the rest of the onboarding is a job
(yume.onboarding.steps), started once both halves are here. Every write touches only its
own columns, so the two requests racing each other lose nothing, and the start is a
conditional UPDATE: one job, however often the page replays its callbacks.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime
from typing import Any

from yume.config import Config
from yume.log_privacy import MetaId
from yume.models import Organization, utcnow
from yume.onboarding import graph
from yume.onboarding.models import (
    COEXISTENCE,
    CONNECTED,
    CONNECTING,
    DEGRADED,
    DISCONNECTED,
    NEW_NUMBER,
    PENDING,
    Connection,
)
from yume.queue import get_queue
from yume.whatsapp.client import WhatsAppError

log = logging.getLogger(__name__)

ONBOARD_JOB = "jobs.onboarding.onboard"
SIGNUP_EVENT = "WA_EMBEDDED_SIGNUP"
FINISH_MODES = {
    "FINISH": NEW_NUMBER,
    "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING": COEXISTENCE,
    "FINISH_ONLY_WABA": NEW_NUMBER,
    "FINISH_OBO_MIGRATION": NEW_NUMBER,
    "FINISH_GRANT_ONLY_API_ACCESS": NEW_NUMBER,
}
GRAPH_ID = re.compile(r"^\d{1,32}$")
MAX_TEXT = 300
STEP_NAMES = {
    "BUSINESS_ACCOUNT_SELECTION": "elegir tu cuenta de negocio",
    "WABA_SELECTION": "elegir tu cuenta de WhatsApp Business",
    "PHONE_NUMBER_SETUP": "registrar tu número",
    "PHONE_NUMBER_VERIFICATION": "verificar tu número",
    "WHATSAPP_BUSINESS_APP_CONNECT": "conectar la app de WhatsApp Business",
    "PERMISSIONS": "dar los permisos",
}


class BadCallback(ValueError):
    """What the page sent is not Embedded Signup's shape."""


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def _fresh(connection: Connection) -> Connection:
    return Connection.get_by_id(connection.id)


def _set(connection: Connection, now: datetime, **fields: Any) -> None:
    Connection.update(updated_at=now, **fields).where(Connection.id == connection.id).execute()


def record_code(
    connection: Connection, code: str, config: Config, now: datetime | None = None
) -> Connection:
    """Exchange the code for the business token (once) and keep it encrypted."""
    now = now or utcnow()
    if not isinstance(code, str) or not 1 <= len(code) <= 2000:
        raise BadCallback("code must be a short string")
    digest = code_hash(code)
    if connection.code_hash == digest or connection.state in (CONNECTING, CONNECTED, DEGRADED):
        return connection  # a replay, or a second code after the business connected
    token = graph.exchange_code(config, code)
    Organization.update(whatsapp_access_token=token).where(
        Organization.id == connection.organization_id
    ).execute()
    _set(connection, now, code_hash=digest)
    log.info("onboarding.code-exchanged org=%s", connection.organization_id)
    return maybe_start(_fresh(connection), config, now)


def record_event(
    connection: Connection, event: Any, config: Config, now: datetime | None = None
) -> Connection:
    """Keep what Embedded Signup's session event says (finish ids, cancel step, error)."""
    now = now or utcnow()
    if not isinstance(event, dict) or event.get("type") != SIGNUP_EVENT:
        raise BadCallback("not an Embedded Signup event")
    name = _text(event.get("event"), 60)
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    if name in FINISH_MODES:
        return _finish(connection, name, data, config, now)
    if name in ("CANCEL", "ERROR"):
        if connection.state in (PENDING, DISCONNECTED):
            _set(connection, now, last_event=name, event_data=_cancel_data(data))
        return _fresh(connection)
    raise BadCallback(f"unknown Embedded Signup event {name!r}")


def _finish(
    connection: Connection, name: str, data: dict[str, Any], config: Config, now: datetime
) -> Connection:
    waba_id = _graph_id(data.get("waba_id"))
    if waba_id is None:
        raise BadCallback("a finish event needs waba_id")
    if connection.state not in (PENDING, DISCONNECTED):
        return connection  # the onboarding already runs on the first finish
    _set(
        connection,
        now,
        last_event=name,
        event_data=None,
        mode=FINISH_MODES[name],
        waba_id=waba_id,
        phone_number_id=_graph_id(data.get("phone_number_id")),
        business_id=_graph_id(data.get("business_id")),
    )
    return maybe_start(_fresh(connection), config, now)


def _graph_id(value: Any) -> str | None:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    return text if GRAPH_ID.match(text) else None


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _cancel_data(data: dict[str, Any]) -> dict[str, str]:
    kept = {k: _text(data.get(k)) for k in ("current_step", "error_message", "session_id")}
    code = data.get("error_code")
    if isinstance(code, int | str) and not isinstance(code, bool):
        kept["error_code"] = str(code)[:20]
    return {k: v for k, v in kept.items() if v}


def maybe_start(connection: Connection, config: Config, now: datetime) -> Connection:
    """Both halves here (token and WABA): start the onboarding job, exactly once."""
    org = Organization.get_by_id(connection.organization_id)
    if not (org.whatsapp_access_token and connection.waba_id):
        return connection
    started = (
        Connection.update(state=CONNECTING, reason="", updated_at=now)
        .where((Connection.id == connection.id) & Connection.state.in_([PENDING, DISCONNECTED]))
        .execute()
    )
    if started:
        log.info("onboarding.start org=%s waba=%s", org.id, MetaId(connection.waba_id))
        get_queue(config.redis_url).enqueue(ONBOARD_JOB, connection.id)
    return _fresh(connection)


# -- what the page shows -----------------------------------------------------------------------


def wa_link(display_phone_number: str | None, text: str = "hola") -> str | None:
    digits = re.sub(r"\D", "", display_phone_number or "")
    return f"https://wa.me/{digits}?text={text}" if digits else None


def describe(connection: Connection, org: Organization) -> dict[str, Any]:
    """The state as the page tells it: a title and a sentence in plain Spanish."""
    state = connection.state
    shown: dict[str, Any] = {"state": state, "business": org.name}
    if state == CONNECTED:
        number = connection.display_phone_number or ""
        shown.update(
            title="¡Tu WhatsApp quedó conectado! ✅",
            message=(
                f"Yume ya contesta en {number}. Último paso: escríbeme «hola» desde tu "
                "celular personal y te ayudo a dejar listos tus servicios, horarios y equipo."
            ),
            wa_link=wa_link(number),
            display_phone_number=number,
        )
    elif state == CONNECTING:
        shown.update(
            title="Conectando tu WhatsApp…",
            message="Facebook ya nos dio permiso. Estamos dejando todo listo; tarda unos "
            "segundos, no cierres esta página.",
        )
    elif state == DEGRADED:
        shown.update(
            title="Tu WhatsApp está conectado, pero falta algo",
            message=f"{connection.reason} Te avisamos en cuanto se arregle.",
            display_phone_number=connection.display_phone_number,
            wa_link=wa_link(connection.display_phone_number),
        )
    elif state == DISCONNECTED:
        shown.update(
            title="Tu WhatsApp se desconectó de Yume",
            message="Pide un enlace nuevo para volver a conectarlo; tus citas siguen aquí.",
        )
    else:
        shown.update(_pending(connection))
    return shown


def _pending(connection: Connection) -> dict[str, str]:
    data = connection.event_data or {}
    if connection.last_event == "CANCEL" and data.get("error_message"):
        reference = f" (referencia {data['session_id']})" if data.get("session_id") else ""
        return {
            "title": "Facebook no pudo terminar la conexión",
            "message": f"Nos dijo: «{data['error_message']}». Vuelve a intentarlo; si se "
            f"repite, escríbenos y dinos lo que pasó{reference}.",
        }
    if connection.last_event == "CANCEL":
        step = STEP_NAMES.get(data.get("current_step", ""), "")
        where = f" al {step}" if step else ""
        return {
            "title": "Te quedaste a medio camino",
            "message": f"Saliste{where}. No pasa nada: cuando quieras, vuelve a tocar "
            "«Conectar mi WhatsApp» y seguimos.",
        }
    if connection.last_event == "ERROR":
        return {
            "title": "Algo falló en Facebook",
            "message": "Vuelve a intentarlo en un momento. Si se repite, escríbenos.",
        }
    if connection.code_hash:
        return {
            "title": "Casi listo…",
            "message": "Facebook ya nos dio permiso; termina los pasos en la ventana de "
            "Facebook para conectar tu número.",
        }
    return {
        "title": "Conecta tu WhatsApp",
        "message": "Sigues usando tu app de WhatsApp Business como siempre; Yume contesta "
        "por ti en el mismo número.",
    }


def exchange_failed(error: WhatsAppError) -> dict[str, str]:
    """What the page says when the code could not be exchanged (it expired, mostly)."""
    log.warning("onboarding.code-exchange-failed kind=%s code=%s", error.kind, error.code)
    return {
        "state": PENDING,
        "title": "No pudimos terminar la conexión",
        "message": "Facebook tardó más de la cuenta y el permiso venció. Vuelve a tocar "
        "«Conectar mi WhatsApp»; toma un minuto.",
    }
