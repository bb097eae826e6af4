"""The routing core's records in the event log: one event per record, and back again.

A record `InteractionAnswered(at=..., interaction_id=..., agent_id=..., ...)` is stored as
an event of kind `acd.interaction_answered`: `at`, `interaction_id` and `agent_id` go to the
event's own (indexed) columns, the other fields to its payload. `record_from_event`
rebuilds the identical record, so reports and the wallboard can run the same measures over
stored events as the simulator runs over live records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from centralita.core import records
from centralita.core.outcomes import AgentState, Outcome

PREFIX = "acd."

RECORD_TYPES: dict[str, type[Any]] = {}
for _name in records.__dict__:
    _cls = getattr(records, _name)
    if isinstance(_cls, type) and _cls.__module__ == records.__name__:
        RECORD_TYPES[PREFIX + re.sub(r"(?<!^)(?=[A-Z])", "_", _name).lower()] = _cls
KIND_OF: dict[type[Any], str] = {cls: kind for kind, cls in RECORD_TYPES.items()}
_ENUMS: dict[str, type[Enum]] = {"state": AgentState, "outcome": Outcome}
_COLUMNS = ("at", "interaction_id", "agent_id")


@dataclass(frozen=True)
class StoredRecord:
    """A record as the event log's columns hold it."""

    kind: str
    at: datetime
    interaction_id: str | None
    agent_id: int | None
    payload: dict[str, Any]


def is_record(output: object) -> bool:
    return type(output) in KIND_OF


def to_datetime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def to_seconds(at: datetime) -> float:
    return at.timestamp()


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


def _restore(name: str, value: Any) -> Any:
    if name in _ENUMS and value is not None:
        return _ENUMS[name](value)
    if name == "skills" and value is not None:
        return tuple(tuple(pair) for pair in value)
    return value


def record_payload(record: Any) -> StoredRecord:
    """How `record` is stored: kind, time, interaction, agent (as the user id) and payload."""
    payload = {
        f.name: _jsonable(getattr(record, f.name)) for f in fields(record) if f.name not in _COLUMNS
    }
    agent_id = getattr(record, "agent_id", None)
    return StoredRecord(
        KIND_OF[type(record)],
        to_datetime(record.at),
        getattr(record, "interaction_id", None),
        int(agent_id) if agent_id is not None else None,
        payload,
    )


def record_from_event(event: Any) -> Any:
    """The core record an `acd.*` event (a stored `Event` row) holds."""
    cls = RECORD_TYPES[event.kind]
    names = {f.name for f in fields(cls)}
    values = {name: _restore(name, event.payload.get(name)) for name in names - set(_COLUMNS)}
    if "interaction_id" in names:
        values["interaction_id"] = event.interaction_id
    if "agent_id" in names:
        values["agent_id"] = str(event.agent_id) if event.agent_id is not None else None
    return cls(at=to_seconds(event.at), **values)
