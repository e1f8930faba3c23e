"""Issue 11: what each conversation turn changed, keyed by the inbound message it answers
(so a retried turn repeats nothing), and the name of a companion an appointment is for."""

from peewee import CharField, DateTimeField, ForeignKeyField, Model, TextField


def up(migrator, db):
    class Conversation(Model):
        class Meta:
            database = db
            table_name = "conversation"

    class Message(Model):
        class Meta:
            database = db
            table_name = "message"

    class Appointment(Model):
        class Meta:
            database = db
            table_name = "appointment"

    class TurnEffect(Model):
        conversation = ForeignKeyField(Conversation, on_delete="CASCADE")
        message = ForeignKeyField(Message, on_delete="CASCADE")
        key = CharField(max_length=500)
        kind = CharField()
        appointment = ForeignKeyField(Appointment, null=True, on_delete="SET NULL")
        text = TextField()
        result = TextField()
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "turn_effect"
            indexes = ((("message", "key"), True),)

    db.create_tables([TurnEffect])
    migrator.migrate(migrator.add_column("appointment", "guest_name", CharField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("appointment", "guest_name"))
    migrator.migrate(migrator.drop_table("turn_effect"))
