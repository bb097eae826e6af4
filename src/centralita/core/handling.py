"""Handlers of interaction events: arrival, offers, conversation, transfers."""

from __future__ import annotations

from centralita.core.agents import HOLD, TALKING, WRAP, Agent
from centralita.core.commands import ConnectToAgent
from centralita.core.config import MAX_LEVEL, MAX_PRIORITY, MIN_PRIORITY, MISSED
from centralita.core.errors import (
    DuplicateInteraction,
    InvalidEvent,
    InvalidTransition,
    NoSuchQueue,
)
from centralita.core.events import (
    CallbackRequested,
    CallerHungUp,
    EscalationRequested,
    HoldEnded,
    HoldStarted,
    InteractionArrived,
    InteractionEnded,
    OfferAccepted,
    OfferRejected,
    Requirement,
    TransferRequested,
)
from centralita.core.flow import Flow
from centralita.core.interactions import CONNECTED, HELD, OFFERED, STATE_NAMES, Interaction
from centralita.core.outcomes import ANSWERED, Outcome
from centralita.core.queues import Queue
from centralita.core.records import (
    InteractionAnswered,
    InteractionHeld,
    InteractionResumed,
    InteractionTransferred,
)
from centralita.core.rules import decide, final_priority
from centralita.core.skills import normalise
from centralita.core.state import Output
from centralita.core.timers import WRAP_UP


def _check(priority: int | None, skills: Requirement | None, interaction: str) -> None:
    """Refuse out-of-range priorities (1–10) and skill levels (1–5)."""
    if priority is not None and not MIN_PRIORITY <= priority <= MAX_PRIORITY:
        raise InvalidEvent(
            interaction=interaction, field="priority", value=priority, accepted="1–10"
        )
    for skill, level in skills or ():
        if not 1 <= level <= MAX_LEVEL:
            raise InvalidEvent(
                interaction=interaction, field="skills", value=skill, accepted="levels 1–5"
            )


def _wrong(inter: Interaction, event: str) -> InvalidTransition:
    return InvalidTransition(interaction=inter.id, state=STATE_NAMES[inter.state], event=event)


