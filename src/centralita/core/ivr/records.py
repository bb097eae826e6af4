"""Records the IVR session yields for the event log: one per node visit, one at the end.

Reports derive from them where callers leave the IVR (the last node of `abandoned_ivr`
calls), how many served themselves, and IVR abandons apart from queue abandons.
"""

from __future__ import annotations

from centralita.core.immutable import immutable

OUTCOMES = ("abandoned_ivr", "self_served", "queued", "transferred", "voicemail", "rejected")


@immutable
class IvrNodeVisited:
    """The call entered `node` (of `node_type`) of `flow` version `version`."""

    at: float
    call_id: str
    flow: str
    version: int
    node: str
    node_type: str


@immutable
class IvrEnded:
    """The call left the IVR from `node` with `outcome`: abandoned_ivr, self_served,
    queued, transferred, voicemail or rejected."""

    at: float
    call_id: str
    flow: str
    version: int
    outcome: str
    node: str


IvrRecord = IvrNodeVisited | IvrEnded
