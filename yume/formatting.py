"""Dates, times and money the way a Mexican business writes them, through Babel.

"viernes 15 de enero", "3:00 PM", "$250" (and "$99.50" when there are centavos).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_currency

LOCALE = "es_MX"


def spanish_date(day: date | datetime) -> str:
    """'viernes 15 de enero'."""
    return format_date(day, "EEEE d 'de' MMMM", locale=LOCALE)


def spanish_time(moment: time | datetime) -> str:
    """'3:00 PM': the hour as Mexican WhatsApp users write it (AM/PM, not 'p.m.')."""
    return format_time(moment, "h:mm a", locale="en_US")


def minute_clock(minute: int) -> str:
    """'3:00 PM' for a minute of the day (1440, the end of the day, is '12:00 AM')."""
    return spanish_time(datetime(2000, 1, 1) + timedelta(minutes=minute))


def local_date_time(instant: datetime, tz: ZoneInfo) -> str:
    """'viernes 15 de enero, 3:00 PM' for a UTC instant shown in the business's zone."""
    local = instant.astimezone(tz)
    return f"{spanish_date(local)}, {spanish_time(local.replace(tzinfo=None))}"


def money(amount: Decimal | int | float) -> str:
    """'$250', '$1,250', '$99.50'."""
    value = Decimal(str(amount))
    if value == value.to_integral_value():
        return format_currency(value, "MXN", format="¤#,##0", locale=LOCALE, currency_digits=False)
    return format_currency(value, "MXN", locale=LOCALE)
