"""Minimum agents for a service target, for one interval or a day's forecast.

The planner's question: with this many calls of this handle time in an interval, how few
agents answer the target share within T seconds (`service_level` of KPIS.md), keep
occupancy under a cap, and how many must be scheduled once shrinkage is allowed for?
The queue is Erlang C, or Erlang A when a mean patience is given (`centralita.sim.erlang`).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from centralita.errors import Invalid
from centralita.sim.erlang import QueueFigures, queue_figures

#: No interval is staffed beyond this; a target that needs more is unreachable.
MAX_AGENTS = 200_000


@dataclass(frozen=True)
class StaffingRule:
    """The target and the assumptions one staffing calculation uses (times in seconds)."""

    target_service_level: float
    threshold_seconds: float
    patience_seconds: float | None = None
    short_abandon_seconds: float | None = None
    max_occupancy: float | None = None
    shrinkage: float = 0.0

    def __post_init__(self) -> None:
        _require(
            0 < self.target_service_level <= 1,
            "target_service_level",
            "must be in (0, 1]",
            self.target_service_level,
        )
        _require(
            _finite(self.threshold_seconds) and self.threshold_seconds >= 0,
            "threshold_seconds",
            "must be >= 0",
            self.threshold_seconds,
        )
        if self.patience_seconds is not None:
            _require(
                self.patience_seconds > 0, "patience_seconds", "must be > 0", self.patience_seconds
            )
        if self.short_abandon_seconds is not None:
            _require(
                _finite(self.short_abandon_seconds) and self.short_abandon_seconds >= 0,
                "short_abandon_seconds",
                "must be >= 0",
                self.short_abandon_seconds,
            )
        if self.max_occupancy is not None:
            _require(
                0 < self.max_occupancy <= 1,
                "max_occupancy",
                "must be in (0, 1]",
                self.max_occupancy,
            )
        _require(0 <= self.shrinkage < 1, "shrinkage", "must be in [0, 1)", self.shrinkage)


@dataclass(frozen=True)
class Workload:
    """Calls forecast for one interval and their average handle time."""

    calls: float
    interval_seconds: float
    aht_seconds: float

    def __post_init__(self) -> None:
        _require(_finite(self.calls) and self.calls >= 0, "calls", "must be >= 0", self.calls)
        _require(
            _finite(self.interval_seconds) and self.interval_seconds > 0,
            "interval_seconds",
            "must be > 0",
            self.interval_seconds,
        )
        _require(
            _finite(self.aht_seconds) and self.aht_seconds > 0,
            "aht_seconds",
            "must be > 0",
            self.aht_seconds,
        )

    @property
    def arrival_rate(self) -> float:
        """Calls per second."""
        return self.calls / self.interval_seconds

    @property
    def offered_load(self) -> float:
        """Erlangs: calls × AHT ÷ interval length."""
        return self.arrival_rate * self.aht_seconds


@dataclass(frozen=True)
class Staffing:
    """The fewest agents meeting a rule, with the figures they achieve."""

    agents: int
    scheduled_agents: int
    figures: QueueFigures


def scheduled_agents(agents: int, shrinkage: float) -> int:
    """Agents to schedule so `agents` are on the phones: ceil(agents ÷ (1 - shrinkage)).

    A relative slack of 1e-12 keeps 70 ÷ (1 - 0.3) = 100.00000000000001 at 100.
    """
    return math.ceil(agents / (1.0 - shrinkage) * (1 - 1e-12))


def figures_at(workload: Workload, rule: StaffingRule, agents: int) -> QueueFigures:
    """The figures `agents` agents achieve on `workload` under `rule`'s queue model."""
    return queue_figures(
        workload.arrival_rate,
        workload.aht_seconds,
        agents,
        rule.threshold_seconds,
        mean_patience=rule.patience_seconds,
        short_abandon_threshold=rule.short_abandon_seconds,
    )


def meets(rule: StaffingRule, figures: QueueFigures) -> bool:
    """Whether figures satisfy the rule's service level and occupancy cap."""
    if figures.service_level < rule.target_service_level:
        return False
    return rule.max_occupancy is None or figures.occupancy <= rule.max_occupancy


