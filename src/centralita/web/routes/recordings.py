"""Recordings: search (API and page), a recording's page with its player, the audio
(seekable) and its download, and analysts' tags.

Only `LISTENER_ROLES` get past `listener()`; anyone else gets 403 and the refusal is
written to the event log (`recording.access_refused`), as is every play and download
(`recording.accessed`). A recording of a tenant the user does not see answers 404 (and
is logged as refused too). A player's seek (a Range request not starting at byte 0) is
the same listening and is not logged again.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import (
    FileResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from pydantic import BaseModel

from centralita.app.recording import CallRecorder, RecordingRefused, recorder_of
from centralita.app.recording_search import (
    HOLD_ROLES,
    LISTENER_ROLES,
    Search,
    describe,
    failed_count,
    holds_of,
    search,
)
from centralita.clock import utcnow
from centralita.errors import Invalid
from centralita.recording.storage import LocalStorage, Storage
from centralita.store.actions import recordings as actions
from centralita.store.models import RECORDING_STATES, Recording
from centralita.web.live import get_runner
from centralita.web.pages import render
from centralita.web.routes.desktop import Agent
from centralita.web.routes.desktop import _current as current_interaction
from centralita.web.session import Csrf, SignedIn, WrongRole, current_user

router = APIRouter()
MEDIA = {"opus": "audio/ogg", "wav": "audio/wav"}
#: The search page's banner counts the failed recordings of today and the days before.
FAILED_BANNER_DAYS = 7


def storage_of(request: Request) -> Storage:
    return LocalStorage(request.app.state.settings.data_dir / "recordings")


def audit(request: Request, who: SignedIn, action: str, allowed: bool, row: Any = None,
           recording_id: int | None = None) -> None:  # fmt: skip
    with request.app.state.store.transaction() as tx:
        actions.do_record_recording_access(
            tx, recording=row, tenant_id=who.tenant_id, user_id=who.id, role=who.role,
            action=action, allowed=allowed, at=utcnow(), recording_id=recording_id,
        )  # fmt: skip


def listener(request: Request, action: str, recording_id: int | None = None) -> SignedIn:
    who = current_user(request)
    if who.role not in LISTENER_ROLES:
        audit(request, who, action, False, recording_id=recording_id)
        raise WrongRole("your role may not search or listen to recordings", role=who.role)
    return who


def _recording(request: Request, who: SignedIn, recording_id: int, action: str) -> Recording:
    with request.app.state.store.read() as session:
        row: Recording | None = session.get(Recording, recording_id)
        if row is not None:
            session.expunge(row)
    if row is None or row.tenant_id not in who.tenants:
        audit(request, who, action, False, recording_id=recording_id)
        raise actions.NoSuchRecording(recording_id=recording_id)
    return row


def _day(value: str | None, field: str) -> date:
    if not value:
        raise Invalid(f"{field}: required (YYYY-MM-DD)", field=field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{field}: {value!r} is not a date (YYYY-MM-DD)", field=field) from None


def _today(request: Request) -> date:
    return utcnow().astimezone(ZoneInfo(request.app.state.settings.timezone)).date()


def _range(request: Request, first: date, last: date) -> tuple[datetime, datetime]:
    """The center's days `first` to `last` (both included) as [start, end)."""
    zone = ZoneInfo(request.app.state.settings.timezone)
    return datetime.combine(first, time(), zone), datetime.combine(
        last + timedelta(days=1), time(), zone
    )


def _search_of(request: Request, params: dict[str, Any]) -> Search:
    first, last = _day(params.get("from"), "from"), _day(params.get("to"), "to")
    start, end = _range(request, first, last)

    def number(name: str, kind: Any = int) -> Any:
        raw = params.get(name)
        if raw in (None, ""):
            return None
        try:
            return kind(raw)
        except ValueError:
            raise Invalid(f"{name}: {raw!r} is not a number", field=name) from None

    tags = tuple(t.strip().lower() for t in params.get("tag", []) if t.strip())
    return Search(
        start=start, end=end, agent_id=number("agent"), queue_id=number("queue"),
        campaign_id=number("campaign"), caller=params.get("caller") or None,
        disposition=params.get("disposition") or None, tags=tags,
        min_seconds=number("min_seconds", float), max_seconds=number("max_seconds", float),
        state=params.get("state") or None, page=number("page") or 1,
        page_size=number("page_size") or 25,
    )  # fmt: skip


