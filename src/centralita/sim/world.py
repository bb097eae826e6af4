"""A scenario turned into what one simulated day needs: the router and the outside world.

`build_world(scenario, base, rng)` makes the real `centralita.core.Router` (queues,
agents, routing rules) and the parts the simulator owns: arrival streams, random
durations, agents' shifts, breaks, answer delays and ring-no-answer. Times are seconds
from the scenario's `start_time`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from random import Random

from centralita.core import (
    AgentConfig,
    QueueConfig,
    RelaxStep,
    Router,
    Strategy,
    WhenFull,
    WhenNoAgents,
)
from centralita.core.rules import Rule
from centralita.errors import CentralitaError, Invalid
from centralita.routing_rules import load_rules
from centralita.sim import distributions as dist
from centralita.sim.scenario import Distribution, Scenario, clock_seconds
from centralita.sim.staffing import read_forecast

DAY = 86400.0


@dataclass(frozen=True, slots=True)
class Stream:
    """One arrival stream: piecewise-constant Poisson rates (calls per second)."""

    rates: tuple[float, ...]
    step: float  # seconds each rate lasts
    handle: dist.Sampler
    handle_scales: tuple[float, ...] | None  # per rate interval (forecast AHT ÷ mean)
    patience: dist.Sampler | None
    ivr: dist.Sampler | None
    queue: str | None
    channel: str
    priority: int | None
    skills: tuple[tuple[str, int], ...]
    dnis: str | None
    segment: str | None
    language: str | None
    site: str | None
    attributes: dict[str, str]
    ani_prefix: str | None
    callers: int | None


@dataclass(frozen=True, slots=True)
class Desk:
    """How one group's agents answer: delay sampler, ring-no-answer share, ready delay."""

    answer: dist.Sampler | None
    ring_no_answer: float
    ready_after_missed: float


@dataclass(frozen=True)
class World:
    router: Router
    streams: tuple[Stream, ...]
    desks: dict[str, Desk]  # agent id → its group's desk
    agent_group: dict[str, str]  # agent id → group id
    thresholds: dict[str, float]  # queue id → service-level seconds
    # (at, kind, agent id, reason, seconds): kind "login", "logout" or "pause"
    schedule: tuple[tuple[float, str, str, str, float], ...]
    duration: float
    warmup: float
    interval: float


