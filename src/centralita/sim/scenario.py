"""Scenario files for `centralita simulate`: a validated description of one simulated day.

The format is documented in docs/simulation.md. `load_scenario(path)` reads YAML (or
JSON), validates it with Pydantic (unknown keys are errors) and raises
`centralita.errors.Invalid` with one line naming the file, the field and what is
accepted, e.g. ``day.yaml: arrivals[0].handle_time.distribution: 'expo' is not one of
exponential, lognormal, gamma, deterministic, empirical``.

Queue settings mirror `centralita.core.QueueConfig` (times in seconds get a `_seconds`
suffix); routing rules are the live system's rule files (`centralita.routing_rules`).
"""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from centralita.errors import Invalid

DISTRIBUTIONS = ("exponential", "lognormal", "gamma", "deterministic", "empirical")
CLOCK = re.compile(r"^([01]?[0-9]|2[0-9]|3[0-9]|4[0-7]):([0-5][0-9])$")


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Distribution(Spec):
    """A random duration in seconds (see `centralita.sim.distributions`)."""

    distribution: Literal["exponential", "lognormal", "gamma", "deterministic", "empirical"]
    mean_seconds: float | None = Field(default=None, ge=0)
    sd_seconds: float | None = Field(default=None, ge=0)
    file: str | None = None  # empirical: one value (seconds) per line, relative to the scenario

    @model_validator(mode="after")
    def _parameters(self) -> Distribution:
        kind = self.distribution
        if kind == "empirical":
            if self.file is None:
                raise ValueError("empirical needs 'file' (one duration in seconds per line)")
        elif self.mean_seconds is None:
            raise ValueError(f"{kind} needs 'mean_seconds'")
        if kind in ("lognormal", "gamma") and self.sd_seconds is None:
            raise ValueError(f"{kind} needs 'sd_seconds' (standard deviation)")
        return self


class RelaxSpec(Spec):
    after_seconds: float = Field(ge=0)
    max_level: int = Field(ge=0, le=5)


class QueueSpec(Spec):
    """One queue; the routing settings are those of `centralita.core.QueueConfig`."""

    id: str = Field(min_length=1)
    service_level_seconds: float = Field(default=20.0, ge=0)
    short_abandon_seconds: float = Field(default=5.0, ge=0)
    strategy: Literal[
        "longest_idle",
        "round_robin",
        "fewest_interactions",
        "least_talk_time",
        "random",
        "ring_all",
        "linear",
    ] = "longest_idle"
    default_priority: int = Field(default=5, ge=1, le=10)
    weight: int = 0
    ring_timeout_seconds: float = Field(default=15.0, gt=0)
    wrap_up_seconds: float | None = Field(default=None, ge=0)  # None: the scenario's
    max_wait_seconds: float | None = Field(default=None, gt=0)
    max_length: int | None = Field(default=None, ge=0)
    overflow_queue: str | None = None
    overflow_destination: str | None = None
    when_no_agents: Literal["wait", "reject", "overflow"] = "wait"
    when_full: Literal["reject", "overflow"] = "reject"
    ageing_seconds: float | None = Field(default=None, gt=0)
    relax: list[RelaxSpec] = []
    escalate_to: str | None = None
    tier: int = Field(default=1, ge=1)


class ShiftSpec(Spec):
    start: str  # "HH:MM" on the scenario's clock
    end: str

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        return _check_clock(value)


class BreakSpec(Spec):
    """Each agent asks for a pause at `start` (spread evenly over `spread_minutes`)."""

    start: str
    minutes: float = Field(gt=0)
    reason: str = "break"
    spread_minutes: float = Field(default=0.0, ge=0)

    @field_validator("start")
    @classmethod
    def _clock(cls, value: str) -> str:
        return _check_clock(value)


class GroupSpec(Spec):
    """Identical agents: same skills, queues, shift and breaks."""

    id: str = Field(min_length=1)
    agents: int = Field(ge=0)
    skills: dict[str, int] = {}
    queues: list[str] | None = None  # None: the queues named in `skills`
    site: str | None = None
    shift: ShiftSpec | None = None  # None: the whole simulated day
    breaks: list[BreakSpec] = []
    answer_seconds: Distribution | None = None  # None: answers at once
    ring_no_answer: float = Field(default=0.0, ge=0, le=1)
    ready_after_missed_seconds: float = Field(default=10.0, ge=0)

    @field_validator("skills")
    @classmethod
    def _levels(cls, value: dict[str, int]) -> dict[str, int]:
        for skill, level in value.items():
            if not 1 <= level <= 5:
                raise ValueError(f"level of {skill!r} must be 1 to 5, got {level}")
        return value


