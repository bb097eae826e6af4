"""An interaction's way through queues: entering, relaxing, overflowing, leaving."""

from __future__ import annotations

from typing import Final

from centralita.core.agents import Agent
from centralita.core.commands import CancelOffer, OverflowTo, RejectInteraction
from centralita.core.config import WhenFull, WhenNoAgents
from centralita.core.interactions import OFFERED, WAITING, Interaction, place
from centralita.core.matching import Matching
from centralita.core.outcomes import ANSWERED, Outcome
from centralita.core.queues import Queue
from centralita.core.records import (
    InteractionClosed,
    InteractionQueued,
    InteractionRelaxed,
    InteractionTransferred,
    OfferCancelled,
)
from centralita.core.state import Output
from centralita.core.timers import MAX_WAIT, PREFERRED, RELAX

MAX_HOPS: Final = 8  # overflow chains longer than this end in a rejection (a loop of full queues)


class Flow(Matching):
    def _enter(
        self,
        inter: Interaction,
        queue: Queue,
        now: float,
        out: list[Output],
        target: Agent | None = None,
        target_timeout: float = 0.0,
        hops: int = 0,
    ) -> None:
        """Put `inter` (in no queue) into `queue`, applying the queue's entry policies."""
        config = queue.config
        if queue.logged_in == 0 and config.when_no_agents is not WhenNoAgents.WAIT:
            if config.when_no_agents is WhenNoAgents.REJECT:
                self._reject(inter, queue, "no_agents", now, out)
            else:
                self._overflow(inter, queue, now, out, hops)
            return
        if queue.max_length is not None and len(queue.waiting) >= queue.max_length:
            if config.when_full is WhenFull.REJECT:
                self._reject(inter, queue, "queue_full", now, out)
            else:
                self._overflow(inter, queue, now, out, hops)
            return
        self.seq += 1
        inter.seq = self.seq
        inter.queue = queue
        inter.history.append(queue.id)
        inter.visit += 1
        inter.enqueued_at = now
        inter.rank = queue.rank(inter.priority, now)
        inter.state = WAITING
        inter.step = 0
        inter.overdue = False
        inter.pool = self._current_pool(inter)
        inter.required = inter.pool.required
        inter.target = target
        queue.waiting[inter.id] = inter
        out.append(
            InteractionQueued(
                now,
                inter.id,
                queue.id,
                inter.priority,
                inter.skills,
                inter.arrived_at,
                target.id if target is not None else None,
                inter.campaign,
            )
        )
        timers = self.timers
        if queue.max_wait is not None:
            timers.set(now + queue.max_wait, MAX_WAIT, inter, inter.visit)
        if queue.relax_after and inter.skills:
            timers.set(now + queue.relax_after[0], RELAX, inter, inter.visit)
        if target is not None and target_timeout > 0:
            inter.target_token += 1
            timers.set(now + target_timeout, PREFERRED, inter, inter.target_token)
        self._route(inter, now, out)

    def _leave(self, inter: Interaction, now: float, out: list[Output], cause: str) -> None:
        """Take `inter` out of its queue: stop waiting, cancel offers (agents get served)."""
        queue = inter.queue
        assert queue is not None
        inter.token += 1
        inter.visit += 1
        inter.target = None
        if inter.id in queue.waiting:  # (`in` and `del`: compiled, no method call)
            del queue.waiting[inter.id]
        if inter.state == OFFERED:
            self._cancel_offers(inter, inter.offers, now, out, cause, serve=True)

    def _cancel_offers(
        self,
        inter: Interaction,
        agents: list[Agent],
        now: float,
        out: list[Output],
        cause: str,
        serve: bool,
    ) -> None:
        for agent in list(agents):
            inter.offers.remove(agent)
            agent.drop_leg(inter.id, now)
            out.append(CancelOffer(inter.id, agent.id))
            out.append(OfferCancelled(now, inter.id, agent.id, cause))
            self._set_state(agent, now, out, inter.id)
            if agent.logout_pending:
                self._after_work(agent, now, out)
            if serve:
                self._serve_all(agent, now, out)
        if not inter.offers:
            inter.offer_token += 1

    def _after_work(self, agent: Agent, now: float, out: list[Output]) -> None:
        """Hook after a leg ends: finishes a pending logout (defined by the agent flow).

        Called only when `agent.logout_pending` (a call less on every other leg end)."""

    def _requeue(self, inter: Interaction, now: float, out: list[Output]) -> None:
        """An offer failed: back to the original place (same rank and seq) or overflow."""
        inter.state = WAITING
        if inter.overdue:
            inter.overdue = False
            self._expire(inter, now, out)
            return
        inter.pool = self._current_pool(inter)
        inter.required = inter.pool.required
        held = self.held
        if held is not None and inter.target is None:
            inter.pool.waiting.push(inter)  # in its place meanwhile (`_route_held`)
            held.append(inter)
            return
        self._route(inter, now, out)

    def _route_held(self, now: float, out: list[Output]) -> None:
        """Route the interactions `_requeue` held, oldest first."""
        held = self.held
        self.held = None
        if held is None:
            return
        held.sort(key=place)
        for inter in held:
            if inter.state == WAITING and inter.id in self.interactions:
                inter.token += 1  # (its entry in the waiting line goes stale)
                self._route(inter, now, out)

    def _expire(self, inter: Interaction, now: float, out: list[Output]) -> None:
        """Max wait reached while waiting."""
        queue = inter.queue
        assert queue is not None
        self._leave(inter, now, out, "overflow")
        self._overflow(inter, queue, now, out, 0)

    def _overflow(
        self, inter: Interaction, queue: Queue, now: float, out: list[Output], hops: int
    ) -> None:
        config = queue.config
        if config.overflow_queue is not None and hops < MAX_HOPS:
            target = self.queues[config.overflow_queue]
            out.append(
                InteractionTransferred(now, inter.id, queue.id, None, target.id, None, "overflow")
            )
            self._enter(inter, target, now, out, hops=hops + 1)
        elif config.overflow_destination is not None:
            out.append(OverflowTo(inter.id, config.overflow_destination))
            self._close(inter, Outcome.OVERFLOWED, queue, now, out, config.overflow_destination)
        else:
            self._reject(inter, queue, "overflow_loop", now, out)

    def _reject(
        self, inter: Interaction, queue: Queue, reason: str, now: float, out: list[Output]
    ) -> None:
        out.append(RejectInteraction(inter.id, reason))
        self._close(inter, Outcome.REJECTED, queue, now, out)

    def _close(
        self,
        inter: Interaction,
        outcome: Outcome,
        queue: Queue | None,
        now: float,
        out: list[Output],
        destination: str | None = None,
    ) -> None:
        """The one final record. Once answered, the outcome stays `answered`."""
        if inter.answered:
            outcome = ANSWERED
        waited = (inter.connected_at if inter.answered else now) - inter.enqueued_at
        agent = inter.agents_seen[-1] if inter.agents_seen else None
        out.append(
            InteractionClosed(
                now,
                inter.id,
                outcome,
                queue.id if queue is not None else None,
                inter.arrived_at,
                waited if waited > 0.0 else 0.0,  # max(0.0, waited) without the call
                agent,
                destination,
            )
        )
        if inter.id in self.interactions:
            del self.interactions[inter.id]

    def _relax(self, inter: Interaction, now: float, out: list[Output]) -> None:
        """The next relaxation step is due."""
        queue = inter.queue
        assert queue is not None
        steps = queue.relax_after
        inter.step += 1
        if inter.step < len(steps):
            due = inter.enqueued_at + steps[inter.step]
            self.timers.set(due, RELAX, inter, inter.visit)
        pool = self._current_pool(inter)
        if pool is inter.pool:
            return
        inter.pool = pool
        inter.required = pool.required
        out.append(InteractionRelaxed(now, inter.id, queue.id, pool.required))
        if inter.state == WAITING and inter.target is None:
            inter.token += 1
            self._route(inter, now, out)
