"""The live stream: one WebSocket per page, sending the rows it may see as they change.

The first message is a fresh snapshot; then `patch` messages carry the changed queue and
agent rows (the page merges them), `reload` asks the page to load a snapshot again.
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from centralita.web.live import runner_of, supervised_agents, visible_queues
from centralita.web.session import ADMIN, NotSignedIn, current_user

router = APIRouter(include_in_schema=False)


@router.websocket("/ws")
async def stream(websocket: WebSocket) -> None:
    origin = websocket.headers.get("origin")
    host = websocket.headers.get("host")
    if origin is not None and origin.split("://", 1)[-1] != host:
        await websocket.close(code=4403)  # another site's page
        return
    try:
        who = current_user(websocket)
    except NotSignedIn:
        await websocket.close(code=4401)
        return
    runner = runner_of(websocket.app)
    with websocket.app.state.store.read() as session:
        agents = supervised_agents(session, who)
    queues = visible_queues(runner, who)
    await websocket.accept()
    receiver: asyncio.Future[str] | None = None
    sub = runner.subscribe(
        queues=queues, agents=agents, tenants=who.tenants, all_agents=who.role == ADMIN
    )
    try:
        await websocket.send_json({"type": "snapshot", **runner.view.snapshot(queues, agents)})
        receiver = asyncio.ensure_future(websocket.receive_text())
        while True:
            getter = asyncio.ensure_future(sub.inbox.get())
            done, _ = await asyncio.wait({getter, receiver}, return_when=asyncio.FIRST_COMPLETED)
            if receiver in done:
                getter.cancel()
                receiver.result()  # raises WebSocketDisconnect when the page went away
                receiver = asyncio.ensure_future(websocket.receive_text())
                continue
            message = getter.result()
            if message["type"] == "reload":
                message = {"type": "snapshot", **runner.view.snapshot(queues, agents)}
            await websocket.send_json(message)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        runner.unsubscribe(sub)
        if receiver is not None:
            with contextlib.suppress(Exception):
                receiver.cancel()
