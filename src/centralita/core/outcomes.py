"""Final outcomes of an interaction (see KPIS.md) and agent states."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


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


# The members as plain module constants for the hot paths: on CPython 3.11 reading a
# member through its class (`AgentState.RESERVED`) goes through a descriptor and costs
# about 100 ns, a module global about 10 ns.
ANSWERED: Final = Outcome.ANSWERED
LOGGED_OUT: Final = AgentState.LOGGED_OUT
AVAILABLE: Final = AgentState.AVAILABLE
RESERVED: Final = AgentState.RESERVED
TALKING_STATE: Final = AgentState.TALKING
ON_HOLD: Final = AgentState.ON_HOLD
WRAP_UP_STATE: Final = AgentState.WRAP_UP
NOT_READY: Final = AgentState.NOT_READY
