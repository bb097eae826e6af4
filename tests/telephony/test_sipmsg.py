"""Reading ANI and DNIS from raw SIP requests (pure parsing, no PJSIP)."""

from __future__ import annotations

import pytest

from centralita.telephony.sipmsg import caller_and_dialled, user_of


def invite(*headers: str, uri: str = "sip:900123@10.0.0.1:5060") -> str:
    lines = [
        f"INVITE {uri} SIP/2.0",
        "Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1",
        "Call-ID: abc",
        "CSeq: 1 INVITE",
        *headers,
        "Content-Length: 0",
        "",
        "",
    ]
    return "\r\n".join(lines)


def test_given_pai_when_from_is_anonymous_then_ani_comes_from_pai() -> None:
    raw = invite(
        'From: "Anonymous" <sip:anonymous@anonymous.invalid>;tag=1',
        'P-Asserted-Identity: "Carla, Caller" <sip:+34911234567@carrier.example>',
        "To: <sip:900123@10.0.0.1>",
    )
    assert caller_and_dialled(raw) == ("+34911234567", "900123")


def test_given_two_identities_in_one_pai_then_the_first_is_used() -> None:
    raw = invite(
        "From: <sip:x@y>;tag=1", "P-Asserted-Identity: <tel:+1-555-0100>, <sip:+15550199@carrier>"
    )
    assert caller_and_dialled(raw)[0] == "+15550100"


def test_given_no_pai_then_ani_is_the_from_user_including_compact_form() -> None:
    assert caller_and_dialled(invite("f: Bob <sip:5551234@pbx.example>;tag=9"))[0] == "5551234"
    assert caller_and_dialled(invite("From: sip:5551234@pbx.example;tag=9"))[0] == "5551234"


def test_given_a_broken_pai_then_ani_falls_back_to_from() -> None:
    raw = invite("From: <sip:5550000@pbx>;tag=1", 'P-Asserted-Identity: <<<"')
    assert caller_and_dialled(raw) == ("5550000", "900123")


def test_given_folded_headers_and_lf_only_line_ends_then_they_are_read() -> None:
    raw = "INVITE sip:77@h SIP/2.0\nFrom:\n  <sip:12@h>;tag=1\n\n"
    assert caller_and_dialled(raw) == ("12", "77")


def test_given_garbage_then_ani_and_dnis_are_empty() -> None:
    assert caller_and_dialled("\x00\xff not sip") == ("", "")
    assert caller_and_dialled("") == ("", "")


@pytest.mark.parametrize(
    ("uri", "user"),
    [
        ("sip:alice:secret@host", "alice"),
        ("sips:%2B3491@host;transport=tls", "+3491"),
        ("sip:123;phone-context=example.com@host", "123"),
        ("tel:+1.555.0100;phone-context=+1", "+15550100"),
        ("sip:host.example", ""),
        ("mailto:a@b", ""),
        ("nonsense", ""),
    ],
)
def test_user_part_of_uris(uri: str, user: str) -> None:
    assert user_of(uri) == user
