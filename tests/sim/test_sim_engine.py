"""The simulator's outside world around the real router: arrivals, shifts, breaks, IVR,
ring-no-answer, wrap-up, overflow and routing rules, each checked by what it must change."""

from __future__ import annotations

import copy
from pathlib import Path
from random import Random
from typing import Any

import pytest

from centralita.errors import Invalid
from centralita.sim.engine import Run, simulate
from centralita.sim.replications import run_scenario
from centralita.sim.scenario import parse_scenario
from centralita.sim.world import build_world

EXPO_240 = {"distribution": "exponential", "mean_seconds": 240}


def base(**changes: Any) -> dict[str, Any]:
    scenario: dict[str, Any] = {
        "name": "t",
        "duration_hours": 4,
        "seed": 3,
        "queues": [{"id": "sales"}],
        "agent_groups": [{"id": "g", "agents": 10, "skills": {"sales": 1}}],
        "arrivals": [{"queue": "sales", "calls_per_hour": 120, "handle_time": EXPO_240}],
    }
    scenario.update(changes)
    return scenario


def run(scenario: dict[str, Any], tmp: Path | None = None, seed: int = 0) -> Run:
    spec = parse_scenario(scenario)
    rng = Random(f"{seed}:0")
    return simulate(build_world(spec, tmp or Path("."), rng), rng)


def test_the_same_seed_gives_the_same_figures_and_another_seed_others() -> None:
    first = run_scenario(parse_scenario(base()), Path("."), replications=2).to_dict()
    again = run_scenario(parse_scenario(base()), Path("."), replications=2).to_dict()
    other = run_scenario(parse_scenario(base()), Path("."), replications=2, seed=4).to_dict()
    assert first["queues"] == again["queues"]
    assert first["queues"] != other["queues"]


def test_calls_arriving_in_the_warm_up_are_not_counted() -> None:
    whole = run(base()).measures.queues["sales"]
    warmed = run(base(warmup_minutes=120)).measures.queues["sales"]
    # same random streams: the arrivals are the same, half of the 4 hours is warm-up
    assert whole.offered == pytest.approx(480, rel=0.15)
    assert warmed.offered == pytest.approx(whole.offered / 2, rel=0.15)
    assert warmed.offered < whole.offered


def test_an_intraday_profile_sets_the_rate_of_each_interval() -> None:
    scenario = base(interval_minutes=60)
    scenario["arrivals"][0]["calls_per_hour"] = [0, 240, 0, 60]
    r = run(scenario)
    offered = [i.offered for i in r.measures.intervals["sales"]]
    assert offered[0] == 0 and offered[2] == 0
    # Poisson counts: 240 ± 4·√240 and 60 ± 4·√60
    assert abs(offered[1] - 240) < 4 * 240**0.5
    assert abs(offered[3] - 60) < 4 * 60**0.5


def test_agents_work_only_during_their_shift() -> None:
    scenario = base(start_time="08:00")
    scenario["agent_groups"][0]["shift"] = {"start": "09:00", "end": "11:00"}
    r = run(scenario)
    group = r.measures.agent_groups["g"]
    # 10 agents logged in for 2 hours; a logout waits for the call in progress to end
    assert 20 <= group.handle_hours + group.available_hours < 22
    # calls entering 08:00–08:30 wait until the shift starts at 09:00: all after T
    first = r.measures.intervals["sales"][0]
    assert first.answered > 0
    assert first.service_level == 0.0
    assert first.queue_length > 10


def test_breaks_take_each_agent_off_the_phones_for_their_length() -> None:
    scenario = base()
    scenario["agent_groups"][0]["breaks"] = [
        {"start": "01:00", "minutes": 15, "spread_minutes": 60}
    ]
    group = run(scenario).measures.agent_groups["g"]
    # a break starts when the agent's call ends, then lasts 15 minutes: 10 × 0.25 h
    assert group.paused_hours == pytest.approx(2.5, rel=0.01)


def test_ring_no_answer_makes_agents_miss_calls_and_the_calls_wait_longer() -> None:
    plain = run(base()).measures
    scenario = base()
    scenario["agent_groups"][0].update(ring_no_answer=0.3, ready_after_missed_seconds=30)
    scenario["queues"][0]["ring_timeout_seconds"] = 10
    missed = run(scenario).measures
    assert missed.agent_groups["g"].paused_hours > 0.3  # "missed" not-ready time
    assert missed.queues["sales"].asa_seconds > plain.queues["sales"].asa_seconds + 3
    assert missed.queues["sales"].answered == pytest.approx(plain.queues["sales"].answered, rel=0.1)


def test_answer_delay_counts_in_the_wait_but_not_as_having_waited() -> None:
    scenario = base()
    scenario["agent_groups"][0]["agents"] = 30  # nobody queues
    scenario["agent_groups"][0]["answer_seconds"] = {
        "distribution": "deterministic",
        "mean_seconds": 3,
    }
    q = run(scenario).measures.queues["sales"]
    assert q.asa_seconds == pytest.approx(3.0, abs=0.05)
    assert q.p_wait < 0.01


def test_wrap_up_adds_to_handle_time_and_occupancy() -> None:
    # 120 calls/h × (240 + 60) s = 10 erlangs of work on 20 agents: occupancy 0.5
    scenario = base(wrap_up_seconds=60)
    scenario["agent_groups"][0]["agents"] = 20
    scenario["arrivals"][0]["handle_time"] = {"distribution": "deterministic", "mean_seconds": 240}
    group = run(scenario).measures.agent_groups["g"]
    assert group.occupancy == pytest.approx(0.5, rel=0.1)


