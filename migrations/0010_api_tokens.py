"""Issue 13: per-business API tokens (only their SHA-256 is stored; yume/api_tokens.py)."""

from peewee import CharField, DateTimeField, ForeignKeyField, Model


def up(migrator, db):
    class Organization(Model):
        class Meta:
            database = db
            table_name = "organization"

    class ApiToken(Model):
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        name = CharField()
        token_hash = CharField(unique=True)
        created_at = DateTimeField()
        revoked_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "api_token"

    db.create_tables([ApiToken])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("api_token"))
