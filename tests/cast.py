"""The shared cast: Barbería Don Chuy, its people, and a second business that must
never see the first's data."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from yume.models import (
    Customer,
    Location,
    OpeningHours,
    Organization,
    ServiceType,
    Staff,
    StaffService,
    WorkingHours,
)

MONDAY_TO_SATURDAY = range(0, 6)


def next_weekday(weekday: int, after: date | None = None) -> date:
    """The next date (strictly after `after`, default today) falling on `weekday`."""
    start = (after or date.today()) + timedelta(days=1)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def make_org(
    name: str = "Barbería Don Chuy", phone_number_id: str = "1001", **settings
) -> Organization:
    org = Organization.create(
        name=name,
        timezone="America/Mexico_City",
        whatsapp_phone_number_id=phone_number_id,
        whatsapp_access_token=f"token-{phone_number_id}",
        settings={"min_notice_minutes": 0, **settings},
    )
    location = Location.create(organization=org, name=name, address="Av. Juárez 123, CDMX")
    for weekday in MONDAY_TO_SATURDAY:
        OpeningHours.create(
            location=location, weekday=weekday, start_minute=10 * 60, end_minute=20 * 60
        )
    return org


def add_staff(
    org: Organization,
    name: str,
    phone: str,
    role: str = "staff",
    hours: tuple[tuple[int, int], ...] = ((10 * 60, 14 * 60), (15 * 60, 20 * 60)),
    services: list[ServiceType] | None = None,
) -> Staff:
    staff = Staff.create(
        organization=org, name=name, phone=phone, role=role, all_services=services is None
    )
    for service in services or []:
        StaffService.create(staff=staff, service=service)
    for weekday in MONDAY_TO_SATURDAY:
        for start, end in hours:
            WorkingHours.create(staff=staff, weekday=weekday, start_minute=start, end_minute=end)
    return staff


def add_service(
    org: Organization, name: str, minutes: int, price: int, buffer: int = 0
) -> ServiceType:
    return ServiceType.create(
        organization=org,
        name=name,
        duration_minutes=minutes,
        price_mxn=Decimal(price),
        buffer_minutes=buffer,
    )


class Cast:
    def __init__(self) -> None:
        self.org = make_org()
        self.haircut = add_service(self.org, "Corte de cabello", 30, 250)
        self.beard = add_service(self.org, "Arreglo de barba", 20, 150, buffer=10)
        self.owner = add_staff(self.org, "Chuy", "+525511112222", role="owner")
        self.barber = add_staff(self.org, "Beto", "+525533334444", services=[self.haircut])
        self.customer = Customer.create(organization=self.org, phone="+525599998888", name="Ana")
        self.other_org = make_org("Uñas Lupita", phone_number_id="2002")
        self.other_service = add_service(self.other_org, "Manicure", 45, 300)
        self.other_staff = add_staff(self.other_org, "Lupita", "+523312345678", role="owner")
        self.other_customer = Customer.create(organization=self.other_org, phone="+523398765432")
