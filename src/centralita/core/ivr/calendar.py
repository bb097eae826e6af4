"""Business hours and holidays of a site, evaluated in the site's time zone.

    timezone: America/Bogota
    hours:
      mon-fri: "07:00-19:00"
      sat: "08:00-12:00, 14:00-17:00"   # several spans a day
      sun: closed
    holidays: ["2026-01-01", "2026-01-12"]
    special:                             # a date's own hours win over weekday and holiday
      "2026-12-24": "08:00-12:00"

A span is start inclusive, end exclusive; "24:00" ends at midnight. A span cannot cross
midnight: write "22:00-24:00" on one day and "00:00-06:00" on the next. `now` is epoch
seconds or an aware datetime; the calendar converts it to its own zone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from centralita.core.immutable import immutable

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

Span = tuple[int, int]  # minutes since midnight: [start, end)


class CalendarError(ValueError):
    """A calendar definition is malformed; `field` says which part."""

    def __init__(self, field: str, why: str) -> None:
        super().__init__(why)
        self.field = field
        self.why = why


@immutable
class BusinessCalendar:
    timezone: str
    week: tuple[tuple[Span, ...], ...]  # seven entries, Monday first
    holidays: frozenset[dt.date] = frozenset()
    special: Mapping[dt.date, tuple[Span, ...]] = dataclasses.field(
        default_factory=lambda: MappingProxyType({})
    )

    def local(self, now: float | dt.datetime) -> dt.datetime:
        """`now` as a wall-clock time in the calendar's zone."""
        zone = ZoneInfo(self.timezone)
        if isinstance(now, dt.datetime):
            if now.tzinfo is None:
                raise ValueError("now must be timezone-aware")
            return now.astimezone(zone)
        return dt.datetime.fromtimestamp(now, zone)

    def spans_on(self, day: dt.date) -> tuple[Span, ...]:
        if day in self.special:
            return self.special[day]
        if day in self.holidays:
            return ()
        return self.week[day.weekday()]

    def is_open(self, now: float | dt.datetime) -> bool:
        local = self.local(now)
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.spans_on(local.date()))

    def is_holiday(self, now: float | dt.datetime) -> bool:
        return self.local(now).date() in self.holidays


def _spans(value: object, field: str) -> tuple[Span, ...]:
    if value in (None, "closed", ""):
        return ()
    if not isinstance(value, str):
        raise CalendarError(field, 'expected spans like "08:00-12:00, 14:00-18:00" or closed')
    spans: list[Span] = []
    for part in value.split(","):
        match = _SPAN.match(part)
        if not match:
            raise CalendarError(field, f'bad span {part.strip()!r} (use "HH:MM-HH:MM")')
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if m1 > 59 or m2 > 59 or h1 > 23 or end > 24 * 60:
            raise CalendarError(field, f"bad time in {part.strip()!r}")
        if end <= start:
            raise CalendarError(
                field, f"{part.strip()!r} ends before it starts (split spans at midnight)"
            )
        spans.append((start, end))
    return tuple(sorted(spans))


def _days(key: str, field: str) -> list[int]:
    key = key.strip().lower()
    if key in ("daily", "all"):
        return list(range(7))
    if "-" in key:
        first, last = key.split("-", 1)
        if first in DAYS and last in DAYS and DAYS.index(first) <= DAYS.index(last):
            return list(range(DAYS.index(first), DAYS.index(last) + 1))
    elif key in DAYS:
        return [DAYS.index(key)]
    raise CalendarError(field, f"bad day {key!r} (use mon..sun, a range like mon-fri, or daily)")


def _date(value: object, field: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CalendarError(field, f"bad date {value!r} (use YYYY-MM-DD)") from None


def parse_calendar(data: object) -> BusinessCalendar:
    """A calendar from plain data (see the module's docstring), or `CalendarError`."""
    if not isinstance(data, Mapping):
        raise CalendarError("calendar", "expected a mapping with timezone and hours")
    unknown = set(data) - {"timezone", "hours", "holidays", "special"}
    if unknown:
        raise CalendarError(
            sorted(unknown)[0], "unknown key (use timezone, hours, holidays, special)"
        )
    zone = data.get("timezone")
    if not isinstance(zone, str):
        raise CalendarError("timezone", "required, an IANA zone name like America/Bogota")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError("timezone", f"unknown time zone {zone!r}") from None
    hours = data.get("hours")
    if not isinstance(hours, Mapping):
        raise CalendarError("hours", 'required, e.g. {mon-fri: "08:00-18:00"}')
    week: list[tuple[Span, ...]] = [()] * 7
    for key, value in hours.items():
        field = f"hours.{key}"
        for day in _days(str(key), field):
            week[day] = _spans(value, field)
    holidays_raw = data.get("holidays", [])
    if not isinstance(holidays_raw, list):
        raise CalendarError("holidays", "expected a list of dates (YYYY-MM-DD)")
    holidays = frozenset(_date(v, f"holidays[{i}]") for i, v in enumerate(holidays_raw))
    special_raw = data.get("special", {})
    if not isinstance(special_raw, Mapping):
        raise CalendarError("special", "expected a mapping of date to spans")
    special = {_date(k, f"special.{k}"): _spans(v, f"special.{k}") for k, v in special_raw.items()}
    return BusinessCalendar(zone, tuple(week), holidays, MappingProxyType(special))
