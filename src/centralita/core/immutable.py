"""The `immutable` class decorator used for every event, command and record.

Events in, commands and records out are immutable values. `dataclass(frozen=True)`
enforces that at run time by routing every field of `__init__` through
`object.__setattr__`, which doubles the cost of building one (≈0.9 µs against ≈0.45 µs
for five fields on CPython 3.11). The core builds several per routing decision, so
`immutable` makes a slotted dataclass that the type checker treats as frozen
(`dataclass_transform(frozen_default=True)`: mypy rejects any assignment to a field)
and that is hashable and comparable by value at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, dataclass_transform

T = TypeVar("T")


@dataclass_transform(frozen_default=True, eq_default=True)
def immutable(cls: type[T]) -> type[T]:
    """Make `cls` a slotted, value-compared, hashable dataclass (frozen for mypy)."""
    return dataclass(slots=True, unsafe_hash=True)(cls)