class InteractionHandlers(Flow):
    def _arrived(self, e: InteractionArrived, now: float, out: list[Output]) -> None:
        if e.interaction_id in self.interactions:
            raise DuplicateInteraction(interaction=e.interaction_id)
        _check(e.priority, e.skills, e.interaction_id)
        if self.rules:
            last = self.last_contact.get(e.ani) if e.ani is not None else None
            d = decide(self.rules, e, last, now)
            queue_id, skills = d.queue, d.skills
            preferred, timeout = d.preferred_agent, d.preferred_timeout
            campaign = d.campaign
        else:
            queue_id, skills = e.queue, normalise(e.skills)
            preferred, timeout = e.preferred_agent, e.preferred_timeout
            campaign = e.campaign
        if queue_id is None:
            raise NoSuchQueue("no queue given and no rule chose one", queue=None)
        queue = self.queues.get(queue_id) or self.queue(queue_id)
        if self.rules:
            priority = final_priority(d, queue.default_priority)
        else:
            priority = e.priority if e.priority is not None else queue.default_priority
        target = self.agents.get(preferred) if preferred is not None else None
        if target is not None and not target.logged_in:
            target = None
        arrived_at = e.arrived_at if e.arrived_at is not None else now
        inter = Interaction(e.interaction_id, e.channel, arrived_at, priority, skills, e.ani)
        inter.campaign = campaign
        self.interactions[inter.id] = inter
        self._enter(inter, queue, now, out, target, timeout)

    def _offered_to(self, inter: Interaction, agent_id: str, event: str) -> Agent:
        agent = self.agents.get(agent_id) or self.agent(agent_id)
        if inter.state != OFFERED or agent not in inter.offers:
            raise _wrong(inter, event)
        return agent

    def _accepted(self, e: OfferAccepted, now: float, out: list[Output]) -> None:
        inter = self.interactions.get(e.interaction_id) or self.interaction(e.interaction_id)
        agent = self.agents.get(e.agent_id)
        if agent is None or inter.state != OFFERED or agent not in inter.offers:
            agent = self._offered_to(inter, e.agent_id, "offer_accepted")  # raises
        queue = inter.queue
        assert queue is not None
        if len(inter.offers) > 1:
            others = [a for a in inter.offers if a is not agent]
            self._cancel_offers(inter, others, now, out, "answered_elsewhere", serve=True)
        inter.offer_token += 1
        inter.visit += 1  # no more max-wait or relaxation
        inter.target = None
        inter.offers = []
        inter.state = CONNECTED
        inter.agent = agent
        inter.answered = True
        inter.connected_at = now
        inter.agents_seen.append(agent.id)
        if inter.id in queue.waiting:
            del queue.waiting[inter.id]
        agent.move_leg(inter.id, TALKING)
        agent.handled_today += 1
        if inter.ani is not None and self.remember_contacts:
            self.last_contact[inter.ani] = (now, agent.id)
        out.append(ConnectToAgent(inter.id, agent.id))
        out.append(InteractionAnswered(now, inter.id, agent.id, queue.id, now - inter.enqueued_at))
        self._set_state(agent, now, out, inter.id)

    def _offer_failed(
        self, inter: Interaction, agent: Agent, cause: str, now: float, out: list[Output]
    ) -> None:
        """One agent's offer ended unanswered: that agent goes not ready ("missed")."""
        agent.set_presence(agent.logged_in, MISSED, agent.logout_pending)
        agent.by = None
        agent.invalidate()
        self._cancel_offers(inter, [agent], now, out, cause, serve=False)
        if not inter.offers:
            self._requeue(inter, now, out)

    def _rejected(self, e: OfferRejected, now: float, out: list[Output]) -> None:
        inter = self.interaction(e.interaction_id)
        agent = self._offered_to(inter, e.agent_id, "offer_rejected")
        self._offer_failed(inter, agent, "rejected", now, out)

    def _ring_timeout(self, inter: Interaction, now: float, out: list[Output]) -> None:
        queue = inter.queue
        assert queue is not None
        if not queue.ring_all:
            self._offer_failed(inter, inter.offers[0], "no_answer", now, out)
            return
        # ring-all: nobody in particular missed it. The call goes back to its place (or
        # leaves, past its maximum wait); then whoever rang is free again and takes the
        # best interaction waiting for it, this one included, all of them together for
        # a ring-all call (`_serve`), so that a caller who waited longer in the same
        # queue comes first
        agents = list(inter.offers)
        self._cancel_offers(inter, agents, now, out, "no_answer", serve=False)
        self._requeue(inter, now, out)
        channel = inter.channel
        ready = [agent for agent in agents if agent.ready_for(channel)]
        for agent in ready:
            self._advertise(agent.slots[channel])
        for agent in ready:
            if agent.ready_for(channel):
                self._serve(agent.slots[channel], now, out)

    def _hung_up(self, e: CallerHungUp, now: float, out: list[Output]) -> None:
        inter = self.interactions.get(e.interaction_id) or self.interaction(e.interaction_id)
        if inter.state in (CONNECTED, HELD):
            self._finish(inter, now, out)
            return
        queue = inter.queue
        assert queue is not None
        self._leave(inter, now, out, "caller_left")
        waited = now - inter.enqueued_at
        short = waited < queue.config.short_abandon
        outcome = Outcome.SHORT_ABANDONED if short else Outcome.ABANDONED
        self._close(inter, outcome, queue, now, out)

    def _callback(self, e: CallbackRequested, now: float, out: list[Output]) -> None:
        inter = self.interaction(e.interaction_id)
        if inter.state in (CONNECTED, HELD):
            raise _wrong(inter, "callback_requested")
        self._leave(inter, now, out, "caller_left")
        self._close(inter, Outcome.CALLBACK_REQUESTED, inter.queue, now, out)

    def _ended(self, e: InteractionEnded, now: float, out: list[Output]) -> None:
        inter = self.interactions.get(e.interaction_id) or self.interaction(e.interaction_id)
        if inter.state not in (CONNECTED, HELD):
            raise _wrong(inter, "interaction_ended")
        self._finish(inter, now, out)

    def _finish(self, inter: Interaction, now: float, out: list[Output]) -> None:
        agent = self._release_agent(inter, now)
        self._close(inter, ANSWERED, inter.queue, now, out)
        self._set_state(agent, now, out, inter.id)
        if agent.logout_pending:
            self._after_work(agent, now, out)
        slot = agent.slot(inter.channel)  # (the leg was on it)
        # `_serve`'s own test, so that an agent now in wrap-up costs no call
        if agent.accepting and slot.load < slot.capacity:
            self._serve(slot, now, out)

    def _release_agent(self, inter: Interaction, now: float) -> Agent:
        """The connected agent leaves the conversation: into wrap-up or free."""
        agent = inter.agent
        queue = inter.queue
        assert agent is not None and queue is not None
        agent.talk_today += now - inter.connected_at
        inter.agent = None
        wrap = queue.wrap_up
        if wrap > 0:
            leg = agent.move_leg(inter.id, WRAP)
            token = agent.wrap_token(leg, now + wrap)
            self.timers.set(now + wrap, WRAP_UP, leg, token)
        else:
            agent.drop_leg(inter.id, now)
        return agent

    def _after_leg(self, agent: Agent, channel: str, now: float, out: list[Output]) -> None:
        if agent.logout_pending:
            self._after_work(agent, now, out)
        self._serve(agent.slot(channel), now, out)

    def _hold(self, e: HoldStarted, now: float, out: list[Output]) -> None:
        inter = self.interaction(e.interaction_id)
        if inter.state != CONNECTED or inter.agent is None:
            raise _wrong(inter, "hold_started")
        inter.state = HELD
        inter.agent.move_leg(inter.id, HOLD)
        out.append(InteractionHeld(now, inter.id))
        self._set_state(inter.agent, now, out, inter.id)

    def _unhold(self, e: HoldEnded, now: float, out: list[Output]) -> None:
        inter = self.interaction(e.interaction_id)
        if inter.state != HELD or inter.agent is None:
            raise _wrong(inter, "hold_ended")
        inter.state = CONNECTED
        inter.agent.move_leg(inter.id, TALKING)
        out.append(InteractionResumed(now, inter.id))
        self._set_state(inter.agent, now, out, inter.id)

    def _transfer(self, e: TransferRequested, now: float, out: list[Output]) -> None:
        inter = self.interaction(e.interaction_id)
        if (e.queue is None) == (e.agent_id is None):
            raise InvalidTransition(
                "give exactly one of queue and agent_id", interaction=inter.id, field="queue"
            )
        target_queue = self.queue(e.queue) if e.queue is not None else inter.queue
        target = self.agent(e.agent_id) if e.agent_id is not None else None
        if target is not None and not target.logged_in:
            raise InvalidTransition(agent=target.id, state="logged_out", event="transfer")
        assert target_queue is not None
        _check(e.priority, e.skills, inter.id)
        if e.priority is not None:
            inter.priority = e.priority
        if e.skills is not None:
            inter.skills = normalise(e.skills)
        self._move(inter, target_queue, target, e.timeout, "transfer", now, out)

    def _escalate(self, e: EscalationRequested, now: float, out: list[Output]) -> None:
        inter = self.interaction(e.interaction_id)
        queue = inter.queue
        assert queue is not None
        if queue.config.escalate_to is None:
            raise InvalidTransition(
                interaction=inter.id, queue=queue.id, field="escalate_to", event="escalation"
            )
        self._move(inter, self.queues[queue.config.escalate_to], None, 0.0, "escalation", now, out)

    def _move(
        self,
        inter: Interaction,
        queue: Queue,
        target: Agent | None,
        timeout: float,
        kind: str,
        now: float,
        out: list[Output],
    ) -> None:
        old = inter.queue
        assert old is not None
        from_agent: Agent | None = None
        if inter.state in (CONNECTED, HELD):
            from_agent = self._release_agent(inter, now)
        else:
            self._leave(inter, now, out, "transferred")
        out.append(
            InteractionTransferred(
                now,
                inter.id,
                old.id,
                from_agent.id if from_agent is not None else None,
                queue.id if target is None else None,
                target.id if target is not None else None,
                kind,
            )
        )
        if from_agent is not None:
            self._set_state(from_agent, now, out, inter.id)
        self._enter(inter, queue, now, out, target, timeout)
        if from_agent is not None:
            self._after_leg(from_agent, inter.channel, now, out)
