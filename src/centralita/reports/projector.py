"""The report projections of the event log: a pure fold from events to additive rows.

`Projector.apply(...)` takes one stored event (kind, time in seconds, tenant, interaction,
agent, payload) and adds what it means to per-interval counters; `take()` hands out the
counters gathered since the last call as a `Delta` and starts new ones. Everything in a
`Delta` is additive (sums, and one maximum), so deltas from any split of one event stream
add up to the deltas of the whole stream: a projection kept up to date batch by batch
equals a rebuild from scratch (tested as a property). What the projector must remember
between events (calls in a queue, agents' current states) is `state()`, plain JSON,
stored with the projection so it can resume after a restart.

Definitions are KPIS.md's, as `centralita.sim.measures` applies them:

- Intervals are 15-minute slots of UTC time (`slot = floor(seconds / 900)`); 30- and
  60-minute intervals, days, weeks and months are unions of slots in the center's time
  zone (every time zone's offset is a multiple of 15 minutes).
- Every stay of a call in a queue is a *leg*, counted in the queue and the slot in which
  it entered that queue. A leg ends answered (at the answer), abandoned, short-abandoned,
  overflowed out, with a callback request, or moved out (a transfer or escalation while
  waiting, not offered there). A call answered and then transferred counts as answered in
  the first queue and offered again in the second (`transferred_in`).
- Handle time of a leg = talk + hold from its answer to its end, plus the agent's
  wrap-up after it; it is added to the leg's slot when the wrap-up ends.
- Agent time: each state span is split exactly over the slots it covers, counted when the
  span ends (a span still open is not in the projection yet).
- `center.started`: the live center restarted with empty memory; everything still open
  is closed at that moment (agents logged out, calls `lost`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

SLOT_SECONDS = 900

QUEUE_FIELDS = (
    "offered",
    "answered",
    "answered_within",
    "abandoned",
    "short_abandoned",
    "overflowed_out",
    "overflowed_in",
    "transferred_in",
    "moved_out",
    "rejected",
    "callbacks",
    "waited",
    "wait_answered",
    "wait_abandoned",
    "max_wait",
    "handled",
    "talk",
    "hold",
    "wrap",
    "rona",
)
(
    OFFERED,
    ANSWERED,
    WITHIN,
    ABANDONED,
    SHORT,
    OVERFLOWED_OUT,
    OVERFLOWED_IN,
    TRANSFERRED_IN,
    MOVED_OUT,
    REJECTED,
    CALLBACKS,
    WAITED,
    WAIT_ANSWERED,
    WAIT_ABANDONED,
    MAX_WAIT,
    HANDLED,
    TALK,
    HOLD,
    WRAP,
    RONA,
) = range(len(QUEUE_FIELDS))
#: fields merged with max() instead of +
MAX_FIELDS = frozenset({"max_wait"})

STATES = ("available", "reserved", "talking", "on_hold", "wrap_up", "not_ready")
AGENT_FIELDS = (*STATES, "offers", "answered", "rona")
_STATE_INDEX = {s: i for i, s in enumerate(STATES)}
A_OFFERS, A_ANSWERED, A_RONA = len(STATES), len(STATES) + 1, len(STATES) + 2

IVR_OUTCOMES = ("abandoned_ivr", "self_served", "queued", "transferred", "voicemail", "rejected")
IVR_FIELDS = ("visits", *IVR_OUTCOMES)
_IVR_INDEX = {o: i + 1 for i, o in enumerate(IVR_OUTCOMES)}

_LEG_END = {
    "abandoned": ABANDONED,
    "short_abandoned": SHORT,
    "overflowed": OVERFLOWED_OUT,
    "callback_requested": CALLBACKS,
}

#: the event kinds the projector reads (others are skipped)
KINDS = (
    "acd.interaction_queued",
    "acd.interaction_offered",
    "acd.offer_cancelled",
    "acd.interaction_answered",
    "acd.interaction_held",
    "acd.interaction_resumed",
    "acd.interaction_transferred",
    "acd.interaction_closed",
    "acd.agent_state_changed",
    "center.started",
    "ivr.node_visited",
    "ivr.ended",
)

QueueKey = tuple[int, int, int]  # tenant, queue, slot
AgentKey = tuple[int, int, int]  # tenant, agent, slot
PauseKey = tuple[int, int, int, str]  # tenant, agent, slot, reason
SessionKey = tuple[int, int, float]  # tenant, agent, logged in at
IvrKey = tuple[int, str, str, int]  # tenant, flow, node, slot


@dataclass
class Delta:
    """Additive changes to the projection tables."""

    queues: dict[QueueKey, list[float]] = field(default_factory=dict)
    agents: dict[AgentKey, list[float]] = field(default_factory=dict)
    pauses: dict[PauseKey, float] = field(default_factory=dict)
    #: log-in sessions: logged-out time, or None while still logged in
    sessions: dict[SessionKey, float | None] = field(default_factory=dict)
    #: finished call detail records (one per interaction, written once)
    calls: list[dict[str, Any]] = field(default_factory=list)
    ivr: dict[IvrKey, list[float]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(
            self.queues or self.agents or self.pauses or self.sessions or self.calls or self.ivr
        )


def slot_of(seconds: float) -> int:
    return int(seconds // SLOT_SECONDS)


class Projector:
    """Folds events into a `Delta`; `thresholds` maps a queue id to its service-level
    threshold in seconds (`default_threshold` for the others)."""

    def __init__(
        self,
        thresholds: Mapping[int, float] | None = None,
        default_threshold: float = 20.0,
        state: Mapping[str, Any] | None = None,
    ) -> None:
        self.thresholds = dict(thresholds or {})
        self.default_threshold = default_threshold
        # agent id → [tenant, state, reason, since, logged in at | None]
        self.agents: dict[int, list[Any]] = {}
        # interaction id → call: {tenant, arrived, first_queue, leg, ...} (see _call)
        self.calls: dict[str, dict[str, Any]] = {}
        # agent id → {interaction id: [tenant, queue, slot, closed at]} awaiting wrap-up
        self.wrapping: dict[int, dict[str, list[Any]]] = {}
        self.delta = Delta()
        if state:
            self._load(state)
        self._handlers: dict[str, Callable[[float, int, str | None, int | None, Any], None]] = {
            "acd.interaction_queued": self._queued,
            "acd.interaction_offered": self._offered,
            "acd.offer_cancelled": self._offer_cancelled,
            "acd.interaction_answered": self._answered,
            "acd.interaction_held": self._held,
            "acd.interaction_resumed": self._resumed,
            "acd.interaction_transferred": self._transferred,
            "acd.interaction_closed": self._closed,
            "acd.agent_state_changed": self._agent_state,
            "center.started": self._center_started,
            "ivr.node_visited": self._ivr_visited,
            "ivr.ended": self._ivr_ended,
        }

    # --- the API ------------------------------------------------------------------------

    def apply(
        self,
        kind: str,
        at: float,
        tenant: int | None,
        interaction_id: str | None,
        agent_id: int | None,
        payload: Mapping[str, Any],
    ) -> None:
        handler = self._handlers.get(kind)
        if handler is not None and tenant is not None:
            handler(at, tenant, interaction_id, agent_id, payload)

    def take(self) -> Delta:
        """The changes since the last `take()`."""
        delta, self.delta = self.delta, Delta()
        return delta

    def state(self) -> dict[str, Any]:
        """What the projector remembers between events, as JSON-able values."""
        return {
            "agents": {str(a): list(v) for a, v in self.agents.items()},
            "calls": {i: _jsonable_call(c) for i, c in self.calls.items()},
            "wrapping": {
                str(a): {i: list(v) for i, v in w.items()} for a, w in self.wrapping.items() if w
            },
        }

    def _load(self, state: Mapping[str, Any]) -> None:
        self.agents = {int(a): list(v) for a, v in state.get("agents", {}).items()}
        self.calls = {i: _call_from_json(c) for i, c in state.get("calls", {}).items()}
        self.wrapping = {
            int(a): {i: list(v) for i, v in w.items()} for a, w in state.get("wrapping", {}).items()
        }

    # --- helpers -------------------------------------------------------------------------

    def _queue_row(self, tenant: int, queue: int, slot: int) -> list[float]:
        key = (tenant, queue, slot)
        row = self.delta.queues.get(key)
        if row is None:
            row = self.delta.queues[key] = [0.0] * len(QUEUE_FIELDS)
        return row

    def _agent_row(self, tenant: int, agent: int, slot: int) -> list[float]:
        key = (tenant, agent, slot)
        row = self.delta.agents.get(key)
        if row is None:
            row = self.delta.agents[key] = [0.0] * len(AGENT_FIELDS)
        return row

    def _threshold(self, queue: int) -> float:
        return self.thresholds.get(queue, self.default_threshold)

    # --- calls ---------------------------------------------------------------------------

    def _queued(self, at: float, tenant: int, iid: str | None, _a: int | None, p: Any) -> None:
        if iid is None:
            return
        queue = int(p["queue_id"])
        call = self.calls.get(iid)
        if call is None:
            call = self.calls[iid] = _new_call(tenant, p, at, queue, p.get("campaign"))
        via = call["via"]
        slot = slot_of(at)
        row = self._queue_row(tenant, queue, slot)
        if via == "overflow":
            row[OVERFLOWED_IN] += 1
        elif via != "arrival":
            row[TRANSFERRED_IN] += 1
        # leg: queue, entered, slot, waited? (None until offered), answered at, agent,
        # hold since, hold seconds
        call["leg"] = [queue, at, slot, None, None, None, None, 0.0]

    def _offered(self, at: float, tenant: int, iid: str | None, agent: int | None, p: Any) -> None:
        call = self.calls.get(iid) if iid else None
        if call is not None and call["leg"] is not None:
            leg = call["leg"]
            if leg[3] is None:
                leg[3] = at > leg[1]
        if agent is not None:
            self._agent_row(tenant, agent, slot_of(at))[A_OFFERS] += 1

    def _offer_cancelled(
        self, at: float, tenant: int, iid: str | None, agent: int | None, p: Any
    ) -> None:
        if p.get("cause") != "no_answer":
            return
        if agent is not None:
            self._agent_row(tenant, agent, slot_of(at))[A_RONA] += 1
        call = self.calls.get(iid) if iid else None
        if call is not None and call["leg"] is not None:
            leg = call["leg"]
            self._queue_row(tenant, leg[0], leg[2])[RONA] += 1

    def _answered(self, at: float, tenant: int, iid: str | None, agent: int | None, p: Any) -> None:
        call = self.calls.get(iid) if iid else None
        if call is None or call["leg"] is None:
            return
        leg = call["leg"]
        leg[4] = at
        leg[5] = agent
        if call["answered_at"] is None:
            call["answered_at"] = at
        call["agent"] = agent
        if agent is not None:
            self._agent_row(tenant, agent, slot_of(at))[A_ANSWERED] += 1

    def _held(self, at: float, tenant: int, iid: str | None, _a: int | None, p: Any) -> None:
        call = self.calls.get(iid) if iid else None
        if call is not None and call["leg"] is not None and call["leg"][6] is None:
            call["leg"][6] = at

    def _resumed(self, at: float, tenant: int, iid: str | None, _a: int | None, p: Any) -> None:
        call = self.calls.get(iid) if iid else None
        if call is not None and call["leg"] is not None and call["leg"][6] is not None:
            leg = call["leg"]
            leg[7] += at - leg[6]
            leg[6] = None

    def _end_answered_leg(self, call: dict[str, Any], at: float, iid: str) -> None:
        leg = call["leg"]
        queue, entered, slot, did_wait, answered_at, agent, hold_since, hold = leg
        if hold_since is not None:
            hold += at - hold_since
        wait = answered_at - entered
        talk = max(0.0, at - answered_at - hold)
        row = self._queue_row(call["tenant"], queue, slot)
        row[OFFERED] += 1
        row[ANSWERED] += 1
        row[WITHIN] += wait <= self._threshold(queue)
        row[WAITED] += did_wait is not False
        row[WAIT_ANSWERED] += wait
        if wait > row[MAX_WAIT]:
            row[MAX_WAIT] = wait
        row[HANDLED] += 1
        row[TALK] += talk
        row[HOLD] += hold
        call["wait"] += wait
        call["talk"] += talk
        call["hold"] += hold
        call["legs"].append([queue, entered, answered_at, at, agent, "answered"])
        call["leg"] = None
        if agent is not None:
            call["pending_wrap"] += 1
            self.wrapping.setdefault(agent, {})[iid] = [call["tenant"], queue, slot, at]

    def _end_waiting_leg(
        self, call: dict[str, Any], at: float, what: int, waited: float | None, outcome: str
    ) -> None:
        leg = call["leg"]
        queue, entered, slot, did_wait = leg[0], leg[1], leg[2], leg[3]
        wait = at - entered if waited is None else waited
        row = self._queue_row(call["tenant"], queue, slot)
        row[what] += 1
        if what != MOVED_OUT:
            row[OFFERED] += 1
            row[WAITED] += did_wait is not False
            if wait > row[MAX_WAIT]:
                row[MAX_WAIT] = wait
        if what in (ABANDONED, SHORT):
            row[WAIT_ABANDONED] += wait
        call["wait"] += wait
        call["legs"].append([queue, entered, None, at, None, outcome])
        call["leg"] = None

    def _transferred(self, at: float, tenant: int, iid: str | None, _a: int | None, p: Any) -> None:
        call = self.calls.get(iid) if iid else None
        if call is None or iid is None:
            return
        kind = p.get("kind") or "transfer"
        if call["leg"] is not None:
            if call["leg"][4] is not None:
                self._end_answered_leg(call, at, iid)
            elif kind == "overflow":
                self._end_waiting_leg(call, at, OVERFLOWED_OUT, None, "overflowed")
            else:
                self._end_waiting_leg(call, at, MOVED_OUT, None, kind)
        if kind == "overflow":
            call["overflows"] += 1
        else:
            call["transfers"] += 1
        call["via"] = kind

    def _closed(self, at: float, tenant: int, iid: str | None, agent: int | None, p: Any) -> None:
        if iid is None:
            return
        outcome = p["outcome"]
        call = self.calls.get(iid)
        if call is None:  # refused at entry: never queued
            queue = p.get("queue_id")
            if outcome == "rejected" and queue is not None:
                self._queue_row(tenant, int(queue), slot_of(at))[REJECTED] += 1
            first = int(queue) if queue is not None else None
            call = _new_call(tenant, p, at, first, None)
            call["closed"] = [at, outcome, first]
            self._finish(call, iid)
            return
        last_queue = call["leg"][0] if call["leg"] is not None else None
        if call["leg"] is not None:
            if outcome == "answered" and call["leg"][4] is not None:
                self._end_answered_leg(call, at, iid)
            elif outcome in _LEG_END:
                self._end_waiting_leg(call, at, _LEG_END[outcome], p.get("waited"), outcome)
            elif outcome == "rejected":
                leg = call["leg"]
                self._queue_row(tenant, leg[0], leg[2])[REJECTED] += 1
                call["legs"].append([leg[0], leg[1], None, at, None, outcome])
                call["leg"] = None
        if last_queue is None and call["legs"]:
            last_queue = call["legs"][-1][0]
        call["closed"] = [at, outcome, last_queue]
        if not call["pending_wrap"]:
            del self.calls[iid]
            self._finish(call, iid)

    def _finish(self, call: dict[str, Any], iid: str) -> None:
        at, outcome, last_queue = call["closed"]
        self.delta.calls.append(
            {
                "interaction_id": iid,
                "tenant_id": call["tenant"],
                "arrived_at": call["arrived"],
                "answered_at": call["answered_at"],
                "ended_at": at,
                "outcome": outcome,
                "first_queue_id": call["first_queue"],
                "last_queue_id": last_queue,
                "agent_id": call["agent"],
                "wait_seconds": call["wait"],
                "talk_seconds": call["talk"],
                "hold_seconds": call["hold"],
                "wrap_seconds": call["wrap"],
                "transfers": call["transfers"],
                "overflows": call["overflows"],
                "legs": [
                    {
                        "queue_id": q,
                        "entered_at": e,
                        "answered_at": a,
                        "ended_at": end,
                        "agent_id": ag,
                        "outcome": o,
                    }
                    for q, e, a, end, ag, o in call["legs"]
                ],
            }
        )

    def _wrap_done(self, agent: int, at: float, in_wrap: bool) -> None:
        """The agent left wrap-up (or never entered it): finish its pending legs."""
        pending = self.wrapping.pop(agent, None)
        if not pending:
            return
        for iid, (tenant, queue, slot, closed_at) in pending.items():
            wrap = max(0.0, at - closed_at) if in_wrap else 0.0
            self._queue_row(tenant, queue, slot)[WRAP] += wrap
            call = self.calls.get(iid)
            if call is None:
                continue
            call["wrap"] += wrap
            call["pending_wrap"] -= 1
            if call["pending_wrap"] <= 0 and call["closed"] is not None:
                del self.calls[iid]
                self._finish(call, iid)

    # --- agents --------------------------------------------------------------------------

    def _agent_state(
        self, at: float, tenant: int, _i: str | None, agent: int | None, p: Any
    ) -> None:
        if agent is None:
            return
        state = p["state"]
        reason = p.get("reason")
        a = self.agents.get(agent)
        previous = "logged_out" if a is None else a[1]
        if a is not None:
            self._span(agent, a, at)
        login: float | None
        if previous == "logged_out" and state != "logged_out":
            login = at
            self.delta.sessions[(tenant, agent, login)] = None
        else:
            login = a[4] if a is not None else None
        if state == "logged_out":
            if login is not None:
                self.delta.sessions[(tenant, agent, login)] = at
            login = None
        if state != "wrap_up":
            self._wrap_done(agent, at, previous == "wrap_up")
        if state == "logged_out":
            self.agents.pop(agent, None)
        else:
            self.agents[agent] = [tenant, state, reason, at, login]

    def _span(self, agent: int, a: list[Any], at: float) -> None:
        tenant, state, reason, since = a[0], a[1], a[2], a[3]
        index = _STATE_INDEX.get(state)
        if index is None or at <= since:
            return
        t = since
        while t < at:
            slot = slot_of(t)
            upto = min(at, (slot + 1) * SLOT_SECONDS)
            if upto <= t:  # float edge: step to the next slot
                upto = min(at, (slot + 2) * SLOT_SECONDS)
            seconds = upto - t
            self._agent_row(tenant, agent, slot)[index] += seconds
            if reason is not None and state == "not_ready":
                key = (tenant, agent, slot, reason)
                self.delta.pauses[key] = self.delta.pauses.get(key, 0.0) + seconds
            t = upto

    def _center_started(
        self, at: float, tenant: int, _i: str | None, _a: int | None, p: Any
    ) -> None:
        for agent, a in list(self.agents.items()):
            if a[0] != tenant:
                continue
            self._span(agent, a, at)
            if a[4] is not None:
                self.delta.sessions[(a[0], agent, a[4])] = at
            self._wrap_done(agent, at, a[1] == "wrap_up")
            del self.agents[agent]
        for iid, call in list(self.calls.items()):
            if call["tenant"] != tenant:
                continue
            if call["closed"] is None:
                leg = call["leg"]
                call["closed"] = [at, "lost", leg[0] if leg is not None else None]
                if leg is not None:
                    call["legs"].append([leg[0], leg[1], leg[4], at, leg[5], "lost"])
                    call["leg"] = None
            del self.calls[iid]
            self._finish(call, iid)

    # --- IVR -----------------------------------------------------------------------------

    def _ivr_row(self, tenant: int, flow: str, node: str, at: float) -> list[float]:
        key = (tenant, flow, node, slot_of(at))
        row = self.delta.ivr.get(key)
        if row is None:
            row = self.delta.ivr[key] = [0.0] * len(IVR_FIELDS)
        return row

    def _ivr_visited(self, at: float, tenant: int, _i: str | None, _a: int | None, p: Any) -> None:
        self._ivr_row(tenant, p["flow"], p["node"], at)[0] += 1

    def _ivr_ended(self, at: float, tenant: int, _i: str | None, _a: int | None, p: Any) -> None:
        index = _IVR_INDEX.get(p.get("outcome", ""))
        if index is not None:
            self._ivr_row(tenant, p["flow"], p["node"], at)[index] += 1


def _new_call(
    tenant: int, p: Mapping[str, Any], at: float, queue: int | None, campaign: Any
) -> dict[str, Any]:
    """What the projector keeps of a call until its record is finished."""
    return {
        "tenant": tenant,
        "arrived": float(_given(p.get("arrived_at"), at)),
        "first_queue": queue,
        "campaign": campaign,
        "leg": None,  # the queue stay in progress (see _queued)
        "via": "arrival",  # how it entered its next queue: arrival, overflow, transfer...
        "answered_at": None,
        "agent": None,
        "wait": 0.0,
        "talk": 0.0,
        "hold": 0.0,
        "wrap": 0.0,
        "transfers": 0,
        "overflows": 0,
        "legs": [],
        "closed": None,
        "pending_wrap": 0,
    }


def _given(value: Any, default: Any) -> Any:
    """A payload field, or `default` where it is absent or null."""
    return default if value is None else value


def _jsonable_call(call: dict[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, list) else v) for k, v in call.items()}


def _call_from_json(call: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(call)
    out["legs"] = [list(leg) for leg in call.get("legs", [])]
    out["leg"] = list(call["leg"]) if call.get("leg") is not None else None
    return out
