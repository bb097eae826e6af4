"""Handlers of agent events: login, logout, pauses, wrap-up; and agent timers."""

from __future__ import annotations

from centralita.core.agents import RINGING, WRAP, Agent, Leg
from centralita.core.config import WhenNoAgents
from centralita.core.errors import AgentBusy, InvalidTransition
from centralita.core.events import (
    AgentEngaged,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentReadied,
    AgentReleased,
    DayStarted,
    WrapUpEnded,
    WrapUpExtended,
)
from centralita.core.handling import InteractionHandlers
from centralita.core.interactions import place
from centralita.core.queues import Queue
from centralita.core.records import PauseLimitExceeded
from centralita.core.records import WrapUpExtended as WrapUpExtendedRecord
from centralita.core.state import Output
from centralita.core.timers import WRAP_UP


def _wrong(agent: Agent, event: str) -> InvalidTransition:
    return InvalidTransition(agent=agent.id, state=agent.state.value, event=event)


class AgentHandlers(InteractionHandlers):
    def _logged_in(self, e: AgentLoggedIn, now: float, out: list[Output]) -> None:
        agent = self.agent(e.agent_id)
        if agent.logged_in or agent.first_leg is not None:
            raise _wrong(agent, "agent_logged_in")
        if e.reason is not None:
            self.pause_reason(e.reason, agent)
        agent.set_presence(True, e.reason, False)
        agent.by = None
        for slot in agent.slots.values():
            slot.idle_since = now
        for queue in agent.queues:
            queue.logged_in += 1
        self._set_state(agent, now, out, None)
        self._serve_all(agent, now, out)

    def _logged_out(self, e: AgentLoggedOut, now: float, out: list[Output]) -> None:
        agent = self.agent(e.agent_id)
        if not agent.logged_in or agent.logout_pending:
            raise _wrong(agent, "agent_logged_out")
        agent.set_presence(True, agent.pause, True)
        agent.by = e.by
        agent.invalidate()
        for queue in agent.queues:
            queue.logged_in -= 1
        for leg in agent.legs():
            iid = leg.id
            if leg.state == RINGING:
                inter = self.interactions[iid]
                self._cancel_offers(inter, [agent], now, out, "agent_left", serve=False)
                if not inter.offers:
                    self._requeue(inter, now, out)
            elif leg.state == WRAP:
                agent.drop_leg(iid, now)
        if agent.logout_pending:
            self._after_work(agent, now, out)
        self._set_state(agent, now, out, None)
        self._release_targeted(agent, now, out)
        for queue in agent.queues:
            if queue.logged_in == 0:
                self._evict(queue, now, out)

    def _release_targeted(self, agent: Agent, now: float, out: list[Output]) -> None:
        """Interactions waiting for this agent only go to their queue instead."""
        waiting = [
            e[3] for slot in agent.slots.values() for e in slot.targeted or () if e[3].token == e[2]
        ]
        for slot in agent.slots.values():
            slot.targeted = None
        for inter in sorted(waiting, key=place):
            inter.target = None
            inter.token += 1
            self._route(inter, now, out)

    def _after_work(self, agent: Agent, now: float, out: list[Output]) -> None:
        if agent.logout_pending and agent.first_leg is None and not agent.engaged:
            agent.set_presence(False, None, False)
            self._set_state(agent, now, out, None)

    def _evict(self, queue: Queue, now: float, out: list[Output]) -> None:
        """The last member logged out: apply `when_no_agents` to who is waiting."""
        policy = queue.config.when_no_agents
        if policy is WhenNoAgents.WAIT:
            return
        for inter in sorted(queue.waiting.values(), key=place):
            self._leave(inter, now, out, "agent_left")
            if policy is WhenNoAgents.REJECT:
                self._reject(inter, queue, "no_agents", now, out)
            else:
                self._overflow(inter, queue, now, out, 0)

    def _paused(self, e: AgentPaused, now: float, out: list[Output]) -> None:
        agent = self.agent(e.agent_id)
        self.pause_reason(e.reason, agent)
        if not agent.logged_in or agent.logout_pending:
            raise _wrong(agent, "agent_paused")
        agent.set_presence(agent.logged_in, e.reason, agent.logout_pending)
        agent.by = e.by
        agent.invalidate()
        self._set_state(agent, now, out, None)

    def _readied(self, e: AgentReadied, now: float, out: list[Output]) -> None:
        agent = self.agent(e.agent_id)
        if not agent.logged_in or agent.logout_pending:
            raise _wrong(agent, "agent_readied")
        if agent.pause is None:
            return  # already ready: nothing changes, nothing to log
        agent.set_presence(agent.logged_in, None, agent.logout_pending)
        agent.by = None
        for slot in agent.slots.values():
            if slot.load == 0:
                slot.idle_since = now
        self._set_state(agent, now, out, None)
        self._serve_all(agent, now, out)

    def _engaged(self, e: AgentEngaged, now: float, out: list[Output]) -> None:
        agent = self.agent(e.agent_id)
        if not agent.logged_in or agent.logout_pending or e.ref in agent.engaged:
            raise _wrong(agent, "agent_engaged")
        slot = agent.slots.get(e.channel)
        if slot is None or slot.load >= slot.capacity:
            raise AgentBusy(agent=agent.id, channel=e.channel, state=agent.state.value)
        agent.engage(e.ref, slot, e.interaction_id)  # (its index entries go stale)
        self._set_state(agent, now, out, e.interaction_id)
        if agent.accepting and slot.load < slot.capacity:
            self._advertise(slot)  # room left on the channel: free again

    def _released(self, e: AgentReleased, now: float, out: list[Output]) -> None:
        agent = self.agent(e.agent_id)
        if e.ref not in agent.engaged:
            raise _wrong(agent, "agent_released")
        slot, interaction_id = agent.release(e.ref, now)
        self._set_state(agent, now, out, interaction_id)
        if agent.logout_pending:
            self._after_work(agent, now, out)
        self._serve(slot, now, out)

    def _wrap_ended(self, e: WrapUpEnded, now: float, out: list[Output]) -> None:
        agent = self.agent(e.agent_id)
        wrapping = [leg.id for leg in agent.legs() if leg.state == WRAP]
        if e.interaction_id is not None:
            if e.interaction_id not in wrapping:
                raise _wrong(agent, "wrap_up_ended")
            wrapping = [e.interaction_id]
        if not wrapping:
            raise _wrong(agent, "wrap_up_ended")
        slots = {agent.drop_leg(iid, now) for iid in wrapping}
        self._set_state(agent, now, out, wrapping[-1])
        if agent.logout_pending:
            self._after_work(agent, now, out)
        for slot in sorted(slots, key=lambda s: s.channel):
            self._serve(slot, now, out)

    def _wrap_timeout(self, leg: Leg, now: float, out: list[Output]) -> None:
        agent = leg.slot.agent
        slot = agent.remove_leg(leg, now)
        self._set_state(agent, now, out, leg.id)
        if agent.logout_pending:
            self._after_work(agent, now, out)
        self._serve(slot, now, out)

    def _wrap_extended(self, e: WrapUpExtended, now: float, out: list[Output]) -> None:
        agent = self.agent(e.agent_id)
        wrapping = [leg for leg in agent.legs() if leg.state == WRAP]
        if not wrapping or e.seconds <= 0:
            raise _wrong(agent, "wrap_up_extended")
        for leg in wrapping:
            until = leg.wrap_until + e.seconds
            token = agent.wrap_token(leg, until)
            self.timers.set(until, WRAP_UP, leg, token)
            out.append(WrapUpExtendedRecord(now, agent.id, leg.id, until))

    def _pause_limit(self, agent: Agent, limit: float, now: float, out: list[Output]) -> None:
        assert agent.reason is not None
        out.append(PauseLimitExceeded(now, agent.id, agent.reason, limit))

    def _day_started(self, e: DayStarted, now: float, out: list[Output]) -> None:
        for agent in self.agents.values():
            agent.handled_today = 0
            agent.talk_today = 0.0
        window = self.contact_window
        if window != float("inf"):
            stale = [ani for ani, (at, _) in self.last_contact.items() if now - at > window]
            for ani in stale:
                del self.last_contact[ani]