def sampler(spec: Distribution | None, rng: Random, base: Path, field: str) -> dist.Sampler | None:
    if spec is None:
        return None
    kind = spec.distribution
    mean = spec.mean_seconds or 0.0
    sd = spec.sd_seconds or 0.0
    if kind == "exponential":
        return dist.exponential(rng, mean)
    if kind == "lognormal":
        return dist.lognormal(rng, mean, sd)
    if kind == "gamma":
        return dist.gamma(rng, mean, sd)
    if kind == "deterministic":
        return dist.deterministic(mean)
    assert spec.file is not None
    path = base / spec.file
    try:
        values = dist.read_values(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise Invalid(f"{field}.file: cannot read {path}: {exc.strerror}", field=field) from None
    except ValueError as exc:
        raise Invalid(f"{field}.file: {path}: {exc}", field=field) from None
    return dist.empirical(rng, values)


def build_world(scenario: Scenario, base: Path, rng: Random, source: str = "scenario") -> World:
    """The router and outside world of `scenario`; file paths are relative to `base`."""
    try:
        return _build(scenario, base, rng)
    except CentralitaError as exc:
        message = exc.message if exc.message.startswith(source) else f"{source}: {exc.message}"
        raise Invalid(message, **exc.fields) from None


def _build(s: Scenario, base: Path, rng: Random) -> World:
    duration = s.duration_hours * 3600.0
    origin = clock_seconds(s.start_time)
    agents: list[AgentConfig] = []
    members: dict[str, list[str]] = {q.id: [] for q in s.queues}
    desks: dict[str, Desk] = {}
    agent_group: dict[str, str] = {}
    schedule: list[tuple[float, str, str, str, float]] = []
    for gi, g in enumerate(s.agent_groups):
        field = f"agent_groups[{gi}]"
        desk = Desk(
            sampler(g.answer_seconds, rng, base, f"{field}.answer_seconds"),
            g.ring_no_answer,
            g.ready_after_missed_seconds,
        )
        queues = s.group_queues(g)
        start, end = 0.0, None
        if g.shift is not None:
            start = _offset(clock_seconds(g.shift.start), origin)
            end = _offset(clock_seconds(g.shift.end), origin)
            if end <= start:
                end += DAY
        for k in range(g.agents):
            agent_id = f"{g.id}-{k + 1}"
            agents.append(AgentConfig(agent_id, skills=dict(g.skills), site=g.site))
            desks[agent_id] = desk
            agent_group[agent_id] = g.id
            for q in queues:
                members[q].append(agent_id)
            schedule.append((max(0.0, start), "login", agent_id, "", 0.0))
            if end is not None and end < duration:
                schedule.append((end, "logout", agent_id, "", 0.0))
            for b in g.breaks:
                at = _offset(clock_seconds(b.start), origin)
                if at < start:
                    at += DAY
                if g.agents > 1:
                    at += b.spread_minutes * 60.0 * k / (g.agents - 1)
                if at < duration and (end is None or at < end):
                    schedule.append((at, "pause", agent_id, b.reason, b.minutes * 60.0))
    queue_configs = [
        QueueConfig(
            q.id,
            members=tuple(members[q.id]),
            strategy=Strategy(q.strategy),
            default_priority=q.default_priority,
            weight=q.weight,
            ring_timeout=q.ring_timeout_seconds,
            wrap_up=q.wrap_up_seconds if q.wrap_up_seconds is not None else s.wrap_up_seconds,
            max_wait=q.max_wait_seconds,
            max_length=q.max_length,
            overflow_queue=q.overflow_queue,
            overflow_destination=q.overflow_destination,
            when_no_agents=WhenNoAgents(q.when_no_agents),
            when_full=WhenFull(q.when_full),
            ageing_seconds=q.ageing_seconds,
            relax=tuple(RelaxStep(r.after_seconds, r.max_level) for r in q.relax),
            short_abandon=q.short_abandon_seconds,
            escalate_to=q.escalate_to,
            tier=q.tier,
        )
        for q in s.queues
    ]
    rules: Sequence[Rule] = load_rules(base / s.rules) if s.rules is not None else ()
    router = Router(
        queues=queue_configs, agents=agents, rules=rules, rng=Random(rng.getrandbits(64))
    )
    streams = tuple(_stream(s, i, rng, base) for i in range(len(s.arrivals)))
    return World(
        router=router,
        streams=streams,
        desks=desks,
        agent_group=agent_group,
        thresholds={q.id: q.service_level_seconds for q in s.queues},
        schedule=tuple(sorted(schedule, key=lambda e: (e[0], e[1] != "login"))),
        duration=duration,
        warmup=s.warmup_minutes * 60.0,
        interval=s.interval_minutes * 60.0,
    )


def _mean(spec: Distribution, base: Path) -> float:
    """The mean of a duration distribution (of the file's values when empirical)."""
    if spec.distribution == "empirical":
        assert spec.file is not None
        values = dist.read_values((base / spec.file).read_text(encoding="utf-8"))
        return sum(values) / len(values)
    return spec.mean_seconds or 0.0


def _offset(clock: float, origin: float) -> float:
    """Seconds from the simulation's start to a clock time (the next day if earlier)."""
    at = clock - origin
    return at + DAY if at < 0 else at


def _stream(s: Scenario, i: int, rng: Random, base: Path) -> Stream:
    a = s.arrivals[i]
    field = f"arrivals[{i}]"
    step = (a.interval_minutes or s.interval_minutes) * 60.0
    scales: tuple[float, ...] | None = None
    spec = a.handle_time or Distribution(distribution="exponential", mean_seconds=1.0)
    handle = sampler(spec, rng, base, f"{field}.handle_time")
    assert handle is not None
    if a.forecast_file is not None:
        rows = read_forecast(base / a.forecast_file)
        if len(rows) * step < s.duration_hours * 3600.0 - 1e-6:
            raise Invalid(
                f"{field}.forecast_file: {len(rows)} intervals of {step / 60:g} min do not "
                f"cover {s.duration_hours:g} hours",
                field=f"{field}.forecast_file",
            )
        rates = tuple(row.calls / step for row in rows)
        mean = _mean(spec, base)
        scales = tuple(row.aht_seconds / mean if mean > 0 else 0.0 for row in rows)
    elif isinstance(a.calls_per_hour, list):
        rates = tuple(r / 3600.0 for r in a.calls_per_hour)
    else:
        assert a.calls_per_hour is not None
        rates, step = (a.calls_per_hour / 3600.0,), s.duration_hours * 3600.0
    return Stream(
        rates=rates,
        step=step,
        handle=handle,
        handle_scales=scales,
        patience=sampler(a.patience, rng, base, f"{field}.patience"),
        ivr=sampler(a.ivr_seconds, rng, base, f"{field}.ivr_seconds"),
        queue=a.queue,
        channel=a.channel,
        priority=a.priority,
        skills=tuple(sorted(a.skills.items())),
        dnis=a.dnis,
        segment=a.segment,
        language=a.language,
        site=a.site,
        attributes=dict(a.attributes),
        ani_prefix=a.ani_prefix,
        callers=a.callers,
    )
