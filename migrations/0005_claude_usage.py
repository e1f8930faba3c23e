"""Claude usage: one row per Messages API call, for `python -m yume usage` (issue 4)."""

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, Model


def up(migrator, db):
    class Organization(Model):
        class Meta:
            database = db
            table_name = "organization"

    class Conversation(Model):
        class Meta:
            database = db
            table_name = "conversation"

    class ClaudeUsage(Model):
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        conversation = ForeignKeyField(Conversation, null=True, on_delete="SET NULL")
        day = DateField()  # the organization's local day of the call
        model = CharField()
        input_tokens = IntegerField(default=0)
        output_tokens = IntegerField(default=0)
        cache_write_tokens = IntegerField(default=0)
        cache_read_tokens = IntegerField(default=0)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "claude_usage"
            indexes = ((("organization", "day"), False),)

    db.create_tables([ClaudeUsage])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("claude_usage"))
