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
from typing import Final

from centralita.core.agents import RINGING, Agent
from centralita.core.commands import OfferToAgent
from centralita.core.events import Requirement
from centralita.core.interactions import OFFERED, WAITING, Interaction
from centralita.core.queues import Pool, Queue
from centralita.core.records import InteractionOffered
from centralita.core.skills import qualifies, relax
from centralita.core.state import Output, RouterState
from centralita.core.strategies import agent_key
from centralita.core.timers import RING

#: The load key of an idle agent (longest-idle pools), shared; see `_advertise`.
_NO_LOAD: Final[object] = float(0)


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
                        self._push_agent(pool, agent, channel)
        return pool

    def _pools_for(self, agent: Agent, channel: str) -> list[Pool]:
        if agent.pools_gen != self.pool_gen:
            agent.pools = {}
            for queue in agent.queues:
                for pool in queue.pools.values():
                    if qualifies(agent.skills, pool.required):
                        agent.pools.setdefault(pool.channel, []).append(pool)
            agent.pools_gen = self.pool_gen
        return agent.pools.get(channel, [])

    def _current_pool(self, inter: Interaction) -> Pool:
        queue = inter.queue
        assert queue is not None
        step = inter.step
        if not step:  # every queue entry comes here first, after any change of skills
            pool = queue.pools.get((inter.channel, inter.skills))
            if pool is None:
                pool = self._pool(queue, inter.channel, inter.skills)
            inter.base = pool
            return pool
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

    def _push_agent(self, pool: Pool, agent: Agent, channel: str) -> None:
        k1, k2 = agent_key(pool.queue, agent, channel, self.rng)
        self.uid += 1
        heap = pool.agents
        heappush(heap, (k1, k2, self.uid, agent, agent.epoch[channel]))
        if len(heap) > pool.agents_limit:
            pool.compact_agents()

    def _advertise(self, agent: Agent, channel: str) -> None:
        """Put a free agent into every pool it qualifies for (under a fresh epoch)."""
        epoch = agent.epoch[channel] + 1
        agent.epoch[channel] = epoch
        if agent.pools_gen == self.pool_gen:
            found = agent.pools.get(channel)
            if found is None:
                return
            pools = found  # a list: compiled, iterated by index
        else:
            pools = self._pools_for(agent, channel)
        # `_push_agent` inlined; the longest-idle key (the default strategy) is the
        # same in every such queue
        load = agent.load[channel]
        # one object for every idle agent: tuple comparisons stop at its identity
        lead: object = _NO_LOAD if load == 0 else float(load)
        idle = agent.idle_since[channel]
        for pool in pools:
            queue = pool.queue
            self.uid += 1
            heap = pool.agents
            if queue.longest_idle:
                heappush(heap, (lead, idle, self.uid, agent, epoch))
            else:
                k1, k2 = agent_key(queue, agent, channel, self.rng)
                heappush(heap, (k1, k2, self.uid, agent, epoch))
            if len(heap) > pool.agents_limit:
                pool.compact_agents()

    # --- interaction side -------------------------------------------------------------

    def _route(self, inter: Interaction, now: float, out: list[Output]) -> None:
        """Offer a waiting interaction (not in any heap) or make it wait."""
        channel = inter.channel
        target = inter.target
        if target is not None:
            if target.ready_for(channel):
                self._offer(inter, [target], now, out)
            else:
                heap_ = target.targeted.setdefault(channel, [])
                heappush(heap_, (inter.rank, inter.seq, inter.token, inter))
            return
        pool = inter.pool
        assert pool is not None
        agents = self._take_agents(pool)
        if agents:
            self._offer(inter, agents, now, out)
            return
        waiting = pool.waiting
        heappush(waiting, (inter.rank, inter.seq, inter.token, inter))
        if len(waiting) > 2 * len(pool.queue.waiting) + 64:
            pool.compact_waiting()

    def _take_agents(self, pool: Pool) -> list[Agent]:
        """The decision, interaction side: the best free agent of `pool` (ring-all:
        every free agent), taken out of its heap; empty if none is free."""
        heap = pool.agents
        channel = pool.channel
        if pool.queue.ring_all:
            taken: list[Agent] = []
            seen: set[str] = set()
            while heap:
                entry = heappop(heap)
                agent = entry[3]
                if agent.epoch[channel] == entry[4] and agent.id not in seen:
                    seen.add(agent.id)
                    taken.append(agent)
            return taken
        while heap:
            entry = heappop(heap)
            agent = entry[3]
            if agent.epoch[channel] == entry[4]:
                return [agent]
        return []

    # --- agent side -------------------------------------------------------------------

    def _serve(self, agent: Agent, channel: str, now: float, out: list[Output]) -> None:
        """Give a free agent the best interaction it may take, or advertise it."""
        load, capacity = agent.load, agent.capacity
        # `agent.ready_for(channel)`, inlined
        while agent.accepting and load.get(channel, 0) < capacity.get(channel, 0):
            inter = self._best_waiting(agent, channel)
            if inter is None:
                self._advertise(agent, channel)
                return
            self._offer(inter, [agent], now, out, advertise=False)

    def _serve_all(self, agent: Agent, now: float, out: list[Output]) -> None:
        for channel in agent.capacity:
            self._serve(agent, channel, now, out)

    def _best_waiting(self, agent: Agent, channel: str) -> Interaction | None:
        """The decision, agent side: the best interaction `agent` may take on
        `channel` (its own targeted ones first), taken out of its heap."""
        targeted = agent.targeted.get(channel)
        while targeted:
            entry = heappop(targeted)
            if entry[3].token == entry[2]:
                return entry[3]
        best_pool: Pool | None = None
        best_weight = 0
        best_rank = 0.0
        best_seq = 0
        if agent.pools_gen == self.pool_gen:
            found = agent.pools.get(channel)
            if found is None:
                return None
            pools = found  # a list: compiled, iterated by index
        else:
            pools = self._pools_for(agent, channel)
        for pool in pools:
            heap = pool.waiting
            while heap:
                top = heap[0]
                if top[3].token == top[2]:
                    break
                heappop(heap)
            else:
                continue
            weight = pool.queue.neg_weight
            if (
                best_pool is None
                or weight < best_weight
                or (
                    weight == best_weight
                    and (top[0] < best_rank or (top[0] == best_rank and top[1] < best_seq))
                )
            ):
                best_pool, best_weight, best_rank, best_seq = pool, weight, top[0], top[1]
        if best_pool is None:
            return None
        return heappop(best_pool.waiting)[3]

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
            if iid in agent.legs:  # back to an agent still wrapping it up: wrap-up ends
                self._end_wrap(agent, iid, now)
            agent.add_leg(iid, RINGING, channel)
            if queue.round_robin:
                queue.rr_next += 1
                agent.rr[queue.id] = queue.rr_next
            out.append(OfferToAgent(iid, agent.id, queue.id, timeout))
            out.append(InteractionOffered(now, iid, agent.id, queue.id))
            self._set_state(agent, now, out, iid)
            if advertise and agent.load[channel] < agent.capacity[channel] and agent.accepting:
                self._advertise(agent, channel)
        self.timers.set(now + timeout, RING, inter, inter.offer_token)

    def _end_wrap(self, agent: Agent, interaction_id: str, now: float) -> str:
        """Drop a wrap-up leg (its timer goes stale); returns the freed channel."""
        agent.end_wrap(interaction_id)
        return agent.drop_leg(interaction_id, now)


def _add_pool(agent: Agent, pool: Pool) -> None:
    """Put a new pool into the agent's list where `_pools_for` would list it (by the
    agent's queues, then by creation): `_advertise` draws random keys in that order."""
    pools = agent.pools.setdefault(pool.channel, [])
    rank = agent.queues.index(pool.queue)
    at = len(pools)
    while at and agent.queues.index(pools[at - 1].queue) > rank:
        at -= 1
    pools.insert(at, pool)
