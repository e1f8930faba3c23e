"""What people are told when an appointment changes, and how it reaches them.

Each person gets a free message inside their 24-hour window and the approved template
outside it. The customer hears of every booking, change and cancellation they did not
make in their own chat (there, the brain's answer already told them); the owner and the
staff member concerned (and the one it moved away from) get a short notice, once each,
never about a change they made themselves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from yume import conversations
from yume.appointment_events import CUSTOMER
from yume.brain import Action, Text
from yume.conversations import conversation_with
from yume.customers import reachable
from yume.delivery import queue_action, queue_template, queued
from yume.formatting import spanish_date, spanish_time
from yume.models import (
    ACTIVE_STATUSES,
    Appointment,
    Conversation,
    Customer,
    Message,
    Organization,
    Staff,
)
from yume.notifications import template_safe
from yume.reminders_models import AppointmentEvent
from yume.templates import (
    APPOINTMENT_BOOKED,
    APPOINTMENT_CANCELLED,
    APPOINTMENT_CHANGED,
    TEAM_NOTICE,
    Template,
)
from yume.timeutil import zone

log = logging.getLogger(__name__)

QUIET_SOURCES = ("demo", "import")  # bulk-loaded bookings: nobody is told
NOTIFIED_KINDS = ("booked", "rescheduled", "cancelled")
# A free message queued this close to the window's end could miss it: use the template.
WINDOW_MARGIN = timedelta(minutes=10)
WALK_IN_NOW = timedelta(minutes=30)  # a walk-in starting within this is sitting in the chair


# -- phrases ---------------------------------------------------------------------------------


def at_time(local: datetime) -> str:
    """'a las 3:00 PM', 'a la 1:30 PM'."""
    article = "a la" if local.hour % 12 == 1 else "a las"
    return f"{article} {spanish_time(local.replace(tzinfo=None))}"


def date_at(instant: datetime, tz: ZoneInfo) -> str:
    """'viernes 15 de enero a las 3:00 PM' in the business's zone."""
    local = instant.astimezone(tz)
    return f"{spanish_date(local)} {at_time(local)}"


def when_phrase(instant: datetime, tz: ZoneInfo, now: datetime) -> str:
    """'hoy a las 5:00 PM', 'mañana viernes 15 de enero a las 3:00 PM' or
    'el viernes 15 de enero a las 3:00 PM' (local days, not 24-hour spans)."""
    local = instant.astimezone(tz)
    days = (local.date() - now.astimezone(tz).date()).days
    if days == 0:
        return f"hoy {at_time(local)}"
    if days == 1:
        return f"mañana {spanish_date(local)} {at_time(local)}"
    return f"el {date_at(instant, tz)}"


@dataclass(frozen=True)
class Facts:
    """An appointment as every message words it."""

    service: str
    business: str
    when: str  # with its article: 'mañana viernes…', 'el viernes…'
    date_at: str  # without: 'viernes 15 de enero a las 3:00 PM'
    staff: str
    customer_name: str | None
    customer: str  # name and phone, for the team
    address: str

    @property
    def hello(self) -> str:
        """', Ana' to follow a greeting, or nothing when the name is unknown."""
        return f", {self.customer_name}" if self.customer_name else ""


def facts(appointment: Appointment, now: datetime) -> Facts:
    org: Organization = appointment.organization
    tz = zone(org.timezone)
    customer: Customer = appointment.customer
    location = org.locations.first()
    return Facts(
        service=appointment.service.name,
        business=org.name,
        when=when_phrase(appointment.start_at, tz, now),
        date_at=date_at(appointment.start_at, tz),
        staff=appointment.staff.name,
        customer_name=customer.name,
        customer=f"{customer.name} ({customer.phone})" if customer.name else customer.phone,
        address=location.address if location and location.address else "",
    )


# -- reaching a person -----------------------------------------------------------------------


def window_open(conversation: Conversation, now: datetime) -> bool:
    return conversations.window_open(conversation, now + WINDOW_MARGIN)


def queue_either(
    conversation: Conversation,
    free: Action,
    template: Template,
    values: list[str],
    now: datetime,
    buttons: list[str] | None = None,
) -> Message:
    """The free message inside the 24-hour window, the template outside it."""
    if window_open(conversation, now):
        return queue_action(conversation, free, now)
    return queue_template(
        conversation, template, [template_safe(v, 300) for v in values], now, buttons
    )


def held_back(conversation: Conversation) -> bool:
    """A business with no WhatsApp access token (the demo) cannot send: log what Yume would
    have sent, mark it failed so nothing retries it, and say so."""
    org: Organization = conversation.organization
    if org.whatsapp_access_token:
        return False
    for message in queued(conversation.id):
        log.info(
            "whatsapp.not-connected org=%s to=%s %s: %s",
            org.id,
            conversation.phone,
            message.kind,
            message.text,
        )
        Message.update(status="failed", error_title=NOT_CONNECTED).where(
            (Message.id == message.id) & (Message.status == "queued")
        ).execute()
    return True


