"""Signing in and out, the start page of each role, and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from centralita.clock import utcnow
from centralita.passwords import verify_password
from centralita.store.actions import do_record_sign_in, do_record_sign_in_failure
from centralita.store.actions.sessions import locked_until
from centralita.store.models import User
from centralita.web.pages import render
from centralita.web.session import (
    ADMIN,
    AGENT,
    CLIENT,
    SUPERVISOR,
    Csrf,
    NotSignedIn,
    current_user,
)

router = APIRouter(include_in_schema=False)

HOME = {AGENT: "/desktop", SUPERVISOR: "/wallboard", ADMIN: "/wallboard", CLIENT: "/wallboard"}


@router.get("/")
async def home(request: Request) -> Response:
    try:
        who = current_user(request)
    except NotSignedIn:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(HOME.get(who.role, "/contacts"), status_code=303)


@router.get("/login")
async def login_page(request: Request) -> Response:
    return render(request, "login.html")


@router.post("/login", dependencies=[Csrf])
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
) -> Response:
    store = request.app.state.store
    now = utcnow()
    with store.transaction() as tx:
        user = tx.session.scalars(select(User).where(User.username == username.strip())).first()
        if user is None or not user.active or not user.password_hash:
            error = "bad_credentials"
            until = None
        else:
            until = locked_until(tx.session, user=user, now=now)
            if until is not None:
                error = "locked_out"
            elif verify_password(user.password_hash, password):
                do_record_sign_in(tx, user=user, at=now)
                error = ""
            else:
                do_record_sign_in_failure(tx, user=user, at=now)
                until = locked_until(tx.session, user=user, now=now)
                error = "locked_out" if until else "bad_credentials"
    if error:
        return render(
            request,
            "login.html",
            status_code=401 if error == "bad_credentials" else 429,
            error=error,
            until=until,
            username=username,
        )
    assert user is not None
    lang = request.session.get("lang")
    request.session.clear()  # a new session (and CSRF token) on sign-in: no fixation
    request.session["user_id"] = user.id
    if lang:
        request.session["lang"] = lang
    return RedirectResponse("/", status_code=303)


@router.post("/logout", dependencies=[Csrf])
async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.post("/language", dependencies=[Csrf])
async def language(request: Request, lang: Annotated[str, Form(pattern="^(es|en)$")]) -> Response:
    request.session["lang"] = lang
    back = request.headers.get("referer") or "/"
    return RedirectResponse(back if back.startswith(str(request.base_url)) else "/", 303)
