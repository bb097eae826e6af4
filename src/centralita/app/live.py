"""What the live pages show, per queue and per agent, and how events change it.

`LiveView` turns the router's state and today's event log into rows (plain dicts, ready
for JSON): one per queue (waiting, oldest wait, agents by state, lines in use, and today's
answered / abandoned / service level from `centralita.sim.measures`, the KPIS.md
definitions the reports use) and one per agent (state, reason, since, current interaction,
handled today, station, pending wrap-up).

`apply(events)` feeds committed events in and says which rows changed; a page that loaded
`queue_row`/`agent_row` once and then merges the changed rows it is sent equals a fresh
load (tests/app/test_live_view.py checks exactly that). Times are absolute epoch seconds
(`since`, `oldest_since`), so a page counts its running clocks itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from centralita.app.center import LiveCenter
from centralita.app.journal import PREFIX, record_from_event, to_datetime
from centralita.core.outcomes import AgentState, Outcome
from centralita.core.records import (
    InteractionClosed,
    PauseLimitExceeded,
)
from centralita.errors import NotFound
from centralita.sim.measures import Tally
from centralita.store.models import Event, PauseReason, Queue, User

STATION_KIND = "agent.station_logged_in"
WRAPPED_KIND = "interaction.wrapped_up"
BUSY = (AgentState.RESERVED, AgentState.TALKING, AgentState.ON_HOLD)


@dataclass
class Changes:
    """Which rows an event batch changed, and alerts to show once."""

    queues: set[str] = field(default_factory=set)
    agents: set[str] = field(default_factory=set)
    alerts: list[dict[str, Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.queues or self.agents or self.alerts)


def day_bounds(now: float, timezone: str) -> tuple[float, float]:
    """Start and end (epoch seconds) of the center's day containing `now`."""
    local = to_datetime(now).astimezone(ZoneInfo(timezone))
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=1, hours=2)).replace(hour=0)
    return start.timestamp(), end.timestamp()


