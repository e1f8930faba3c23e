"""Customers who have no phone: walk-ins known only by name.

Customer.phone is required and unique per business, so such a customer gets a key that is
no phone at all; `reachable` is how every sender knows not to write to it."""

from __future__ import annotations

import uuid
from datetime import datetime

from yume.models import Customer, Organization, utcnow

NO_PHONE_PREFIX = "sin-telefono-"


def customer_without_phone(org: Organization, name: str, now: datetime | None = None) -> Customer:
    return Customer.create(
        organization=org,
        phone=f"{NO_PHONE_PREFIX}{uuid.uuid4().hex[:12]}",
        name=name.strip(),
        created_at=now or utcnow(),
    )


def reachable(customer: Customer) -> bool:
    """Has a real (E.164) phone WhatsApp can write to."""
    return customer.phone.startswith("+")
