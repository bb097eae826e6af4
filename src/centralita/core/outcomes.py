"""Final outcomes of an interaction (see KPIS.md) and agent states."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """How an interaction left the router. Each interaction gets exactly one."""

    ANSWERED = "answered"
    ABANDONED = "abandoned"
    SHORT_ABANDONED = "short_abandoned"
    OVERFLOWED = "overflowed"
    REJECTED = "rejected"
    CALLBACK_REQUESTED = "callback_requested"


class AgentState(StrEnum):
    """An agent's state as shown on a wallboard and logged in `AgentStateChanged`.

    With several interactions at once the most engaged one wins, in this order:
    reserved, talking, on_hold, wrap_up; then not_ready (with a reason) or available.
    """

    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    RESERVED = "reserved"
    TALKING = "talking"
    ON_HOLD = "on_hold"
    WRAP_UP = "wrap_up"
    NOT_READY = "not_ready"
