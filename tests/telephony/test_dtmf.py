"""Digits we send and the digits INFO bodies carry (pure; no PJSIP)."""

from __future__ import annotations

import pytest

from centralita.telephony.dtmf import check_digits, digit_of_info


def test_check_digits_accepts_the_sixteen_keys_and_upper_cases_them() -> None:
    assert check_digits("0123456789*#abcd") == "0123456789*#ABCD"


@pytest.mark.parametrize("bad", ["", "12x", "1 2", "E"])
def test_check_digits_names_the_accepted_keys(bad: str) -> None:
    with pytest.raises(ValueError, match=r"0-9 \* # A-D"):
        check_digits(bad)


@pytest.mark.parametrize(
    ("content_type", "body", "digit"),
    [
        ("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", "5"),
        ("application/dtmf-relay", "signal= #\r\n", "#"),
        ("Application/DTMF-Relay; charset=x", "Signal=11\r\n", "#"),
        ("application/dtmf-relay", "Signal=10\r\n", "*"),
        ("application/dtmf", "7\r\n", "7"),
        ("application/dtmf", "b", "B"),
        ("application/dtmf", "", None),
        ("application/dtmf", "12", None),
        ("application/dtmf-relay", "Signal=Z\r\n", None),
        ("application/sdp", "5", None),
    ],
)
def test_digit_of_info_reads_both_dtmf_content_types(
    content_type: str, body: str, digit: str | None
) -> None:
    assert digit_of_info(content_type, body) == digit
