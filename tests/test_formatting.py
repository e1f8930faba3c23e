from datetime import UTC, date, datetime, time
from decimal import Decimal

from yume.formatting import local_date_time, money, spanish_date, spanish_time
from yume.timeutil import zone


def test_it_writes_dates_the_mexican_way():
    assert spanish_date(date(2027, 1, 15)) == "viernes 15 de enero"
    assert spanish_date(date(2026, 12, 1)) == "martes 1 de diciembre"


def test_it_writes_times_with_am_pm():
    assert spanish_time(time(15, 0)) == "3:00 PM"
    assert spanish_time(time(9, 30)) == "9:30 AM"
    assert spanish_time(time(0, 5)) == "12:05 AM"


def test_it_writes_pesos_without_needless_cents():
    assert money(250) == "$250"
    assert money(Decimal("1250.00")) == "$1,250"
    assert money(Decimal("99.5")) == "$99.50"


def test_it_shows_utc_instants_in_the_business_zone():
    instant = datetime(2027, 1, 15, 21, 0, tzinfo=UTC)
    assert local_date_time(instant, zone("America/Mexico_City")) == "viernes 15 de enero, 3:00 PM"
    # Tijuana keeps DST: in July it is UTC-7
    summer = datetime(2027, 7, 16, 22, 0, tzinfo=UTC)
    assert local_date_time(summer, zone("America/Tijuana")) == "viernes 16 de julio, 3:00 PM"