def required_staffing(workload: Workload, rule: StaffingRule) -> Staffing:
    """The fewest agents meeting `rule` on `workload`.

    Service level rises and occupancy falls with every added agent, so the answer is found
    by galloping from the offered load and bisecting: O(log n) evaluations of the queue.
    Raises `Invalid` when even `MAX_AGENTS` agents cannot meet the rule.
    """
    if workload.calls == 0:
        return Staffing(0, 0, figures_at(workload, rule, 0))

    def ok(agents: int) -> bool:
        return meets(rule, figures_at(workload, rule, agents))

    agents = minimum_agents(ok, start=max(1, math.ceil(workload.offered_load)))
    return Staffing(
        agents=agents,
        scheduled_agents=scheduled_agents(agents, rule.shrinkage),
        figures=figures_at(workload, rule, agents),
    )


def minimum_agents(ok: Callable[[int], bool], start: int = 1) -> int:
    """Smallest n ≥ 1 with ok(n), for a predicate that stays true once it becomes true.

    Gallops from `start` (up by doubling, or down by steps growing from √start, so the
    probes stay near the answer, where queues are short) and then bisects; ok(0) is
    taken as false, since no agents answer no calls.
    """
    high = max(1, start)
    if ok(high):
        step = max(1, math.isqrt(high))
        low = high - step
        while low > 0 and ok(low):
            high, step = low, 2 * step
            low = high - step
        low = max(low, 0)
    else:
        low, high = high, 2 * high
        while not ok(high):
            if high >= MAX_AGENTS:
                raise Invalid(
                    f"the target cannot be met with {MAX_AGENTS} agents",
                    field="target_service_level",
                )
            low, high = high, 2 * high
    # Invariant: ok(high) and not ok(low).
    while high - low > 1:
        middle = (low + high) // 2
        if ok(middle):
            high = middle
        else:
            low = middle
    return high


# --- a day's forecast ----------------------------------------------------------------


@dataclass(frozen=True)
class ForecastInterval:
    """One row of a forecast CSV."""

    interval: str
    calls: float
    aht_seconds: float
    line: int


@dataclass(frozen=True)
class IntervalStaffing:
    """The staffing of one forecast interval."""

    interval: str
    calls: float
    aht_seconds: float
    staffing: Staffing


@dataclass(frozen=True)
class ForecastTotals:
    """Day totals; rates are exact aggregates of the per-interval figures."""

    calls: float
    peak_agents: int
    peak_scheduled_agents: int
    agent_hours: float
    scheduled_agent_hours: float
    #: Σ answered within T ÷ Σ (answered + abandoned after S).
    service_level: float
    #: Σ answered × ASA ÷ Σ answered.
    asa_seconds: float
    #: Σ calls waiting ÷ Σ calls.
    p_wait: float
    #: Σ busy agent time ÷ Σ staffed agent time.
    occupancy: float
    #: Σ calls abandoned ÷ Σ calls.
    p_abandon: float


FORECAST_COLUMNS = ("interval", "calls", "aht")


def parse_forecast(text: str, source: str = "forecast") -> list[ForecastInterval]:
    """Rows of a CSV with the header `interval,calls,aht` (AHT in seconds).

    A bad row raises `Invalid` naming the source, the line number and the field.
    """
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in FORECAST_COLUMNS if name not in header]
    if missing:
        raise Invalid(
            f"{source}: line 1: missing column(s) {', '.join(missing)}; "
            f"expected header {','.join(FORECAST_COLUMNS)}",
            line=1,
            field=missing[0],
        )
    reader.fieldnames = header
    rows: list[ForecastInterval] = []
    seen: set[str] = set()
    for record in reader:
        line = reader.line_num
        if None in record:
            raise _row_error(source, line, "aht", "is followed by extra fields", str(record[None]))
        if not any((value or "").strip() for value in record.values()):
            continue  # a blank line
        label = (record.get("interval") or "").strip()
        if not label:
            raise _row_error(source, line, "interval", "must not be empty", "")
        if label in seen:
            raise _row_error(source, line, "interval", "is repeated", label)
        seen.add(label)
        calls = _number(source, line, "calls", record.get("calls"))
        aht = _number(source, line, "aht", record.get("aht"))
        if calls < 0:
            raise _row_error(source, line, "calls", "must be >= 0", record.get("calls"))
        if aht <= 0 and not (aht == 0 and calls == 0):
            raise _row_error(source, line, "aht", "must be > 0 seconds", record.get("aht"))
        rows.append(ForecastInterval(label, calls, aht, line))
    if not rows:
        raise Invalid(f"{source}: no intervals found", line=1, field="interval")
    return rows


