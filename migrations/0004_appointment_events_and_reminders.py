"""Appointment events (an outbox written with each booking change), reminders (one row per
appointment and offset, claimed before they are sent), the staff morning agenda, and the
business's WhatsApp Business Account id (for submitting templates)."""

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
)


def up(migrator, db):
    class Staff(Model):
        class Meta:
            database = db
            table_name = "staff"

    class Appointment(Model):
        class Meta:
            database = db
            table_name = "appointment"

    class Message(Model):
        class Meta:
            database = db
            table_name = "message"

    class AppointmentEvent(Model):
        appointment = ForeignKeyField(Appointment, on_delete="CASCADE")
        kind = CharField()
        actor = CharField(default="")
        source = CharField(default="")
        previous_start_at = DateTimeField(null=True)
        previous_staff = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
        created_at = DateTimeField()
        processed_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "appointment_event"
            indexes = ((("processed_at", "created_at"), False),)

    class Reminder(Model):
        appointment = ForeignKeyField(Appointment, on_delete="CASCADE")
        offset_minutes = IntegerField()
        due_at = DateTimeField()
        status = CharField(default="scheduled")
        reason = CharField(default="")
        claimed_at = DateTimeField(null=True)
        sent_at = DateTimeField(null=True)
        message = ForeignKeyField(Message, null=True, on_delete="SET NULL")
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "reminder"
            indexes = (
                (("appointment", "offset_minutes"), True),
                (("status", "due_at"), False),
            )

    class AgendaDelivery(Model):
        staff = ForeignKeyField(Staff, on_delete="CASCADE")
        day = DateField()
        message = ForeignKeyField(Message, null=True, on_delete="SET NULL")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "agenda_delivery"
            indexes = ((("staff", "day"), True),)

    db.create_tables([AppointmentEvent, Reminder, AgendaDelivery])
    migrator.migrate(
        migrator.add_column("staff", "morning_agenda", BooleanField(null=True)),
        migrator.add_column("staff", "morning_agenda_hour", IntegerField(null=True)),
        migrator.add_column("organization", "whatsapp_business_account_id", CharField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column("organization", "whatsapp_business_account_id"),
        migrator.drop_column("staff", "morning_agenda_hour"),
        migrator.drop_column("staff", "morning_agenda"),
    )
    for table in ("agenda_delivery", "reminder", "appointment_event"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
