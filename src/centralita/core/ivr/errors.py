"""Errors of the IVR core."""

from __future__ import annotations

from typing import Any

from centralita.errors import Invalid


class InvalidFlow(Invalid):
    """A flow file is malformed; `file`, `node` and `field` say where.

    `problems` holds every problem found (this error is the first of them), so a checker
    can list them all at once.
    """

    code = "invalid-flow"

    def __init__(self, message: str | None = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.problems: list[InvalidFlow] = [self]