def read_forecast(path: Path) -> list[ForecastInterval]:
    """`parse_forecast` of a file; an unreadable file raises `Invalid` naming it."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise Invalid(f"{path}: cannot read: {reason}", field="interval_file") from error
    return parse_forecast(text, source=str(path))


def staff_forecast(
    rows: Sequence[ForecastInterval], interval_seconds: float, rule: StaffingRule
) -> tuple[list[IntervalStaffing], ForecastTotals]:
    """Per-interval staffing of a forecast, and the day's totals."""
    result = []
    for row in rows:
        # A closed interval may give AHT 0 with no calls; any positive AHT models it.
        workload = Workload(row.calls, interval_seconds, row.aht_seconds or 1.0)
        staffing = required_staffing(workload, rule)
        result.append(IntervalStaffing(row.interval, row.calls, row.aht_seconds, staffing))
    return result, _totals(result, interval_seconds)


def _totals(rows: Sequence[IntervalStaffing], interval_seconds: float) -> ForecastTotals:
    hours = interval_seconds / 3600.0
    calls = math.fsum(r.calls for r in rows)
    answered = [r.calls * (1 - r.staffing.figures.p_abandon) for r in rows]
    counted = [r.calls * (1 - r.staffing.figures.p_short_abandon) for r in rows]
    staffed = sum(r.staffing.agents for r in rows)
    total_answered = math.fsum(answered)
    total_counted = math.fsum(counted)
    return ForecastTotals(
        calls=calls,
        peak_agents=max(r.staffing.agents for r in rows),
        peak_scheduled_agents=max(r.staffing.scheduled_agents for r in rows),
        agent_hours=staffed * hours,
        scheduled_agent_hours=sum(r.staffing.scheduled_agents for r in rows) * hours,
        service_level=_ratio(
            math.fsum(
                k * r.staffing.figures.service_level for k, r in zip(counted, rows, strict=True)
            ),
            total_counted,
        ),
        asa_seconds=_ratio(
            math.fsum(k * r.staffing.figures.asa for k, r in zip(answered, rows, strict=True)),
            total_answered,
        ),
        p_wait=_ratio(math.fsum(r.calls * r.staffing.figures.p_wait for r in rows), calls),
        occupancy=_ratio(
            math.fsum(r.staffing.agents * r.staffing.figures.occupancy for r in rows), staffed
        ),
        p_abandon=_ratio(math.fsum(r.calls * r.staffing.figures.p_abandon for r in rows), calls),
    )


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else 0.0


def _number(source: str, line: int, field: str, raw: str | None) -> float:
    text = (raw or "").strip()
    try:
        value = float(text)
    except ValueError:
        raise _row_error(source, line, field, "must be a number", raw or "") from None
    if not math.isfinite(value):
        raise _row_error(source, line, field, "must be a finite number", text)
    return value


def _row_error(source: str, line: int, field: str, reason: str, raw: str | None) -> Invalid:
    return Invalid(
        f"{source}: line {line}: field '{field}' {reason}, got {raw!r}",
        line=line,
        field=field,
        value=raw,
    )


def _require(condition: bool, field: str, reason: str, value: float) -> None:
    if not condition:
        raise Invalid(f"{field} {reason}, got {value}", field=field, reason=reason, value=value)


def _finite(value: float) -> bool:
    return math.isfinite(value)
