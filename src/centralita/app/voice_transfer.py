"""Attended transfer, blind transfer to a number, and three-way conference.

attended   consult(iid, agent_id=B | number=N, trunk=T): the caller goes on hold
           (core HoldStarted: music), the consulted party is called and bridged with
           the agent; then
             complete(iid): to an agent, the core's TransferRequested(agent_id=B)
               hands the interaction to B, whose consultation leg becomes the
               agent's leg at once (no second ring); to a number, the conversation
               ends for the agent (InteractionEnded: wrap-up) and the caller is
               bridged with the number;
             cancel(iid): the consulted party is let go and the caller resumed.
           The consulted party hanging up or not answering resumes the caller too.
blind      to a queue or an agent: the core's TransferRequested (see voice.py);
           to a number: transfer_to_number(iid, number, trunk): the agent is let go
           (wrap-up), the caller hears music until the number answers and is then
           bridged with it (hung up if the number fails).
conference conference(iid, agent_id=B | number=N, trunk=T): the third party is
           bridged both ways with the caller and the agent; it may leave on its own,
           or the agent drops it: drop(iid, leg) hangs up that party's leg only (the
           caller and the agent stay bridged); in_conference(iid) lists the parties;
           the call ends for everybody when the caller or the agent hangs up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from centralita.app.voice_originate import RINGBACK_HZ
from centralita.core.errors import AgentBusy
from centralita.core.events import (
    AgentReleased,
    HoldEnded,
    HoldStarted,
    InteractionEnded,
    TransferRequested,
)
from centralita.errors import CentralitaError, Conflict, Invalid, NotFound
from centralita.telephony import CallAnswered, CallEnded, TelephonyError, TelephonyEvent

if TYPE_CHECKING:
    from centralita.app.voice import VoiceCall, VoiceCenter

log = logging.getLogger(__name__)


class CallNotTalking(Conflict):
    """The call is not talking with an agent (queued, ringing, ended, or busy with
    another consultation)."""

    code = "call-not-talking"


class ConsultNotReady(Conflict):
    """No consultation to complete or cancel, or its party has not answered yet."""

    code = "no-consultation"


class PartyBusy(Conflict):
    """The agent to consult or conference is on another call (or being offered one)."""

    code = "party-busy"


class PartyUnreachable(Conflict):
    """The agent to consult or conference has no registered station."""

    code = "no-registered-station"


class NoSuchParty(NotFound):
    """No conferenced party with that leg on this call (it left, or never was)."""

    code = "no-such-party"


@dataclass(eq=False)
class Party:
    """A leg added to a call: consulted, conferenced, or the number of a blind transfer."""

    kind: str  # "consult", "conference", "blind"
    leg: str
    agent_id: str | None = None
    number: str | None = None
    station: str | None = None  # the extension called, for an agent
    up: bool = False
    completing: bool = False  # complete() asked the core to hand the call to agent_id
    engaged: bool = False  # the core holds agent_id busy for this call (`AgentEngaged`)


class Transfers:
    def __init__(self, voice: VoiceCenter) -> None:
        self.voice = voice
        self.parties: dict[str, Party] = {}  # interaction → its consulted/blind party
        self.conferenced: dict[str, Party] = {}  # leg → conference party

    # --- attended --------------------------------------------------------------------
    async def consult(
        self,
        interaction_id: str,
        *,
        agent_id: str | None = None,
        number: str | None = None,
        trunk: str | None = None,
    ) -> None:
        call = self._talking(interaction_id)
        if interaction_id in self.parties or call.held:
            raise CallNotTalking("the call is on hold already", interaction_id=interaction_id)
        party = await self._call_party("consult", call, agent_id, number, trunk)
        self.parties[interaction_id] = party
        if not self.voice.tell_core(HoldStarted(interaction_id)):  # music for the caller
            await self.voice.quietly(self.voice.engine.hangup(party.leg))
            raise CallNotTalking("the call cannot be held", interaction_id=interaction_id)
        assert call.agent_leg is not None
        await self.voice.quietly(self.voice.engine.play_tone(call.agent_leg, RINGBACK_HZ))

    async def complete(self, interaction_id: str) -> None:
        call = self.voice.calls.get(interaction_id)
        party = self.parties.get(interaction_id)
        if call is None or party is None or party.kind != "consult" or not party.up:
            raise ConsultNotReady(
                "no answered consultation on this call", interaction_id=interaction_id
            )
        if party.agent_id is not None:
            party.completing = True
            if not self.voice.tell_core(TransferRequested(interaction_id, agent_id=party.agent_id)):
                party.completing = False
                raise ConsultNotReady(
                    "the consulted agent cannot take the call", interaction_id=interaction_id
                )
            # The call waits for that agent only; freed from the consultation, they get
            # it before anything else (the core offers it: see `handover`).
            self._release(call, party)
            return
        await self._let_agent_go(call)
        await self._connect_party(call, party)

    async def cancel(self, interaction_id: str) -> None:
        party = self.parties.get(interaction_id)
        if party is None or party.kind != "consult":
            raise ConsultNotReady("no consultation on this call", interaction_id=interaction_id)
        await self.voice.quietly(self.voice.engine.hangup(party.leg))  # then resumed

    async def handover(self, call: VoiceCall, agent_id: str) -> bool:
        """The core offers `call` to `agent_id`: if that agent is the consulted party of
        a completing transfer, their leg takes the call at once. True if it did."""
        party = self.parties.get(call.interaction_id)
        if party is None or not party.completing or party.agent_id != agent_id:
            return False
        self._adopt(call, party)
        call.agent_id, call.station = agent_id, party.station
        await self.voice.accept_offer(call)
        return True

    # --- blind to a number -------------------------------------------------------------
    async def transfer_to_number(self, interaction_id: str, number: str, trunk: str) -> None:
        call = self._talking(interaction_id)
        if interaction_id in self.parties:
            raise CallNotTalking("a consultation is under way", interaction_id=interaction_id)
        party = await self._call_party("blind", call, None, number, trunk)
        self.parties[interaction_id] = party
        await self._let_agent_go(call)
        await self.voice.quietly(
            self.voice.engine.play_file(call.caller, self.voice.moh_path(), loop=True)
        )

    # --- conference ----------------------------------------------------------------------
    async def conference(
        self,
        interaction_id: str,
        *,
        agent_id: str | None = None,
        number: str | None = None,
        trunk: str | None = None,
    ) -> None:
        call = self._talking(interaction_id)
        party = await self._call_party("conference", call, agent_id, number, trunk)
        self.conferenced[party.leg] = party

    def in_conference(self, interaction_id: str) -> list[Party]:
        """The parties conferenced into the call now (ringing or up), oldest first."""
        call = self.voice.calls.get(interaction_id)
        if call is None:
            return []
        return [p for leg, p in self.conferenced.items() if leg in call.extra_legs]

    async def resumed(self, call: VoiceCall) -> None:
        """Back from hold: the caller joins the conference's parties again (the hold
        took the caller away from everybody; the parties stayed with the agent)."""
        for party in self.in_conference(call.interaction_id):
            if party.up:
                await self.voice.quietly(self.voice.engine.bridge(party.leg, call.caller))

    async def drop(self, interaction_id: str, leg: str) -> None:
        """The agent lets the conferenced party on `leg` go: its leg is hung up (or
        cancelled if still ringing); the caller and the agent stay bridged."""
        call = self.voice.calls.get(interaction_id)
        if call is None or call.caller_gone or call.closed:
            raise CallNotTalking(
                "the call is not talking with an agent", interaction_id=interaction_id
            )
        party = self.conferenced.get(leg)
        if party is None or leg not in call.extra_legs:
            raise NoSuchParty(
                "no such party in this call's conference", interaction_id=interaction_id, party=leg
            )
        del self.conferenced[leg]  # gone from the desktop now; CallEnded tidies the rest
        await self.voice.quietly(self.voice.engine.hangup(leg))

    # --- legs ------------------------------------------------------------------------
    async def _call_party(
        self,
        kind: str,
        call: VoiceCall,
        agent_id: str | None,
        number: str | None,
        trunk: str | None,
    ) -> Party:
        if (agent_id is None) == (number is None):
            raise Invalid("give exactly one of agent_id and number", field="agent_id")
        station: str | None = None
        engaged = False
        if agent_id is not None:
            engaged = self._engage(call, agent_id)
            dialled = await self.voice.dial_station(agent_id, ani=call.ani)
            if dialled is None:
                if engaged:
                    self.voice.tell_core(AgentReleased(agent_id, call.interaction_id))
                raise PartyUnreachable("that agent has no registered station", agent_id=agent_id)
            leg, station = dialled
        else:
            assert number is not None
            originator = self.voice.originator
            the_trunk = originator.trunk(trunk or "")
            try:
                leg = await originator.dial_number(the_trunk, number)
            except TelephonyError as exc:
                raise PartyUnreachable(str(exc), number=number) from None
        party = Party(kind, leg, agent_id, number, station, engaged=engaged)
        call.extra_legs.add(leg)

        async def handle(event: TelephonyEvent) -> None:
            await self._on_event(call, party, event)

        self.voice.leg_handlers[leg] = handle
        return party

    async def _on_event(self, call: VoiceCall, party: Party, event: TelephonyEvent) -> None:
        if isinstance(event, CallAnswered):
            party.up = True
            if party.kind == "consult" and call.agent_leg is not None:
                await self.voice.quietly(self.voice.engine.bridge(call.agent_leg, party.leg))
            elif party.kind == "blind":
                await self._connect_party(call, party)
            elif party.kind == "conference" and call.agent_leg is not None and call.bridged:
                await self.voice.quietly(self.voice.engine.bridge(party.leg, call.agent_leg))
                if not call.held:  # on hold the caller hears music; joins at the resume
                    await self.voice.quietly(self.voice.engine.bridge(party.leg, call.caller))
        elif isinstance(event, CallEnded):
            self._release(call, party)
            self.voice.leg_handlers.pop(party.leg, None)
            call.extra_legs.discard(party.leg)
            self.conferenced.pop(party.leg, None)
            if self.parties.get(call.interaction_id) is party:
                del self.parties[call.interaction_id]
            if party.kind == "consult" and not call.caller_gone:
                self.voice.tell_core(HoldEnded(call.interaction_id))  # back to the agent
            elif party.kind == "blind" and not party.up:
                log.info("voice: blind transfer of %s to %s failed", call.caller, party.number)
                await self.voice.quietly(self.voice.engine.hangup(call.caller))

    def _engage(self, call: VoiceCall, agent_id: str) -> bool:
        """The agent is busy with this call while consulted or conferenced."""
        try:
            return self.voice.engage(agent_id, call.interaction_id, call.interaction_id)
        except AgentBusy:
            raise PartyBusy("that agent is on another call", agent_id=agent_id) from None

    def _release(self, call: VoiceCall, party: Party) -> None:
        if party.engaged and party.agent_id is not None:
            party.engaged = False
            self.voice.tell_core(AgentReleased(party.agent_id, call.interaction_id))

    def _adopt(self, call: VoiceCall, party: Party) -> None:
        """The party's leg becomes the call's agent leg (VoiceCenter follows it now)."""
        self.voice.leg_handlers.pop(party.leg, None)
        call.extra_legs.discard(party.leg)
        if self.parties.get(call.interaction_id) is party:
            del self.parties[call.interaction_id]
        self.voice.adopt_agent_leg(call, party.leg)

    async def _connect_party(self, call: VoiceCall, party: Party) -> None:
        """The caller talks with `party` from now on, outside the core."""
        self._adopt(call, party)
        call.bridged, call.held = True, False
        try:
            await self.voice.engine.bridge(call.caller, party.leg)
        except CentralitaError:
            log.info("voice: %s or %s ended before the transfer", call.caller, party.leg)

    async def _let_agent_go(self, call: VoiceCall) -> None:
        """The agent leaves: the core ends its conversation (wrap-up), its leg hangs up."""
        leg = call.agent_leg
        if not call.closed:
            call.closed = True
            self.voice.tell_core(InteractionEnded(call.interaction_id))
        call.agent_leg, call.agent_id = None, None
        call.bridged = call.held = False
        if leg is not None:
            call.cancelled.add(leg)
            await self.voice.quietly(self.voice.engine.unbridge(call.caller))
            await self.voice.quietly(self.voice.engine.hangup(leg))

    def _talking(self, interaction_id: str) -> VoiceCall:
        call = self.voice.calls.get(interaction_id)
        if (
            call is None
            or not call.bridged
            or call.agent_leg is None
            or call.caller_gone
            or call.closed
        ):
            raise CallNotTalking(
                "the call is not talking with an agent", interaction_id=interaction_id
            )
        return call
