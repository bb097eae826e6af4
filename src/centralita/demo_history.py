"""Three weeks of simulated history for the demo company, so its reports are not empty.

`seed_demo_history(store, timezone=...)` simulates the demo's own queues (read from the
store, so they match `centralita.demo`) and its six agents, one day at a time up to
yesterday, and writes the days into the event log with `centralita.app.history` — the
live center's journal, so the history is what the center would have logged. Weekdays run
08:00-18:00 with two eight-hour shifts, a break and lunch, and a morning and an
afternoon peak; Saturdays are a shorter, quieter morning and Sundays a small support and
collections desk; Mondays are the busiest day. The caller numbers of one support stream
are the demo contacts', so their history pages show past calls, and every answered call
of the last week gets its agent's wrap-up (a disposition of the campaign and its form), so
the disposition report has data too. It writes nothing when the tenant already holds simulated days.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from centralita.app.history import ACTOR, History, day_actor, store_days
from centralita.clock import utcnow
from centralita.demo import DEMO_TENANT, DEMO_USERS
from centralita.sim.scenario import Scenario, parse_scenario
from centralita.store.actions import do_submit_wrapup
from centralita.store.db import Store
from centralita.store.models import Campaign, Disposition, Event, Interaction, Queue, Tenant

HISTORY_DAYS = 21
WRAP_UP_DAYS = 7
SEED = 2026

# share of the peak rate in each half hour from 08:00 to 18:00 (two humps, lunch dip)
CURVE = (0.45, 0.7, 0.9, 1.0, 1.0, 0.95, 0.85, 0.75, 0.65, 0.7,
         0.85, 0.95, 1.0, 0.95, 0.85, 0.75, 0.6, 0.5, 0.4, 0.3)  # fmt: skip
# peak calls per hour and handle time (mean, sd seconds) per campaign queue, its line
LINES = {
    "Ventas": (8.0, 240, 150, "6015550100"),
    "Soporte": (10.0, 300, 200, "6015550200"),
    "Cobranzas": (6.0, 200, 120, "6015550300"),
}
DAY_FACTOR = (1.15, 1.0, 0.95, 0.95, 1.05, 0.6, 0.35)  # Monday .. Sunday
# agent → (shift start, end, break, lunch) on weekdays
SHIFTS = {
    "ana": ("08:00", "16:00", "10:00", "12:00"),
    "diana": ("08:00", "16:00", "10:30", "12:45"),
    "felipe": ("08:00", "16:00", "11:00", "13:30"),
    "carlos": ("10:00", "18:00", "15:30", "13:00"),
    "esteban": ("10:00", "18:00", "16:00", "14:00"),
    "gloria": ("10:00", "18:00", "16:30", "14:45"),
}
OPENS, HOURS = "08:00", 10  # weekdays
WEEKEND = {  # weekday → (opens, hours, agents on duty)
    5: ("08:00", 6, ("ana", "esteban", "gloria")),
    6: ("09:00", 4, ("diana", "gloria")),
}
GAMMA = "gamma"


def has_history(store: Store, tenant: str = DEMO_TENANT) -> bool:
    """Whether the tenant already holds simulated days."""
    with store.read() as session:
        found = session.scalars(
            select(Event.id)
            .join(Tenant, Tenant.id == Event.tenant_id)
            .where(Tenant.slug == tenant, Event.actor.like(f"{ACTOR}:%"))
            .limit(1)
        ).first()
    return found is not None


def seed_demo_history(
    store: Store,
    *,
    timezone: str,
    days: int = HISTORY_DAYS,
    today: date | None = None,
    progress: Callable[[float], None] | None = None,
) -> History | None:
    """Store the `days` before `today` (default: today in `timezone`) of simulated history;
    None (nothing written) if the demo already has simulated days or `days` is 0."""
    if days <= 0 or has_history(store):
        return None
    today = today or utcnow().astimezone(ZoneInfo(timezone)).date()
    queues = _queues(store)
    scenarios = {weekday: demo_scenario(weekday, queues) for weekday in range(7)}
    plan = [
        (day, scenarios[day.weekday()])
        for day in (today - timedelta(days=days - k) for k in range(days))
    ]
    usernames = {f"{u.username}-1": u.username for u in DEMO_USERS if u.role == "agent"}

    def share(done: float, start: float, width: float) -> None:
        if progress is not None:
            progress(start + width * done)

    history = store_days(
        store,
        DEMO_TENANT,
        plan,
        base=Path("."),
        timezone=timezone,
        seed=SEED,
        source="demo history",
        usernames=usernames,
        progress=lambda done: share(done, 0.0, 0.8),
    )
    started = time.perf_counter()
    history.events += _wrap_ups(store, history, lambda done: share(done, 0.8, 0.2))
    history.wall_seconds += time.perf_counter() - started
    return history


def _wrap_ups(store: Store, history: History, progress: Callable[[float], None]) -> int:
    """Each answered call of the last `WRAP_UP_DAYS` gets its agent's wrap-up: a
    disposition of the campaign and its form filled in (`do_submit_wrapup`, as the desktop
    does), a few seconds after the call ended. (Only the last days: the action costs about
    as much as the rest of a call's history, and the demo should start quickly.) Returns
    how many were written (one event each)."""
    rng = Random(SEED)
    actors = {day_actor(d.day) for d in history.days[max(0, len(history.days) - WRAP_UP_DAYS) :]}
    with store.read() as session:
        forms = {c.id: c.form for c in session.scalars(select(Campaign))}
        codes: dict[int | None, list[str]] = {}
        for d in session.scalars(
            select(Disposition).where(Disposition.tenant_id == history.tenant_id)
        ):
            codes.setdefault(d.campaign_id, []).append(d.code)
        campaign_of: dict[str, int | None] = {
            iid: campaign
            for iid, campaign in session.execute(
                select(Interaction.id, Interaction.campaign_id).where(
                    Interaction.tenant_id == history.tenant_id
                )
            )
        }
        answered: list[tuple[str, int, datetime, str | None]] = [
            (e.interaction_id, e.agent_id, e.at, e.actor)
            for e in session.scalars(
                select(Event)
                .where(Event.kind == "acd.interaction_closed", Event.actor.in_(actors))
                .order_by(Event.id)
            )
            if e.payload.get("outcome") == "answered"
            and e.agent_id is not None
            and e.interaction_id is not None
        ]
    written = 0
    for start in range(0, len(answered), 500):
        with store.transaction() as tx:
            for interaction_id, agent_id, at, actor in answered[start : start + 500]:
                campaign = campaign_of.get(interaction_id)
                if not codes.get(campaign):
                    continue
                do_submit_wrapup(
                    tx,
                    interaction_id=interaction_id,
                    agent_id=agent_id,
                    disposition_code=rng.choice(codes[campaign]),
                    notes="",
                    data=_form_values(forms.get(campaign or -1, []), rng, at),
                    at=at + timedelta(seconds=rng.uniform(3, 9)),
                    actor=actor,
                )
                written += 1
        progress(min(1.0, (start + 500) / len(answered)))
    return written


def _form_values(form: list[dict[str, Any]], rng: Random, at: datetime) -> dict[str, str]:
    values = {}
    for field in form:
        kind, name = field["type"], field["name"]
        if kind == "choice":
            values[name] = rng.choice(field["choices"])
        elif kind == "date":
            values[name] = (at.date() + timedelta(days=rng.randrange(3, 15))).isoformat()
        elif kind in ("money", "number"):
            values[name] = str(rng.randrange(1, 50) * 10000)
        elif kind == "boolean":
            values[name] = "on"
        elif kind == "email":
            values[name] = "cliente@example.com"
        elif kind == "phone":
            values[name] = "3001234567"
        else:
            values[name] = str(rng.randrange(10**7, 10**8))
    return values


def _queues(store: Store) -> list[dict[str, Any]]:
    """The demo's queues as scenario queues (their thresholds, overflow and skills)."""
    with store.read() as session:
        rows = list(
            session.scalars(
                select(Queue)
                .join(Tenant, Tenant.id == Queue.tenant_id)
                .where(Tenant.slug == DEMO_TENANT)
                .order_by(Queue.id)
            )
        )
        names = {q.id: q.name for q in rows}
        return [
            {
                "id": q.name,
                "service_level_seconds": q.service_level_seconds,
                "short_abandon_seconds": q.short_abandon_seconds,
                "strategy": q.strategy,
                "default_priority": q.priority,
                "ring_timeout_seconds": q.ring_timeout_seconds,
                "wrap_up_seconds": q.wrapup_seconds,
                "max_wait_seconds": q.max_wait_seconds,
                "overflow_queue": names.get(q.overflow_queue_id) if q.overflow_queue_id else None,
                "overflow_destination": q.overflow_destination,
                "skills": dict(q.settings.get("skills", {})),
            }
            for q in rows
        ]


def demo_scenario(weekday: int, queues: list[dict[str, Any]]) -> Scenario:
    """One day of the demo center (0 = Monday)."""
    agents = {u.username: u.skills for u in DEMO_USERS if u.role == "agent"}
    if weekday in WEEKEND:
        opens, hours, on_duty = WEEKEND[weekday]
        groups = [_group(name, agents[name], queues, (opens, None, None, None)) for name in on_duty]
        first = (int(opens[:2]) - int(OPENS[:2])) * 2  # the weekday curve from the opening
        curve = CURVE[first : first + hours * 2]
    else:
        opens, hours = OPENS, HOURS
        groups = [_group(name, agents[name], queues, SHIFTS[name]) for name in SHIFTS]
        curve = CURVE
    served = {q for g in groups for q in g["queues"]}
    factor = DAY_FACTOR[weekday]
    arrivals = []
    for queue, (peak, mean, sd, line) in LINES.items():
        if queue not in served:
            continue
        rates = [round(peak * factor * c, 3) for c in curve]
        arrivals.append(_arrival(queue, rates, mean, sd, line, queues, "+57310", 40000))
    # a few calls a day from the demo's known contacts, to support
    arrivals.append(
        _arrival("Soporte", [0.4 * factor] * len(curve), 300, 200, "6015550200", queues,
                 "+57300123450", 5)
    )  # fmt: skip
    return parse_scenario(
        {
            "name": f"demo {['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][weekday]}",
            "start_time": opens,
            "duration_hours": hours,
            "interval_minutes": 30,
            "seed": SEED,
            "queues": [{k: v for k, v in q.items() if k != "skills"} for q in queues],
            "agent_groups": groups,
            "arrivals": arrivals,
        },
        "demo history",
    )


def _group(
    name: str,
    skills: dict[str, int],
    queues: list[dict[str, Any]],
    shift: tuple[str, str | None, str | None, str | None],
) -> dict[str, Any]:
    start, end, pause, lunch = shift
    group: dict[str, Any] = {
        "id": name,
        "agents": 1,
        "skills": skills,
        # the members the live directory finds: agents holding any of the queue's skills
        "queues": [q["id"] for q in queues if set(q["skills"]) & set(skills)],
        "answer_seconds": {"distribution": GAMMA, "mean_seconds": 4, "sd_seconds": 2},
        "ring_no_answer": 0.02,
    }
    if end is not None:
        group["shift"] = {"start": start, "end": end}
    breaks = []
    if pause is not None:
        breaks.append({"start": pause, "minutes": 15, "reason": "break"})
    if lunch is not None:
        breaks.append({"start": lunch, "minutes": 45, "reason": "lunch"})
    group["breaks"] = breaks
    return group


def _arrival(
    queue: str,
    rates: list[float],
    mean: float,
    sd: float,
    line: str,
    queues: list[dict[str, Any]],
    ani_prefix: str,
    callers: int,
) -> dict[str, Any]:
    skills = next(q["skills"] for q in queues if q["id"] == queue)
    return {
        "queue": queue,
        "calls_per_hour": rates,
        "handle_time": {"distribution": "lognormal", "mean_seconds": mean, "sd_seconds": sd},
        "patience": {"distribution": "exponential", "mean_seconds": 180},
        "ivr_seconds": {"distribution": GAMMA, "mean_seconds": 20, "sd_seconds": 8},
        "skills": skills,
        "dnis": line,
        "ani_prefix": ani_prefix,
        "callers": callers,
    }
