"""Centralita's pure core: ACD routing (agents, queues, skills, rules, timers).

No I/O, no clock, stdlib only. See docs/core.md. Drive a `Router` with events from
`centralita.core.events`; it returns commands (`centralita.core.commands`) and records
for the event log (`centralita.core.records`).

When `make native` has compiled these exact sources with mypyc, the compiled modules are
used (see `centralita.core.native`); otherwise the same code runs interpreted.
"""

# first: importing `native` puts a compiled build of these sources, if any, on __path__
from centralita.core import native
from centralita.core.config import (
    DEFAULT_PAUSE_REASONS,
    MISSED,
    AgentConfig,
    PauseReason,
    QueueConfig,
    RelaxStep,
    Strategy,
    WhenFull,
    WhenNoAgents,
)
from centralita.core.outcomes import AgentState, Outcome
from centralita.core.router import Router
from centralita.core.rules import Actions, Conditions, Rule
from centralita.core.state import Output

__all__ = [
    "DEFAULT_PAUSE_REASONS",
    "MISSED",
    "Actions",
    "AgentConfig",
    "AgentState",
    "Conditions",
    "Outcome",
    "Output",
    "PauseReason",
    "QueueConfig",
    "RelaxStep",
    "Router",
    "Rule",
    "Strategy",
    "WhenFull",
    "WhenNoAgents",
    "native",
]
