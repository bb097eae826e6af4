"""The router's state and the helpers every part of it shares."""

from __future__ import annotations

from random import Random

from centralita.core.agents import Agent
from centralita.core.commands import Command
from centralita.core.config import (
    DEFAULT_PAUSE_REASONS,
    MISSED,
    AgentConfig,
    PauseReason,
    QueueConfig,
    validate_agents,
    validate_queues,
)
from centralita.core.errors import (
    InvalidRule,
    NoSuchAgent,
    NoSuchInteraction,
    NoSuchPauseReason,
    NoSuchQueue,
)
from centralita.core.interactions import Interaction
from centralita.core.outcomes import (
    AVAILABLE,
    LOGGED_OUT,
    NOT_READY,
    ON_HOLD,
    RESERVED,
    TALKING_STATE,
    WRAP_UP_STATE,
)
from centralita.core.queues import Queue
from centralita.core.records import AgentStateChanged, Record
from centralita.core.rules import Rule
from centralita.core.timers import PAUSE_LIMIT, Timers

Output = Command | Record


class RouterState:
    """Configuration, run-time objects and timers. Mutated only through `handle`."""

    def __init__(
        self,
        queues: tuple[QueueConfig, ...] | list[QueueConfig],
        agents: tuple[AgentConfig, ...] | list[AgentConfig],
        pause_reasons: tuple[PauseReason, ...] | list[PauseReason] = DEFAULT_PAUSE_REASONS,
        rules: tuple[Rule, ...] | list[Rule] = (),
        rng: Random | None = None,
    ) -> None:
        agent_configs = tuple(agents)
        queue_configs = tuple(queues)
        validate_agents(agent_configs)
        validate_queues(queue_configs, {a.id for a in agent_configs})
        self.rng = rng if rng is not None else Random(0)
        self.agents: dict[str, Agent] = {a.id: Agent(a) for a in agent_configs}
        self.queues: dict[str, Queue] = {q.id: Queue(q) for q in queue_configs}
        for queue in self.queues.values():
            for member in queue.config.members:
                agent = self.agents[member]
                queue.members.append(agent)
                agent.queues.append(queue)
        self.pause_reasons = {p.code: p for p in pause_reasons}
        self.pause_reasons.setdefault(MISSED, PauseReason(MISSED))
        self.rules = tuple(rules)
        for rule in self.rules:
            if rule.then.queue is not None and rule.then.queue not in self.queues:
                raise InvalidRule(
                    f"{rule.source}: rule {rule.name!r}: then.queue names unknown queue "
                    f"{rule.then.queue!r}",
                    file=rule.source,
                    rule=rule.name,
                    field="then.queue",
                )
        self.interactions: dict[str, Interaction] = {}
        self.timers = Timers()
        self.last_contact: dict[str, tuple[float, str]] = {}  # ANI → (answered at, agent)
        # remembered only if a rule looks at it; forgotten (on DayStarted) once older than
        # the longest repeat window, unless a rule prefers the last agent at any age
        uses = [r for r in self.rules if r.when.repeat_within or r.then.prefer_last_agent]
        self.remember_contacts = bool(uses)
        unbounded = any(r.when.repeat_within is None for r in uses)
        windows = [r.when.repeat_within or 0.0 for r in uses]
        self.contact_window = float("inf") if unbounded else max(windows, default=0.0)
        self.pool_gen = 0  # an agent's list of pools is built once its `pools_gen` is this
        # (`_pools_for`); pools created later are added to the built lists (`_pool`)
        self.seq = 0  # arrival order into queues (first come, first served)
        self.uid = 0  # unique id of index entries (heap tie-breaker)
        # interactions whose offer failed at an instant when more timers are due: they
        # go back to their place and route again, oldest first, after those timers
        # (`Router._fire_due`), so that equal deadlines cannot favour the later caller
        self.held: list[Interaction] | None = None

    # --- lookups ----------------------------------------------------------------------
    # (hot handlers write `self.agents.get(i) or self.agent(i)`: the dict's own `get`
    # on the way that succeeds, these methods only to raise the domain error)

    def agent(self, agent_id: str) -> Agent:
        try:
            return self.agents[agent_id]
        except KeyError:
            raise NoSuchAgent(agent=agent_id) from None

    def queue(self, queue_id: str | None) -> Queue:
        try:
            return self.queues[queue_id]  # type: ignore[index]
        except KeyError:
            raise NoSuchQueue(queue=queue_id) from None

    def interaction(self, interaction_id: str) -> Interaction:
        try:
            return self.interactions[interaction_id]
        except KeyError:
            raise NoSuchInteraction(interaction=interaction_id) from None

    def pause_reason(self, reason: str, agent: Agent) -> PauseReason:
        reasons = agent.pause_reasons if agent.pause_reasons is not None else self.pause_reasons
        try:
            return reasons[reason]
        except KeyError:
            raise NoSuchPauseReason(
                reason=reason, agent=agent.id, accepted=sorted(reasons)
            ) from None

    # --- agent state ------------------------------------------------------------------

    def _set_state(
        self, agent: Agent, now: float, out: list[Output], interaction_id: str | None
    ) -> None:
        """Emit `AgentStateChanged` if the derived state or reason changed."""
        reason = None
        if agent.ringing:
            state = RESERVED
        elif agent.talking:
            state = TALKING_STATE
        elif agent.holding:
            state = ON_HOLD
        elif agent.wrapping:
            state = WRAP_UP_STATE
        elif not agent.logged_in or agent.logout_pending:  # leaving: no 'available' blip
            state = LOGGED_OUT
        elif agent.pause is not None:
            state, reason = NOT_READY, agent.pause
        else:
            state = AVAILABLE
        if state is agent.state and reason == agent.reason:
            return
        agent.state = state
        agent.reason = reason
        agent.since = now
        by = agent.by if state is NOT_READY or state is LOGGED_OUT else None
        out.append(AgentStateChanged(now, agent.id, state, reason, interaction_id, by))
        if state is NOT_READY:
            agent.pause_token += 1
            limit = self.pause_reason(reason, agent).max_duration if reason else None
            if limit is not None:
                self.timers.set(now + limit, PAUSE_LIMIT, agent, agent.pause_token, limit)
