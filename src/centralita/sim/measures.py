"""Contact-center measures computed from the router's records (KPIS.md definitions).

Pure: no I/O, no clock. The simulator feeds the records as the router returns them; a
live report can feed the same records read back from the event log. Use `measure()` on
an iterable of records, or a `Tally` fed record by record (`add`, or the typed methods
the simulator calls after its own dispatch) and read with `result()`.

Which calls count: those that *arrived* (`arrived_at`, before any IVR) in the window
[start, end); a call belongs to the queue it was last in, and to the interval in which
it entered that queue. Agent time counts inside the window only.

Per queue (threshold T = the queue's service-level seconds):

* `offered` = answered + abandoned + short_abandoned + overflowed + callback_requested;
  `rejected` calls are apart (they never entered);
* `service_level` = answered within T ÷ (answered + abandoned), where `abandoned` are the
  abandons after the short-abandon threshold (the core's `abandoned` outcome);
* `service_level_answered` = answered within T ÷ answered;
  `service_level_offered` = answered within T ÷ offered;
* `asa_seconds` = mean wait of answered calls (ringing included, KPIS.md "Wait");
* `p_wait` = share of offered calls that waited at all: not offered to an agent the
  moment they entered the queue (they found no free qualified agent);
* `abandon_rate` = (abandoned + short_abandoned) ÷ offered; `average_abandon_seconds`
  = mean wait of those calls (short ones included, as Erlang A's mean abandon wait).

Per agent group: `occupancy` = handle ÷ (handle + available) with handle = talking +
on hold + wrap-up (pauses and ringing excluded); `utilization` = handle ÷ logged in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from centralita.core.outcomes import AgentState, Outcome
from centralita.core.records import (
    AgentStateChanged,
    InteractionAnswered,
    InteractionClosed,
    InteractionOffered,
    InteractionQueued,
    InteractionTransferred,
    Record,
)

HANDLE, AVAILABLE, RINGING, PAUSED, OFF = 0, 1, 2, 3, 4
_KIND = {
    AgentState.TALKING: HANDLE,
    AgentState.ON_HOLD: HANDLE,
    AgentState.WRAP_UP: HANDLE,
    AgentState.AVAILABLE: AVAILABLE,
    AgentState.RESERVED: RINGING,
    AgentState.NOT_READY: PAUSED,
    AgentState.LOGGED_OUT: OFF,
}
# counters per queue and per interval, indexes into lists of floats
OFFERED, ANSWERED, WITHIN, ABANDONED, SHORT, OVERFLOWED, CALLBACK, REJECTED = range(8)
WAITED, WAIT_ANSWERED, WAIT_ABANDONED, LENGTH_AREA = range(8, 12)
_ANSWERED = Outcome.ANSWERED
_OUTCOME = {
    Outcome.ABANDONED: ABANDONED,
    Outcome.SHORT_ABANDONED: SHORT,
    Outcome.OVERFLOWED: OVERFLOWED,
    Outcome.CALLBACK_REQUESTED: CALLBACK,
    Outcome.REJECTED: REJECTED,
}


@dataclass(frozen=True)
class QueueMeasures:
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    overflowed: int
    callback_requested: int
    rejected: int
    service_level: float
    service_level_answered: float
    service_level_offered: float
    asa_seconds: float
    p_wait: float
    abandon_rate: float
    average_abandon_seconds: float


@dataclass(frozen=True)
class GroupMeasures:
    occupancy: float
    utilization: float
    handle_hours: float
    available_hours: float
    paused_hours: float


@dataclass(frozen=True)
class IntervalMeasures:
    """One reporting interval of one queue (all calls, warm-up included)."""

    start: float  # seconds from the simulation's start
    offered: int
    answered: int
    service_level: float  # NaN when nothing was answered or abandoned
    queue_length: float  # time-average number waiting (ringing included)


@dataclass(frozen=True)
class Measures:
    queues: dict[str, QueueMeasures]
    agent_groups: dict[str, GroupMeasures]
    intervals: dict[str, list[IntervalMeasures]]


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else 0.0


class Tally:
    """Accumulates the counters behind `Measures`, one record at a time."""

    def __init__(
        self,
        thresholds: Mapping[str, float],
        agent_groups: Mapping[str, str],
        start: float,
        end: float,
        interval_seconds: float = 1800.0,
    ) -> None:
        """`thresholds`: queue id → service-level T; `agent_groups`: agent id → group."""
        self.start, self.end, self.step = start, end, interval_seconds
        self.queue_ids = list(thresholds)
        self.index = {q: i for i, q in enumerate(self.queue_ids)}
        self.threshold = [float(thresholds[q]) for q in self.queue_ids]
        self.counts = [[0.0] * 12 for _ in self.queue_ids]
        # Intervals are aligned to the clock (multiples of the step since time 0) and
        # counted from the one holding `start`, so epoch times need no million slots.
        self.first = int(start // interval_seconds)
        self.slots = max(1, math.ceil(end / interval_seconds) - self.first)
        self.intervals = [[[0.0] * 12 for _ in range(self.slots)] for _ in self.queue_ids]
        self.length = [0] * len(self.queue_ids)
        self.length_since = [0.0] * len(self.queue_ids)
        self.group_ids = sorted(set(agent_groups.values()))
        gi = {g: i for i, g in enumerate(self.group_ids)}
        self.group_time = [[0.0] * 5 for _ in self.group_ids]
        # agent id → [group index, state kind, since]
        self.agents: dict[str, list[Any]] = {
            a: [gi[g], OFF, start] for a, g in agent_groups.items()
        }
        # interactions in a queue: id → [queue index, entered at, waited?, arrived at]
        self.waiting: dict[str, list[object]] = {}
        # connected interactions: id → (queue index, waited, entered at, waited?)
        self.connected: dict[str, tuple[int, float, float, bool]] = {}

    # --- records ----------------------------------------------------------------------

    def add(self, r: Record) -> None:
        kind = type(r)
        if kind is AgentStateChanged:
            self.agent_state(r)  # type: ignore[arg-type]
        elif kind is InteractionQueued:
            self.queued(r)  # type: ignore[arg-type]
        elif kind is InteractionOffered:
            self.offered(r)  # type: ignore[arg-type]
        elif kind is InteractionAnswered:
            self.answered(r)  # type: ignore[arg-type]
        elif kind is InteractionClosed:
            self.closed(r)  # type: ignore[arg-type]
        elif kind is InteractionTransferred:
            self.transferred(r)  # type: ignore[arg-type]

    def queued(self, r: InteractionQueued) -> None:
        qi = self.index[r.queue_id]
        at = r.at
        self.waiting[r.interaction_id] = [qi, at, None, r.arrived_at]
        self._length(qi, at, 1)

    def offered(self, r: InteractionOffered) -> None:
        w = self.waiting.get(r.interaction_id)
        if w is not None and w[2] is None:
            w[2] = r.at > w[1]  # type: ignore[operator]

    def answered(self, r: InteractionAnswered) -> None:
        w = self.waiting.pop(r.interaction_id, None)
        if w is None:
            return
        qi: int = w[0]  # type: ignore[assignment]
        at = r.at
        self._length(qi, at, -1)
        self.connected[r.interaction_id] = (qi, r.waited, at - r.waited, w[2] is not False)

    def transferred(self, r: InteractionTransferred) -> None:
        w = self.waiting.pop(r.interaction_id, None)
        if w is None:
            return
        qi: int = w[0]  # type: ignore[assignment]
        self._length(qi, r.at, -1)
        if r.kind == "overflow":
            arrived: float = w[3]  # type: ignore[assignment]
            entered: float = w[1]  # type: ignore[assignment]
            self._count(qi, OVERFLOWED, arrived, entered, 0.0, w[2] is not False)

    def closed(self, r: InteractionClosed) -> None:
        iid = r.interaction_id
        if r.outcome is _ANSWERED:
            c = self.connected.pop(iid, None)
            if c is None:
                return
            qi, waited, entered, did_wait = c
            within = waited <= self.threshold[qi]
            k = int(entered // self.step) - self.first
            if 0 <= k < self.slots:
                cell = self.intervals[qi][k]
                cell[OFFERED] += 1
                cell[ANSWERED] += 1
                cell[WITHIN] += within
            if self.start <= r.arrived_at < self.end:
                row = self.counts[qi]
                row[OFFERED] += 1
                row[ANSWERED] += 1
                row[WAIT_ANSWERED] += waited
                row[WAITED] += did_wait
                row[WITHIN] += within
            return
        w = self.waiting.pop(iid, None)
        if w is not None:
            qi = w[0]  # type: ignore[assignment]
            self._length(qi, r.at, -1)
            entered, did_wait = w[1], w[2] is not False  # type: ignore[assignment]
        elif r.queue_id is not None and r.queue_id in self.index:
            qi, entered, did_wait = self.index[r.queue_id], r.at, False  # refused at entry
        else:
            return
        self._count(qi, _OUTCOME[r.outcome], r.arrived_at, entered, r.waited, did_wait)

    def agent_state(self, r: AgentStateChanged) -> None:
        a = self.agents.get(r.agent_id)
        if a is None:
            return
        at = r.at
        lo = a[2]
        if lo < self.start:
            lo = self.start
        hi = at if at < self.end else self.end
        if hi > lo:
            self.group_time[a[0]][a[1]] += hi - lo
        a[1] = _KIND[r.state]
        a[2] = at

    # --- helpers ----------------------------------------------------------------------

    def _count(
        self, qi: int, what: int, arrived: float, entered: float, waited: float, did_wait: bool
    ) -> None:
        self._slot(qi, entered, what, waited)
        if not self.start <= arrived < self.end:
            return
        row = self.counts[qi]
        row[what] += 1
        if what == REJECTED:
            return
        row[OFFERED] += 1
        row[WAITED] += did_wait
        if what in (ABANDONED, SHORT):
            row[WAIT_ABANDONED] += waited

    def _slot(self, qi: int, entered: float, what: int, waited: float) -> None:
        k = int(entered // self.step) - self.first
        if 0 <= k < self.slots:
            cell = self.intervals[qi][k]
            cell[what] += 1
            if what != REJECTED:
                cell[OFFERED] += 1
            if what == ANSWERED and waited <= self.threshold[qi]:
                cell[WITHIN] += 1

    def _length(self, qi: int, at: float, delta: int) -> None:
        length = self.length
        n = length[qi]
        since = self.length_since[qi]
        if n and at > since:
            step = self.step
            rows = self.intervals[qi]
            t = since
            first = self.first
            k = int(t // step) - first
            slots = self.slots
            while t < at and k < slots:  # k advances every turn: no float trap
                upto = min(at, (k + first + 1) * step)
                if upto > t:
                    if k >= 0:
                        rows[k][LENGTH_AREA] += n * (upto - t)
                    t = upto
                k += 1
        length[qi] = n + delta
        self.length_since[qi] = at

    # --- result -----------------------------------------------------------------------

    def result(self) -> Measures:
        """The measures so far (agents' current states count up to the window's end)."""
        time = [list(row) for row in self.group_time]
        for gi, kind, since in self.agents.values():
            lo, hi = max(since, self.start), self.end
            if hi > lo:
                time[gi][kind] += hi - lo
        groups = {
            g: GroupMeasures(
                occupancy=_ratio(t[HANDLE], t[HANDLE] + t[AVAILABLE]),
                utilization=_ratio(t[HANDLE], t[HANDLE] + t[AVAILABLE] + t[RINGING] + t[PAUSED]),
                handle_hours=t[HANDLE] / 3600.0,
                available_hours=t[AVAILABLE] / 3600.0,
                paused_hours=t[PAUSED] / 3600.0,
            )
            for g, t in zip(self.group_ids, time, strict=True)
        }
        queues = {q: _queue(self.counts[i]) for i, q in enumerate(self.queue_ids)}
        intervals = {
            q: [
                IntervalMeasures(
                    start=(k + self.first) * self.step,
                    offered=int(c[OFFERED]),
                    answered=int(c[ANSWERED]),
                    service_level=(
                        c[WITHIN] / (c[ANSWERED] + c[ABANDONED])
                        if c[ANSWERED] + c[ABANDONED] > 0
                        else math.nan
                    ),
                    queue_length=c[LENGTH_AREA] / self.step,
                )
                for k, c in enumerate(self.intervals[i])
            ]
            for i, q in enumerate(self.queue_ids)
        }
        return Measures(queues, groups, intervals)


def _queue(c: list[float]) -> QueueMeasures:
    abandons = c[ABANDONED] + c[SHORT]
    return QueueMeasures(
        offered=int(c[OFFERED]),
        answered=int(c[ANSWERED]),
        abandoned=int(c[ABANDONED]),
        short_abandoned=int(c[SHORT]),
        overflowed=int(c[OVERFLOWED]),
        callback_requested=int(c[CALLBACK]),
        rejected=int(c[REJECTED]),
        service_level=_ratio(c[WITHIN], c[ANSWERED] + c[ABANDONED]),
        service_level_answered=_ratio(c[WITHIN], c[ANSWERED]),
        service_level_offered=_ratio(c[WITHIN], c[OFFERED]),
        asa_seconds=_ratio(c[WAIT_ANSWERED], c[ANSWERED]),
        p_wait=_ratio(c[WAITED], c[OFFERED]),
        abandon_rate=_ratio(abandons, c[OFFERED]),
        average_abandon_seconds=_ratio(c[WAIT_ABANDONED], abandons),
    )


def measure(
    records: Iterable[Record],
    thresholds: Mapping[str, float],
    agent_groups: Mapping[str, str],
    start: float,
    end: float,
    interval_seconds: float = 1800.0,
) -> Measures:
    """The measures of a stream of records (see the module's definitions)."""
    tally = Tally(thresholds, agent_groups, start, end, interval_seconds)
    add = tally.add
    for record in records:
        add(record)
    return tally.result()
