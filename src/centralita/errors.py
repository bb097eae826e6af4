"""Domain errors with stable machine codes.

Every error Centralita reports to a user or an API client is a `CentralitaError`
subclass with a `code` that never changes once released (it is API contract) and
keyword fields that name what was wrong. Only the web layer maps them to HTTP
statuses (see `centralita.web.errors`).
"""

from __future__ import annotations

from typing import Any, ClassVar


class CentralitaError(Exception):
    """Base of all domain errors: a stable `code`, a message and named fields."""

    code: ClassVar[str] = "error"
    #: HTTP status the web layer uses for this error (kept here so codes and statuses
    #: are declared together; the core never looks at it).
    http_status: ClassVar[int] = 400

    def __init__(self, message: str | None = None, **fields: Any) -> None:
        self.fields = fields
        self.message = message or self.default_message()
        super().__init__(self.message)

    def default_message(self) -> str:
        if not self.fields:
            return self.code.replace("-", " ")
        detail = ", ".join(f"{k}={v!r}" for k, v in self.fields.items())
        return f"{self.code.replace('-', ' ')}: {detail}"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.fields}


class NotFound(CentralitaError):
    code = "not-found"
    http_status = 404


class Invalid(CentralitaError):
    code = "invalid"
    http_status = 422


class Conflict(CentralitaError):
    code = "conflict"
    http_status = 409


class Forbidden(CentralitaError):
    code = "forbidden"
    http_status = 403