def test_ivr_time_comes_before_the_queue_and_not_in_the_wait() -> None:
    scenario = base()
    scenario["agent_groups"][0]["agents"] = 30
    scenario["arrivals"][0]["ivr_seconds"] = {"distribution": "deterministic", "mean_seconds": 600}
    q = run(scenario).measures.queues["sales"]
    assert q.asa_seconds < 1.0
    assert q.offered == pytest.approx(480, rel=0.15)


def test_max_wait_overflows_to_the_other_queue_which_counts_the_call_as_offered() -> None:
    scenario = base()
    scenario["queues"] = [
        {"id": "sales", "max_wait_seconds": 30, "overflow_queue": "backup"},
        {"id": "backup"},
    ]
    scenario["agent_groups"] = [
        {"id": "g", "agents": 8, "skills": {"sales": 1}},
        {"id": "b", "agents": 4, "skills": {"backup": 1}},
    ]
    q = run(scenario).measures.queues
    assert q["sales"].overflowed > 10
    assert q["backup"].offered == q["sales"].overflowed
    assert q["sales"].offered == q["sales"].answered + q["sales"].overflowed


def test_routing_rules_from_the_live_rule_file_choose_the_queue(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(
        "rules:\n"
        "  - name: vip-line\n"
        "    when: {dnis: ['+34900100200']}\n"
        "    then: {queue: vip, priority: 9}\n"
    )
    scenario = base(rules="rules.yaml")
    scenario["queues"].append({"id": "vip"})
    scenario["agent_groups"].append({"id": "v", "agents": 3, "skills": {"vip": 1}})
    scenario["arrivals"].append(
        {"dnis": "+34900100200", "calls_per_hour": 30, "handle_time": EXPO_240}
    )
    q = run(scenario, tmp_path).measures.queues
    assert q["vip"].offered == pytest.approx(120, rel=0.3)
    assert q["sales"].offered == pytest.approx(480, rel=0.15)


def test_empirical_handle_times_come_from_the_file(tmp_path: Path) -> None:
    (tmp_path / "aht.csv").write_text("seconds\n100\n300\n")
    scenario = base()
    scenario["agent_groups"][0]["agents"] = 20
    scenario["arrivals"][0]["handle_time"] = {"distribution": "empirical", "file": "aht.csv"}
    group = run(scenario, tmp_path).measures.agent_groups["g"]
    # mean 200 s × 120 calls/h = 6.67 erlangs on 20 agents
    assert group.occupancy == pytest.approx(120 * 200 / 3600 / 20, rel=0.1)


def test_the_scenario_is_not_changed_by_running_it() -> None:
    scenario = base()
    before = copy.deepcopy(scenario)
    run(scenario)
    assert scenario == before


def test_a_heavier_queue_weight_gives_its_callers_the_better_service() -> None:
    scenario = base()
    scenario["queues"] = [{"id": "sales"}, {"id": "vip", "weight": 1}]
    scenario["agent_groups"][0].update(agents=14, skills={"sales": 1, "vip": 1})
    scenario["arrivals"].append({"queue": "vip", "calls_per_hour": 60, "handle_time": EXPO_240})
    q = run(scenario).measures.queues
    # (120 + 60) calls/h × 240 s = 12 erlangs on 14 agents; agents take vip calls first
    assert q["vip"].asa_seconds < q["sales"].asa_seconds / 3
    assert q["vip"].service_level > q["sales"].service_level


def test_ring_all_offers_every_free_agent_and_the_first_to_answer_takes_the_call() -> None:
    scenario = base()
    scenario["queues"][0]["strategy"] = "ring_all"
    scenario["agent_groups"][0]["answer_seconds"] = {
        "distribution": "exponential",
        "mean_seconds": 4,
    }
    plain = base()
    plain["agent_groups"][0]["answer_seconds"] = scenario["agent_groups"][0]["answer_seconds"]
    ring_all, one_by_one = run(scenario).measures, run(plain).measures
    assert ring_all.queues["sales"].answered == ring_all.queues["sales"].offered
    # the fastest of several ringing agents answers sooner than one agent does
    assert ring_all.queues["sales"].asa_seconds < one_by_one.queues["sales"].asa_seconds


def test_a_forecast_file_sets_each_intervals_calls_and_handle_time(tmp_path: Path) -> None:
    (tmp_path / "day.csv").write_text(
        "interval,calls,aht\n08:00,100,120\n09:00,50,360\n10:00,0,0\n"
    )
    scenario = base(duration_hours=3, interval_minutes=60, start_time="08:00")
    scenario["agent_groups"][0]["agents"] = 40  # nobody waits
    scenario["arrivals"] = [
        {
            "queue": "sales",
            "forecast_file": "day.csv",
            # the shape; each interval's AHT scales it: 120 s, then 360 s
            "handle_time": {"distribution": "deterministic", "mean_seconds": 60},
        }
    ]
    m = run(scenario, tmp_path).measures
    first, second, third = (i.offered for i in m.intervals["sales"])
    assert abs(first - 100) < 4 * 100**0.5 and abs(second - 50) < 4 * 50**0.5
    assert third == 0
    # every call ends before 10:00 + 6 min: handle time is exactly calls × AHT
    handle = m.agent_groups["g"].handle_hours * 3600
    assert handle == pytest.approx(first * 120 + second * 360)


def test_a_forecast_that_does_not_cover_the_day_is_refused(tmp_path: Path) -> None:
    (tmp_path / "day.csv").write_text("interval,calls,aht\n08:00,100,120\n")
    scenario = base(interval_minutes=60)
    scenario["arrivals"] = [{"queue": "sales", "forecast_file": "day.csv"}]
    with pytest.raises(Invalid, match=r"arrivals\[0\]\.forecast_file: 1 intervals of 60 min"):
        run(scenario, tmp_path)