class LiveView:
    """Rows for the wallboard and the desktop, kept current from committed events."""

    def __init__(self, center: LiveCenter, *, timezone: str = "UTC") -> None:
        self.center = center
        self.timezone = timezone
        self.queue_info: dict[str, dict[str, Any]] = {}
        self.agent_info: dict[str, dict[str, Any]] = {}
        self.pause_max: dict[tuple[int, str], int | None] = {}
        self.stations: dict[str, str] = {}
        # answered interactions each agent has not wrapped up yet, oldest first
        self.pending_wrapup: dict[str, list[str]] = {}
        self.interaction_queue: dict[str, str] = {}
        self.in_queue: dict[str, set[str]] = {}  # queue → its live interactions
        self.day = (0.0, 0.0)
        self.tally: Tally | None = None
        self._measures: dict[str, Any] | None = None
        self._load()

    # --- loading --------------------------------------------------------------------

    def _load(self) -> None:
        center = self.center
        with center.store.read() as session:
            for q in session.scalars(select(Queue).order_by(Queue.id)):
                self.queue_info[str(q.id)] = {
                    "tenant_id": q.tenant_id,
                    "name": q.name,
                    "sl_seconds": q.service_level_seconds,
                    "sl_target": q.service_level_target,
                }
            for u in session.scalars(select(User).where(User.role == "agent")):
                self.agent_info[str(u.id)] = {"tenant_id": u.tenant_id, "name": u.display_name}
            for r in session.scalars(select(PauseReason)):
                self.pause_max[(r.tenant_id, r.code)] = r.max_seconds
        self.day = day_bounds(center.now(), self.timezone)
        self._replay_day()
        # the router is the truth about what is live now (after a restart it starts
        # empty: interactions the log left open are not on any line any more)
        self.interaction_queue.clear()
        self.in_queue.clear()
        for iid in center.router.interaction_ids():
            snap = center.router.interaction_snapshot(iid)
            if snap.queue_id is not None:
                self._place(iid, snap.queue_id)

    def _replay_day(self) -> None:
        start, end = self.day
        self.tally = Tally(
            {q: float(i["sl_seconds"]) for q, i in self.queue_info.items()},
            {},
            start,
            end,
            interval_seconds=end,  # one interval: the wallboard shows the day
        )
        self._measures = None
        self.stations.clear()
        self.pending_wrapup.clear()
        with self.center.store.read() as session:
            rows = session.scalars(
                select(Event).where(Event.at >= to_datetime(start)).order_by(Event.id)
            )
            for event in rows:
                self._feed(event, Changes())

    def roll_day(self) -> bool:
        """Start a new day's figures when the clock has passed midnight."""
        if self.center.now() < self.day[1]:
            return False
        self.day = day_bounds(self.center.now(), self.timezone)
        self._replay_day()
        return True

    # --- events ---------------------------------------------------------------------

    def apply(self, events: Iterable[Any]) -> Changes:
        changes = Changes()
        for event in events:
            self._feed(event, changes)
        if changes.queues:
            self._measures = None
        return changes

    def _feed(self, event: Any, changes: Changes) -> None:
        kind = event.kind
        if kind.startswith(PREFIX):
            record = record_from_event(event)
            assert self.tally is not None
            self.tally.add(record)
            self._track(record, changes)
        elif kind == STATION_KIND:
            agent = str(event.agent_id)
            self.stations[agent] = event.payload["station"]
            changes.agents.add(agent)
        elif kind == WRAPPED_KIND and event.agent_id is not None:
            agent = str(event.agent_id)
            pending = self.pending_wrapup.get(agent, [])
            if event.interaction_id in pending:
                pending.remove(event.interaction_id)
                changes.agents.add(agent)

    def _track(self, record: Any, changes: Changes) -> None:
        iid = getattr(record, "interaction_id", None)
        agent = getattr(record, "agent_id", None)
        if agent is not None:
            changes.agents.add(agent)
        queue = getattr(record, "queue_id", None) or getattr(record, "to_queue", None)
        if iid is not None:
            old = self.interaction_queue.get(iid)
            if old is not None:
                changes.queues.add(old)
            if isinstance(record, InteractionClosed):
                self._place(iid, None)
                if record.outcome is Outcome.ANSWERED and record.agent_id is not None:
                    self.pending_wrapup.setdefault(record.agent_id, []).append(iid)
                    changes.agents.add(record.agent_id)
            elif queue is not None:
                self._place(iid, queue)
        if queue is not None:
            changes.queues.add(queue)
        if agent is not None:
            # an agent's state changes the "agents by state" of every queue it serves
            changes.queues.update(self._queues_of(agent))
        if isinstance(record, PauseLimitExceeded):
            changes.alerts.append(
                {
                    "kind": "pause_exceeded",
                    "agent_id": record.agent_id,
                    "reason": record.reason,
                    "limit": record.limit,
                }
            )

    def _place(self, interaction_id: str, queue: str | None) -> None:
        old = self.interaction_queue.pop(interaction_id, None)
        if old is not None:
            self.in_queue[old].discard(interaction_id)
        if queue is not None:
            self.interaction_queue[interaction_id] = queue
            self.in_queue.setdefault(queue, set()).add(interaction_id)

    def _queues_of(self, agent_id: str) -> tuple[str, ...]:
        try:
            return self.center.router.agent_snapshot(agent_id).queues
        except Exception:
            return ()

    # --- rows -----------------------------------------------------------------------

    def measures(self) -> dict[str, Any]:
        if self._measures is None:
            assert self.tally is not None
            self._measures = self.tally.result().queues
        return self._measures

    def queue_row(self, queue_id: str) -> dict[str, Any]:
        info = self.queue_info[queue_id]
        router = self.center.router
        now = router.now if router.now != float("-inf") else self.center.now()
        snap = router.queue_snapshot(queue_id, now)
        by_state = snap.agents
        m = self.measures()[queue_id]
        live = self.in_queue.get(queue_id, set())
        lines = len(live)
        waiting_list = []
        for iid in live if snap.waiting else ():
            try:
                inter = router.interaction_snapshot(iid)
            except NotFound:  # already gone; its closing event is on its way to us
                continue
            if inter.state == "waiting":
                waiting_list.append({"id": iid, "since": round(inter.enqueued_at, 3)})
        waiting_list.sort(key=lambda w: (w["since"], w["id"]))
        return {
            "id": queue_id,
            "name": info["name"],
            "waiting": snap.waiting - snap.ringing,
            "ringing": snap.ringing,
            "oldest_since": round(now - snap.longest_wait, 3) if snap.waiting else None,
            "available": by_state[AgentState.AVAILABLE],
            "busy": sum(by_state[s] for s in BUSY),
            "wrap_up": by_state[AgentState.WRAP_UP],
            "not_ready": by_state[AgentState.NOT_READY],
            "logged_in": snap.logged_in,
            "answered": m.answered,
            "abandoned": m.abandoned + m.short_abandoned,
            "offered": m.offered,
            "service_level": round(m.service_level, 4),
            "sl_measured": m.answered + m.abandoned > 0,
            "sl_target": info["sl_target"],
            "sl_seconds": info["sl_seconds"],
            "lines": lines,
            "waiting_list": waiting_list[:20],
        }

    def agent_row(self, agent_id: str) -> dict[str, Any]:
        info = self.agent_info.get(agent_id, {"tenant_id": None, "name": agent_id})
        snap = self.center.router.agent_snapshot(agent_id)
        current = snap.interactions[0] if snap.interactions else None
        queue = self.interaction_queue.get(current) if current else None
        limit = None
        if snap.reason is not None:
            limit = self.pause_max.get((info["tenant_id"], snap.reason))
        return {
            "id": agent_id,
            "name": info["name"],
            "state": snap.state.value,
            "reason": snap.reason,
            "pause_max": limit,
            "since": round(snap.since, 3),
            "interaction": current,
            "queue": self.queue_info[queue]["name"] if queue in self.queue_info else None,
            "handled_today": snap.handled_today,
            "station": self.stations.get(agent_id) if snap.state != AgentState.LOGGED_OUT else None,
            "pending_wrapup": next(iter(self.pending_wrapup.get(agent_id, ())), None),
        }

    def queues_of_tenants(self, tenant_ids: Iterable[int]) -> list[str]:
        wanted = set(tenant_ids)
        return [q for q, i in self.queue_info.items() if i["tenant_id"] in wanted]

    def snapshot(self, queue_ids: Iterable[str], agent_ids: Iterable[str]) -> dict[str, Any]:
        """A fresh load of a page: its queue and agent rows."""
        return {
            "queues": {q: self.queue_row(q) for q in queue_ids},
            "agents": {a: self.agent_row(a) for a in agent_ids},
        }
