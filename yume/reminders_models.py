"""Peewee models for appointment events, reminders and the staff morning agenda
(migration 0004).

- `AppointmentEvent` is an outbox: booking.py writes one in the same transaction as every
  booking change; `jobs.appointments.process_event` claims it (`processed_at`) once.
- `Reminder` is one row per appointment and offset; a send is claimed with a conditional
  UPDATE (`scheduled` → `sent`) before the message leaves, so it goes out once whatever
  Redis and the schedulers do. `due_at` in the database is what counts, never the job.
- `StaffAgenda` and `BusinessAccount` map the columns 0004 adds to `staff` and
  `organization` (the shared models in yume/models.py do not declare them).
"""

from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    DateField,
    ForeignKeyField,
    IntegerField,
)

from yume.models import Appointment, BaseModel, Message, Staff, UTCDateTimeField, utcnow

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


class StaffAgenda(BaseModel):
    """The morning-agenda columns of `staff`: opted in (NULL = no), and an hour that
    overrides the organization's `morning_agenda_hour`."""

    morning_agenda = BooleanField(null=True)
    morning_agenda_hour = IntegerField(null=True)

    class Meta:
        table_name = "staff"


class BusinessAccount(BaseModel):
    """The `whatsapp_business_account_id` column of `organization` (where templates live)."""

    whatsapp_business_account_id = CharField(null=True)

    class Meta:
        table_name = "organization"


def business_account_id(org_id: int) -> str | None:
    row = BusinessAccount.get_or_none(BusinessAccount.id == org_id)
    return row.whatsapp_business_account_id if row else None


def set_business_account_id(org_id: int, value: str | None) -> None:
    BusinessAccount.update(whatsapp_business_account_id=(value or "").strip() or None).where(
        BusinessAccount.id == org_id
    ).execute()


def set_morning_agenda(staff_id: int, enabled: bool, hour: int | None = None) -> None:
    """Opt a staff member in or out of the morning agenda (hour: local, 0–23)."""
    if hour is not None and not 0 <= hour <= 23:
        raise ValueError("morning_agenda_hour debe estar entre 0 y 23")
    StaffAgenda.update(morning_agenda=enabled, morning_agenda_hour=hour).where(
        StaffAgenda.id == staff_id
    ).execute()


def morning_agenda_of(staff_id: int) -> tuple[bool, int | None]:
    """(opted in, own hour or None = the organization's setting) of one staff member."""
    row = StaffAgenda.get_or_none(StaffAgenda.id == staff_id)
    if row is None:
        return False, None
    return bool(row.morning_agenda), row.morning_agenda_hour
