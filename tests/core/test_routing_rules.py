"""Routing rules on arrival attributes, and rule files with precise errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from routing_helpers import arrive, of, offers, router

from centralita.core import Actions, AgentConfig, Conditions, QueueConfig, Router, Rule
from centralita.core.errors import InvalidRule
from centralita.core.events import (
    AgentLoggedIn,
    DayStarted,
    InteractionEnded,
    OfferAccepted,
    Tick,
)
from centralita.core.records import InteractionQueued
from centralita.core.rulefile import parse_rules
from centralita.routing_rules import load_rules

EXAMPLE = Path(__file__).parents[2] / "examples" / "rules" / "routing.yaml"


def center(rules: tuple[Rule, ...]) -> Router:
    r = router(
        [
            QueueConfig("general", members=("ana", "bob", "cat")),
            QueueConfig("vip", members=("ana",)),
            QueueConfig("retention", members=("bob",)),
        ],
        [
            AgentConfig("ana", skills={"english": 3}),
            AgentConfig("bob", skills={"catalan": 4}, site="bilbao"),
            AgentConfig("cat", skills={"catalan": 2}),
        ],
        rules=rules,
    )
    for a in ("ana", "bob", "cat"):
        r.handle(AgentLoggedIn(a), 0.0)
    return r


def queued(out: list[object]) -> InteractionQueued:
    return of(InteractionQueued, out)[0]  # type: ignore[arg-type]


def test_example_rule_file_loads() -> None:
    rules = load_rules(EXAMPLE)
    assert [r.name for r in rules][:2] == ["vip-line", "catalonia-bilingual"]


def test_dialed_vip_number_goes_to_vip_queue_with_high_priority() -> None:
    r = center(load_rules(EXAMPLE))
    q = queued(arrive(r, "c1", 1.0, queue="general", dnis="+34900100200"))
    assert (q.queue_id, q.priority, q.campaign) == ("vip", 9, "vip-care")
    assert r.interaction_snapshot("c1").campaign == "vip-care"


def test_caller_area_prefix_requires_bilingual_agents() -> None:
    r = center(load_rules(EXAMPLE))
    out = arrive(r, "c1", 1.0, queue="general", ani="+34931234567")
    assert queued(out).skills == (("catalan", 3),)
    assert offers(out) == [("c1", "bob")]


def test_segment_and_language_rules_combine() -> None:
    r = center(load_rules(EXAMPLE))
    q = queued(arrive(r, "c1", 1.0, queue="general", segment="risk_high", language="en"))
    assert (q.queue_id, q.priority, q.skills) == ("retention", 7, (("english", 2),))


def test_rules_that_do_not_match_leave_the_arrival_as_it_came() -> None:
    r = center(load_rules(EXAMPLE))
    q = queued(arrive(r, "c1", 1.0, queue="general", ani="+4420", priority=4))
    assert (q.queue_id, q.priority, q.skills) == ("general", 4, ())


def test_stop_ends_rule_evaluation() -> None:
    rules = (
        Rule("first", Conditions(dnis=("100",)), Actions(queue="vip"), stop=True),
        Rule("second", Conditions(), Actions(queue="retention")),
    )
    r = center(rules)
    assert queued(arrive(r, "c1", 1.0, queue="general", dnis="100")).queue_id == "vip"
    assert queued(arrive(r, "c2", 1.0, queue="general", dnis="200")).queue_id == "retention"


def test_repeat_caller_gets_a_boost_and_is_offered_first_to_the_last_agent() -> None:
    r = center(load_rules(EXAMPLE))
    first = arrive(r, "c1", 0.0, queue="general", ani="+3460000")
    agent = offers(first)[0][1]
    r.handle(OfferAccepted("c1", agent), 1.0)
    r.handle(InteractionEnded("c1"), 100.0)
    # an hour later another agent is idle longer, yet the last agent is offered first
    out = arrive(r, "c2", 3600.0, queue="general", ani="+3460000")
    assert queued(out).priority == 6
    assert queued(out).target_agent == agent
    assert offers(out) == [("c2", agent)]


def test_repeat_caller_waits_for_the_busy_last_agent_until_the_timeout() -> None:
    r = center(load_rules(EXAMPLE))
    agent = offers(arrive(r, "c1", 0.0, queue="general", ani="+3460000"))[0][1]
    r.handle(OfferAccepted("c1", agent), 1.0)
    r.handle(InteractionEnded("c1"), 100.0)
    # the last agent is busy with a call asked for it by name
    assert offers(arrive(r, "x", 200.0, queue="general", preferred_agent=agent)) == [("x", agent)]
    r.handle(OfferAccepted("x", agent), 201.0)
    out = arrive(r, "c2", 300.0, queue="general", ani="+3460000")
    assert offers(out) == []  # others are free, but it waits for its agent
    assert r.next_deadline() == 320.0
    out = r.handle(Tick(), 320.0)
    assert len(offers(out)) == 1
    assert offers(out)[0][1] != agent


def test_repeat_rule_does_not_fire_after_the_window() -> None:
    r = center(load_rules(EXAMPLE))
    agent = offers(arrive(r, "c1", 0.0, queue="general", ani="+3460000"))[0][1]
    r.handle(OfferAccepted("c1", agent), 1.0)
    r.handle(InteractionEnded("c1"), 100.0)
    q = queued(arrive(r, "c2", 5 * 3600.0, queue="general", ani="+3460000"))
    assert (q.priority, q.target_agent) == (5, None)


def test_rule_naming_an_unknown_queue_is_refused_at_start_up() -> None:
    rules = parse_rules({"rules": [{"name": "r1", "then": {"queue": "nope"}}]}, "r.yaml")
    with pytest.raises(InvalidRule) as info:
        center(rules)
    assert info.value.fields == {"file": "r.yaml", "rule": "r1", "field": "then.queue"}


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"name": "r", "then": {"priority": 11}}, "then.priority"),
        ({"name": "r", "then": {"skills": {"es": 9}}}, "then.skills"),
        ({"name": "r", "when": {"dnis": 5}, "then": {"queue": "q"}}, "when.dnis"),
        ({"name": "r", "when": {"colour": "red"}, "then": {"queue": "q"}}, "when.colour"),
        ({"name": "r", "then": {}}, "then"),
        ({"name": "r", "then": {"go": "q"}}, "then.go"),
        ({"name": "r", "then": {"queue": "q"}, "stop": "yes"}, "stop"),
        ({"then": {"queue": "q"}}, "name"),
    ],
)
def test_invalid_rule_errors_name_file_rule_and_field(rule: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidRule) as info:
        parse_rules({"rules": [rule]}, "routing.yaml")
    assert info.value.code == "invalid-rule"
    assert info.value.fields["file"] == "routing.yaml"
    assert info.value.fields["field"] == field
    assert info.value.fields["rule"] in ("'r'", "#0")
    assert "routing.yaml" in str(info.value)


def test_json_rule_files_load_and_broken_files_name_the_file(tmp_path: Path) -> None:
    good = tmp_path / "rules.json"
    good.write_text(json.dumps({"rules": [{"name": "vip", "then": {"queue": "vip"}}]}))
    assert load_rules(good)[0].then.queue == "vip"
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [\n")
    with pytest.raises(InvalidRule) as info:
        load_rules(bad)
    assert info.value.fields["file"] == str(bad)
    dup = tmp_path / "dup.yaml"
    dup.write_text("rules:\n- {name: a, then: {queue: q}}\n- {name: a, then: {queue: q}}\n")
    with pytest.raises(InvalidRule) as info:
        load_rules(dup)
    assert (info.value.fields["rule"], info.value.fields["field"]) == ("'a'", "name")


def test_repeat_callers_are_forgotten_after_the_window_when_a_day_starts() -> None:
    r = center(load_rules(EXAMPLE))  # the longest window is 4 h
    agent = offers(arrive(r, "c1", 0.0, queue="general", ani="+3460000"))[0][1]
    r.handle(OfferAccepted("c1", agent), 1.0)
    r.handle(InteractionEnded("c1"), 100.0)
    assert "+3460000" in r.last_contact
    r.handle(DayStarted(), 5 * 3600.0)
    assert "+3460000" not in r.last_contact


def test_without_repeat_rules_no_caller_is_remembered() -> None:
    r = center(())
    arrive(r, "c1", 0.0, queue="general", ani="+3460000")
    r.handle(OfferAccepted("c1", r.interaction_snapshot("c1").offered_to[0]), 1.0)
    assert r.last_contact == {}
