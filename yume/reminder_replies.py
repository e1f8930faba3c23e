"""Taps on a reminder's buttons — "Confirmo", "Cambiar horario", "Cancelar" — handled
before the brain, however many days after the reminder they come.

The tap carries its own appointment id (payload `rem:<action>:<id>`: a template
quick-reply arrives as kind `template_button`, an interactive button as `button_reply`),
so no conversation state is needed to understand it. A customer may only touch their own
appointments. Taps are answered even while the owner has taken the chat over: they are
explicit answers to a message Yume sent, and the owner sees them too.

Conversation.state keys written here (for the brains):

- `state["guided"]`: after "Cambiar horario", the guided brain's FlowState
  (yume/brains/state.py) `{"flow": "reschedule", "step": "day", "appointment_id",
  "service_id", "updated_at"}`, so the next message ("el viernes a las 5") continues the
  reschedule there.

The Claude brain needs no state: the tap and Yume's answer are in the history it reads.
"""

from __future__ import annotations

import logging
from datetime import datetime

from yume import conversations, delivery
from yume.appointment_notices import facts
from yume.booking import cancel_appointment, confirm_appointment
from yume.brain import Text
from yume.db import database
from yume.delivery import queue_action
from yume.errors import DomainError
from yume.models import ACTIVE_STATUSES, Appointment, Conversation, Message
from yume.reminders import parse_payload
from yume.whatsapp.client import WhatsAppClient

log = logging.getLogger(__name__)

TAP_KINDS = ("template_button", "button_reply")
CANCEL_REASON = "Cancelada por el cliente desde el recordatorio"
NOT_YOURS = "No encontré esa cita entre las tuyas. Escríbeme «mis citas» para ver las que tienes."
GONE = "Esa cita ya no está activa. Si quieres agendar otra, escríbeme por aquí 🙂"
PAST = "Esa cita ya pasó. Si quieres agendar otra, escríbeme por aquí 🙂"


def is_reminder_tap(message: Message) -> bool:
    return message.kind in TAP_KINDS and parse_payload(_reply_id(message)) is not None


def _reply_id(message: Message) -> str | None:
    return (message.payload or {}).get("reply_id")


def answer_taps(
    conversation: Conversation, pending: list[Message], client: WhatsAppClient, now: datetime
) -> list[Message]:
    """Handle the reminder taps among `pending` and send the answers; return the rest, in
    order, for the brain."""
    taps = [m for m in pending if is_reminder_tap(m)]
    if not taps:
        return pending
    answers = [answer(conversation, tap, now) for tap in taps]
    with database.atomic():
        if not conversations.claim_inbound(taps, now):
            return [m for m in pending if m not in taps]  # another worker answered them
        for text in answers:
            queue_action(conversation, Text(text), now)
    delivery.mark_read(client, taps[-1])
    delivery.deliver(conversation, client, now)
    return [m for m in pending if m not in taps]


def answer(conversation: Conversation, tap: Message, now: datetime) -> str:
    """Act on one tap (idempotently: a retried job repeats nothing) and say what happened."""
    parsed = parse_payload(_reply_id(tap))
    assert parsed is not None
    action, appointment_id = parsed
    appointment = own_appointment(conversation, appointment_id)
    if appointment is None:
        log.warning(
            "reminder-tap.refused conversation=%s appointment=%s", conversation.id, appointment_id
        )
        return NOT_YOURS
    if appointment.start_at <= now:
        return PAST
    if action == "cancel" and appointment.cancel_reason == CANCEL_REASON:
        return cancelled(appointment, now)  # a retried job: it was this tap that cancelled
    if appointment.status not in ACTIVE_STATUSES:
        return GONE
    try:
        return ACTIONS[action](conversation, appointment, now)
    except DomainError as error:
        return error.message


def own_appointment(conversation: Conversation, appointment_id: int) -> Appointment | None:
    if conversation.customer_id is None:
        return None
    return Appointment.get_or_none(
        (Appointment.id == appointment_id)
        & (Appointment.organization == conversation.organization_id)
        & (Appointment.customer == conversation.customer_id)
    )


def confirm(conversation: Conversation, appointment: Appointment, now: datetime) -> str:
    confirm_appointment(appointment.organization, appointment.id, now=now, actor="customer")
    said = facts(appointment, now)
    hello = said.hello
    return (
        f"¡Gracias{hello}! ✅ Tu cita de *{said.service}* quedó confirmada: {said.when}, "
        f"con {said.staff}. ¡Te esperamos!"
    )


def cancel(conversation: Conversation, appointment: Appointment, now: datetime) -> str:
    cancel_appointment(
        appointment.organization, appointment.id, CANCEL_REASON, now=now, actor="customer"
    )
    return cancelled(appointment, now)


def cancelled(appointment: Appointment, now: datetime) -> str:
    said = facts(appointment, now)
    return (
        f"Listo, cancelé tu cita de *{said.service}* ({said.date_at}) y ya le avisé al equipo. "
        "Cuando quieras agendar otra, aquí estoy 🙌"
    )


def change(conversation: Conversation, appointment: Appointment, now: datetime) -> str:
    remember_reschedule(conversation, appointment, now)
    return (
        f"¡Claro! ¿Qué día y a qué hora te queda mejor para tu *{appointment.service.name}*? "
        "Escríbeme, por ejemplo: «el viernes a las 5» 🗓️"
    )


ACTIONS = {"confirm": confirm, "cancel": cancel, "change": change}


def remember_reschedule(
    conversation: Conversation, appointment: Appointment, now: datetime
) -> None:
    conversations.save_state(
        conversation,
        "guided",
        {
            "flow": "reschedule",
            "step": "day",
            "appointment_id": appointment.id,
            "service_id": appointment.service_id,
            "updated_at": now.isoformat(),
        },
    )
