"""PJSIP failures leave the adapter as TelephonyError with stable codes."""

from __future__ import annotations

from types import ModuleType

import pytest

from centralita.errors import CentralitaError
from centralita.telephony import NoSuchCall, TelephonyError
from centralita.telephony.errors import pj_errors


def test_given_a_pj_error_when_it_crosses_the_edge_then_it_becomes_a_telephony_error(
    pjsua2: ModuleType,
) -> None:
    error = pjsua2.Error()
    error.status = 70018
    error.reason = "Invalid argument"
    with pytest.raises(TelephonyError) as caught, pj_errors("answer", call_id="c1"):
        raise error
    assert caught.value.to_dict() == {
        "code": "telephony-failed",
        "message": "answer failed: Invalid argument",
        "operation": "answer",
        "status": 70018,
        "reason": "Invalid argument",
        "call_id": "c1",
    }
    assert caught.value.__cause__ is None


def test_domain_errors_pass_through_and_unrelated_errors_are_not_swallowed() -> None:
    with pytest.raises(NoSuchCall), pj_errors("answer"):
        raise NoSuchCall(call_id="c9")
    with pytest.raises(KeyError), pj_errors("answer"):
        raise KeyError("a bug in our code stays a bug")


def test_telephony_codes_are_stable() -> None:
    assert TelephonyError.code == "telephony-failed"
    assert NoSuchCall.code == "no-such-call"
    assert issubclass(TelephonyError, CentralitaError)
