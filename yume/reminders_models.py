"""Peewee models for appointment events, reminders and the staff morning agenda
(migration 0004).

- `AppointmentEvent` is an outbox: booking.py writes one in the same transaction as every
  booking change; `jobs.appointments.process_event` claims it (`processed_at`) once.
- `Reminder` is one row per appointment and offset; a send is claimed with a conditional
  UPDATE (`scheduled` → `sent`) before the message leaves, so it goes out once whatever
  Redis and the schedulers do. `due_at` in the database is what counts, never the job.
- The morning-agenda and business-account columns 0004 adds live on `Staff` and
  `Organization` (yume/models.py); the helpers below read and write them by id.
"""

from __future__ import annotations

from peewee import (
    CharField,
    DateField,
    ForeignKeyField,
    IntegerField,
)

from yume.models import (
    Appointment,
    BaseModel,
    Message,
    Organization,
    Staff,
    UTCDateTimeField,
    utcnow,
)

EVENT_KINDS = ("booked", "rescheduled", "cancelled", "confirmed", "no_show")
REMINDER_STATUSES = ("scheduled", "sent", "skipped", "cancelled")


class AppointmentEvent(BaseModel):
    appointment = ForeignKeyField(Appointment, backref="events", on_delete="CASCADE")
    kind = CharField()  # one of EVENT_KINDS
    actor = CharField(default="")  # customer | staff:<id> | the booking's source | '' (unknown)
    source = CharField(default="")  # a booking's source (chat, api, demo…); '' for changes
    previous_start_at = UTCDateTimeField(null=True)
    previous_staff = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
    created_at = UTCDateTimeField(default=utcnow)
    processed_at = UTCDateTimeField(null=True)

    class Meta:
        table_name = "appointment_event"
        indexes = ((("processed_at", "created_at"), False),)


class Reminder(BaseModel):
    appointment = ForeignKeyField(Appointment, backref="reminders", on_delete="CASCADE")
    offset_minutes = IntegerField()
    due_at = UTCDateTimeField()
    status = CharField(default="scheduled")  # one of REMINDER_STATUSES
    reason = CharField(default="")  # why it was skipped or cancelled
    claimed_at = UTCDateTimeField(null=True)
    sent_at = UTCDateTimeField(null=True)  # WhatsApp accepted the message
    message = ForeignKeyField(Message, null=True, on_delete="SET NULL")
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "reminder"
        indexes = (
            (("appointment", "offset_minutes"), True),
            (("status", "due_at"), False),
        )


class AgendaDelivery(BaseModel):
    """One morning agenda per staff member and local day: the unique row is the claim."""

    staff = ForeignKeyField(Staff, backref="agenda_deliveries", on_delete="CASCADE")
    day = DateField()
    message = ForeignKeyField(Message, null=True, on_delete="SET NULL")
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "agenda_delivery"
        indexes = ((("staff", "day"), True),)


def business_account_id(org_id: int) -> str | None:
    row = Organization.get_or_none(Organization.id == org_id)
    return row.whatsapp_business_account_id if row else None


def clean_business_account_id(value: str | None) -> str | None:
    return (value or "").strip() or None


def set_business_account_id(org_id: int, value: str | None) -> None:
    Organization.update(whatsapp_business_account_id=clean_business_account_id(value)).where(
        Organization.id == org_id
    ).execute()


def set_morning_agenda(staff_id: int, enabled: bool, hour: int | None = None) -> None:
    """Opt a staff member in or out of the morning agenda (hour: local, 0–23)."""
    if hour is not None and not 0 <= hour <= 23:
        raise ValueError("morning_agenda_hour debe estar entre 0 y 23")
    Staff.update(morning_agenda=enabled, morning_agenda_hour=hour).where(
        Staff.id == staff_id
    ).execute()


def morning_agenda_of(staff_id: int) -> tuple[bool, int | None]:
    """(opted in, own hour or None = the organization's setting) of one staff member."""
    staff = Staff.get_or_none(Staff.id == staff_id)
    if staff is None:
        return False, None
    return bool(staff.morning_agenda), staff.morning_agenda_hour
