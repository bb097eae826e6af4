"""Values said aloud in Spanish and English: numbers, amounts, dates, digits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from centralita.core.ivr.say import (
    english_number,
    say_amount,
    say_date,
    say_digits,
    say_value,
    spanish_number,
)


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "cero"),
        (1, "uno"),
        (10, "diez"),
        (15, "quince"),
        (16, "dieciséis"),
        (17, "diecisiete"),
        (20, "veinte"),
        (21, "veintiuno"),
        (22, "veintidós"),
        (23, "veintitrés"),
        (26, "veintiséis"),
        (29, "veintinueve"),
        (30, "treinta"),
        (31, "treinta y uno"),
        (99, "noventa y nueve"),
        (100, "cien"),
        (101, "ciento uno"),
        (115, "ciento quince"),
        (200, "doscientos"),
        (500, "quinientos"),
        (700, "setecientos"),
        (900, "novecientos"),
        (999, "novecientos noventa y nueve"),
        (1000, "mil"),
        (1001, "mil uno"),
        (1234, "mil doscientos treinta y cuatro"),
        (2000, "dos mil"),
        (21000, "veintiún mil"),
        (31000, "treinta y un mil"),
        (100000, "cien mil"),
        (101000, "ciento un mil"),
        (1_000_000, "un millón"),
        (1_000_001, "un millón uno"),
        (1_200_000, "un millón doscientos mil"),
        (2_000_000, "dos millones"),
        (21_000_000, "veintiún millones"),
        (1_000_000_000, "mil millones"),
        (1_000_000_000_000, "un billón"),
        (-5, "menos cinco"),
    ],
)
def test_spanish_cardinals(n, words):
    assert spanish_number(n) == words


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (1, "one"),
        (13, "thirteen"),
        (21, "twenty-one"),
        (100, "one hundred"),
        (101, "one hundred one"),
        (1000, "one thousand"),
        (1234, "one thousand two hundred thirty-four"),
        (1_000_000, "one million"),
        (2_000_000, "two million"),
        (1_000_000_000, "one billion"),
    ],
)
def test_english_cardinals(n, words):
    assert english_number(n) == words


@pytest.mark.parametrize(
    ("amount", "currency", "words"),
    [
        ("1234.50", "COP", "mil doscientos treinta y cuatro pesos con cincuenta centavos"),
        ("1", "COP", "un peso"),
        ("21", "COP", "veintiún pesos"),
        ("31", "COP", "treinta y un pesos"),
        ("100", "COP", "cien pesos"),
        ("0", "COP", "cero pesos"),
        ("1000", "COP", "mil pesos"),
        ("1000000", "COP", "un millón de pesos"),
        ("2000000", "COP", "dos millones de pesos"),
        ("1500000", "COP", "un millón quinientos mil pesos"),
        ("0.01", "COP", "un centavo"),
        ("0.5", "USD", "cincuenta centavos"),
        ("1.01", "USD", "un dólar con un centavo"),
        ("2.999", "USD", "tres dólares"),
        ("-20", "COP", "menos veinte pesos"),
    ],
)
def test_spanish_amounts(amount, currency, words):
    assert say_amount(amount, currency, "es") == words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1234.50", "one thousand two hundred thirty-four dollars and fifty cents"),
        ("1", "one dollar"),
        ("0", "zero dollars"),
        ("0.01", "one cent"),
        ("1000000", "one million dollars"),
        ("12.05", "twelve dollars and five cents"),
    ],
)
def test_english_amounts(amount, words):
    assert say_amount(amount, "USD", "en") == words


def test_amounts_accept_ints_and_decimals_but_refuse_garbage():
    assert say_amount(Decimal("21.00"), "COP", "es") == "veintiún pesos"
    assert say_amount(5, "COP", "en") == "five pesos"
    for bad in ("abc", "", "NaN", True, None):
        with pytest.raises(ValueError):
            say_amount(bad, "COP", "es")
    with pytest.raises(ValueError, match="currency"):
        say_amount("1", "XYZ", "es")


@pytest.mark.parametrize(
    ("day", "es", "en"),
    [
        (dt.date(2026, 3, 1), "1 de marzo de 2026", "March 1, 2026"),
        (dt.date(2026, 12, 31), "31 de diciembre de 2026", "December 31, 2026"),
    ],
)
def test_dates(day, es, en):
    assert say_date(day, "es") == es
    assert say_date(day.isoformat(), "en") == en


def test_dates_all_in_words():
    assert say_date("2026-03-01", "es", spoken=True) == "primero de marzo de dos mil veintiséis"
    assert say_date("2026-03-21", "es", spoken=True) == "veintiuno de marzo de dos mil veintiséis"
    assert say_date("2026-03-01", "en", spoken=True) == "March first, twenty twenty-six"
    assert say_date("2005-07-22", "en", spoken=True) == "July twenty-second, two thousand five"
    assert say_date("1999-11-30", "en", spoken=True) == "November thirtieth, nineteen ninety-nine"
    assert say_date("1905-11-30", "en", spoken=True).endswith("nineteen oh five")


def test_digits_are_said_one_by_one():
    assert say_digits("300 123", "es") == "tres cero cero uno dos tres"
    assert say_digits("+57", "en") == "five seven"
    with pytest.raises(ValueError):
        say_digits("12a", "es")


def test_say_value_refuses_unknown_language_kind_and_fractional_numbers():
    assert say_value("21", "number", "es-CO") == "veintiuno"
    with pytest.raises(ValueError, match="language"):
        say_value("1", "number", "fr")
    with pytest.raises(ValueError, match="kind"):
        say_value("1", "money", "es")
    with pytest.raises(ValueError, match="whole"):
        say_value("1.5", "number", "es")
