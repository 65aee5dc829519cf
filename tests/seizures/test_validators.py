from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from seizures.validators import (
    normalise_hs_code,
    route_order_errors,
    validate_container_number,
    validate_currency,
    validate_hs_code,
    validate_imo_number,
)


@pytest.mark.parametrize("code", ["2402", "240220", "24022000", "2402200010"])
def test_hs_codes_of_4_to_10_digits_are_accepted(code):
    validate_hs_code(code)


@pytest.mark.parametrize("code", ["", "240", "24022000101", "24a2", "2402-20"])
def test_other_hs_codes_are_refused(code):
    with pytest.raises(ValidationError):
        validate_hs_code(code)


def test_hs_codes_are_typed_with_dots_and_spaces():
    assert normalise_hs_code("2402.20 00") == "24022000"


def test_imo_number_check_digit():
    validate_imo_number("9074729")
    with pytest.raises(ValidationError, match="check digit"):
        validate_imo_number("9074728")
    with pytest.raises(ValidationError):
        validate_imo_number("907472")


@pytest.mark.parametrize("number", ["CSQU3054383", "MSKU9070323", "MSCU1234566"])
def test_container_numbers_with_a_right_check_digit(number):
    validate_container_number(number)


@pytest.mark.parametrize("number", ["CSQU3054384", "CSQX3054383", "CSQ3054383", "csqu3054383"])
def test_container_numbers_with_a_wrong_check_digit_or_shape(number):
    with pytest.raises(ValidationError):
        validate_container_number(number)


def test_currency_is_iso_4217():
    validate_currency("EUR")
    validate_currency("XOF")
    with pytest.raises(ValidationError):
        validate_currency("EURO")


@pytest.mark.parametrize(
    ("kinds", "ok"),
    [
        (["departure", "destination"], True),
        (["departure", "transit", "transit", "destination"], True),
        (["transit", "destination"], True),
        ([], True),
        (["destination", "departure"], False),
        (["departure", "destination", "transit"], False),
        (["departure", "departure", "destination"], False),
        (["departure", "destination", "destination"], False),
    ],
)
def test_route_order(kinds, ok):
    assert (route_order_errors(kinds) == []) is ok


def test_units_normalise_to_their_base(vocab):
    assert vocab.g.normalise(Decimal("1500")) == Decimal("1.5")
    assert vocab.carton.normalise(Decimal("3")) == Decimal("600")
    assert vocab.carton.dimension == vocab.stick.dimension == "count"
    assert vocab.kg.dimension == "mass"


@pytest.mark.parametrize(
    ("value", "shown"),
    [("12.500", "12.5"), ("10000.000", "10,000"), ("0.001", "0.001"), ("1500", "1,500")],
)
def test_quantities_are_shown_without_trailing_zeros(value, shown):
    from seizures.templatetags.seizures_tags import quantity

    assert quantity(Decimal(value)) == shown


def test_currencies_are_offered_in_the_users_language():
    from django.utils import translation

    from seizures.validators import currency_choices

    with translation.override("fr"):
        choices = dict(currency_choices())
    assert choices["USD"] == "USD – dollar des États-Unis"
    assert "XOF" in choices and "DEM" not in choices  # the Deutsche Mark is history
