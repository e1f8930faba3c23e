"""The one phone normaliser: every comparison of phone numbers goes through here.

WhatsApp sends Mexican mobiles as 521XXXXXXXXXX (the old mobile "1"), people write
+52 XX XXXX XXXX, 55 1234 5678 or even 044 55…: all become the same E.164 key,
+52XXXXXXXXXX.
"""

from __future__ import annotations

import re

import phonenumbers

MEXICO = 52


class InvalidPhone(ValueError):
    pass


def _candidate(raw: str) -> str:
    text = raw.strip()
    digits = re.sub(r"\D", "", text)
    if not digits or len(digits) > 17:
        raise InvalidPhone(f"número inválido: {raw!r}")
    if text.startswith("+") or text.startswith("00"):
        return "+" + digits.removeprefix("00") if text.startswith("00") else "+" + digits
    if len(digits) == 13 and digits[:3] in ("044", "045"):
        return "+52" + digits[3:]  # old Mexican mobile dialling prefixes
    if len(digits) == 10:
        return "+52" + digits  # a national Mexican number
    return "+" + digits  # WhatsApp ids are international numbers without "+"


def normalize_phone(raw: str) -> str:
    """Any written Mexican (or international) number → E.164 ('+525512345678')."""
    if not isinstance(raw, str):
        raise InvalidPhone("el número debe ser texto")
    try:
        number = phonenumbers.parse(_candidate(raw), None)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(f"número inválido: {raw!r}") from None
    national = str(number.national_number)
    if number.country_code == MEXICO and len(national) == 11 and national.startswith("1"):
        number.national_number = int(national[1:])
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhone(f"número inválido: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def whatsapp_id(e164: str) -> str:
    """The `to` WhatsApp accepts: the E.164 digits without '+'."""
    return e164.lstrip("+")


def same_phone(a: str, b: str) -> bool:
    try:
        return normalize_phone(a) == normalize_phone(b)
    except InvalidPhone:
        return False


def display_phone(e164: str) -> str:
    """'+52 55 1234 5678' for people to read; anything that is no phone, as it is."""
    try:
        number = phonenumbers.parse(normalize_phone(e164), None)
    except InvalidPhone:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
