"""Conversation pipeline: reply address, BSUID, and a lease so one worker at a time
handles a conversation (a crashed worker's lease simply expires)."""

from peewee import CharField, DateTimeField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("conversation", "wa_id", CharField(null=True)),
        migrator.add_column("conversation", "user_id", CharField(null=True)),
        migrator.add_column("conversation", "lease_until", DateTimeField(null=True)),
        migrator.add_column("conversation", "lease_owner", CharField(null=True)),
        migrator.add_column("message", "status_at", DateTimeField(null=True)),
        migrator.add_index("message", ("conversation_id", "processed_at"), False),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("message", "message_conversation_id_processed_at"),
        migrator.drop_column("message", "status_at"),
        migrator.drop_column("conversation", "lease_owner"),
        migrator.drop_column("conversation", "lease_until"),
        migrator.drop_column("conversation", "user_id"),
        migrator.drop_column("conversation", "wa_id"),
    )
