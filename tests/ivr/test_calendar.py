"""Business hours and holidays, evaluated in the site's own time zone."""

from __future__ import annotations

import datetime as dt

import pytest

from centralita.core.ivr.calendar import CalendarError, parse_calendar

UTC = dt.UTC
BOGOTA = {
    "timezone": "America/Bogota",
    "hours": {"mon-fri": "07:00-19:00", "sat": "08:00-12:00, 14:00-16:00", "sun": "closed"},
    "holidays": ["2026-01-12"],
    "special": {"2026-12-24": "08:00-12:00"},
}


def at(y, mo, d, h, mi=0):
    """A UTC instant; Bogotá is UTC-5 all year."""
    return dt.datetime(y, mo, d, h, mi, tzinfo=UTC)


def test_open_during_weekday_hours_in_the_sites_zone():
    cal = parse_calendar(BOGOTA)
    assert cal.is_open(at(2026, 11, 23, 12))  # Monday 07:00 in Bogotá
    assert not cal.is_open(at(2026, 11, 23, 11, 59))  # 06:59
    assert cal.is_open(at(2026, 11, 23, 23, 59))  # 18:59
    assert not cal.is_open(at(2026, 11, 24, 0))  # 19:00: end is exclusive


def test_epoch_seconds_work_like_aware_datetimes():
    cal = parse_calendar(BOGOTA)
    assert cal.is_open(at(2026, 11, 23, 15).timestamp())
    assert not cal.is_open(at(2026, 11, 22, 15).timestamp())  # Sunday


def test_several_spans_a_day():
    cal = parse_calendar(BOGOTA)
    assert cal.is_open(at(2026, 11, 28, 16))  # Saturday 11:00
    assert not cal.is_open(at(2026, 11, 28, 18))  # 13:00, lunch
    assert cal.is_open(at(2026, 11, 28, 19))  # 14:00


def test_holidays_close_and_special_days_have_their_own_hours():
    cal = parse_calendar(BOGOTA)
    assert not cal.is_open(at(2026, 1, 12, 15))  # Monday, but a holiday
    assert cal.is_holiday(at(2026, 1, 12, 15))
    assert cal.is_open(at(2026, 12, 24, 14))  # Thursday 09:00
    assert not cal.is_open(at(2026, 12, 24, 18))  # 13:00: closes at noon that day


def test_dst_zone_follows_local_wall_clock():
    cal = parse_calendar({"timezone": "Europe/Madrid", "hours": {"daily": "09:00-10:00"}})
    assert cal.is_open(at(2026, 1, 15, 8, 30))  # winter: UTC+1
    assert not cal.is_open(at(2026, 7, 15, 8, 30))  # summer: UTC+2, 10:30
    assert cal.is_open(at(2026, 7, 15, 7, 30))


def test_midnight_end_and_naive_datetimes():
    cal = parse_calendar({"timezone": "UTC", "hours": {"daily": "22:00-24:00"}})
    assert cal.is_open(at(2026, 1, 1, 23, 59))
    with pytest.raises(ValueError, match="aware"):
        cal.is_open(dt.datetime(2026, 1, 1, 23))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"hours": {}}, "timezone"),
        ({"timezone": "Mars/Olympus", "hours": {}}, "timezone"),
        ({"timezone": "UTC"}, "hours"),
        ({"timezone": "UTC", "hours": {"funday": "08:00-09:00"}}, "hours.funday"),
        ({"timezone": "UTC", "hours": {"mon": "8-9"}}, "hours.mon"),
        ({"timezone": "UTC", "hours": {"mon": "22:00-06:00"}}, "hours.mon"),
        ({"timezone": "UTC", "hours": {"mon": "08:00-24:30"}}, "hours.mon"),
        ({"timezone": "UTC", "hours": {}, "holidays": ["2026-13-01"]}, "holidays[0]"),
        ({"timezone": "UTC", "hours": {}, "colour": 1}, "colour"),
    ],
)
def test_malformed_calendars_name_the_field(data, field):
    with pytest.raises(CalendarError) as caught:
        parse_calendar(data)
    assert caught.value.field == field
