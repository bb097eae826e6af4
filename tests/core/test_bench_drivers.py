"""The routing and simulation benchmark drivers run and report coherent figures (small
sizes here; `make bench` runs the full ones)."""

from __future__ import annotations

from centralita.core import native
from centralita.perf import routing, simulation


def test_routing_benchmark_reports_decisions_and_latency():
    figures = routing.run(agents=300, queues=6, seconds=0.5, seed=3)
    assert figures["compiled"] is native.is_compiled()
    assert figures["decisions"] > 100
    assert figures["decisions_per_second"] > 0
    assert 0 < figures["p50_us"] <= figures["p99_us"] <= figures["p999_us"]
    assert figures["answered"] > 0
    if figures["compiled"]:  # the selection steps cannot be wrapped on compiled classes
        assert figures["selection_p99_us"] is None
    else:
        assert figures["selection_decisions"] > 0
        assert 0 < figures["selection_p50_us"] <= figures["selection_p99_us"]


def test_simulation_benchmark_reports_its_day():
    figures = simulation.run(agents=50, calls=10_000, seed=2)
    assert figures["compiled"] is native.is_compiled()
    assert 9_000 < figures["calls"] < 11_000  # Poisson arrivals around the day's 10,000
    assert figures["events"] > 3 * figures["calls"]  # arrival, answer, end (+ timers)
    assert figures["events_per_second"] > 0 and figures["peak_rss_mb"] > 0
    assert 0.0 < figures["occupancy"] <= 1.0
