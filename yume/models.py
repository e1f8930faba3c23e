"""Peewee models: the business, its people, its schedule and its conversations.

Every instant is stored as naive UTC and handed back as an aware UTC datetime;
local time exists only in `yume.timeutil` and on the way out.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from yume import crypto
from yume.db import database

DEFAULT_SETTINGS: dict[str, Any] = {
    "slot_minutes": 15,
    "min_notice_minutes": 60,
    "booking_horizon_days": 60,
    "reminder_offsets_minutes": [1440, 120],
    "takeover_minutes": 120,
    "max_active_appointments": 3,  # per customer, upcoming and active (issue 11)
}

ACTIVE_STATUSES = ("booked", "confirmed")
APPOINTMENT_STATUSES = ("booked", "confirmed", "cancelled", "completed", "no_show")
APPOINTMENT_SOURCES = ("chat", "staff", "walk_in", "api", "import", "demo")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTimeField(DateTimeField):
    """Aware UTC in Python, naive UTC in the database."""

    def db_value(self, value: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value: Any) -> Any:
        value = super().python_value(value)
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value


class JSONTextField(TextField):
    """JSON kept as text so SQLite and PostgreSQL store it the same way."""

    def db_value(self, value: Any) -> Any:
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def python_value(self, value: Any) -> Any:
        return None if value is None else json.loads(value)


class EncryptedTextField(TextField):
    """Text encrypted at rest with YUME_SECRET_KEY (yume/crypto.py): access tokens, PINs.

    A value that cannot be decrypted (another key) reads as None and is logged: the
    business then needs its token again, and nothing crashes on the way."""

    def db_value(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        return crypto.encrypt(str(value))

    def python_value(self, value: Any) -> Any:
        if value is None:
            return None
        try:
            return crypto.decrypt(value)
        except crypto.InvalidToken:
            logging.getLogger(__name__).error(
                "crypto.undecryptable field=%s: set the YUME_SECRET_KEY that encrypted it",
                self.name,
            )
            return None


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Organization(BaseModel):
    name = CharField()
    timezone = CharField(default="America/Mexico_City")
    whatsapp_phone_number_id = CharField(null=True, unique=True)
    whatsapp_access_token = EncryptedTextField(null=True)  # encrypted at rest (issue 10)
    whatsapp_business_account_id = CharField(null=True)  # for template sync (migration 0004)
    settings = JSONTextField(default=dict)
    created_at = UTCDateTimeField(default=utcnow)

    def setting(self, name: str) -> Any:
        return self.effective_settings[name]

    @property
    def effective_settings(self) -> dict[str, Any]:
        return {**DEFAULT_SETTINGS, **(self.settings or {})}


class Location(BaseModel):
    """Where the business is; one per organization in v1."""

    organization = ForeignKeyField(Organization, backref="locations", on_delete="CASCADE")
    name = CharField(default="")
    address = TextField(default="")


class OpeningHours(BaseModel):
    """A weekly interval when the location is open (minutes after local midnight)."""

    location = ForeignKeyField(Location, backref="opening_hours", on_delete="CASCADE")
    weekday = IntegerField()  # 0 = Monday
    start_minute = IntegerField()
    end_minute = IntegerField()


class ServiceType(BaseModel):
    organization = ForeignKeyField(Organization, backref="services", on_delete="CASCADE")
    name = CharField()
    duration_minutes = IntegerField()
    price_mxn = DecimalField(max_digits=10, decimal_places=2)
    buffer_minutes = IntegerField(default=0)
    active = BooleanField(default=True)


class Staff(BaseModel):
    organization = ForeignKeyField(Organization, backref="staff", on_delete="CASCADE")
    name = CharField()
    phone = CharField()  # E.164, always through yume.phones.normalize_phone
    role = CharField(default="staff")  # owner | staff
    all_services = BooleanField(default=True)
    active = BooleanField(default=True)
    morning_agenda = BooleanField(null=True)  # opted in to the day's agenda (migration 0004)
    morning_agenda_hour = IntegerField(null=True)  # None: the business's morning_agenda_hour

    class Meta:
        indexes = ((("organization", "phone"), False),)


class StaffService(BaseModel):
    staff = ForeignKeyField(Staff, backref="service_links", on_delete="CASCADE")
    service = ForeignKeyField(ServiceType, backref="staff_links", on_delete="CASCADE")

    class Meta:
        indexes = ((("staff", "service"), True),)


class WorkingHours(BaseModel):
    """A weekly working interval of one staff member; several a day make breaks."""

    staff = ForeignKeyField(Staff, backref="working_hours", on_delete="CASCADE")
    weekday = IntegerField()
    start_minute = IntegerField()
    end_minute = IntegerField()


class AvailabilityException(BaseModel):
    """A dated change to a staff member's week: `time_off` removes, `extra` adds."""

    staff = ForeignKeyField(Staff, backref="exceptions", on_delete="CASCADE")
    kind = CharField(default="time_off")
    start_at = UTCDateTimeField()
    end_at = UTCDateTimeField()
    reason = TextField(default="")
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("staff", "start_at"), False),)


