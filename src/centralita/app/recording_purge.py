"""Retention: delete the audio of recordings whose time is up, never under legal hold.

`purge(store, storage, now=...)` takes the clock from its caller (the CLI reads it once).
Each expired recording is marked `purged` (its metadata stays, with the
`recording.purged` event as the audit entry) and its file deleted in the same
transaction: a file that cannot be deleted leaves the row as it was, to retry later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from centralita.recording.storage import Storage
from centralita.store.actions import recordings as actions
from centralita.store.db import Store
from centralita.store.models import Recording

#: States whose audio may be purged (a recording still being made is left alone).
PURGEABLE = ("complete", "converted", "failed")


@dataclass
class PurgeResult:
    purged: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)  # expired but under legal hold
    errors: dict[int, str] = field(default_factory=dict)


def expired(store: Store, now: datetime, tenant_id: int | None = None) -> list[tuple[int, bool]]:
    """(id, under legal hold) of every recording whose retention ended by `now`."""
    query = select(Recording.id, Recording.legal_hold).where(
        Recording.expires_at <= now, Recording.state.in_(PURGEABLE)
    )
    if tenant_id is not None:
        query = query.where(Recording.tenant_id == tenant_id)
    with store.read() as session:
        return [(row_id, hold) for row_id, hold in session.execute(query.order_by(Recording.id))]


def purge(
    store: Store,
    storage: Storage,
    *,
    now: datetime,
    actor: str = "retention",
    tenant_id: int | None = None,
    dry_run: bool = False,
) -> PurgeResult:
    result = PurgeResult()
    for row_id, hold in expired(store, now, tenant_id):
        if hold:
            result.held.append(row_id)
            continue
        if dry_run:
            result.purged.append(row_id)
            continue
        try:
            with store.transaction() as tx:
                row = tx.session.get(Recording, row_id)
                key = row.key if row is not None else None
                actions.do_purge_recording(tx, recording_id=row_id, at=now, actor=actor)
                if key is not None:
                    storage.delete(key)
        except actions.UnderLegalHold:
            result.held.append(row_id)  # put on hold since it was listed
        except Exception as exc:
            result.errors[row_id] = str(exc)
        else:
            result.purged.append(row_id)
    return result
