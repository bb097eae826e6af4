"""A supervisor listening to, whispering to or barging into an agent's call: an audited
act, so every start, change of mode and stop is one event in the log."""

from __future__ import annotations

from datetime import datetime

from centralita.store import events
from centralita.store.actions.base import NoSuchUser, get, require
from centralita.store.db import Tx
from centralita.store.models import User

MONITOR_MODES = ("listen", "whisper", "barge")
MONITOR_VERBS = ("started", "changed", "stopped")


def do_record_monitoring(
    tx: Tx,
    *,
    verb: str,
    interaction_id: str,
    agent_id: int,
    supervisor_id: int,
    mode: str | None,
    at: datetime,
    actor: str | None,
) -> None:
    """`supervisor.monitoring_<verb>` on the agent's call, in the agent's tenant."""
    require(verb in MONITOR_VERBS, "verb", f"one of {', '.join(MONITOR_VERBS)}", value=verb)
    require(
        mode in MONITOR_MODES or (verb == "stopped" and mode is None),
        "mode",
        f"one of {', '.join(MONITOR_MODES)}",
        value=mode,
    )
    agent = get(tx, User, NoSuchUser, id=agent_id)
    get(tx, User, NoSuchUser, id=supervisor_id)
    events.append(
        tx,
        f"supervisor.monitoring_{verb}",
        at,
        tenant_id=agent.tenant_id,
        actor=actor,
        interaction_id=interaction_id,
        agent_id=agent_id,
        supervisor_id=supervisor_id,
        mode=mode,
    )
