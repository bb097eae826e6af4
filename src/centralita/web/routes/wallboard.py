"""The supervisor wallboard: live queue and agent rows, and the supervisor's actions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from centralita.core.events import AgentLoggedOut, AgentPaused, TransferRequested
from centralita.errors import NotFound
from centralita.web.live import check_agent, get_runner, supervised_agents, visible_queues
from centralita.web.pages import pause_reasons, reason_labels, render
from centralita.web.routes.voice_desk import monitoring_of
from centralita.web.session import (
    SUPERVISING,
    WALLBOARD_ROLES,
    Csrf,
    NotSignedIn,
    SignedIn,
    current_user,
    role_in,
)

router = APIRouter(include_in_schema=False)
Viewer = Annotated[SignedIn, Depends(role_in(*WALLBOARD_ROLES))]
Supervisor = Annotated[SignedIn, Depends(role_in(*SUPERVISING))]


class NoSuchWaitingInteraction(NotFound):
    code = "no-such-interaction"


def snapshot(request: Request, who: SignedIn) -> dict[str, Any]:
    runner = get_runner(request)
    with request.app.state.store.read() as session:
        agents = supervised_agents(session, who)
    return runner.view.snapshot(visible_queues(runner, who), agents)


@router.get("/wallboard")
async def wallboard(request: Request) -> Response:
    try:
        who = current_user(request)
    except NotSignedIn:
        return RedirectResponse("/login", status_code=303)
    role_in(*WALLBOARD_ROLES)(who)
    reasons = pause_reasons(request, who.tenants)
    voice = get_runner(request).voice
    return render(
        request,
        "wallboard.html",
        who,
        snapshot=snapshot(request, who),
        reasons=reasons,
        reason_labels=reason_labels(reasons, who.lang),
        voice={"voice": voice is not None, "calls": monitoring_of(voice, who)},
    )


@router.get("/wallboard/snapshot")
async def wallboard_snapshot(request: Request, who: Viewer) -> JSONResponse:
    return JSONResponse(snapshot(request, who))


@router.post("/wallboard/agents/{agent_id}/pause", dependencies=[Csrf])
async def force_pause(
    request: Request, who: Supervisor, agent_id: str, reason: Annotated[str, Form(max_length=50)]
) -> JSONResponse:
    with request.app.state.store.read() as session:
        check_agent(session, who, agent_id)
    runner = get_runner(request)
    runner.handle(AgentPaused(agent_id, reason, by=who.actor), actor=who.actor)
    return JSONResponse(runner.view.agent_row(agent_id))


@router.post("/wallboard/agents/{agent_id}/logout", dependencies=[Csrf])
async def force_logout(request: Request, who: Supervisor, agent_id: str) -> JSONResponse:
    with request.app.state.store.read() as session:
        check_agent(session, who, agent_id)
    runner = get_runner(request)
    runner.handle(AgentLoggedOut(agent_id, by=who.actor), actor=who.actor)
    return JSONResponse(runner.view.agent_row(agent_id))


@router.post("/wallboard/interactions/{interaction_id}/move", dependencies=[Csrf])
async def move(
    request: Request,
    who: Supervisor,
    interaction_id: str,
    queue: Annotated[str, Form(max_length=20)],
) -> JSONResponse:
    runner = get_runner(request)
    mine = set(visible_queues(runner, who))
    current = runner.view.interaction_queue.get(interaction_id)
    if current not in mine or queue not in mine:
        raise NoSuchWaitingInteraction(interaction_id=interaction_id, queue=queue)
    runner.handle(TransferRequested(interaction_id, queue=queue), actor=who.actor)
    return JSONResponse(runner.view.queue_row(queue))
