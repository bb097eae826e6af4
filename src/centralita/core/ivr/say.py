"""Saying values aloud: numbers, amounts, dates and digit strings in Spanish and English.

The text goes to the speech synthesiser, so numbers are written as words the way a
person says them: "mil doscientos treinta y cuatro pesos con cincuenta centavos",
"one thousand two hundred thirty-four dollars and fifty cents". Spanish shortens "uno"
before a noun ("un peso", "veintiún mil", "un millón") and says "de" after whole
millions ("dos millones de pesos"). English follows American usage (no "and" inside a
number).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

LANGUAGES = ("es", "en")
KINDS = ("number", "amount", "date", "digits", "text")
CURRENCIES = {
    # code: (es singular, es plural, en singular, en plural)
    "COP": ("peso", "pesos", "peso", "pesos"),
    "MXN": ("peso", "pesos", "peso", "pesos"),
    "USD": ("dólar", "dólares", "dollar", "dollars"),
    "EUR": ("euro", "euros", "euro", "euros"),
}
_CENTS = ("centavo", "centavos", "cent", "cents")

# --- Spanish ----------------------------------------------------------------------------

_ES_UNITS = [
    "cero",
    "uno",
    "dos",
    "tres",
    "cuatro",
    "cinco",
    "seis",
    "siete",
    "ocho",
    "nueve",
    "diez",
    "once",
    "doce",
    "trece",
    "catorce",
    "quince",
    "dieciséis",
    "diecisiete",
    "dieciocho",
    "diecinueve",
    "veinte",
    "veintiuno",
    "veintidós",
    "veintitrés",
    "veinticuatro",
    "veinticinco",
    "veintiséis",
    "veintisiete",
    "veintiocho",
    "veintinueve",
]
_ES_TENS = {3: "treinta", 4: "cuarenta", 5: "cincuenta", 6: "sesenta"}
_ES_TENS |= {7: "setenta", 8: "ochenta", 9: "noventa"}
_ES_HUNDREDS = {
    1: "ciento",
    2: "doscientos",
    3: "trescientos",
    4: "cuatrocientos",
    5: "quinientos",
    6: "seiscientos",
    7: "setecientos",
    8: "ochocientos",
    9: "novecientos",
}
_ES_MONTHS = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]


def _es_below_1000(n: int, short: bool) -> str:
    """0 < n < 1000; `short`: "un"/"veintiún" (before a noun or "mil")."""
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words.append("cien" if hundreds == 1 and rest == 0 else _ES_HUNDREDS[hundreds])
    if rest:
        if rest < 30:
            word = _ES_UNITS[rest]
            if short and rest == 1:
                word = "un"
            elif short and rest == 21:
                word = "veintiún"
            words.append(word)
        else:
            tens, unit = divmod(rest, 10)
            words.append(_ES_TENS[tens])
            if unit:
                words += ["y", "un" if short and unit == 1 else _ES_UNITS[unit]]
    return " ".join(words)


def _es_below_million(n: int, short: bool) -> str:
    thousands, rest = divmod(n, 1000)
    words: list[str] = []
    if thousands:
        if thousands > 1:
            words.append(_es_below_1000(thousands, short=True))
        words.append("mil")
    if rest:
        words.append(_es_below_1000(rest, short))
    return " ".join(words)


def spanish_number(n: int, *, short: bool = False) -> str:
    """Cardinal number in Spanish words; `short` for before a masculine noun ("un peso")."""
    if n < 0:
        return "menos " + spanish_number(-n, short=short)
    if n == 0:
        return "cero"
    if n >= 10**18:
        raise ValueError(f"number too large to say: {n}")
    words: list[str] = []
    billions, rest = divmod(n, 10**12)
    millions, rest = divmod(rest, 10**6)
    if billions:
        words.append(
            "un billón" if billions == 1 else _es_below_million(billions, True) + " billones"
        )
    if millions:
        words.append(
            "un millón" if millions == 1 else _es_below_million(millions, True) + " millones"
        )
    if rest:
        words.append(_es_below_million(rest, short))
    return " ".join(words)


# --- English ----------------------------------------------------------------------------

_EN_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_EN_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_EN_ORDINAL_UNITS = [
    "zeroth",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
]
_EN_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _en_below_100(n: int) -> str:
    if n < 20:
        return _EN_UNITS[n]
    tens, unit = divmod(n, 10)
    return _EN_TENS[tens] + (f"-{_EN_UNITS[unit]}" if unit else "")


def _en_below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    words = [f"{_EN_UNITS[hundreds]} hundred"] if hundreds else []
    if rest:
        words.append(_en_below_100(rest))
    return " ".join(words)


def english_number(n: int) -> str:
    """Cardinal number in English words, American style ("one hundred one")."""
    if n < 0:
        return "minus " + english_number(-n)
    if n == 0:
        return "zero"
    if n >= 10**15:
        raise ValueError(f"number too large to say: {n}")
    words: list[str] = []
    for scale, name in _EN_SCALES:
        count, n = divmod(n, scale)
        if count:
            words.append(f"{_en_below_1000(count)} {name}")
    if n:
        words.append(_en_below_1000(n))
    return " ".join(words)


def _english_ordinal(n: int) -> str:
    """1..31 as ordinal words ("first", "twenty-second", "thirtieth")."""
    if n < 20:
        return _EN_ORDINAL_UNITS[n]
    tens, unit = divmod(n, 10)
    if unit:
        return f"{_EN_TENS[tens]}-{_EN_ORDINAL_UNITS[unit]}"
    return _EN_TENS[tens][:-1] + "ieth"


def _english_year(year: int) -> str:
    if year % 100 == 0 or 2000 <= year <= 2009 or year < 1000:
        return english_number(year)
    high, low = divmod(year, 100)
    return f"{_en_below_100(high)} {'oh ' + _EN_UNITS[low] if low < 10 else _en_below_100(low)}"


# --- values -----------------------------------------------------------------------------


def _language(language: str) -> str:
    base = language.lower().split("-")[0].split("_")[0]
    if base not in LANGUAGES:
        raise ValueError(f"cannot say values in language {language!r} (use es or en)")
    return base


def to_amount(value: object) -> Decimal:
    """A money value from an int, a Decimal or a string like "1234.5" (not a float)."""
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal | float):
        raise ValueError(f"not an amount: {value!r}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def say_number(value: int, language: str) -> str:
    """An integer in words."""
    if _language(language) == "es":
        return spanish_number(value)
    return english_number(value)


def say_amount(value: object, currency: str, language: str) -> str:
    """A money amount with its currency and cents, e.g. "un millón de pesos"."""
    lang = _language(language)
    if currency not in CURRENCIES:
        raise ValueError(f"unknown currency {currency!r} (use one of {', '.join(CURRENCIES)})")
    amount = to_amount(value)
    sign = "menos " if lang == "es" else "minus "
    prefix = sign if amount < 0 else ""
    units, cents = divmod(int(abs(amount) * 100), 100)
    names = CURRENCIES[currency]
    singular, plural = (names[0], names[1]) if lang == "es" else (names[2], names[3])
    cent_one, cent_many = (_CENTS[0], _CENTS[1]) if lang == "es" else (_CENTS[2], _CENTS[3])

    def counted(n: int, one: str, many: str) -> str:
        if lang == "en":
            return f"{english_number(n)} {one if n == 1 else many}"
        words = spanish_number(n, short=True)
        # "un millón de pesos", "dos millones de pesos", but "un millón cien pesos"
        of = " de" if n >= 10**6 and n % 10**6 == 0 else ""
        return f"{words}{of} {one if n == 1 else many}"

    if units == 0 and cents:
        return prefix + counted(cents, cent_one, cent_many)
    text = counted(units, singular, plural)
    if cents:
        text += (" con " if lang == "es" else " and ") + counted(cents, cent_one, cent_many)
    return prefix + text


def to_date(value: object) -> dt.date:
    """A date from a `date`, a `datetime` or an ISO string ("2026-03-01")."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise ValueError(f"not a date (use YYYY-MM-DD): {value!r}")


