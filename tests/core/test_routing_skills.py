"""Skills and precision routing: levels, relaxation steps, sites."""

from __future__ import annotations

from typing import Any

from routing_helpers import arrive, of, offers, router

from centralita.core import AgentConfig, QueueConfig, RelaxStep, Router
from centralita.core.events import AgentLoggedIn, AgentPaused, OfferAccepted, Tick
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
