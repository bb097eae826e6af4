"""The agent desktop: station log-in, states, offers, the interaction and its wrap-up.

State changes go to the live router (`runner.handle`); each answers with the agent's row,
which the page also receives over the WebSocket. The work area (`/desktop/work`) is
rendered on the server from the agent's current interaction.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select

from centralita.app import screen
from centralita.clock import utcnow
from centralita.core.events import (
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    AgentReadied,
    HoldEnded,
    HoldStarted,
    InteractionEnded,
    OfferAccepted,
    OfferRejected,
    TransferRequested,
    WrapUpEnded,
)
from centralita.errors import Invalid
from centralita.i18n import t
from centralita.schemas import ContactSpec
from centralita.store.actions import (
    do_create_contact,
    do_record_station,
    do_submit_wrapup,
)
from centralita.store.actions.desktop import STATION, FormInvalid
from centralita.store.models import Queue, User
from centralita.web.live import get_runner
from centralita.web.pages import pause_reasons, reason_labels, render
from centralita.web.session import AGENT, Csrf, NotSignedIn, SignedIn, current_user, role_in

router = APIRouter(include_in_schema=False)
Agent = Annotated[SignedIn, Depends(role_in(AGENT))]


class NotYourInteraction(Invalid):
    code = "not-your-interaction"
    http_status = 409


def _row(request: Request, who: SignedIn) -> dict[str, Any]:
    return get_runner(request).view.agent_row(who.agent_id)


def _current(request: Request, who: SignedIn, interaction: str | None = None) -> str:
    row = _row(request, who)
    current = row["interaction"] or row["pending_wrapup"]
    if current is None or (interaction and interaction != current):
        raise NotYourInteraction("that interaction is not on your desk", interaction=interaction)
    return str(current)


@router.get("/desktop")
async def desktop(request: Request) -> Response:
    try:
        who = current_user(request)
    except NotSignedIn:
        return RedirectResponse("/login", status_code=303)
    role_in(AGENT)(who)
    reasons = pause_reasons(request, [who.tenant_id])
    return render(
        request,
        "desktop.html",
        who,
        agent=_row(request, who),
        reasons=reasons,
        reason_labels=reason_labels(reasons, who.lang),
    )


@router.get("/desktop/state")
async def state(request: Request, who: Agent) -> JSONResponse:
    return JSONResponse(_row(request, who))


@router.get("/desktop/work")
async def work(request: Request, who: Agent) -> Response:
    row = _row(request, who)
    phase = row["state"]
    current = row["interaction"]
    if current is None and row["pending_wrapup"]:
        current, phase = row["pending_wrapup"], "wrap_up"
    if current is None:
        return render(request, "desktop_idle.html", who, agent=row)
    with request.app.state.store.read() as session:
        pop = screen.screen_pop(session, who.tenants, current)
        queues = list(
            session.scalars(
                select(Queue).where(Queue.tenant_id == who.tenant_id).order_by(Queue.name)
            )
        )
        agents = list(
            session.scalars(
                select(User)
                .where(User.tenant_id == who.tenant_id, User.role == "agent", User.id != who.id)
                .order_by(User.display_name)
            )
        )
    return render(
        request,
        "desktop_work.html",
        who,
        agent=row,
        phase=phase,
        pop=pop,
        queues=queues,
        agents=agents,
        voice=get_runner(request).voice is not None,
        errors={},
        values={},
    )


def _act(request: Request, who: SignedIn, event: Any) -> JSONResponse:
    get_runner(request).handle(event, actor=who.actor)
    return JSONResponse(_row(request, who))


@router.post("/desktop/station", dependencies=[Csrf])
async def station_login(
    request: Request, who: Agent, station: Annotated[str, Form(max_length=110)]
) -> JSONResponse:
    station = station.strip()
    if not STATION.match(station):
        raise Invalid(
            "station: an extension of 2-10 digits or a sip: address",
            field="station",
            value=station,
        )
    get_runner(request).handle(AgentLoggedIn(who.agent_id), actor=who.actor)
    with request.app.state.store.transaction() as tx:
        do_record_station(tx, agent_id=who.id, station=station, at=utcnow(), actor=who.actor)
    get_runner(request).flush()
    return JSONResponse(_row(request, who))


@router.post("/desktop/logout", dependencies=[Csrf])
async def station_logout(request: Request, who: Agent) -> JSONResponse:
    return _act(request, who, AgentLoggedOut(who.agent_id))


@router.post("/desktop/ready", dependencies=[Csrf])
async def ready(request: Request, who: Agent) -> JSONResponse:
    return _act(request, who, AgentReadied(who.agent_id))


@router.post("/desktop/pause", dependencies=[Csrf])
async def pause(
    request: Request, who: Agent, reason: Annotated[str, Form(max_length=50)]
) -> JSONResponse:
    return _act(request, who, AgentPaused(who.agent_id, reason))


@router.post("/desktop/accept", dependencies=[Csrf])
async def accept(request: Request, who: Agent) -> JSONResponse:
    return _act(request, who, OfferAccepted(_current(request, who), who.agent_id))


@router.post("/desktop/reject", dependencies=[Csrf])
async def reject(request: Request, who: Agent) -> JSONResponse:
    return _act(request, who, OfferRejected(_current(request, who), who.agent_id))


@router.post("/desktop/hold", dependencies=[Csrf])
async def hold(request: Request, who: Agent) -> JSONResponse:
    return _act(request, who, HoldStarted(_current(request, who)))


@router.post("/desktop/resume", dependencies=[Csrf])
async def resume(request: Request, who: Agent) -> JSONResponse:
    return _act(request, who, HoldEnded(_current(request, who)))


@router.post("/desktop/end", dependencies=[Csrf])
async def end(request: Request, who: Agent) -> JSONResponse:
    return _act(request, who, InteractionEnded(_current(request, who)))


@router.post("/desktop/transfer", dependencies=[Csrf])
async def transfer(
    request: Request,
    who: Agent,
    queue: Annotated[str, Form(max_length=20)] = "",
    agent: Annotated[str, Form(max_length=20)] = "",
) -> JSONResponse:
    view = get_runner(request).view
    if queue and view.queue_info.get(queue, {}).get("tenant_id") == who.tenant_id:
        event = TransferRequested(_current(request, who), queue=queue)
    elif agent and view.agent_info.get(agent, {}).get("tenant_id") == who.tenant_id:
        event = TransferRequested(_current(request, who), agent_id=agent, timeout=30)
    else:
        raise Invalid("transfer: choose a queue or an agent", field="queue")
    return _act(request, who, event)


@router.post("/desktop/wrapup", dependencies=[Csrf])
async def wrapup(request: Request, who: Agent) -> Response:
    form = await request.form()
    sent = {k: v for k, v in form.items() if isinstance(v, str)}
    data = {k[2:]: v for k, v in sent.items() if k.startswith("f_")}
    interaction = _current(request, who, sent.get("interaction") or None)
    runner = get_runner(request)
    try:
        with request.app.state.store.transaction() as tx:
            do_submit_wrapup(
                tx,
                interaction_id=interaction,
                agent_id=who.id,
                disposition_code=sent.get("disposition", ""),
                notes=sent.get("notes", ""),
                data=data,
                at=utcnow(),
                actor=who.actor,
            )
    except FormInvalid as exc:
        with request.app.state.store.read() as session:
            pop = screen.screen_pop(session, who.tenants, interaction)
        return render(
            request,
            "desktop_work.html",
            who,
            status_code=422,
            agent=_row(request, who),
            phase="wrap_up",
            pop=pop,
            queues=[],
            agents=[],
            errors=exc.fields["errors"],
            values=sent,
        )
    row = runner.view.agent_row(who.agent_id)
    if row["state"] == "wrap_up" and row["interaction"] == interaction:
        runner.handle(WrapUpEnded(who.agent_id, interaction), actor=who.actor)
    runner.flush()
    # the page's live update may redraw the work area at once: say it in a toast too
    saved = json.dumps({"toast": t("wrapup_saved", who.lang)})
    return render(
        request,
        "desktop_idle.html",
        who,
        headers={"HX-Trigger": saved},
        agent=_row(request, who),
        saved=True,
    )


@router.post("/desktop/contact", dependencies=[Csrf])
async def create_contact(
    request: Request,
    who: Agent,
    name: Annotated[str, Form(max_length=200)] = "",
    document: Annotated[str, Form(max_length=50)] = "",
) -> Response:
    interaction = _current(request, who)
    with request.app.state.store.read() as session:
        pop = screen.screen_pop(session, who.tenants, interaction)
    if not name.strip():
        raise Invalid("name: must not be empty", field="name")
    phones = [pop.interaction.ani] if pop.interaction.ani else []
    spec = ContactSpec(name=name, phones=phones, document=document.strip() or None)
    with request.app.state.store.transaction() as tx:
        do_create_contact(
            tx, tenant_id=pop.interaction.tenant_id, spec=spec, at=utcnow(), actor=who.actor
        )
    return RedirectResponse("/desktop/work", status_code=303)
