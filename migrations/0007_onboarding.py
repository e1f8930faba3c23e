"""Onboarding (issue 10): invite links, each business's WhatsApp connection, template
approvals, the owner's address book from the WhatsApp Business app; and access tokens
encrypted at rest with YUME_SECRET_KEY (existing clear-text tokens are encrypted here)."""

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def up(migrator, db):
    from yume import crypto

    class Organization(Model):
        whatsapp_access_token = TextField(null=True)

        class Meta:
            database = db
            table_name = "organization"

    class SignupLink(Model):
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        nonce = CharField(unique=True)
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "signup_link"

    class Connection(Model):
        organization = ForeignKeyField(Organization, on_delete="CASCADE", unique=True)
        state = CharField(default="pending")
        reason = TextField(default="")
        mode = CharField(default="")
        waba_id = CharField(null=True)
        phone_number_id = CharField(null=True)
        business_id = CharField(null=True)
        display_phone_number = CharField(null=True)
        verified_name = CharField(null=True)
        code_hash = CharField(null=True)
        registration_pin = TextField(null=True)
        last_event = CharField(default="")
        event_data = TextField(null=True)
        steps = TextField()
        lease_until = DateTimeField(null=True)
        attempts = IntegerField(default=0)
        connected_at = DateTimeField(null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "whatsapp_connection"

    class TemplateApproval(Model):
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        name = CharField()
        language = CharField()
        status = CharField()
        reason = TextField(default="")
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "template_approval"
            indexes = ((("organization", "name", "language"), True),)

    class AddressBookEntry(Model):
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        phone = CharField()
        name = CharField(default="")
        removed = BooleanField(default=False)
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "address_book_entry"
            indexes = ((("organization", "phone"), True),)

    db.create_tables([SignupLink, Connection, TemplateApproval, AddressBookEntry])
    for row in Organization.select().where(Organization.whatsapp_access_token.is_null(False)):
        token = row.whatsapp_access_token
        if token and not crypto.is_encrypted(token):
            Organization.update(whatsapp_access_token=crypto.encrypt(token)).where(
                Organization.id == row.id
            ).execute()


def down(migrator, db):
    from yume import crypto

    rows = db.execute_sql(
        "SELECT id, whatsapp_access_token FROM organization WHERE whatsapp_access_token IS NOT NULL"
    ).fetchall()
    for org_id, token in rows:
        if crypto.is_encrypted(token):
            db.execute_sql(
                f"UPDATE organization SET whatsapp_access_token = {db.param} WHERE id = {db.param}",
                (crypto.decrypt(token), org_id),
            )
    for table in ("address_book_entry", "template_approval", "whatsapp_connection", "signup_link"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
