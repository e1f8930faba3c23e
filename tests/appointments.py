"""Helpers for the confirmation, reminder and agenda tests: local times, bookings whose
events are handled at a chosen instant, reminder taps as Meta sends them."""

from __future__ import annotations

import itertools
import time
from datetime import date, datetime, timedelta
from typing import Any

from tests import webhooks
from tests.cast import Cast, add_service, add_staff, make_org, next_weekday
from yume.booking import book_appointment
from yume.models import (
    Appointment,
    Customer,
    OpeningHours,
    Organization,
    ServiceType,
    Staff,
    WorkingHours,
    utcnow,
)
from yume.reminders_models import AppointmentEvent, Reminder
from yume.timeutil import local_to_utc, zone

CUSTOMER_WA = "5215599998888"  # the cast's customer Ana, as WhatsApp spells her number
_ids = itertools.count(1)


def local(org: Organization, day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time of the business as an aware UTC instant."""
    return local_to_utc(day, hour * 60 + minute, zone(org.timezone))


def weekday_ahead(weekday: int, at_least_days: int = 3) -> date:
    """The first `weekday` (0 = Monday) at least `at_least_days` from today."""
    return next_weekday(weekday, date.today() + timedelta(days=at_least_days - 1))


def book(
    cast: Cast,
    start: datetime,
    staff_id: int | None = None,
    now: datetime | None = None,
    customer: Customer | None = None,
    service: ServiceType | None = None,
    **options: Any,
) -> Appointment:
    return book_appointment(
        cast.org,
        (service or cast.haircut).id,
        start,
        customer or cast.customer,
        staff_id or cast.barber.id,
        now=now or utcnow(),
        **options,
    )


def handle_events(now: datetime) -> list[str]:
    """Handle every unprocessed event at `now` (the job's work with a chosen clock)."""
    from jobs.appointments import handle_event

    events = AppointmentEvent.select().where(AppointmentEvent.processed_at.is_null())
    return [handle_event(event.id, now) for event in events.order_by(AppointmentEvent.id)]


def reminder(appointment: Appointment, offset: int) -> Reminder:
    return Reminder.get((Reminder.appointment == appointment) & (Reminder.offset_minutes == offset))


def template_tap(payload: str, title: str, wa_id: str = CUSTOMER_WA) -> dict[str, Any]:
    """A tap on a template's quick-reply button, as Meta sends it (type "button")."""
    return webhooks.envelope(
        {
            "contacts": [{"profile": {"name": "Ana"}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": f"wamid.TAP{next(_ids)}{time.time_ns()}",
                    "timestamp": str(int(time.time())),
                    "type": "button",
                    "button": {"payload": payload, "text": title},
                }
            ],
        }
    )


def tijuana_salon() -> tuple[Organization, ServiceType, Staff]:
    """A salon on the US border (US daylight-saving rules), open every day 9:00–19:00."""
    org = make_org("Estética Rosarito", phone_number_id="3003")
    org.timezone = "America/Tijuana"
    org.save()
    location = org.locations.first()
    OpeningHours.delete().where(OpeningHours.location == location).execute()
    stylist = add_staff(org, "Maricela", "+526641234567", role="owner", hours=())
    for weekday in range(7):
        OpeningHours.create(location=location, weekday=weekday, start_minute=540, end_minute=1140)
        WorkingHours.create(staff=stylist, weekday=weekday, start_minute=540, end_minute=1140)
    return org, add_service(org, "Tinte", 60, 800), stylist
