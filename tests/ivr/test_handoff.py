"""From the IVR to an agent: the call the flow queues is routed by the real router."""

from __future__ import annotations

from ivr_helpers import Call, example

from centralita.core import AgentConfig, QueueConfig, Router
from centralita.core.commands import OfferToAgent
from centralita.core.events import AgentLoggedIn, OfferAccepted
from centralita.core.ivr import commands as cmd
from centralita.core.ivr.handoff import arrival
from centralita.core.records import InteractionAnswered


def test_a_call_queued_by_the_menu_is_offered_to_a_skilled_agent_and_answered():
    call = Call(example("utility-es.yaml"))
    call.played()
    call.press("2")
    call.press("2")
    enqueue = call.pending()
    assert isinstance(enqueue, cmd.Enqueue)

    router = Router(
        queues=[QueueConfig("payments", members=("ana", "bob"))],
        agents=[
            AgentConfig("ana", skills={"billing": 1}),
            AgentConfig("bob", skills={"billing": 3}),
        ],
    )
    start = call.now.timestamp()
    router.handle(AgentLoggedIn("ana"), now=start)
    router.handle(AgentLoggedIn("bob"), now=start)
    event = arrival(enqueue, "call-1", ani="+573001234567", dnis="6015550100", arrived_at=start)
    outputs = router.handle(event, now=start + 20)
    offers = [o for o in outputs if isinstance(o, OfferToAgent)]
    assert [(o.agent_id, o.queue_id) for o in offers] == [("bob", "payments")]  # billing >= 2
    answered = router.handle(OfferAccepted("call-1", "bob"), now=start + 25)
    [record] = [o for o in answered if isinstance(o, InteractionAnswered)]
    assert (record.agent_id, record.queue_id) == ("bob", "payments")


def test_the_ivr_attributes_and_language_travel_with_the_call():
    call = Call(example("utility-es.yaml"))
    call.played()
    call.press("3")
    call.played()
    event = arrival(call.pending(), "c9", ani="+573001234567", arrived_at=1.0, site="bogota")
    assert (event.queue, event.priority, event.segment) == ("sales", 7, "campaign-tv")
    assert (event.language, event.site, event.arrived_at) == ("es", "bogota", 1.0)
    assert dict(event.attributes) == {"source": "tv-ad"}
