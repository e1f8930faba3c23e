import pytest

from yume import business
from yume.errors import Conflict, Invalid
from yume.timeutil import is_valid_timezone


def test_it_refuses_two_active_staff_with_one_phone(cast):
    with pytest.raises(Conflict):
        business.add_staff(cast.org, "Otro", "5215533334444")
    with pytest.raises(Conflict):
        business.update_staff(cast.barber, {"phone": "+52 55 1111 2222"})  # the owner's
    assert (
        business.update_staff(cast.barber, {"phone": "+52 55 3333 4444"}).phone == "+525533334444"
    )


def test_it_refuses_a_price_that_rounds_past_the_column(cast):
    with pytest.raises(Invalid):
        business.add_service(cast.org, "Lujo", 30, "99999999.995")
    assert business.add_service(cast.org, "Corte", 30, "250.004").price_mxn == 250


@pytest.mark.parametrize("name", ["America", "Mars/Base", "x" * 300, "../etc/passwd"])
def test_it_refuses_time_zones_that_are_not_zones(name):
    assert not is_valid_timezone(name)


def test_it_keeps_a_changed_business_account_on_an_organization_read_back(cast):
    from yume.models import Organization

    business.update_organization(cast.org, {"whatsapp_business_account_id": "W1"})
    loaded = Organization.get_by_id(cast.org.id)  # holds W1, as the API's would
    business.update_organization(loaded, {"whatsapp_business_account_id": " W2 "})
    assert Organization.get_by_id(cast.org.id).whatsapp_business_account_id == "W2"
