"""The demo business: Barbería El Güero in CDMX, with bookings this week."""

from __future__ import annotations

from datetime import datetime, timedelta

from yume import business, faq
from yume.availability import find_slots
from yume.booking import book_appointment, get_or_create_customer
from yume.db import database
from yume.errors import DomainError
from yume.models import Organization, utcnow
from yume.timeutil import zone

DEMO_NAME = "Barbería El Güero"
DEMO_PHONE_NUMBER_ID = "100000000000001"

LUNCH_BREAK = ("14:00", "15:00")
CUSTOMERS = [
    ("+52 55 4012 7788", "Diego Castillo"),
    ("+52 55 6120 3344", "Fernanda Ruiz"),
    ("+52 33 1456 9021", "Alejandro Núñez"),
    ("+52 55 7893 1200", "Sofía Herrera"),
    ("+52 81 2233 4455", "Emilio Vargas"),
    ("+52 55 3398 7612", "Valeria Ortiz"),
    ("+52 55 5521 0987", "Rodrigo Salinas"),
    ("+52 33 3610 4521", "Mariana López"),
]  # enough people that none passes max_active_appointments (3) in the demo week


DEMO_FAQ = [
    ("¿Aceptan tarjeta?", "Sí 💳 Aceptamos tarjeta de débito y crédito, efectivo y transferencia."),
    ("¿Tienen estacionamiento?", "No tenemos propio, pero hay un estacionamiento público en "
     "Álvaro Obregón 190, a media cuadra 🚗"),
    ("¿Cuál es su política de cancelación?", "Puedes cancelar o cambiar tu cita sin costo hasta "
     "2 horas antes. Si llegas más de 15 minutos tarde, quizá tengamos que reagendarte."),
    ("¿Tienen Instagram?", "¡Sí! Búscanos como @barberiaelguero 💈"),
]  # fmt: skip


def _split_day(weekdays: list[int], start: str, end: str) -> list[dict[str, object]]:
    """A working day with the lunch break cut out."""
    return [
        {"weekday": d, "start": s, "end": e}
        for d in weekdays
        for s, e in ((start, LUNCH_BREAK[0]), (LUNCH_BREAK[1], end))
    ]


def find_demo() -> Organization | None:
    return Organization.get_or_none(Organization.whatsapp_phone_number_id == DEMO_PHONE_NUMBER_ID)


def create_demo(now: datetime | None = None) -> Organization:
    """Create the demo business (idempotent: an existing one is returned as is)."""
    existing = find_demo()
    if existing is not None:
        return existing
    now = now or utcnow()
    with database.atomic():
        org = business.create_organization(
            name=DEMO_NAME,
            whatsapp_phone_number_id=DEMO_PHONE_NUMBER_ID,
            address="Av. Álvaro Obregón 182, Roma Norte, Cuauhtémoc, CDMX",
            settings={"slot_minutes": 15, "min_notice_minutes": 60},
            opening_hours=business.parse_week(
                [{"weekday": d, "start": "10:00", "end": "20:00"} for d in range(5)]
                + [{"weekday": 5, "start": "09:00", "end": "17:00"}]
            ),
        )
        haircut = business.add_service(org, "Corte de cabello", 40, 250)
        beard = business.add_service(org, "Arreglo de barba", 30, 180, buffer_minutes=10)
        combo = business.add_service(org, "Corte y barba", 60, 380)
        business.add_service(org, "Afeitado clásico con toalla caliente", 30, 220)
        business.add_service(org, "Corte infantil", 30, 180)
        week = [0, 1, 2, 3, 4]
        business.add_staff(
            org,
            "Rodrigo Hernández",
            "+52 55 4123 8876",
            "owner",
            business.parse_week(_split_day(week, "10:00", "20:00")),
        )
        business.add_staff(
            org,
            "Luis Ramírez",
            "+52 55 6634 1029",
            "staff",
            business.parse_week(_split_day([0, 2, 3, 4, 5], "10:00", "19:00")),  # off Tuesday
            [haircut.id, beard.id, combo.id],
        )
        business.add_staff(
            org,
            "Karla Mendoza",
            "+52 55 2987 4410",
            "staff",
            business.parse_week(_split_day([1, 2, 3, 4, 5], "11:00", "20:00")),  # off Monday
        )
        for question, answer in DEMO_FAQ:
            faq.set_entry(org, question, answer, now)
        _book_this_week(org, [haircut.id, beard.id, combo.id], now)
        return org


def _book_this_week(org: Organization, service_ids: list[int], now: datetime) -> None:
    """A realistic week: a few bookings each day, spread over the open slots."""
    today = now.astimezone(zone(org.timezone)).date()
    customers = [get_or_create_customer(org, phone, name) for phone, name in CUSTOMERS]
    booked = 0
    for offset in range(7):
        day = today + timedelta(days=offset)
        service_id = service_ids[offset % len(service_ids)]
        slots = find_slots(org, service_id, day, now)
        for slot in slots[1::7][:3]:
            customer = customers[booked % len(customers)]
            try:
                book_appointment(
                    org,
                    service_id,
                    slot.start,
                    customer,
                    slot.staff_id,
                    source="demo",
                    created_by="demo",
                    now=now,
                )
            except DomainError:
                continue  # an earlier demo booking took this staff member meanwhile
            booked += 1