class ArrivalSpec(Spec):
    """One stream of calls: Poisson arrivals at a constant or piecewise-constant rate."""

    queue: str | None = None  # None: routing rules choose the queue
    calls_per_hour: float | list[float] | None = None
    interval_minutes: float | None = Field(default=None, gt=0)  # of a rate list
    # a forecast CSV (interval,calls,aht), as `centralita staff --interval-file` reads:
    # calls per interval and the AHT that scales the handle-time distribution
    forecast_file: str | None = None
    handle_time: Distribution | None = None  # None with a forecast: exponential
    patience: Distribution | None = None  # None: never abandons
    ivr_seconds: Distribution | None = None  # time in the IVR before the queue
    priority: int | None = Field(default=None, ge=1, le=10)
    skills: dict[str, int] = {}  # required (skill: minimum level)
    channel: str = "voice"
    dnis: str | None = None
    segment: str | None = None
    language: str | None = None
    site: str | None = None
    attributes: dict[str, str] = {}
    ani_prefix: str | None = None
    callers: int | None = Field(default=None, ge=1)  # distinct ANIs (repeat callers)

    @field_validator("calls_per_hour", mode="before")
    @classmethod
    def _rates(cls, value: Any) -> Any:
        def number(v: Any) -> bool:
            return isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v < 1e9

        if (
            value is None
            or number(value)
            or (isinstance(value, list) and value and all(map(number, value)))
        ):
            return value
        raise ValueError(
            f"expected a number >= 0 or a list of them (one rate per interval), got {value!r}"
        )

    @model_validator(mode="after")
    def _one_source(self) -> ArrivalSpec:
        if (self.calls_per_hour is None) == (self.forecast_file is None):
            raise ValueError("give either 'calls_per_hour' or 'forecast_file'")
        if self.handle_time is None and self.forecast_file is None:
            raise ValueError("'handle_time' is required (without a forecast_file)")
        return self


class Scenario(Spec):
    name: str = "scenario"
    description: str = ""
    duration_hours: float = Field(gt=0, le=24 * 366)
    warmup_minutes: float = Field(default=0.0, ge=0)
    start_time: str = "00:00"
    seed: int = 1
    interval_minutes: float = Field(default=30.0, gt=0)
    wrap_up_seconds: float = Field(default=0.0, ge=0)
    rules: str | None = None  # a routing rule file, relative to the scenario
    queues: list[QueueSpec] = Field(min_length=1)
    agent_groups: list[GroupSpec] = Field(min_length=1)
    arrivals: list[ArrivalSpec] = Field(min_length=1)

    @field_validator("start_time")
    @classmethod
    def _clock(cls, value: str) -> str:
        return _check_clock(value)

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        if self.warmup_minutes >= self.duration_hours * 60:
            raise ValueError("warmup_minutes must be shorter than the duration")
        queues = [q.id for q in self.queues]
        _unique(queues, "queues")
        _unique([g.id for g in self.agent_groups], "agent_groups")
        known = set(queues)
        for q in self.queues:
            for ref in (q.overflow_queue, q.escalate_to):
                if ref is not None and ref not in known:
                    raise ValueError(f"queue {q.id!r} names unknown queue {ref!r}")
        for g in self.agent_groups:
            for queue in g.queues or []:
                if queue not in known:
                    raise ValueError(f"agent group {g.id!r} names unknown queue {queue!r}")
        for a in self.arrivals:
            if a.queue is None and self.rules is None:
                raise ValueError("an arrival without 'queue' needs routing 'rules'")
            if a.queue is not None and a.queue not in known:
                raise ValueError(f"arrivals name unknown queue {a.queue!r}")
            if isinstance(a.calls_per_hour, list):
                minutes = a.interval_minutes or self.interval_minutes
                if len(a.calls_per_hour) * minutes < self.duration_hours * 60 - 1e-9:
                    raise ValueError(
                        f"the rate list of {len(a.calls_per_hour)} intervals of "
                        f"{minutes:g} min does not cover {self.duration_hours:g} hours"
                    )
        return self

    def group_queues(self, group: GroupSpec) -> list[str]:
        """The queues a group's agents are members of."""
        if group.queues is not None:
            return list(group.queues)
        return [q.id for q in self.queues if q.id in group.skills]


def clock_seconds(value: str) -> float:
    """Seconds since midnight of an "HH:MM" value (hours up to 47 for overnight)."""
    hours, minutes = value.split(":")
    return int(hours) * 3600.0 + int(minutes) * 60.0


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file, or raise `Invalid` naming file and field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise Invalid(f"{path}: cannot read: {exc.strerror}", file=str(path)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise Invalid(f"{path}: not valid YAML: {exc}", file=str(path)) from None
    return parse_scenario(data, str(path))


def parse_scenario(data: object, source: str = "scenario") -> Scenario:
    if not isinstance(data, dict):
        raise Invalid(f"{source}: expected a mapping of scenario fields", file=source)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = _location(error["loc"])
        message = (
            f"{source}: {where}: {_explain(error)}" if where else f"{source}: {_explain(error)}"
        )
        raise Invalid(message, file=source, field=where or "-") from None


def _check_clock(value: str) -> str:
    if not CLOCK.match(value):
        raise ValueError(f"expected a time of day HH:MM, got {value!r}")
    return value


def _unique(ids: list[str], field: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ValueError(f"{field}: id {i!r} is used twice")
        seen.add(i)


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in ("float", "list[float]", "function-after[_rates(), union[float,list[float]]]"):
            continue  # a union branch, not a field
        else:
            text += f".{part}" if text else part
    return text


def _explain(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return f"{error['input']!r} is not one of {', '.join(choices)}"
    if kind == "extra_forbidden":
        accepted = _fields_at(error["loc"][:-1])
        return "unknown field" + (f" (accepted: {', '.join(accepted)})" if accepted else "")
    if kind == "missing":
        return "required"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return f"{error['msg'][0].lower()}{error['msg'][1:]}, got {error['input']!r}"


def _fields_at(loc: tuple[int | str, ...]) -> list[str]:
    """The field names of the model found at `loc` inside a `Scenario`."""
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        model = _model_in(field.annotation)
        if model is None:
            return []
    return list(model.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (list, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
