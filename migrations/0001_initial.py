"""Initial schema: the business, its schedule, bookings and conversations."""

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


def up(migrator, db):
    class Organization(Model):
        name = CharField()
        timezone = CharField(default="America/Mexico_City")
        whatsapp_phone_number_id = CharField(unique=True, null=True)
        whatsapp_access_token = TextField(null=True)
        settings = TextField(default="{}")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "organization"

    db.create_tables([Organization])

    class Staff(Model):
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        name = CharField()
        phone = CharField()
        role = CharField(default="staff")
        all_services = BooleanField(default=True)
        active = BooleanField(default=True)

        class Meta:
            database = db
            table_name = "staff"
            indexes = ((("organization", "phone"), False),)

    db.create_tables([Staff])

    class ServiceType(Model):
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        name = CharField()
        duration_minutes = IntegerField()
        price_mxn = DecimalField(decimal_places=2)
        buffer_minutes = IntegerField(default=0)
        active = BooleanField(default=True)

        class Meta:
            database = db
            table_name = "service_type"

    db.create_tables([ServiceType])

    class Customer(Model):
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        phone = CharField()
        name = CharField(null=True)
        notes = TextField(default="")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "customer"
            indexes = ((("organization", "phone"), True),)

    db.create_tables([Customer])

    class Appointment(Model):
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        staff = ForeignKeyField(Staff, on_delete="CASCADE")
        service = ForeignKeyField(ServiceType, on_delete="CASCADE")
        customer = ForeignKeyField(Customer, on_delete="CASCADE")
        start_at = DateTimeField()
        end_at = DateTimeField()
        busy_until = DateTimeField()
        status = CharField(default="booked")
        source = CharField(default="api")
        created_by = CharField(default="")
        cancel_reason = TextField(default="")
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "appointment"
            indexes = (
                (("staff", "start_at"), False),
                (("organization", "start_at"), False),
                (("customer", "start_at"), False),
            )

    db.create_tables([Appointment])

    class AvailabilityException(Model):
        staff = ForeignKeyField(Staff, on_delete="CASCADE")
        kind = CharField(default="time_off")
        start_at = DateTimeField()
        end_at = DateTimeField()
        reason = TextField(default="")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "availability_exception"
            indexes = ((("staff", "start_at"), False),)

    db.create_tables([AvailabilityException])

    class Conversation(Model):
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        phone = CharField()
        customer = ForeignKeyField(Customer, null=True, on_delete="SET NULL")
        staff = ForeignKeyField(Staff, null=True, on_delete="SET NULL")
        profile_name = CharField(null=True)
        last_inbound_at = DateTimeField(null=True)
        paused_until = DateTimeField(null=True)
        state = TextField(null=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "conversation"
            indexes = ((("organization", "phone"), True),)

    db.create_tables([Conversation])

    class Location(Model):
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        name = CharField(default="")
        address = TextField(default="")

        class Meta:
            database = db
            table_name = "location"

    db.create_tables([Location])

    class Message(Model):
        conversation = ForeignKeyField(Conversation, on_delete="CASCADE")
        wa_message_id = CharField(unique=True, null=True)
        direction = CharField()
        author = CharField()
        kind = CharField(default="text")
        text = TextField(default="")
        payload = TextField(null=True)
        status = CharField(default="received")
        error_code = IntegerField(null=True)
        error_title = TextField(null=True)
        sent_at = DateTimeField(null=True)
        created_at = DateTimeField()
        processed_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "message"
            indexes = ((("conversation", "created_at"), False),)

    db.create_tables([Message])

    class OpeningHours(Model):
        location = ForeignKeyField(Location, on_delete="CASCADE")
        weekday = IntegerField()
        start_minute = IntegerField()
        end_minute = IntegerField()

        class Meta:
            database = db
            table_name = "opening_hours"

    db.create_tables([OpeningHours])

    class StaffService(Model):
        staff = ForeignKeyField(Staff, on_delete="CASCADE")
        service = ForeignKeyField(ServiceType, on_delete="CASCADE")

        class Meta:
            database = db
            table_name = "staff_service"
            indexes = ((("staff", "service"), True),)

    db.create_tables([StaffService])

    class WorkingHours(Model):
        staff = ForeignKeyField(Staff, on_delete="CASCADE")
        weekday = IntegerField()
        start_minute = IntegerField()
        end_minute = IntegerField()

        class Meta:
            database = db
            table_name = "working_hours"

    db.create_tables([WorkingHours])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("working_hours"))
    migrator.migrate(migrator.drop_table("staff_service"))
    migrator.migrate(migrator.drop_table("opening_hours"))
    migrator.migrate(migrator.drop_table("message"))
    migrator.migrate(migrator.drop_table("location"))
    migrator.migrate(migrator.drop_table("conversation"))
    migrator.migrate(migrator.drop_table("availability_exception"))
    migrator.migrate(migrator.drop_table("appointment"))
    migrator.migrate(migrator.drop_table("customer"))
    migrator.migrate(migrator.drop_table("service_type"))
    migrator.migrate(migrator.drop_table("staff"))
    migrator.migrate(migrator.drop_table("organization"))
