"""The live center: the routing core driven by wall-clock time, journaled to the event log.

`LiveCenter.handle(event)` reads the clock once, lets the router decide, writes every
record the router returned as one event each, in one transaction, and only then hands
the commands (offer to an agent, cancel an offer, ...) to the listeners (telephony,
the web's live views). If the router refuses the event (an `invalid-transition`, say),
nothing is written. The router's in-memory state is the live truth; the event log is its
history, from which reports (and later a standby router) are rebuilt.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import insert

from centralita.app.directory import Directory, load_directory
from centralita.app.journal import is_record, record_payload, to_datetime
from centralita.core import Router
from centralita.core.events import InteractionArrived, Requirement
from centralita.core.records import InteractionClosed, InteractionQueued
from centralita.core.rules import Rule
from centralita.core.skills import normalise
from centralita.core.state import Output
from centralita.errors import NotFound
from centralita.store import actions
from centralita.store.db import Store, Tx
from centralita.store.models import Event

CommandListener = Callable[[list[Any]], None]
log = logging.getLogger(__name__)


class NoSuchQueueName(NotFound):
    code = "no-such-queue"


class LiveCenter:
    def __init__(
        self,
        store: Store,
        directory: Directory,
        *,
        clock: Callable[[], float] = time.time,
        rules: Sequence[Rule] = (),
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.directory = directory
        self.router = Router(
            queues=directory.queues,
            agents=directory.agents,
            pause_reasons=directory.pause_reasons,
            rules=list(rules),
            rng=rng or random.Random(),
        )
        self._clock = clock
        self._listeners: list[CommandListener] = []
        self._tenant_of_interaction: dict[str, int] = {}
        self._batch: list[tuple[list[Output], str | None, Callable[[Tx], None] | None]] | None
        self._batch = None

    @classmethod
    def from_store(
        cls, store: Store, tenant_ids: list[int] | None = None, **options: Any
    ) -> LiveCenter:
        with store.read() as session:
            directory = load_directory(session, tenant_ids)
        return cls(store, directory, **options)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Group commit: the records of every event handled inside are written in one
        transaction when the block ends, and only then are their commands handed out (in
        order). If that transaction fails, each event's records are written on their own,
        so one bad write cannot lose the others'."""
        if self._batch is not None:
            yield
            return
        self._batch = []
        try:
            yield
        finally:
            pending, self._batch = self._batch, None
            self._write(pending)

    def listen(self, listener: CommandListener) -> None:
        """Call `listener(commands)` after each handled event's records are stored."""
        self._listeners.append(listener)

    def now(self) -> float:
        return self._clock()

    def next_deadline(self) -> float | None:
        return self.router.next_deadline()

    def handle(self, event: Any, *, actor: str | None = None) -> list[Output]:
        """Apply `event` now; store its records; hand its commands to the listeners."""
        outputs = self.router.handle(event, self._clock())
        self._store(outputs, actor, before=None)
        return outputs

    def arrive(
        self,
        *,
        interaction_id: str,
        tenant_id: int,
        queue: str,
        channel: str = "voice",
        direction: str = "inbound",
        ani: str | None = None,
        dnis: str | None = None,
        trunk: str | None = None,
        contact_id: int | None = None,
        campaign_id: int | None = None,
        priority: int | None = None,
        skills: Requirement = (),
        actor: str | None = None,
        **attributes: Any,
    ) -> list[Output]:
        """A new interaction for `queue` (by name), stored together with its routing.

        It requires the queue's skills and `skills` (what this caller needs besides, e.g.
        set by the IVR): every skill of either, at the higher level where both name it.
        The queue's relaxation steps and the routing rules start from that requirement."""
        queue_id = self.directory.queue_by_name.get((tenant_id, queue))
        if queue_id is None:
            raise NoSuchQueueName(tenant_id=tenant_id, name=queue)
        self._tenant_of_interaction[interaction_id] = tenant_id
        event = InteractionArrived(
            interaction_id,
            channel=channel,
            queue=queue_id,
            priority=priority,
            ani=ani,
            dnis=dnis,
            skills=normalise((*self.directory.queue_skills[queue_id], *skills)),
            **attributes,
        )
        now = self._clock()
        try:
            outputs = self.router.handle(event, now)
        except Exception:
            del self._tenant_of_interaction[interaction_id]
            raise

        def record_arrival(tx: Tx) -> None:
            actions.do_record_interaction(
                tx,
                interaction_id=interaction_id,
                tenant_id=tenant_id,
                channel=channel,
                direction=direction,
                queue_id=int(queue_id),
                contact_id=contact_id,
                campaign_id=campaign_id,
                ani=ani,
                dnis=dnis,
                trunk=trunk,
                at=to_datetime(now),
                actor=actor,
            )

        self._store(outputs, actor, before=record_arrival)
        return outputs

    def _tenant(self, record: Any) -> int | None:
        interaction_id = getattr(record, "interaction_id", None)
        if interaction_id is not None and interaction_id in self._tenant_of_interaction:
            return self._tenant_of_interaction[interaction_id]
        agent_id = getattr(record, "agent_id", None)
        if agent_id is not None:
            return self.directory.tenant_of_agent.get(agent_id)
        queue_id = getattr(record, "queue_id", None)
        return self.directory.tenant_of_queue.get(queue_id) if queue_id else None

    def _store(
        self, outputs: list[Output], actor: str | None, before: Callable[[Tx], None] | None
    ) -> None:
        if self._batch is not None:
            self._batch.append((outputs, actor, before))
        else:
            self._write([(outputs, actor, before)])

    def _write(
        self, pending: list[tuple[list[Output], str | None, Callable[[Tx], None] | None]]
    ) -> None:
        try:
            self._commit(pending)
        except Exception:
            if len(pending) == 1:
                raise
            for one in pending:
                try:
                    self._commit([one])
                except Exception:
                    log.exception("could not journal %r", one[0])
        for outputs, _actor, _before in pending:
            for output in outputs:
                if isinstance(output, InteractionClosed):
                    self._tenant_of_interaction.pop(output.interaction_id, None)
        for outputs, _actor, _before in pending:
            commands = [o for o in outputs if not is_record(o)]
            if commands:
                for listener in self._listeners:
                    listener(commands)

    def _commit(
        self, pending: list[tuple[list[Output], str | None, Callable[[Tx], None] | None]]
    ) -> None:
        if not any(before is not None or any(map(is_record, out)) for out, _, before in pending):
            return
        with self.store.transaction() as tx:
            rows: list[Event] = []
            for outputs, actor, before in pending:
                if before is not None:
                    _insert(tx, rows)  # the records before it first: the log keeps their order
                    before(tx)
                for record in outputs:
                    if not is_record(record):
                        continue
                    if isinstance(record, InteractionQueued):
                        tenant = self.directory.tenant_of_queue.get(record.queue_id)
                        if tenant is not None:
                            self._tenant_of_interaction.setdefault(record.interaction_id, tenant)
                    stored = record_payload(record)
                    rows.append(
                        Event(
                            tenant_id=self._tenant(record),
                            at=stored.at,
                            kind=stored.kind,
                            interaction_id=stored.interaction_id,
                            agent_id=stored.agent_id,
                            actor=actor,
                            payload=stored.payload,
                        )
                    )
            _insert(tx, rows)


def _insert(tx: Tx, rows: list[Event]) -> None:
    """Write `rows` (and empty the list): the router's records are the bulk of the log, so
    the records of consecutive events go in one multi-row INSERT (in order, after what any
    `before` wrote) instead of the ORM's unit of work per row; subscribers get the same
    Event objects (without ids)."""
    if rows:
        tx.session.flush()
        tx.session.execute(insert(Event), [_columns(row) for row in rows])
        tx.events.extend(rows)
        rows.clear()


def _columns(row: Event) -> dict[str, Any]:
    return {
        "tenant_id": row.tenant_id,
        "at": row.at,
        "kind": row.kind,
        "interaction_id": row.interaction_id,
        "agent_id": row.agent_id,
        "actor": row.actor,
        "payload": row.payload,
    }