def say_date(value: object, language: str, *, spoken: bool = False) -> str:
    """ "1 de marzo de 2026" / "March 1, 2026"; with `spoken`, all in words
    ("primero de marzo de dos mil veintiséis", "March first, twenty twenty-six")."""
    lang = _language(language)
    day = to_date(value)
    if lang == "es":
        if not spoken:
            return f"{day.day} de {_ES_MONTHS[day.month - 1]} de {day.year}"
        dd = "primero" if day.day == 1 else spanish_number(day.day)
        return f"{dd} de {_ES_MONTHS[day.month - 1]} de {spanish_number(day.year)}"
    if not spoken:
        return f"{_EN_MONTHS[day.month - 1]} {day.day}, {day.year}"
    return f"{_EN_MONTHS[day.month - 1]} {_english_ordinal(day.day)}, {_english_year(day.year)}"


def say_digits(value: object, language: str) -> str:
    """Each digit on its own: "3 0 0" → "tres cero cero" (account numbers, phones)."""
    lang = _language(language)
    text = str(value)
    digits = [c for c in text if c.isdigit()]
    if not digits or any(not (c.isdigit() or c in " -+.()") for c in text):
        raise ValueError(f"not a digit string: {value!r}")
    units = _ES_UNITS if lang == "es" else _EN_UNITS
    return " ".join(units[int(c)] for c in digits)


def say_value(value: object, kind: str, language: str, currency: str = "COP") -> str:
    """Words for `value` as `kind` (number, amount, date, digits, text); ValueError if it
    is not one."""
    if kind == "amount":
        return say_amount(value, currency, language)
    if kind == "number":
        amount = to_amount(value)
        if amount != amount.to_integral_value():
            raise ValueError(f"not a whole number: {value!r}")
        return say_number(int(amount), language)
    if kind == "date":
        return say_date(value, language)
    if kind == "digits":
        return say_digits(value, language)
    if kind == "text":
        _language(language)
        return str(value)
    raise ValueError(f"unknown kind {kind!r} (use one of {', '.join(KINDS)})")