class Customer(BaseModel):
    organization = ForeignKeyField(Organization, backref="customers", on_delete="CASCADE")
    phone = TextField()  # E.164, or a BSUID for someone known only by it (migration 0009)
    name = CharField(null=True)
    notes = TextField(default="")
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("organization", "phone"), True),)


class Appointment(BaseModel):
    """One booking. `busy_until` is the end plus the service's buffer: the span the
    staff member is held, and what the PostgreSQL exclusion constraint guards."""

    organization = ForeignKeyField(Organization, backref="appointments", on_delete="CASCADE")
    staff = ForeignKeyField(Staff, backref="appointments", on_delete="CASCADE")
    service = ForeignKeyField(ServiceType, backref="appointments", on_delete="CASCADE")
    customer = ForeignKeyField(Customer, backref="appointments", on_delete="CASCADE")
    start_at = UTCDateTimeField()
    end_at = UTCDateTimeField()
    busy_until = UTCDateTimeField()
    status = CharField(default="booked")
    source = CharField(default="api")
    created_by = CharField(default="")
    guest_name = CharField(null=True)  # booked by the customer for a companion (issue 11)
    cancel_reason = TextField(default="")
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("staff", "start_at"), False),
            (("organization", "start_at"), False),
            (("customer", "start_at"), False),
        )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class Conversation(BaseModel):
    """One WhatsApp chat between the business number and one phone."""

    organization = ForeignKeyField(Organization, backref="conversations", on_delete="CASCADE")
    phone = TextField()  # the key: E.164, or the BSUID of someone WhatsApp shows no phone for
    customer = ForeignKeyField(Customer, null=True, backref="conversations", on_delete="SET NULL")
    staff = ForeignKeyField(Staff, null=True, backref="conversations", on_delete="SET NULL")
    profile_name = CharField(null=True)
    wa_id = TextField(null=True)  # the address exactly as WhatsApp gave it (521…): reply to it
    user_id = TextField(null=True)  # WhatsApp's business-scoped user id (BSUID), when sent
    last_inbound_at = UTCDateTimeField(null=True)  # opens the 24-hour window
    paused_until = UTCDateTimeField(null=True)  # owner takeover: Yume stays quiet until then
    handover_at = UTCDateTimeField(null=True)  # handed to a person, nobody answered yet (0011)
    state = JSONTextField(null=True)
    lease_until = UTCDateTimeField(null=True)
    lease_owner = CharField(null=True)
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("organization", "phone"), True), (("organization", "user_id"), False))


class Message(BaseModel):
    conversation = ForeignKeyField(Conversation, backref="messages", on_delete="CASCADE")
    wa_message_id = TextField(null=True, unique=True)
    direction = CharField()  # in | out
    author = CharField()  # customer | staff | owner | yume
    kind = CharField(default="text")
    text = TextField(default="")
    payload = JSONTextField(null=True)
    status = CharField(default="received")
    error_code = IntegerField(null=True)
    error_title = TextField(null=True)
    sent_at = UTCDateTimeField(null=True)  # WhatsApp's own timestamp
    created_at = UTCDateTimeField(default=utcnow)
    processed_at = UTCDateTimeField(null=True)
    status_at = UTCDateTimeField(null=True)  # WhatsApp time of the latest status
    # The WhatsApp id of the message this one is about: what a revoke deletes, an edit
    # changes, a reaction reacts to (migration 0009).
    about_wamid = TextField(null=True, index=True)

    class Meta:
        indexes = (
            (("conversation", "created_at"), False),
            (("conversation", "processed_at"), False),
        )


ALL_MODELS: list[type[BaseModel]] = [
    Organization,
    Location,
    OpeningHours,
    ServiceType,
    Staff,
    StaffService,
    WorkingHours,
    AvailabilityException,
    Customer,
    Appointment,
    Conversation,
    Message,
]
