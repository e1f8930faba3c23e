"""Issue 13: ids kept in full (WhatsApp message ids, phone/BSUID keys and reply addresses
widened from varchar(255) to text, so an unusually long one is stored instead of failing the
delivery), the message a revoke, edit or reaction is about (to drop a revoked message from a
turn, or apply an edit, whatever order they arrive in), and lookups by BSUID."""

from peewee import TextField


def up(migrator, db):
    migrator.migrate(
        migrator.alter_column_type("message", "wa_message_id", TextField(null=True)),
        migrator.alter_column_type("conversation", "phone", TextField()),
        migrator.alter_column_type("conversation", "wa_id", TextField(null=True)),
        migrator.alter_column_type("conversation", "user_id", TextField(null=True)),
        migrator.alter_column_type("customer", "phone", TextField()),
        migrator.add_column("message", "about_wamid", TextField(null=True)),
        migrator.add_index("message", ("about_wamid",), False),
        migrator.add_index("conversation", ("organization_id", "user_id"), False),
    )


def down(migrator, db):
    from peewee import CharField

    migrator.migrate(
        migrator.drop_index("conversation", "conversation_organization_id_user_id"),
        migrator.drop_index("message", "message_about_wamid"),
        migrator.drop_column("message", "about_wamid"),
        migrator.alter_column_type("customer", "phone", CharField()),
        migrator.alter_column_type("conversation", "user_id", CharField(null=True)),
        migrator.alter_column_type("conversation", "wa_id", CharField(null=True)),
        migrator.alter_column_type("conversation", "phone", CharField()),
        migrator.alter_column_type("message", "wa_message_id", CharField(null=True)),
    )
