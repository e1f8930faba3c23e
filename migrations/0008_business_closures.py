"""Business-wide closures (issue 10): days or hours the whole business is closed
("cerramos el 25 de diciembre"), honoured by availability and booking."""

from peewee import DateTimeField, ForeignKeyField, Model, TextField


def up(migrator, db):
    class Organization(Model):
        class Meta:
            database = db
            table_name = "organization"

    class BusinessClosure(Model):
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        start_at = DateTimeField()
        end_at = DateTimeField()
        reason = TextField(default="")
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "business_closure"
            indexes = ((("organization", "start_at"), False),)

    db.create_tables([BusinessClosure])


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS business_closure")
