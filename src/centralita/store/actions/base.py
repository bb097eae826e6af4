"""What every action shares: inserting a row with its event, and looking rows up."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from centralita.errors import CentralitaError, Conflict, Invalid, NotFound
from centralita.store import events
from centralita.store.db import Tx
from centralita.store.models import Base

RowT = TypeVar("RowT", bound=Base)


class AlreadyExists(Conflict):
    code = "already-exists"


@contextlib.contextmanager
def conflicts_as(entity: str, **fields: Any) -> Iterator[None]:
    """Turn a unique-constraint violation into `AlreadyExists(entity=..., **fields)`."""
    try:
        yield
    except IntegrityError as exc:
        raise AlreadyExists(
            f"{entity} already exists: " + ", ".join(f"{k}={v!r}" for k, v in fields.items()),
            entity=entity,
            **fields,
        ) from exc


def insert(
    tx: Tx,
    row: RowT,
    *,
    event: str,
    at: datetime,
    actor: str | None,
    unique: dict[str, Any],
    tenant_id: int | None = None,
    interaction_id: str | None = None,
    agent_id: int | None = None,
    **payload: Any,
) -> RowT:
    """Add `row` and its `event` (kind) in `tx`; a duplicate of `unique` is `AlreadyExists`.

    The event's tenant is `tenant_id`, else the row's own, else (for a new tenant) its id.
    """
    entity = event.split(".")[0]
    # No savepoint: a conflict fails the whole action, and its transaction rolls back.
    with conflicts_as(entity, **unique):
        tx.session.add(row)
        tx.session.flush()
    if tenant_id is None:
        tenant_id = getattr(row, "tenant_id", None)
    if tenant_id is None and entity == "tenant":
        tenant_id = getattr(row, "id", None)
    events.append(
        tx,
        event,
        at,
        tenant_id=tenant_id,
        actor=actor,
        interaction_id=interaction_id,
        agent_id=agent_id,
        id=getattr(row, "id", None),
        **payload,
    )
    return row


def get(tx: Tx, model: type[RowT], error: type[CentralitaError], **where: Any) -> RowT:
    """The one row of `model` matching `where`, or `error(**where)`."""
    row = tx.session.scalars(select(model).filter_by(**where)).first()
    if row is None:
        raise error(**where)
    return row


class NoSuchTenant(NotFound):
    code = "no-such-tenant"


class NoSuchSite(NotFound):
    code = "no-such-site"


class NoSuchUser(NotFound):
    code = "no-such-user"


class NoSuchTeam(NotFound):
    code = "no-such-team"


class NoSuchSkill(NotFound):
    code = "no-such-skill"


class NoSuchQueue(NotFound):
    code = "no-such-queue"


class NoSuchCampaign(NotFound):
    code = "no-such-campaign"


class NoSuchContact(NotFound):
    code = "no-such-contact"


class NoSuchDisposition(NotFound):
    code = "no-such-disposition"


class NoSuchInteraction(NotFound):
    code = "no-such-interaction"


def require(condition: bool, field: str, message: str, **fields: Any) -> None:
    """Refuse the action with `Invalid` naming `field` unless `condition` holds."""
    if not condition:
        raise Invalid(f"{field}: {message}", field=field, **fields)
