"""Skills and precision routing: levels, relaxation steps, sites."""

from __future__ import annotations

from typing import Any

from routing_helpers import arrive, of, offers, router

from centralita.core import AgentConfig, QueueConfig, RelaxStep, Router, Strategy
from centralita.core.events import (
    AgentLoggedIn,
    AgentPaused,
    OfferAccepted,
    Tick,
    TransferRequested,
)
from centralita.core.records import InteractionRelaxed


def skilled_router(**queue_options: Any) -> Router:
    r = router(
        [QueueConfig("q", members=("expert", "junior", "other"), **queue_options)],
        [
            AgentConfig("expert", skills={"es": 5, "billing": 4}),
            AgentConfig("junior", skills={"es": 2}),
            AgentConfig("other", skills={"fr": 5}),
        ],
    )
    for a in ("expert", "junior", "other"):
        r.handle(AgentLoggedIn(a), 0.0)
    return r


def test_only_agents_with_the_required_levels_are_offered() -> None:
    r = skilled_router()
    assert offers(arrive(r, "c1", 1.0, skills=(("es", 4),))) == [("c1", "expert")]


def test_several_required_skills_must_all_be_met() -> None:
    r = skilled_router()
    r.handle(AgentPaused("expert", "break"), 0.0)
    assert offers(arrive(r, "c1", 1.0, skills=(("es", 2), ("billing", 1)))) == []


def test_requirements_relax_in_steps_until_any_member_qualifies() -> None:
    relax = (RelaxStep(30.0, 2), RelaxStep(60.0, 0))
    r = skilled_router(relax=relax)
    arrive(r, "c0", 0.0, skills=(("es", 4),))
    r.handle(OfferAccepted("c0", "expert"), 0.0)
    r.handle(AgentPaused("junior", "training"), 0.0)
    assert offers(arrive(r, "c1", 1.0, skills=(("es", 4),))) == []
    out = r.handle(Tick(), 31.0)
    assert [e.skills for e in of(InteractionRelaxed, out)] == [(("es", 2),)]
    assert offers(out) == []  # junior qualifies now but is paused; other lacks Spanish
    out = r.handle(Tick(), 61.0)
    assert [e.skills for e in of(InteractionRelaxed, out)] == [()]
    assert offers(out) == [("c1", "other")]


def test_given_a_transfer_with_new_skills_when_it_relaxes_then_the_new_skills_relax() -> None:
    """The relaxed pools are remembered per requirement as asked: a transfer that asks
    for other skills relaxes those, while another interaction asking for the first
    skills still relaxes the same way."""
    r = skilled_router(relax=(RelaxStep(30.0, 2), RelaxStep(60.0, 0)))
    arrive(r, "c0", 0.0, skills=(("es", 4),))
    r.handle(OfferAccepted("c0", "expert"), 0.0)
    r.handle(AgentPaused("junior", "training"), 0.0)
    arrive(r, "c1", 1.0, skills=(("es", 4),))
    out = r.handle(Tick(), 31.0)
    assert [(e.interaction_id, e.skills) for e in of(InteractionRelaxed, out)] == [
        ("c1", (("es", 2),))
    ]
    asked = (("billing", 3), ("fr", 5))
    out = r.handle(TransferRequested("c1", queue="q", skills=asked), 40.0)
    assert offers(out) == []  # nobody holds both
    arrive(r, "c2", 41.0, skills=(("es", 4),))
    out = r.handle(Tick(), 71.0)  # c1's first step (40 + 30), c2's first step (41 + 30)
    assert [(e.interaction_id, e.skills) for e in of(InteractionRelaxed, out)] == [
        ("c1", (("billing", 2), ("fr", 2))),
        ("c2", (("es", 2),)),
    ]
    assert offers(out) == []
    out = r.handle(Tick(), 100.0)  # c1's second step: anyone
    assert [(e.interaction_id, e.skills) for e in of(InteractionRelaxed, out)] == [("c1", ())]
    assert offers(out) == [("c1", "other")]


def test_the_queue_strategy_picks_among_qualified_agents_only() -> None:
    r = router(
        [QueueConfig("q", members=("a", "b", "c"))],
        [
            AgentConfig("a", skills={"es": 1}),
            AgentConfig("b", skills={"es": 4}),
            AgentConfig("c", skills={"es": 5}),
        ],
    )
    r.handle(AgentLoggedIn("a"), 0.0)  # idle the longest but not qualified
    r.handle(AgentLoggedIn("c"), 1.0)
    r.handle(AgentLoggedIn("b"), 2.0)
    assert offers(arrive(r, "c1", 5.0, skills=(("es", 3),))) == [("c1", "c")]


def test_site_preference_is_an_implicit_skill_that_relaxation_drops() -> None:
    r = router(
        [QueueConfig("q", members=("mad", "bil"), relax=(RelaxStep(20.0, 0),))],
        [AgentConfig("mad", site="madrid"), AgentConfig("bil", site="bilbao")],
    )
    r.handle(AgentLoggedIn("mad"), 0.0)
    r.handle(AgentLoggedIn("bil"), 0.0)
    assert offers(arrive(r, "c1", 1.0, skills=(("site:bilbao", 1),))) == [("c1", "bil")]
    r.handle(OfferAccepted("c1", "bil"), 2.0)
    assert offers(arrive(r, "c2", 2.0, skills=(("site:bilbao", 1),))) == []
    assert offers(r.handle(Tick(), 22.0)) == [("c2", "mad")]


def test_pools_created_later_join_each_agents_list_where_a_rebuild_would_put_them() -> None:
    """An agent's pools are listed by its queues, then by creation (random keys are
    drawn in that order); a pool created after the list was built joins it there."""
    r = router(
        [QueueConfig(q, members=("a", "b"), strategy=Strategy.RANDOM) for q in ("q1", "q2", "q3")],
        [AgentConfig("a", skills={"es": 5, "fr": 3}), AgentConfig("b", skills={"es": 2})],
    )
    for a in ("a", "b"):
        r.handle(AgentLoggedIn(a), 0.0)
    asks = [("q3", ()), ("q1", (("es", 4),)), ("q2", ()), ("q1", ()), ("q3", (("fr", 1),))]
    for n, (queue, skills) in enumerate(asks):
        arrive(r, f"c{n}", 1.0 + n, queue=queue, skills=skills)
        r.handle(Tick(), 2.0 + n + 30.0)  # ring timeouts: agents free again
    for agent in r.agents.values():
        kept = {channel: slot.pools for channel, slot in agent.slots.items()}
        agent.pools_gen = -1  # rebuild
        r._pools_for(agent.slots["voice"])
        assert kept == {c: slot.pools for c, slot in agent.slots.items()}, agent.id


def test_interactions_of_one_queue_asking_different_skills_wait_in_their_own_pools() -> None:
    """The queue remembers the pool its last caller went to: a caller asking for
    something else must not land there."""
    r = router([QueueConfig("q", members=("a",))], [AgentConfig("a", skills={"es": 3})])
    asks = [(("es", 3),), (), (("es", 3),), (("fr", 1),), (), (("fr", 1),)]
    for n, skills in enumerate(asks):
        arrive(r, f"c{n}", float(n), skills=skills)  # nobody logged in: all wait
    for n, skills in enumerate(asks):
        assert r.interaction_snapshot(f"c{n}").required == skills
        assert r.interactions[f"c{n}"].pool.required == skills
