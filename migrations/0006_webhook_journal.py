"""The webhook journal (issue 3): signed deliveries kept verbatim until ingested, so the
webhook commits one small row per batch and answers 200 (yume/webhook_journal.py)."""

from peewee import BlobField, DateTimeField, IntegerField, Model, TextField


def up(migrator, db):
    class InboundWebhook(Model):
        body = BlobField()
        received_at = DateTimeField()
        attempts = IntegerField(default=0)
        last_error = TextField(null=True)

        class Meta:
            database = db
            table_name = "inbound_webhook"

    db.create_tables([InboundWebhook])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("inbound_webhook"))
