"""IVR measures from the records (`IvrNodeVisited`, `IvrEnded`), one definition for the
wallboard, the reports and the simulator.

- calls: calls that entered the flow; ended: calls that left it, by outcome
  (abandoned_ivr, self_served, queued, transferred, voicemail, rejected).
- self-service rate: self_served ÷ (ended − rejected): of the callers the IVR could
  serve, the share it served without an agent.
- IVR abandon rate: abandoned_ivr ÷ (ended − rejected); queue abandons are the queue's.
- exits: for each node, how many calls left the IVR there and how (the last node of an
  `abandoned_ivr` call is where callers give up).
- visits: node visits, counting repeats (a caller who hears a menu twice visits it twice).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from centralita.core.ivr.records import IvrEnded, IvrNodeVisited


@dataclass
class FlowMeasures:
    flow: str
    calls: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    exits: Counter[tuple[str, str]] = field(default_factory=Counter)  # (node, outcome)
    visits: Counter[str] = field(default_factory=Counter)

    @property
    def ended(self) -> int:
        return sum(self.outcomes.values())

    def _servable(self) -> int:
        return self.ended - self.outcomes["rejected"]

    @property
    def self_service_rate(self) -> float | None:
        servable = self._servable()
        return self.outcomes["self_served"] / servable if servable else None

    @property
    def abandon_rate(self) -> float | None:
        servable = self._servable()
        return self.outcomes["abandoned_ivr"] / servable if servable else None

    def abandons_by_node(self) -> list[tuple[str, int]]:
        """Nodes where callers hung up, most abandons first."""
        found = Counter({n: c for (n, o), c in self.exits.items() if o == "abandoned_ivr"})
        return sorted(found.items(), key=lambda item: (-item[1], item[0]))


def measure(records: Iterable[IvrNodeVisited | IvrEnded | object]) -> dict[str, FlowMeasures]:
    """Measures per flow id from records in any order (other records are skipped)."""
    flows: dict[str, FlowMeasures] = {}
    entered: set[tuple[str, str]] = set()
    for record in records:
        if isinstance(record, IvrNodeVisited):
            m = flows.setdefault(record.flow, FlowMeasures(record.flow))
            m.visits[record.node] += 1
            if (record.flow, record.call_id) not in entered:
                entered.add((record.flow, record.call_id))
                m.calls += 1
        elif isinstance(record, IvrEnded):
            m = flows.setdefault(record.flow, FlowMeasures(record.flow))
            m.outcomes[record.outcome] += 1
            m.exits[(record.node, record.outcome)] += 1
    return flows
