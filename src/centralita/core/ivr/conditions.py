"""Evaluating a condition node's tests: calendars, the caller's number, variables."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from centralita.core.ivr.calendar import BusinessCalendar
from centralita.core.ivr.flow import Test


def holds(
    test: Test,
    calendars: Mapping[str, BusinessCalendar],
    number: str,
    dnis: str,
    variables: Mapping[str, str],
    now: float | dt.datetime,
) -> bool:
    """True when every part of `test` holds (parts left out hold)."""
    value = variables.get(test.var) if test.var else None
    checks = (
        test.open is None or calendars[test.open].is_open(now),
        test.closed is None or not calendars[test.closed].is_open(now),
        test.holiday is None or calendars[test.holiday].is_holiday(now),
        not test.caller_prefix or number.startswith(test.caller_prefix),
        not test.caller_in or number in test.caller_in,
        not test.dnis_in or dnis in test.dnis_in,
        test.equals is None or value == test.equals,
        test.one_of is None or value in test.one_of,
        test.matches is None
        or (value is not None and re.fullmatch(test.matches, value) is not None),
        test.present is None or bool(value) == test.present,
        test.above is None or _compare(value, test.above) > 0,
        test.below is None or _compare(value, test.below) < 0,
    )
    return all(checks)


def _compare(value: str | None, bound: Decimal) -> int:
    """-1, 0 or 1 comparing a numeric variable with `bound`; 0 when it is no number."""
    try:
        number = Decimal(value or "")
    except InvalidOperation:
        return 0
    if not number.is_finite():
        return 0
    return (number > bound) - (number < bound)
