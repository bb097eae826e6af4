"""Telephony errors, and the one place where PJSIP's `pj.Error` is translated.

Every call into `pjsua2` that can raise goes through `pj_errors(operation, ...)`, so
no `pj.Error` leaves the adapter: callers see `TelephonyError` subclasses with stable
codes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from centralita.errors import CentralitaError, Conflict, NotFound


class TelephonyError(CentralitaError):
    """The SIP/media stack refused or failed an operation (fields: operation, status, reason)."""

    code: ClassVar[str] = "telephony-failed"
    http_status: ClassVar[int] = 502


class TelephonyUnavailable(TelephonyError):
    """The PJSIP binding is missing or the engine is not running."""

    code = "telephony-unavailable"
    http_status = 503


class NoSuchCall(NotFound):
    code = "no-such-call"


class EngineAlreadyRunning(Conflict):
    """PJSIP allows one endpoint per process."""

    code = "telephony-engine-already-running"


def _pj_error_type() -> type[BaseException] | None:
    try:
        import pjsua2
    except ImportError:
        return None
    error = getattr(pjsua2, "Error", None)
    return error if isinstance(error, type) and issubclass(error, BaseException) else None


@contextmanager
def pj_errors(operation: str, **fields: Any) -> Iterator[None]:
    """Run a block of pjsua2 calls; re-raise PJSIP's `pj.Error` as `TelephonyError`.

    `pj.Error` carries `status` (a pj_status_t) and `reason`. Anything else (SWIG's
    `TypeError` for a wrong argument, a `KeyError`) is a bug in our code and stays as is.
    """
    try:
        yield
    except Exception as exc:
        pj_error = _pj_error_type()
        if pj_error is None or not isinstance(exc, pj_error):
            raise
        status = getattr(exc, "status", None)
        reason = str(getattr(exc, "reason", "") or exc)
        raise TelephonyError(
            f"{operation} failed: {reason}",
            operation=operation,
            status=status,
            reason=reason,
            **fields,
        ) from None
