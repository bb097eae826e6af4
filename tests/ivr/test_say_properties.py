"""Every number said in words reads back as the same number (an independent reader)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from centralita.core.ivr.say import english_number, spanish_number

ES = {
    "cero": 0, "un": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13,
    "catorce": 14, "quince": 15, "dieciséis": 16, "diecisiete": 17, "dieciocho": 18,
    "diecinueve": 19, "veinte": 20, "veintiún": 21, "veintiuno": 21, "veintidós": 22,
    "veintitrés": 23, "veinticuatro": 24, "veinticinco": 25, "veintiséis": 26,
    "veintisiete": 27, "veintiocho": 28, "veintinueve": 29, "treinta": 30, "cuarenta": 40,
    "cincuenta": 50, "sesenta": 60, "setenta": 70, "ochenta": 80, "noventa": 90,
    "cien": 100, "ciento": 100, "doscientos": 200, "trescientos": 300,
    "cuatrocientos": 400, "quinientos": 500, "seiscientos": 600, "setecientos": 700,
    "ochocientos": 800, "novecientos": 900,
}  # fmt: skip
ES_SCALES = {"millón": 10**6, "millones": 10**6, "billón": 10**12, "billones": 10**12}
_EN_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
)
_EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60}
EN = {w: i for i, w in enumerate(_EN_UNITS.split())} | _EN_TENS
EN |= {"seventy": 70, "eighty": 80, "ninety": 90}
EN_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}


def read_spanish(text: str) -> int:
    total = below_million = small = 0
    for word in text.split():
        if word == "y":
            continue
        if word == "mil":
            below_million += (small or 1) * 1000
            small = 0
        elif word in ES_SCALES:
            total += (below_million + small) * ES_SCALES[word]
            below_million = small = 0
        else:
            small += ES[word]
    return total + below_million + small


def read_english(text: str) -> int:
    total = small = 0
    for word in text.replace("-", " ").split():
        if word == "hundred":
            small *= 100
        elif word in EN_SCALES:
            total += small * EN_SCALES[word]
            small = 0
        else:
            small += EN[word]
    return total + small


@given(st.integers(0, 10**18 - 1))
def test_spanish_numbers_read_back(n):
    words = spanish_number(n)
    assert read_spanish(words) == n
    assert read_spanish(spanish_number(n, short=True)) == n
    assert not words.startswith("uno mil") and " uno mil" not in words
    assert "  " not in words and words == words.strip()


@given(st.integers(0, 10**15 - 1))
def test_english_numbers_read_back(n):
    words = english_number(n)
    assert read_english(words) == n
    assert " and " not in words
    assert ("zero" in words) == (n == 0)
