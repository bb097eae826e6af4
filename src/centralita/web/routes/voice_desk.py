"""Transfers, conference and supervision on real calls, from the desktop and the wallboard.

The agent who holds a call consults, completes or cancels an attended transfer, transfers
it to an external number, adds a third party or drops one it added
(`app/voice_transfer.py`); a supervisor
listens to, whispers to or barges into a call of an agent they supervise
(`app/voice_supervision.py`), each start, change and stop written to the event log.
A call that is not on the agent's desk (or not of an agent the supervisor supervises)
is 404 `no-such-interaction`; without a voice adapter (no `--sip-port`) the routes
answer 503 `voice-unavailable`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse

from centralita.app.screen import NoSuchInteraction
from centralita.app.voice_supervision import MonitorMode
from centralita.clock import utcnow
from centralita.errors import Conflict, Invalid
from centralita.store.actions import do_record_monitoring
from centralita.web.live import get_runner, supervised_agents
from centralita.web.session import AGENT, SUPERVISING, Csrf, SignedIn, role_in

if TYPE_CHECKING:
    from centralita.app.voice import VoiceCenter

router = APIRouter(include_in_schema=False)
Agent = Annotated[SignedIn, Depends(role_in(AGENT))]
Supervisor = Annotated[SignedIn, Depends(role_in(*SUPERVISING))]

NUMBER = r"^\+?[0-9*#]{2,32}$"
Number = Annotated[str, Form(pattern=NUMBER, max_length=33)]
OptionalNumber = Annotated[str, Form(pattern=r"^(\+?[0-9*#]{2,32})?$", max_length=33)]
Trunk = Annotated[str, Form(max_length=40)]
AgentField = Annotated[str, Form(max_length=20)]
PartyField = Annotated[str, Form(min_length=1, max_length=64)]  # a conferenced party's leg
HOLDING = ("talking", "on_hold")  # the agent's states while the call is theirs


class VoiceUnavailable(Conflict):
    """The center runs without its SIP adapter: no real calls to act on."""

    code = "voice-unavailable"
    http_status = 503


def voice_of(request: Request) -> VoiceCenter:
    voice = get_runner(request).voice
    if voice is None:
        raise VoiceUnavailable("this center does not handle calls over SIP")
    return voice


def _mine(request: Request, who: SignedIn, interaction_id: str) -> str:
    """`interaction_id` if `who` holds that call now: talking or on hold, not ringing and
    not in its wrap-up after handing it on (404 otherwise: another agent's or tenant's
    call is not told apart from one that does not exist)."""
    row = get_runner(request).view.agent_row(who.agent_id)
    if row["interaction"] != interaction_id or row["state"] not in HOLDING:
        raise NoSuchInteraction(interaction_id=interaction_id)
    return interaction_id


def _trunk(voice: VoiceCenter, trunk: str) -> str:
    """The trunk named, or the center's first when none is named."""
    if not trunk and voice.settings.trunks:
        return voice.settings.trunks[0].name
    return trunk


def _party(request: Request, who: SignedIn, agent: str, number: str) -> dict[str, Any]:
    """Exactly one of an agent of `who`'s tenant (not `who`) and a number."""
    if bool(agent) == bool(number):
        raise Invalid("agent: choose an agent or give a number", field="agent")
    if agent:
        info = get_runner(request).view.agent_info.get(agent, {})
        if info.get("tenant_id") != who.tenant_id or agent == who.agent_id:
            raise Invalid("agent: not an agent of your company", field="agent", value=agent)
        return {"agent_id": agent}
    return {"number": number}


