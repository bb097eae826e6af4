"""DTMF digits: validating what we send, reading SIP INFO bodies, answering INFO.

PJSIP reports RFC 4733 telephone-events and `application/dtmf-relay` INFO itself
(`Call.onDtmfDigit`) and answers that INFO with 200. An `application/dtmf` INFO (body:
the digit alone) it hands to `Call.onCallTsxState` and, unanswered, rejects with
500 once the callback returns. pjsua2 has no call to answer a request from that
callback, so `answer_info` calls pjsip's `pjsip_dlg_respond` in the binding's own
shared object (linked statically, symbols exported) through ctypes, on the engine
thread, while the request is being processed.
"""

from __future__ import annotations

import ctypes
import re
import sys
from functools import cache
from typing import Any

DIGITS = frozenset("0123456789*#ABCD")
#: `DigitReceived.method` values.
RFC4733 = "rfc4733"
SIP_INFO = "sip-info"

_SIGNAL = re.compile(r"^\s*signal\s*=\s*(\S+)", re.IGNORECASE | re.MULTILINE)


def check_digits(digits: str) -> str:
    """`digits` upper-cased, or ValueError naming the accepted characters."""
    wanted = digits.upper()
    if not wanted or any(d not in DIGITS for d in wanted):
        raise ValueError(f"digits must be one or more of 0-9 * # A-D, not {digits!r}")
    return wanted


def digit_of_info(content_type: str, body: str) -> str | None:
    """The digit an INFO body carries for `application/dtmf` or `application/dtmf-relay`
    ("Signal=5" or a bare "5"); None for any other content or an unknown signal.
    Event codes 10 and 11 in a Signal line stand for * and # (RFC 4733 numbering)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind not in ("application/dtmf", "application/dtmf-relay"):
        return None
    m = _SIGNAL.search(body)
    value = m.group(1) if m else body.strip()
    value = {"10": "*", "11": "#"}.get(value, value).upper()
    return value if len(value) == 1 and value in DIGITS else None


def answer_info(rx_data: Any, status: int = 200) -> bool:
    """Answer the in-dialog request held by pjsua2's `SipRxData` with `status`.

    Only valid on the engine thread inside `onCallTsxState` for that request. Returns
    False if the binding exports no `pjsip_dlg_respond` or no dialog matches.
    """
    lib = _pjsip()
    if lib is None:
        return False
    rdata = ctypes.c_void_p(int(rx_data.pjRxData))
    dialog = lib.pjsip_rdata_get_dlg(rdata)
    if not dialog:
        return False
    status_code: int = lib.pjsip_dlg_respond(dialog, rdata, status, None, None, None)
    return status_code == 0


@cache
def _pjsip() -> Any:
    module = sys.modules.get("_pjsua2")
    path = getattr(module, "__file__", None)
    if path is None:
        return None
    try:
        lib = ctypes.CDLL(path)
        lib.pjsip_rdata_get_dlg.restype = ctypes.c_void_p
        lib.pjsip_rdata_get_dlg.argtypes = [ctypes.c_void_p]
        lib.pjsip_dlg_respond.restype = ctypes.c_int
        lib.pjsip_dlg_respond.argtypes = [ctypes.c_void_p] * 2 + [ctypes.c_int]
        lib.pjsip_dlg_respond.argtypes += [ctypes.c_void_p] * 3
    except (OSError, AttributeError):
        return None
    return lib