NOT_CONNECTED = "el negocio no tiene token de WhatsApp: no se envió"


# -- the notices ---------------------------------------------------------------------------


def queue_notices(event: AppointmentEvent, appointment: Appointment, now: datetime) -> list[int]:
    """Queue everything this event calls for (`appointment` is the event's, as the job
    locked it); the conversation ids to deliver."""
    if not worth_telling(event, appointment):
        return []
    said = facts(appointment, now)
    queued: list[int] = []
    if event.actor != CUSTOMER and reachable(appointment.customer) and not in_the_chair(event):
        queued.append(_tell_customer(event, appointment, said, now))
    for member in team_to_tell(event, appointment):
        queued.append(_tell_member(event, member, said, now))
    return queued


def worth_telling(event: AppointmentEvent, appointment: Appointment) -> bool:
    """Bulk-loaded bookings tell nobody; a booking or change already undone by the time
    its event is handled is not announced (the later event says what happened)."""
    if event.kind not in NOTIFIED_KINDS:
        return False
    if event.kind == "booked" and event.source in QUIET_SOURCES:
        return False
    return event.kind == "cancelled" or appointment.status in ACTIVE_STATUSES


def in_the_chair(event: AppointmentEvent) -> bool:
    """A walk-in being served now is not told "tu cita quedó agendada": they are here."""
    appointment = event.appointment
    return (
        event.kind == "booked"
        and appointment.source == "walk_in"
        and appointment.start_at <= event.created_at + WALK_IN_NOW
    )


def team_to_tell(event: AppointmentEvent, appointment: Appointment) -> list[Staff]:
    """The owners, the staff member concerned and the one the appointment moved away from;
    once each, active, and never the person who made the change."""
    ids = [appointment.staff_id]
    if event.previous_staff_id and event.previous_staff_id != appointment.staff_id:
        ids.append(event.previous_staff_id)
    members = Staff.select().where(
        (Staff.organization == appointment.organization_id)
        & Staff.active
        & ((Staff.role == "owner") | Staff.id.in_(ids))
    )
    return [m for m in members.order_by(Staff.id) if event.actor != f"staff:{m.id}"]


def _tell_customer(
    event: AppointmentEvent, appointment: Appointment, said: Facts, now: datetime
) -> int:
    conversation = conversation_with(appointment.organization, appointment.customer.phone)
    text, template, values = customer_notice(event.kind, said)
    queue_either(conversation, Text(text), template, values, now)
    return conversation.id


def customer_notice(kind: str, said: Facts) -> tuple[str, Template, list[str]]:
    hello = said.hello
    if kind == "booked":
        where = f"\n📍 {said.address}" if said.address else ""
        text = (
            f"¡Listo{hello}! ✅ Tu cita de *{said.service}* en {said.business} quedó agendada "
            f"para {said.when}, con {said.staff}.{where}\n"
            "Si necesitas cambiarla o cancelarla, escríbeme por aquí."
        )
        return text, APPOINTMENT_BOOKED, [said.service, said.business, said.when, said.staff]
    if kind == "rescheduled":
        text = (
            f"Hola{hello}. Tu cita de *{said.service}* cambió 🔁: ahora es {said.when}, "
            f"con {said.staff}.\nSi no te queda, escríbeme y buscamos otro horario."
        )
        return text, APPOINTMENT_CHANGED, [said.service, said.business, said.when, said.staff]
    text = (
        f"Hola{hello}. Tu cita de *{said.service}* ({said.date_at}) quedó cancelada. "
        "Cuando quieras agendar otra, escríbeme por aquí 🙌"
    )
    return text, APPOINTMENT_CANCELLED, [said.service, said.business, said.date_at]


def _tell_member(event: AppointmentEvent, member: Staff, said: Facts, now: datetime) -> int:
    org = event.appointment.organization
    conversation = conversation_with(org, member.phone)
    what = team_what(event, zone(org.timezone))
    text = f"{TEAM_ICONS[event.kind]} {what[0].upper()}{what[1:]}: {said.service} de " + (
        f"{said.customer}, {said.date_at}, con {said.staff}."
    )
    values = [said.business, what, said.service, said.customer, said.date_at, said.staff]
    queue_either(conversation, Text(text), TEAM_NOTICE, values, now)
    return conversation.id


TEAM_ICONS = {"booked": "📅", "rescheduled": "🔁", "cancelled": "❌"}


def team_what(event: AppointmentEvent, tz: ZoneInfo) -> str:
    if event.kind == "booked":
        return "nueva cita"
    if event.kind == "cancelled":
        return "cita cancelada"
    if event.previous_start_at is None:
        return "cita cambiada"
    return f"cita cambiada (antes: {date_at(event.previous_start_at, tz)})"
