"""Validators for numbers callers key in: card and account numbers (Luhn), Colombian
tax ids (NIT, check digit by DIAN's módulo 11), lengths and patterns.

Each check takes the digits as a string and answers True or False; `CHECKS` maps the
names a flow file uses (`validate: luhn`) to them.
"""

from __future__ import annotations

from collections.abc import Callable

#: DIAN's weights for the NIT's digits, from the rightmost (units) digit leftwards.
_NIT_WEIGHTS = (3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71)


def luhn_valid(digits: str) -> bool:
    """True when `digits` (at least two) pass the Luhn mod-10 check (cards, many accounts)."""
    if len(digits) < 2 or not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def nit_check_digit(base: str) -> int:
    """DIAN's check digit (dígito de verificación) for a NIT without it."""
    if not base.isdigit() or not 1 <= len(base) <= len(_NIT_WEIGHTS):
        raise ValueError(f"a NIT has 1 to {len(_NIT_WEIGHTS)} digits, got {base!r}")
    total = sum(int(d) * w for d, w in zip(reversed(base), _NIT_WEIGHTS, strict=False))
    remainder = total % 11
    return remainder if remainder < 2 else 11 - remainder


def nit_valid(digits: str) -> bool:
    """True when the last digit of `digits` is the DIAN check digit of the others."""
    if len(digits) < 2 or not digits.isdigit() or len(digits) > len(_NIT_WEIGHTS) + 1:
        return False
    return nit_check_digit(digits[:-1]) == int(digits[-1])


def length_between(digits: str, minimum: int, maximum: int) -> bool:
    return minimum <= len(digits) <= maximum


CHECKS: dict[str, Callable[[str], bool]] = {"luhn": luhn_valid, "nit": nit_valid}
