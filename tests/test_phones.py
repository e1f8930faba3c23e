import pytest

from yume.phones import InvalidPhone, normalize_phone, same_phone, whatsapp_id

MEXICO_CITY_MOBILE = "+525512345678"


@pytest.mark.parametrize(
    "written",
    [
        "5215512345678",  # how WhatsApp sends it
        "525512345678",
        "+52 55 1234 5678",  # how people register it
        "+52 1 55 1234 5678",
        "55 1234 5678",
        "(55) 1234-5678",
        "045 55 1234 5678",
        "044 55 1234 5678",
        "0052 55 1234 5678",
    ],
)
def test_it_turns_every_mexican_spelling_into_one_key(written):
    assert normalize_phone(written) == MEXICO_CITY_MOBILE


def test_it_keeps_border_and_foreign_numbers_apart():
    assert normalize_phone("5216641234567") == "+526641234567"  # Tijuana
    assert normalize_phone("+1 415 555 0100") == "+14155550100"
    assert normalize_phone("14155550100") == "+14155550100"


@pytest.mark.parametrize("garbage", ["", "hola", "123", "+52", "1" * 30])
def test_it_refuses_what_is_not_a_phone(garbage):
    with pytest.raises(InvalidPhone):
        normalize_phone(garbage)


def test_it_compares_through_the_normaliser():
    assert same_phone("5215512345678", "+52 55 1234 5678")
    assert not same_phone("5215512345678", "+52 55 1234 5679")
    assert not same_phone("basura", "+52 55 1234 5679")
    assert whatsapp_id(MEXICO_CITY_MOBILE) == "525512345678"
