"""Routing rules: conditions on an arrival's attributes that set queue, priority, skills.

Rules are applied in order to every arrival; each matching rule changes the arrival's
queue, priority and skills (a later rule overrides an earlier one); a rule with
`stop: true` ends the evaluation. The arrival's own queue/priority/skills are the
starting point. Parsing and validation live in `centralita.core.rulefile`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from types import MappingProxyType

from centralita.core.config import MAX_PRIORITY, MIN_PRIORITY
from centralita.core.events import InteractionArrived, Requirement
from centralita.core.immutable import immutable
from centralita.core.skills import SITE_PREFIX, normalise


@immutable
class Conditions:
    """All given conditions must hold (empty tuples/None: no condition)."""

    ani_prefixes: tuple[str, ...] = ()  # country or area: "+34", "+3493"
    dnis: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()  # the queue chosen so far
    attributes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    repeat_within: float | None = None  # seconds since this ANI was last answered


@immutable
class Actions:
    queue: str | None = None
    priority: int | None = None
    priority_boost: int = 0
    skills: Requirement = ()  # added to the arrival's requirement
    prefer_site: str | None = None  # as the implicit skill site:<name>
    prefer_last_agent: float | None = None  # seconds to wait for the last agent
    campaign: str | None = None  # e.g. from the dialed number, for reporting


@immutable
class Rule:
    name: str
    when: Conditions
    then: Actions
    stop: bool = False
    source: str = "<config>"


@immutable
class Decision:
    """What the rules decided for one arrival."""

    queue: str | None
    priority: int | None  # None: the queue's default
    priority_boost: int  # added to the priority, clamped to 1–10
    skills: Requirement
    preferred_agent: str | None
    preferred_timeout: float
    matched: tuple[str, ...]
    campaign: str | None = None


def _holds(
    when: Conditions,
    event: InteractionArrived,
    queue: str | None,
    last_seen: float | None,
    now: float,
) -> bool:
    if when.ani_prefixes and not (
        event.ani is not None and event.ani.startswith(when.ani_prefixes)
    ):
        return False
    if when.dnis and event.dnis not in when.dnis:
        return False
    if when.segments and event.segment not in when.segments:
        return False
    if when.languages and event.language not in when.languages:
        return False
    if when.channels and event.channel not in when.channels:
        return False
    if when.sites and event.site not in when.sites:
        return False
    if when.queues and queue not in when.queues:
        return False
    for key, value in when.attributes.items():
        if event.attributes.get(key) != value:
            return False
    return when.repeat_within is None or (
        last_seen is not None and now - last_seen <= when.repeat_within
    )


def decide(
    rules: tuple[Rule, ...],
    event: InteractionArrived,
    last_contact: tuple[float, str] | None,
    now: float,
) -> Decision:
    """Apply `rules` to an arrival. `last_contact` is (answered at, agent) for its ANI."""
    queue = event.queue
    priority = event.priority
    skills = list(event.skills)
    preferred = event.preferred_agent
    timeout = event.preferred_timeout
    campaign = event.campaign
    boost = 0
    matched: list[str] = []
    last_seen = last_contact[0] if last_contact is not None else None
    for rule in rules:
        if not _holds(rule.when, event, queue, last_seen, now):
            continue
        matched.append(rule.name)
        then = rule.then
        if then.queue is not None:
            queue = then.queue
        if then.priority is not None:
            priority = then.priority
        boost += then.priority_boost
        skills.extend(then.skills)
        if then.prefer_site is not None:
            skills.append((SITE_PREFIX + then.prefer_site, 1))
        if then.campaign is not None:
            campaign = then.campaign
        if then.prefer_last_agent is not None and last_contact is not None:
            preferred, timeout = last_contact[1], then.prefer_last_agent
        if rule.stop:
            break
    return Decision(
        queue, priority, boost, normalise(skills), preferred, timeout, tuple(matched), campaign
    )


def final_priority(decision: Decision, default: int) -> int:
    """The decided priority (or `default`) plus boosts, clamped to 1–10."""
    base = decision.priority if decision.priority is not None else default
    return max(MIN_PRIORITY, min(MAX_PRIORITY, base + decision.priority_boost))
