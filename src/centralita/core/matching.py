"""Matching interactions and agents through the pools' heaps.

Two directions, both O(log n) per decision with lazy deletion:

* an interaction needs an agent (`_route`): pop the best valid agent of its pool;
* an agent has room (`_serve`): peek the best valid interaction of each pool it
  qualifies for and take the best of those (queue weight, then rank, then arrival).

Work conservation follows: an interaction waits only in a pool without valid agents,
and an agent is advertised only after finding no interaction it could take.
"""

from __future__ import annotations

from heapq import heappop, heappush

from centralita.core.agents import RINGING, Agent, Slot
from centralita.core.commands import OfferToAgent
from centralita.core.events import Requirement
from centralita.core.interactions import OFFERED, WAITING, Interaction
from centralita.core.lines import EMPTY, WaitingLine
from centralita.core.queues import Pool, Queue
from centralita.core.records import InteractionOffered
from centralita.core.skills import qualifies, relax
from centralita.core.state import Output, RouterState
from centralita.core.strategies import agent_key
from centralita.core.timers import RING


class Matching(RouterState):
    # --- pools ------------------------------------------------------------------------

    def _pool(self, queue: Queue, channel: str, required: Requirement) -> Pool:
        pool = queue.pools.get((channel, required))
        if pool is None:
            pool = Pool(queue, channel, required)
            queue.pools[(channel, required)] = pool
            gen = self.pool_gen
            for agent in queue.members:
                if qualifies(agent.skills, required):
                    if agent.pools_gen == gen:  # its list is built: add the pool to it
                        _add_pool(agent, pool)
                    if agent.ready_for(channel):
                        self._push_agent(pool, agent.slots[channel])
        return pool

    def _pools_for(self, slot: Slot) -> tuple[Pool, ...]:
        agent = slot.agent
        if agent.pools_gen != self.pool_gen:
            by_channel: dict[str, list[Pool]] = {channel: [] for channel in agent.slots}
            for queue in agent.queues:
                for pool in queue.pools.values():
                    if qualifies(agent.skills, pool.required):
                        by_channel.setdefault(pool.channel, []).append(pool)
            for channel, pools in by_channel.items():
                agent.slot(channel).pools = tuple(pools)
            agent.pools_gen = self.pool_gen
        return slot.pools

    def _current_pool(self, inter: Interaction) -> Pool:
        queue = inter.queue
        assert queue is not None
        step = inter.step
        if not step:  # every queue entry comes here first, after any change of skills
            last = queue.last_pool
            if last is None or last.channel != inter.channel or last.required != inter.skills:
                last = self._base_pool(queue, inter.channel, inter.skills)
                queue.last_pool = last
            inter.base = last
            return last
        # relaxed: remembered on the step-0 pool by step, since building the relaxed
        # requirement (or a key of it) costs more than a list index
        base = inter.base
        assert base is not None
        pool = base.relaxed[step]
        if pool is None:
            # (from the base's requirement: the entry is a function of the base alone)
            pool = self._pool(
                queue, base.channel, relax(base.required, queue.relax_levels[step - 1])
            )
            base.relaxed[step] = pool
        return pool

    def _base_pool(self, queue: Queue, channel: str, skills: Requirement) -> Pool:
        pool = queue.pools.get((channel, skills))
        return pool if pool is not None else self._pool(queue, channel, skills)

    def _push_agent(self, pool: Pool, slot: Slot) -> None:
        k1, k2 = agent_key(pool.queue, slot, self.rng)
        self.uid += 1
        free = pool.agents
        free.push(k1, k2, self.uid, slot, slot.epoch)
        if len(free) > pool.agents_limit:
            free.compact()

    def _advertise(self, slot: Slot) -> None:
        """Put a free agent into every pool it qualifies for on the slot's channel
        (under a fresh epoch)."""
        epoch = slot.epoch + 1
        slot.epoch = epoch
        pools = slot.pools if slot.agent.pools_gen == self.pool_gen else self._pools_for(slot)
        # `_push_agent` inlined; the longest-idle key (the default strategy) is the
        # same in every such queue
        load = float(slot.load)
        idle = slot.idle_since
        for pool in pools:
            queue = pool.queue
            self.uid += 1
            free = pool.agents
            if queue.longest_idle:
                free.push(load, idle, self.uid, slot, epoch)
            else:
                k1, k2 = agent_key(queue, slot, self.rng)
                free.push(k1, k2, self.uid, slot, epoch)
            if len(free) > pool.agents_limit:
                free.compact()

    # --- interaction side -------------------------------------------------------------

    def _route(self, inter: Interaction, now: float, out: list[Output]) -> None:
        """Offer a waiting interaction (not in any heap) or make it wait."""
        channel = inter.channel
        target = inter.target
        if target is not None:
            if target.ready_for(channel):
                self._offer(inter, [target], now, out)
            else:
                slot = target.slot(channel)
                targeted = slot.targeted
                if targeted is None:
                    targeted = slot.targeted = []
                heappush(targeted, (inter.rank, inter.seq, inter.token, inter))
            return
        pool = inter.pool
        assert pool is not None
        agents = self._take_agents(pool)
        if agents:
            self._offer(inter, agents, now, out)
            return
        waiting = pool.waiting
        waiting.push(inter)
        if len(waiting) > 2 * len(pool.queue.waiting) + 64:
            waiting.compact()

    def _take_agents(self, pool: Pool) -> list[Agent]:
        """The decision, interaction side: the best free agent of `pool` (ring-all:
        every free agent), taken out of its heap; empty if none is free."""
        free = pool.agents
        if pool.queue.ring_all:
            taken: list[Agent] = []
            seen: set[str] = set()
            while True:
                slot = free.take()
                if slot is None:
                    return taken
                if slot.agent.id not in seen:
                    seen.add(slot.agent.id)
                    taken.append(slot.agent)
        slot = free.take()
        return [slot.agent] if slot is not None else []

    # --- agent side -------------------------------------------------------------------

    def _serve(self, slot: Slot, now: float, out: list[Output]) -> None:
        """Give a free agent the best interaction it may take on the slot's channel, or
        advertise it."""
        agent = slot.agent
        # `agent.ready_for(channel)`, inlined
        while agent.accepting and slot.load < slot.capacity:
            inter = self._best_waiting(slot)
            if inter is None:
                self._advertise(slot)
                return
            pool = inter.pool
            if pool is not None and pool.queue.ring_all and inter.target is None:
                # a ring-all call rings every free agent of its pool, this one first
                agents = [agent]
                for other in self._take_agents(pool):
                    if other is not agent:
                        agents.append(other)
                self._offer(inter, agents, now, out, advertise=False)
                continue
            self._offer(inter, [agent], now, out, advertise=False)

    def _serve_all(self, agent: Agent, now: float, out: list[Output]) -> None:
        for slot in list(agent.slots.values()):
            self._serve(slot, now, out)

    def _best_waiting(self, slot: Slot) -> Interaction | None:
        """The decision, agent side: the best interaction the slot's agent may take on
        its channel (its own targeted ones first), taken out of its heap."""
        targeted = slot.targeted
        if targeted is not None:
            while targeted:
                entry = heappop(targeted)
                if entry[3].token == entry[2]:
                    return entry[3]
        pools = slot.pools if slot.agent.pools_gen == self.pool_gen else self._pools_for(slot)
        while True:
            # the least bound over the pools (native fields of each pool's line: no
            # pool's lists or interactions read), then that pool's true first: if it
            # is the bound, no other pool's first can come before it
            best: WaitingLine | None = None
            best_weight = 0
            best_rank = 0.0
            best_seq = 0
            for pool in pools:
                line = pool.waiting
                rank = line.first_rank
                if rank == EMPTY:
                    continue
                weight = pool.queue.neg_weight
                seq = line.first_seq
                if (
                    best is None
                    or weight < best_weight
                    or (
                        weight == best_weight
                        and (rank < best_rank or (rank == best_rank and seq < best_seq))
                    )
                ):
                    best, best_weight, best_rank, best_seq = line, weight, rank, seq
            if best is None:
                return None
            top = best.top()
            if top is not None and top.rank == best_rank and top.seq == best_seq:
                return best.pop()
            # its first entries had gone stale (now dropped): compare again

    # --- offering ---------------------------------------------------------------------

    def _offer(
        self,
        inter: Interaction,
        agents: list[Agent],
        now: float,
        out: list[Output],
        advertise: bool = True,
    ) -> None:
        queue = inter.queue
        assert queue is not None and inter.state == WAITING
        inter.token += 1
        inter.state = OFFERED
        inter.offer_token += 1
        inter.offers = agents
        iid = inter.id
        channel = inter.channel
        timeout = queue.ring_timeout
        for agent in agents:
            # back to an agent still wrapping it up: wrap-up ends (the count first: most
            # agents offered something have no leg in wrap-up)
            if agent.wrapping and agent.leg(iid) is not None:
                agent.drop_leg(iid, now)  # (its wrap-up timer goes stale)
            slot = agent.slot(channel)
            agent.add_leg(iid, RINGING, slot)
            if queue.round_robin:
                queue.rr_next += 1
                agent.rr[queue.id] = queue.rr_next
            out.append(OfferToAgent(iid, agent.id, queue.id, timeout))
            out.append(InteractionOffered(now, iid, agent.id, queue.id))
            self._set_state(agent, now, out, iid)
            if advertise and slot.load < slot.capacity and agent.accepting:
                self._advertise(slot)
        self.timers.set(now + timeout, RING, inter, inter.offer_token)


def _add_pool(agent: Agent, pool: Pool) -> None:
    """Put a new pool into the agent's list where `_pools_for` would list it (by the
    agent's queues, then by creation): `_advertise` draws random keys in that order."""
    slot = agent.slot(pool.channel)
    pools = list(slot.pools)
    rank = agent.queues.index(pool.queue)
    at = len(pools)
    while at and agent.queues.index(pools[at - 1].queue) > rank:
        at -= 1
    pools.insert(at, pool)
    slot.pools = tuple(pools)
