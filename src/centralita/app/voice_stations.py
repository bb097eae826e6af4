"""Agents' phones in the store: setting a station's credentials, and the book the
registrar and the voice adapter read (who may register as an extension; which station
rings for an agent).

    with store.transaction() as tx:
        do_set_station(tx, tenant_id=1, extension="1001", password="...", user_id=7,
                       auto_answer=False, realm="centralita", at=utcnow(), actor="admin")
    book = StationBook(store, realm="centralita")
    book.credentials("1001")      # StationCredentials with HA1s, for the registrar
    book.station_of_agent("7")    # StationInfo("1001", auto_answer=False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select

from centralita.store import events
from centralita.store.actions.base import NoSuchUser, get, require
from centralita.store.db import Store, Tx
from centralita.store.models import Station, User
from centralita.telephony import digest
from centralita.telephony.registrar import (
    RegistrarEvent,
    RegistrationRefused,
    StationCredentials,
    StationRegistered,
    StationUnregistered,
)

EXTENSION = re.compile(r"^[0-9]{2,10}$")
MIN_PASSWORD = 8


@dataclass(frozen=True, slots=True)
class StationInfo:
    extension: str
    auto_answer: bool
    tenant_id: int


def do_set_station(
    tx: Tx,
    *,
    tenant_id: int,
    extension: str,
    password: str,
    user_id: int | None,
    auto_answer: bool,
    realm: str,
    at: datetime,
    actor: str | None,
) -> Station:
    """Create or update the station `extension`: its password (kept as HA1), owner and
    auto-answer. The event names the station, never the secret."""
    require(bool(EXTENSION.match(extension)), "extension", "2-10 digits", value=extension)
    require(len(password) >= MIN_PASSWORD, "password", f"at least {MIN_PASSWORD} characters")
    if user_id is not None:
        owner = get(tx, User, NoSuchUser, id=user_id)
        require(owner.tenant_id == tenant_id, "user_id", "an agent of the same tenant")
    station = tx.session.scalars(select(Station).where(Station.extension == extension)).first()
    if station is None:
        station = Station(extension=extension, tenant_id=tenant_id, created_at=at)
        tx.session.add(station)
    require(station.tenant_id == tenant_id, "extension", "taken by another tenant")
    station.realm = realm
    station.ha1_md5 = digest.ha1(extension, realm, password, "MD5")
    station.ha1_sha256 = digest.ha1(extension, realm, password, "SHA-256")
    station.user_id = user_id
    station.auto_answer = auto_answer
    station.active = True
    tx.session.flush()
    events.append(
        tx,
        "station.credentials_set",
        at,
        tenant_id=tenant_id,
        actor=actor,
        agent_id=user_id,
        extension=extension,
        auto_answer=auto_answer,
    )
    return station


def do_record_registration(
    tx: Tx, event: RegistrarEvent, *, tenant_id: int | None, at: datetime
) -> None:
    """Journal what the registrar saw (a phone registered, left, or was refused)."""
    payload: dict[str, Any]
    if isinstance(event, StationRegistered):
        kind, payload = "station.registered", {"contact": event.contact, "expires": event.expires}
    elif isinstance(event, StationUnregistered):
        kind, payload = "station.unregistered", {"contact": event.contact, "reason": event.reason}
    elif isinstance(event, RegistrationRefused):
        kind = "station.registration_refused"
        payload = {"source": event.source, "reason": event.reason, "status": event.status}
    else:  # pragma: no cover - the union is closed
        raise TypeError(event)
    events.append(tx, kind, at, tenant_id=tenant_id, extension=event.extension, **payload)


class StationBook:
    """Stations read from the store on each question (REGISTERs and offers are rare
    enough that a cache would only add staleness)."""

    def __init__(self, store: Store, realm: str) -> None:
        self.store = store
        self.realm = realm

    def credentials(self, extension: str) -> StationCredentials | None:
        station = self._first(Station.extension == extension)
        if station is None or station.realm != self.realm:
            return None
        return StationCredentials(
            station.extension, {"MD5": station.ha1_md5, "SHA-256": station.ha1_sha256}
        )

    def station(self, extension: str) -> StationInfo | None:
        return _info(self._first(Station.extension == extension))

    def station_of_agent(self, agent_id: str) -> StationInfo | None:
        """The station the agent owns (the lowest id if several)."""
        if not agent_id.isdigit():
            return None
        return _info(self._first(Station.user_id == int(agent_id)))

    def _first(self, where: ColumnElement[bool]) -> Station | None:
        """The active station matching `where` with the lowest id, if any."""
        with self.store.read() as session:
            return session.scalars(
                select(Station).where(where, Station.active.is_(True)).order_by(Station.id)
            ).first()


def _info(row: Station | None) -> StationInfo | None:
    return None if row is None else StationInfo(row.extension, row.auto_answer, row.tenant_id)
