"""Validators for keyed-in numbers: Luhn and the Colombian NIT check digit."""

from __future__ import annotations

import pytest

from centralita.core.ivr.checks import luhn_valid, nit_check_digit, nit_valid


@pytest.mark.parametrize("number", ["79927398713", "4111111111111111", "0000000018"])
def test_luhn_accepts_valid_numbers(number):
    assert luhn_valid(number)


@pytest.mark.parametrize("number", ["79927398710", "4111111111111112", "1", "", "12a4"])
def test_luhn_refuses_a_wrong_digit_or_non_digits(number):
    assert not luhn_valid(number)


@pytest.mark.parametrize(
    ("base", "digit"),
    [
        ("800197268", 4),  # DIAN
        ("890903938", 8),  # Bancolombia
        ("899999068", 1),  # Ecopetrol
        ("860034313", 7),  # Davivienda
    ],
)
def test_nit_check_digit_matches_published_nits(base, digit):
    assert nit_check_digit(base) == digit
    assert nit_valid(f"{base}{digit}")
    assert not nit_valid(f"{base}{(digit + 1) % 10}")


def test_nit_refuses_malformed_input():
    assert not nit_valid("8")
    assert not nit_valid("80019726x4")
    with pytest.raises(ValueError):
        nit_check_digit("")
