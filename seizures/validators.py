"""Validators for the identifiers that appear on a case."""

import re
from functools import cache

from babel import Locale
from babel.numbers import get_currency_name, get_territory_currencies, list_currencies
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _
from django_countries import countries

NULL_CHARACTER = "\x00"


def has_null_character(value) -> bool:
    """A NUL byte (U+0000): PostgreSQL cannot store it in text, nor look it up."""
    if isinstance(value, list | tuple):
        return any(has_null_character(item) for item in value)
    return isinstance(value, str) and NULL_CHARACTER in value


def null_character_message(label) -> str:
    """The error for a value with a NUL byte, naming its field: forms, upload and API."""
    return _(
        "“%(field)s” contains a null character (U+0000), which cannot be stored: remove it."
    ) % {"field": label}


def validate_hs_code(value: str) -> None:
    if not re.fullmatch(r"\d{4,10}", value or ""):
        raise ValidationError(
            _("An HS code has 4 to 10 digits, e.g. 2402 or 240220."), code="hs_code"
        )


def normalise_hs_code(value: str) -> str:
    """'2402.20 00' → '24022000': people type HS codes with dots and spaces."""
    return re.sub(r"[\s.]", "", value or "")


def validate_imo_number(value: str) -> None:
    """Seven digits, the last a check digit (IMO Resolution A.1117(30))."""
    if not re.fullmatch(r"\d{7}", value or ""):
        raise ValidationError(_("An IMO number has 7 digits."), code="imo")
    total = sum(
        int(digit) * weight for digit, weight in zip(value[:6], range(7, 1, -1), strict=True)
    )
    if total % 10 != int(value[6]):
        raise ValidationError(_("This IMO number's check digit is wrong."), code="imo_check")


def _iso6346_letter_value(letter: str) -> int:
    # A=10 … Z=38, skipping 11, 22 and 33 (multiples of 11).
    value = 10
    for candidate in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if value % 11 == 0:
            value += 1
        if candidate == letter:
            return value
        value += 1
    raise ValueError(letter)


def validate_container_number(value: str) -> None:
    """ISO 6346: owner code, category U/J/Z, six digits and a check digit."""
    if not re.fullmatch(r"[A-Z]{3}[UJZ]\d{7}", value or ""):
        raise ValidationError(
            _("A container number is 4 letters and 7 digits, e.g. MSCU1234566."), code="container"
        )
    total = 0
    for position, char in enumerate(value[:10]):
        number = _iso6346_letter_value(char) if char.isalpha() else int(char)
        total += number * 2**position
    if total % 11 % 10 != int(value[10]):
        raise ValidationError(
            _("This container number's check digit is wrong."), code="container_check"
        )


@cache
def currency_codes() -> frozenset[str]:
    return frozenset(list_currencies())


def currency_choices() -> list[tuple[str, str]]:
    """Today's ISO 4217 currencies, named in the active language."""
    return list(_currency_choices(get_language() or "en"))


@cache
def _currency_choices(language: str) -> tuple[tuple[str, str], ...]:
    # Built once per language: every commodity line form asks for them, and a
    # bulk upload binds thousands of those.
    locale = Locale.parse(to_locale(language))
    named = sorted(
        (code, f"{code} – {get_currency_name(code, locale=locale)}")
        for code in current_currency_codes()
    )
    return (("", "—"), *named)


@cache
def current_currency_codes() -> frozenset[str]:
    """The currencies some country uses today (Babel's territory data)."""
    return frozenset(
        code for country, _name in countries for code in get_territory_currencies(country)
    )


def validate_currency(value: str) -> None:
    if value and value not in currency_codes():
        raise ValidationError(_("Use an ISO 4217 currency code, e.g. EUR or USD."), code="currency")


_LEG_ORDER = {"departure": 0, "transit": 1, "destination": 2}


def route_order_errors(kinds: list[str]) -> list[str]:
    """A route reads departure, transits, destination: in that order, with at
    most one departure and one destination."""
    errors = []
    if kinds.count("departure") > 1:
        errors.append(_("A route has only one departure."))
    if kinds.count("destination") > 1:
        errors.append(_("A route has only one destination."))
    ranks = [_LEG_ORDER[kind] for kind in kinds]
    if ranks != sorted(ranks):
        errors.append(
            _("Put the route in order: the departure first, then transits, the destination last.")
        )
    return errors
