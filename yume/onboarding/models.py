"""Peewee models of onboarding (migration 0007).

- `SignupLink`: a one-time, expiring invite to the connect page for one business.
- `Connection`: one per business; how far the Embedded Signup and the onboarding steps got,
  and the connection's state: pending, connecting, connected, degraded (+ reason),
  disconnected.
- `TemplateApproval`: Meta's verdict on each of Yume's templates for the business; what
  may be sent outside the 24-hour window (yume.onboarding.templates).
- `AddressBookEntry`: the owner's saved name for a phone, from the WhatsApp Business app
  (Coexistence `smb_app_state_sync`).
"""

from __future__ import annotations

from peewee import BooleanField, CharField, ForeignKeyField, IntegerField, TextField

from yume.models import (
    BaseModel,
    EncryptedTextField,
    JSONTextField,
    Organization,
    UTCDateTimeField,
    utcnow,
)

PENDING, CONNECTING, CONNECTED, DEGRADED, DISCONNECTED = (
    "pending",
    "connecting",
    "connected",
    "degraded",
    "disconnected",
)
STATES = (PENDING, CONNECTING, CONNECTED, DEGRADED, DISCONNECTED)
COEXISTENCE, NEW_NUMBER = "coexistence", "new_number"


class SignupLink(BaseModel):
    organization = ForeignKeyField(Organization, backref="signup_links", on_delete="CASCADE")
    nonce = CharField(unique=True)
    expires_at = UTCDateTimeField()
    used_at = UTCDateTimeField(null=True)  # the signup it started connected the business
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "signup_link"


class Connection(BaseModel):
    organization = ForeignKeyField(
        Organization, backref="connections", on_delete="CASCADE", unique=True
    )
    state = CharField(default=PENDING)
    reason = TextField(default="")
    mode = CharField(default="")  # coexistence | new_number, from the page's event
    waba_id = CharField(null=True)
    phone_number_id = CharField(null=True)
    business_id = CharField(null=True)
    display_phone_number = CharField(null=True)
    verified_name = CharField(null=True)
    code_hash = CharField(null=True)  # sha256 of the exchanged code: a replay is recognised
    registration_pin = EncryptedTextField(null=True)  # new numbers only
    last_event = CharField(default="")  # the page's latest Embedded Signup event
    event_data = JSONTextField(null=True)  # its data (cancel step, error message…)
    steps = JSONTextField(default=dict)  # step name → when it was done (ISO UTC)
    lease_until = UTCDateTimeField(null=True)  # one onboarding job at a time
    attempts = IntegerField(default=0)
    connected_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "whatsapp_connection"


class TemplateApproval(BaseModel):
    organization = ForeignKeyField(Organization, backref="template_approvals", on_delete="CASCADE")
    name = CharField()
    language = CharField()
    status = CharField()  # Meta's: PENDING, APPROVED, REJECTED, PAUSED, DISABLED…
    reason = TextField(default="")
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "template_approval"
        indexes = ((("organization", "name", "language"), True),)


class AddressBookEntry(BaseModel):
    organization = ForeignKeyField(Organization, backref="address_book", on_delete="CASCADE")
    phone = CharField()  # E.164, through yume.phones
    name = CharField(default="")
    removed = BooleanField(default=False)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        table_name = "address_book_entry"
        indexes = ((("organization", "phone"), True),)


MODELS = [SignupLink, Connection, TemplateApproval, AddressBookEntry]