def desk_status(
    voice: VoiceCenter | None,
    interaction_id: str | None,
    agent_info: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """What the desktop's transfer buttons depend on, and who is in the call's
    conference (`agent_info`: the live view's agent id → name, to show who they are)."""
    if voice is None:
        return {
            "voice": False,
            "consulting": False,
            "party_up": False,
            "trunks": [],
            "parties": [],
        }
    party = voice.transfers.parties.get(interaction_id or "")
    consulting = party is not None and party.kind == "consult"
    names = agent_info or {}
    return {
        "voice": True,
        "consulting": consulting,
        "party_up": bool(consulting and party is not None and party.up),
        "trunks": [t.name for t in voice.settings.trunks],
        "parties": [
            {
                "id": p.leg,
                "agent_id": p.agent_id,
                "number": p.number,
                "name": (
                    names.get(p.agent_id, {}).get("name", p.agent_id)
                    if p.agent_id is not None
                    else p.number
                ),
                "up": p.up,
            }
            for p in voice.transfers.in_conference(interaction_id or "")
        ],
    }


def _status(request: Request, voice: VoiceCenter, interaction_id: str | None) -> JSONResponse:
    return JSONResponse(desk_status(voice, interaction_id, get_runner(request).view.agent_info))


# --- the agent desktop -------------------------------------------------------------------
@router.get("/desktop/voice")
async def desk_voice(request: Request, who: Agent) -> JSONResponse:
    view = get_runner(request).view
    row = view.agent_row(who.agent_id)
    return JSONResponse(desk_status(get_runner(request).voice, row["interaction"], view.agent_info))


@router.post("/desktop/interactions/{interaction_id}/consult", dependencies=[Csrf])
async def consult(
    request: Request,
    who: Agent,
    interaction_id: str,
    agent: AgentField = "",
    number: OptionalNumber = "",
    trunk: Trunk = "",
) -> JSONResponse:
    iid = _mine(request, who, interaction_id)
    voice = voice_of(request)
    party = _party(request, who, agent, number)
    await voice.transfers.consult(iid, trunk=_trunk(voice, trunk), **party)
    return _status(request, voice, iid)


@router.post("/desktop/interactions/{interaction_id}/complete", dependencies=[Csrf])
async def complete(request: Request, who: Agent, interaction_id: str) -> JSONResponse:
    iid = _mine(request, who, interaction_id)
    voice = voice_of(request)
    await voice.transfers.complete(iid)
    return _status(request, voice, iid)


@router.post("/desktop/interactions/{interaction_id}/cancel", dependencies=[Csrf])
async def cancel(request: Request, who: Agent, interaction_id: str) -> JSONResponse:
    iid = _mine(request, who, interaction_id)
    voice = voice_of(request)
    await voice.transfers.cancel(iid)
    return _status(request, voice, iid)


@router.post("/desktop/interactions/{interaction_id}/transfer-number", dependencies=[Csrf])
async def transfer_number(
    request: Request, who: Agent, interaction_id: str, number: Number, trunk: Trunk = ""
) -> JSONResponse:
    iid = _mine(request, who, interaction_id)
    voice = voice_of(request)
    await voice.transfers.transfer_to_number(iid, number, _trunk(voice, trunk))
    return _status(request, voice, None)


@router.post("/desktop/interactions/{interaction_id}/conference", dependencies=[Csrf])
async def conference(
    request: Request,
    who: Agent,
    interaction_id: str,
    agent: AgentField = "",
    number: OptionalNumber = "",
    trunk: Trunk = "",
) -> JSONResponse:
    iid = _mine(request, who, interaction_id)
    voice = voice_of(request)
    party = _party(request, who, agent, number)
    await voice.transfers.conference(iid, trunk=_trunk(voice, trunk), **party)
    return _status(request, voice, iid)


@router.post("/desktop/interactions/{interaction_id}/drop", dependencies=[Csrf])
async def drop(
    request: Request, who: Agent, interaction_id: str, party: PartyField
) -> JSONResponse:
    """Let a conferenced party go (`party`: its id in `GET /desktop/voice`'s `parties`)."""
    iid = _mine(request, who, interaction_id)
    voice = voice_of(request)
    await voice.transfers.drop(iid, party)
    return _status(request, voice, iid)


# --- the wallboard -------------------------------------------------------------------------
def _agent_on(request: Request, who: SignedIn, interaction_id: str) -> str:
    """The supervised agent whose call `interaction_id` is (404 if none of theirs)."""
    view = get_runner(request).view
    with request.app.state.store.read() as session:
        agents = supervised_agents(session, who)
    for agent_id in agents:
        if view.agent_row(agent_id)["interaction"] == interaction_id:
            return agent_id
    raise NoSuchInteraction(interaction_id=interaction_id)


def monitoring_of(voice: VoiceCenter | None, who: SignedIn) -> dict[str, str]:
    """interaction → mode, for the calls `who` monitors."""
    if voice is None:
        return {}
    monitors = voice.supervision.monitors.values()
    return {m.interaction_id: m.mode.value for m in monitors if m.supervisor_id == who.agent_id}


def _audit(
    request: Request, who: SignedIn, verb: str, iid: str, agent_id: str, mode: str | None
) -> None:
    with request.app.state.store.transaction() as tx:
        do_record_monitoring(
            tx,
            verb=verb,
            interaction_id=iid,
            agent_id=int(agent_id),
            supervisor_id=who.id,
            mode=mode,
            at=utcnow(),
            actor=who.actor,
        )


@router.get("/wallboard/monitoring")
async def monitoring(request: Request, who: Supervisor) -> JSONResponse:
    voice = get_runner(request).voice
    return JSONResponse({"voice": voice is not None, "monitoring": monitoring_of(voice, who)})


@router.post("/wallboard/interactions/{interaction_id}/monitor", dependencies=[Csrf])
async def monitor(
    request: Request,
    who: Supervisor,
    interaction_id: str,
    mode: Annotated[MonitorMode, Form()],
) -> JSONResponse:
    agent_id = _agent_on(request, who, interaction_id)
    voice = voice_of(request)
    already = (interaction_id, who.agent_id) in voice.supervision.monitors
    await voice.supervision.monitor(interaction_id, who.agent_id, mode)
    verb = "changed" if already else "started"
    _audit(request, who, verb, interaction_id, agent_id, mode.value)
    return JSONResponse({"voice": True, "monitoring": monitoring_of(voice, who)})


@router.post("/wallboard/interactions/{interaction_id}/monitor/stop", dependencies=[Csrf])
async def stop_monitoring(request: Request, who: Supervisor, interaction_id: str) -> JSONResponse:
    agent_id = _agent_on(request, who, interaction_id)
    voice = voice_of(request)
    await voice.supervision.stop(interaction_id, who.agent_id)
    _audit(request, who, "stopped", interaction_id, agent_id, None)
    return JSONResponse({"voice": True, "monitoring": monitoring_of(voice, who)})