def _params(request: Request) -> dict[str, Any]:
    query = request.query_params
    params: dict[str, Any] = {k: query.get(k) for k in query if k != "tag"}
    params["tag"] = query.getlist("tag")
    return params


@router.get("/api/v1/recordings")
async def search_api(request: Request) -> JSONResponse:
    who = listener(request, "search")
    q = _search_of(request, _params(request))
    with request.app.state.store.read() as session:
        found = search(session, who.tenants, q)
    return JSONResponse(
        {"total": found.total, "page": found.page, "pages": found.pages, "items": found.rows}
    )


@router.get("/recordings", include_in_schema=False)
async def search_page(request: Request) -> Response:
    who = listener(request, "search")
    params = _params(request)
    today = _today(request)
    params.setdefault("from", None)
    params["from"] = params["from"] or (today - timedelta(days=7)).isoformat()
    params["to"] = params.get("to") or today.isoformat()
    q = _search_of(request, params)
    since = today - timedelta(days=FAILED_BANNER_DAYS - 1)
    with request.app.state.store.read() as session:
        found = search(session, who.tenants, q)
        failed = failed_count(session, who.tenants, *_range(request, since, today))
    link = urlencode({"from": since.isoformat(), "to": today.isoformat(), "state": "failed"})
    return render(
        request, "recordings/search.html", who, found=found, params=params,
        states=RECORDING_STATES, failed=failed, failed_href=f"/recordings?{link}",
    )  # fmt: skip


@router.get("/recordings/{recording_id}", include_in_schema=False)
async def recording_page(request: Request, recording_id: int) -> Response:
    who = listener(request, "view", recording_id)
    row = _recording(request, who, recording_id, "view")
    with request.app.state.store.read() as session:
        [item] = describe(session, [row])
        item["holds"] = holds_of(session, row)
        item["error"] = row.error
    return render(
        request, "recordings/detail.html", who, item=item, may_hold=who.role in HOLD_ROLES
    )


def _audio(request: Request, recording_id: int, action: str) -> Response:
    who = listener(request, action, recording_id)
    row = _recording(request, who, recording_id, action)
    if row.key is None:
        raise actions.NoSuchRecording(recording_id=recording_id, state=row.state)
    if request.headers.get("range", "bytes=0-").replace(" ", "").startswith("bytes=0-"):
        audit(request, who, action, True, row=row)  # a later seek is the same listening
    storage = storage_of(request)
    media = MEDIA.get(row.format, "application/octet-stream")
    name = f"{row.interaction_id}{f'-{row.leg}' if row.leg else ''}.{row.format}"
    disposition = "attachment" if action == "download" else "inline"
    path = storage.local_path(row.key)
    if path is not None:
        return FileResponse(
            path, media_type=media, filename=name, content_disposition_type=disposition
        )
    stream = storage.open(row.key)
    return StreamingResponse(
        iter(lambda: stream.read(1 << 16), b""), media_type=media,
        headers={"content-disposition": f'{disposition}; filename="{name}"'},
    )  # fmt: skip


@router.get("/recordings/{recording_id}/audio", include_in_schema=False)
async def play(request: Request, recording_id: int) -> Response:
    return _audio(request, recording_id, "play")


@router.get("/recordings/{recording_id}/download", include_in_schema=False)
async def download(request: Request, recording_id: int) -> Response:
    return _audio(request, recording_id, "download")


class TagIn(BaseModel):
    tag: str


