"""Supervisor listen, whisper and barge on a bridged call, talking or on hold.

The supervisor's station is called (auto-answer if it asks) and its leg is connected
one way or both in the conference bridge:

    listen   caller ─► supervisor ◄─ agent          nobody hears the supervisor
    whisper  listen, and supervisor ─► agent        the caller does not hear it
    barge    listen, and supervisor ─► agent, caller    a three-way call

While the call is on hold the caller hears music, apart: the supervisor joins the
agent's side only (hears the agent; the agent hears them in whisper and barge), and
when the call resumes `reapply` connects the caller as the mode says.

    await voice.supervision.monitor(interaction_id, supervisor_id, MonitorMode.LISTEN)
    await voice.supervision.change(interaction_id, supervisor_id, MonitorMode.WHISPER)
    await voice.supervision.stop(interaction_id, supervisor_id)

The supervisor's leg is hung up when the call ends; the supervisor hanging up ends
only the monitoring. Nothing here reaches the core: the agent's state is unchanged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from centralita.errors import Conflict, NotFound
from centralita.telephony import CallAnswered, CallEnded, TelephonyError, TelephonyEvent

if TYPE_CHECKING:
    from centralita.app.voice import VoiceCall, VoiceCenter

log = logging.getLogger(__name__)


class MonitorMode(StrEnum):
    LISTEN = "listen"
    WHISPER = "whisper"
    BARGE = "barge"


class CallNotBridged(Conflict):
    """Monitoring needs a call bridged with an agent, talking or on hold (not queued or
    ringing)."""

    code = "call-not-bridged"


class NoSuchMonitor(NotFound):
    code = "no-such-monitor"


class NoStation(Conflict):
    """The supervisor has no registered station to be called on."""

    code = "no-registered-station"


def hears(mode: MonitorMode) -> tuple[bool, bool]:
    """(the agent hears the supervisor, the caller hears the supervisor) in `mode`."""
    return mode is not MonitorMode.LISTEN, mode is MonitorMode.BARGE


@dataclass(eq=False)
class Monitor:
    interaction_id: str
    supervisor_id: str
    mode: MonitorMode
    leg: str
    up: bool = False  # the supervisor's station answered
    applied: tuple[str, str] | None = None  # (caller leg, agent leg) it is connected to


class Supervision:
    def __init__(self, voice: VoiceCenter) -> None:
        self.voice = voice
        self.monitors: dict[tuple[str, str], Monitor] = {}

    async def monitor(self, interaction_id: str, supervisor_id: str, mode: MonitorMode) -> None:
        """Call the supervisor's station; once it answers, connect it as `mode` says."""
        call = self._bridged_call(interaction_id)
        key = (interaction_id, supervisor_id)
        if key in self.monitors:
            await self.change(interaction_id, supervisor_id, mode)
            return
        dialled = await self.voice.dial_station(supervisor_id, ani=call.ani)
        if dialled is None:
            raise NoStation("the supervisor has no registered station", supervisor_id=supervisor_id)
        leg = dialled[0]
        self.monitors[key] = Monitor(interaction_id, supervisor_id, mode, leg)
        call.extra_legs.add(leg)

        async def handle(event: TelephonyEvent) -> None:
            await self._on_event(key, event)

        self.voice.leg_handlers[leg] = handle

    async def change(self, interaction_id: str, supervisor_id: str, mode: MonitorMode) -> None:
        """Switch between listen, whisper and barge without calling again."""
        monitor = self._monitor(interaction_id, supervisor_id)
        monitor.mode = mode
        if monitor.up:
            await self.apply(monitor)

    async def stop(self, interaction_id: str, supervisor_id: str) -> None:
        monitor = self._monitor(interaction_id, supervisor_id)
        await self.voice.quietly(self.voice.engine.hangup(monitor.leg))

    async def reapply(self, interaction_id: str) -> None:
        """The call's legs changed (resumed from hold, another agent): connect again."""
        for monitor in list(self.monitors.values()):
            if monitor.interaction_id == interaction_id and monitor.up:
                await self.apply(monitor)

    async def apply(self, monitor: Monitor) -> None:
        """Connect the supervisor's leg to the call's current legs as its mode says (on
        hold: to the agent's leg only, the caller is listening to music apart)."""
        engine, sup = self.voice.engine, monitor.leg
        call = self.voice.calls.get(monitor.interaction_id)
        if call is None or call.agent_leg is None or not call.bridged:
            return
        try:
            await engine.unbridge(sup)  # from whatever it was connected to before
            if not call.held:
                await engine.connect(call.caller, sup)
            await engine.connect(call.agent_leg, sup)
            agent_hears, caller_hears = hears(monitor.mode)
            if agent_hears:
                await engine.connect(sup, call.agent_leg)
            if caller_hears and not call.held:
                await engine.connect(sup, call.caller)
        except TelephonyError:
            log.exception("voice: could not connect supervisor %s", monitor.supervisor_id)
            return
        except NotFound:
            return  # a leg ended meanwhile; its CallEnded tidies up
        monitor.applied = (call.caller, call.agent_leg)

    async def _on_event(self, key: tuple[str, str], event: TelephonyEvent) -> None:
        monitor = self.monitors.get(key)
        if monitor is None:
            return
        if isinstance(event, CallAnswered):
            monitor.up = True
            await self.apply(monitor)
        elif isinstance(event, CallEnded):
            self.monitors.pop(key, None)
            self.voice.leg_handlers.pop(monitor.leg, None)
            call: VoiceCall | None = self.voice.calls.get(monitor.interaction_id)
            if call is not None:
                call.extra_legs.discard(monitor.leg)

    def _monitor(self, interaction_id: str, supervisor_id: str) -> Monitor:
        monitor = self.monitors.get((interaction_id, supervisor_id))
        if monitor is None:
            raise NoSuchMonitor(
                "that supervisor is not on the call",
                interaction_id=interaction_id,
                supervisor_id=supervisor_id,
            )
        return monitor

    def _bridged_call(self, interaction_id: str) -> VoiceCall:
        call = self.voice.calls.get(interaction_id)
        if call is None or not call.bridged or call.agent_leg is None or call.caller_gone:
            raise CallNotBridged(
                "the call is not talking with an agent", interaction_id=interaction_id
            )
        return call
