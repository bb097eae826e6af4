"""An in-memory voice adapter for the browser tests: the transfers and supervision that
routes/voice_desk.py calls, keeping what was asked (real SIP calls are in
tests/app/test_voice_desk_sip.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from centralita.app.voice_supervision import MonitorMode, NoStation, NoSuchMonitor
from centralita.app.voice_transfer import ConsultNotReady, NoSuchParty, PartyUnreachable

UNREACHABLE = "000"  # a number nobody answers


@dataclass
class FakeParty:
    kind: str
    up: bool = False
    leg: str = ""
    agent_id: str | None = None
    number: str | None = None
    interaction_id: str = ""


@dataclass
class FakeMonitor:
    interaction_id: str
    supervisor_id: str
    mode: MonitorMode


@dataclass
class FakeTrunk:
    name: str


@dataclass
class FakeSettings:
    trunks: tuple[FakeTrunk, ...] = (FakeTrunk("carrier"),)


class FakeTransfers:
    def __init__(self, asked: list[tuple[Any, ...]]) -> None:
        self.asked = asked
        self.parties: dict[str, FakeParty] = {}
        self.conferenced: dict[str, FakeParty] = {}  # leg → conference party
        self.hanging_up: set[str] = set()  # parties that leave just as the agent drops them

    async def consult(self, iid: str, **party: Any) -> None:
        self._reach(party)
        self.asked.append(("consult", iid, party))
        self.parties[iid] = FakeParty("consult")

    async def complete(self, iid: str) -> None:
        party = self.parties.get(iid)
        if party is None or not party.up:
            raise ConsultNotReady("no answered consultation on this call", interaction_id=iid)
        self.asked.append(("complete", iid))
        del self.parties[iid]

    async def cancel(self, iid: str) -> None:
        if self.parties.pop(iid, None) is None:
            raise ConsultNotReady("no consultation on this call", interaction_id=iid)
        self.asked.append(("cancel", iid))

    async def transfer_to_number(self, iid: str, number: str, trunk: str) -> None:
        self._reach({"number": number})
        self.asked.append(("transfer-number", iid, number, trunk))

    async def conference(self, iid: str, **party: Any) -> None:
        self._reach(party)
        self.asked.append(("conference", iid, party))
        leg = f"leg-{len(self.asked)}"
        self.conferenced[leg] = FakeParty(
            "conference", False, leg, party.get("agent_id"), party.get("number"), iid
        )

    def in_conference(self, iid: str) -> list[FakeParty]:
        return [p for p in self.conferenced.values() if p.interaction_id == iid]

    async def drop(self, iid: str, leg: str) -> None:
        party = self.conferenced.get(leg)
        if leg in self.hanging_up:
            self.conferenced.pop(leg, None)
        if party is None or party.interaction_id != iid or leg in self.hanging_up:
            raise NoSuchParty(interaction_id=iid, party=leg)
        self.asked.append(("drop", iid, leg))
        del self.conferenced[leg]

    def _reach(self, party: dict[str, Any]) -> None:
        if party.get("number") == UNREACHABLE:
            raise PartyUnreachable("nobody answers", number=UNREACHABLE)


class FakeSupervision:
    def __init__(self, asked: list[tuple[Any, ...]], stations: set[str]) -> None:
        self.asked = asked
        self.stations = stations
        self.monitors: dict[tuple[str, str], FakeMonitor] = {}

    async def monitor(self, iid: str, supervisor_id: str, mode: MonitorMode) -> None:
        if supervisor_id not in self.stations:
            raise NoStation("the supervisor has no registered station", supervisor_id=supervisor_id)
        self.asked.append(("monitor", iid, mode.value))
        self.monitors[(iid, supervisor_id)] = FakeMonitor(iid, supervisor_id, mode)

    async def stop(self, iid: str, supervisor_id: str) -> None:
        if self.monitors.pop((iid, supervisor_id), None) is None:
            raise NoSuchMonitor(interaction_id=iid, supervisor_id=supervisor_id)
        self.asked.append(("stop", iid))


@dataclass
class FakeVoice:
    stations: set[str] = field(default_factory=set)  # users whose station is registered
    asked: list[tuple[Any, ...]] = field(default_factory=list)
    settings: FakeSettings = field(default_factory=FakeSettings)

    def __post_init__(self) -> None:
        self.transfers = FakeTransfers(self.asked)
        self.supervision = FakeSupervision(self.asked, self.stations)
