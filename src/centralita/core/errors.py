"""Errors the core raises, each with a stable kebab-case code and named fields."""

from __future__ import annotations

from centralita.errors import Conflict, Invalid, NotFound


class NoSuchQueue(NotFound):
    """`queue` names no configured queue."""

    code = "no-such-queue"


class NoSuchAgent(NotFound):
    """`agent` names no configured agent."""

    code = "no-such-agent"


class NoSuchInteraction(NotFound):
    """`interaction` is not (or no longer) known to the router."""

    code = "no-such-interaction"


class NoSuchPauseReason(Invalid):
    """`reason` is not in the configured list of pause reasons (`accepted` lists them)."""

    code = "no-such-pause-reason"


class DuplicateInteraction(Conflict):
    """An interaction with this id is already in the router."""

    code = "duplicate-interaction"


class InvalidTransition(Conflict):
    """The event is not allowed in the current state (`state`), e.g. answering twice."""

    code = "invalid-transition"


class AgentBusy(Conflict):
    """The agent has no room on `channel` for another call (`AgentEngaged`)."""

    code = "agent-busy"


class InvalidConfig(Invalid):
    """Configuration is inconsistent; `field` names the offending setting."""

    code = "invalid-config"


class InvalidRule(Invalid):
    """A routing rule is malformed; `file`, `rule` and `field` say where."""

    code = "invalid-rule"


class InvalidEvent(Invalid):
    """An event field is out of range; `field` names it and `accepted` says what is."""

    code = "invalid-event"
