"""PostgreSQL forbids two active appointments holding one staff member at once.

An exclusion constraint over [start_at, busy_until) per staff member, for the
statuses that hold time. SQLite has no such constraint; bookings there run inside
BEGIN IMMEDIATE (see yume.db.write_transaction).
"""

from peewee import PostgresqlDatabase

CONSTRAINT = "appointment_staff_no_overlap"


def _is_postgres(db):
    return isinstance(getattr(db, "obj", db), PostgresqlDatabase)


def up(migrator, db):
    if not _is_postgres(db):
        return
    db.execute_sql("CREATE EXTENSION IF NOT EXISTS btree_gist")
    db.execute_sql(
        f"ALTER TABLE appointment ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist ("
        " staff_id WITH =,"
        " tsrange(start_at, busy_until, '[)') WITH &&"
        ") WHERE (status IN ('booked', 'confirmed'))"
    )


def down(migrator, db):
    if _is_postgres(db):
        db.execute_sql(f"ALTER TABLE appointment DROP CONSTRAINT IF EXISTS {CONSTRAINT}")