@router.post("/api/v1/recordings/{recording_id}/tags", dependencies=[Csrf])
async def tag(request: Request, recording_id: int, body: TagIn) -> JSONResponse:
    who = listener(request, "tag", recording_id)
    _recording(request, who, recording_id, "tag")
    source = "analyst"  # a reviewer's tag (analyst, supervisor or administrator)
    with request.app.state.store.transaction() as tx:
        actions.do_tag_recording(
            tx, recording_id=recording_id, tag=body.tag, source=source, at=utcnow(),
            actor=who.actor,
        )  # fmt: skip
    return JSONResponse({"recording_id": recording_id, "tag": body.tag.strip().lower()}, 201)


class HoldIn(BaseModel):
    hold: bool


def _set_hold(request: Request, recording_id: int, hold: bool) -> bool:
    """Place or release a legal hold: supervisors and administrators only; a refusal is
    audited like a refused play, the change itself is `recording.legal_hold_set`."""
    who = current_user(request)
    if who.role not in HOLD_ROLES:
        audit(request, who, "legal_hold", False, recording_id=recording_id)
        raise WrongRole("your role may not place or release a legal hold", role=who.role)
    _recording(request, who, recording_id, "legal_hold")
    with request.app.state.store.transaction() as tx:
        row = actions.do_set_legal_hold(
            tx, recording_id=recording_id, hold=hold, at=utcnow(), actor=who.actor
        )
        return row.legal_hold


@router.post("/api/v1/recordings/{recording_id}/legal-hold", dependencies=[Csrf])
async def legal_hold(request: Request, recording_id: int, body: HoldIn) -> JSONResponse:
    held = _set_hold(request, recording_id, body.hold)
    return JSONResponse({"recording_id": recording_id, "legal_hold": held})


@router.post("/recordings/{recording_id}/legal-hold", dependencies=[Csrf], include_in_schema=False)
async def legal_hold_page(
    request: Request, recording_id: int, hold: Annotated[str, Form()] = ""
) -> Response:
    _set_hold(request, recording_id, hold == "1")
    return RedirectResponse(f"/recordings/{recording_id}", status_code=303)


# --- the agent's desktop: on-demand recording and the agent's tags during the call ------
def _desk(request: Request, who: SignedIn) -> tuple[CallRecorder, str]:
    return recorder_of(get_runner(request)), current_interaction(request, who)


@router.get("/desktop/recording", include_in_schema=False)
async def desk_status(request: Request, who: Agent) -> JSONResponse:
    recorder, interaction = _desk(request, who)
    return JSONResponse(recorder.status(interaction))


@router.post("/desktop/recording/tag", dependencies=[Csrf], include_in_schema=False)
async def desk_tag(
    request: Request, who: Agent, tag: Annotated[str, Form(max_length=50)]
) -> JSONResponse:
    recorder, interaction = _desk(request, who)
    await recorder.tag(interaction, tag, actor=who.actor)
    return JSONResponse(recorder.status(interaction))


@router.post("/desktop/recording/{verb}", dependencies=[Csrf], include_in_schema=False)
async def desk_control(request: Request, who: Agent, verb: str) -> JSONResponse:
    """start, stop, pause or resume recording the agent's call. Only a recording the
    agent started may be stopped: a policy that records every call is not the agent's
    to end (pausing is, for what must not be kept, like a card number)."""
    recorder, interaction = _desk(request, who)
    if verb == "start":
        await recorder.start(interaction, actor=who.actor)
    elif verb == "stop":
        if not recorder.status(interaction)["on_demand"]:
            raise RecordingRefused("only a recording started on demand may be stopped",
                                   interaction_id=interaction)  # fmt: skip
        await recorder.stop(interaction, actor=who.actor)
    elif verb == "pause":
        await recorder.pause(interaction, actor=who.actor)
    elif verb == "resume":
        await recorder.resume(interaction, actor=who.actor)
    else:
        raise Invalid("verb: start, stop, pause, resume or tag", field="verb", value=verb)
    return JSONResponse(recorder.status(interaction))
