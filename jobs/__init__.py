"""RQ jobs. Each takes ids and primitives, opens its own database connection, and is
safe to run twice: the database decides what has already been done."""
