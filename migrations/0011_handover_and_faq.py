"""Issue 12: when a conversation was handed to a person (`conversation.handover_at`: the
customer waits for someone of the team, and Yume keeps them company until a person
answers), and each business's frequently asked questions (`faq_entry`)."""

from peewee import CharField, DateTimeField, ForeignKeyField, Model, TextField


def up(migrator, db):
    class Organization(Model):
        class Meta:
            database = db
            table_name = "organization"

    class FaqEntry(Model):
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        question = CharField(max_length=300)
        answer = TextField()
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            table_name = "faq_entry"
            indexes = ((("organization", "question"), True),)

    db.create_tables([FaqEntry])
    migrator.migrate(migrator.add_column("conversation", "handover_at", DateTimeField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("conversation", "handover_at"))
    db.execute_sql("DROP TABLE IF EXISTS faq_entry")
