"""Skill requirements: normalising, relaxing and checking them.

A requirement is a sorted tuple of `(skill, minimum level)` pairs; the empty tuple means
"any member of the queue". An agent's site is an implicit skill `site:<name>` at level 5,
so "prefer site X" is a requirement on `site:X` that relaxation can drop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from centralita.core.config import MAX_LEVEL
from centralita.core.events import Requirement

SITE_PREFIX: Final = "site:"


def normalise(pairs: Iterable[tuple[str, int]]) -> Requirement:
    """Merge duplicates (keeping the highest level) and sort by skill name."""
    if type(pairs) is tuple and (not pairs or (len(pairs) == 1 and type(pairs[0]) is tuple)):
        return pairs  # the common case, already normal
    merged: dict[str, int] = {}
    for skill, level in pairs:
        if level > merged.get(skill, 0):
            merged[skill] = level
    return tuple(sorted(merged.items()))


def relax(required: Requirement, max_level: int | None) -> Requirement:
    """The requirement after capping each level at `max_level` (0: no requirement)."""
    if max_level is None:
        return required
    if max_level <= 0:
        return ()
    if max_level >= MAX_LEVEL:
        return required
    return tuple((s, level if level < max_level else max_level) for s, level in required)


def qualifies(skills: dict[str, int], required: Requirement) -> bool:
    """Whether an agent holding `skills` meets every pair of `required`."""
    get = skills.get
    for skill, level in required:  # noqa: SIM110 (a loop beats all(genexpr) here)
        if get(skill, 0) < level:
            return False
    return True


def agent_skills(skills: Mapping[str, int], site: str | None) -> dict[str, int]:
    """The agent's skills plus its implicit site skill."""
    held = dict(skills)
    if site is not None:
        held[SITE_PREFIX + site] = MAX_LEVEL
    return held
