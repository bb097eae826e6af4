"""The recording policy as a page, for administrators: for each tenant the administrator
manages, the tenant's defaults and every queue's and campaign's policy in force, each
value marked with the level it comes from (`policy_overview`), and a form per layer to
set or clear it with the administration API's actions (`do_set_recording_policy`,
`do_clear_recording_policy`; the actor is the signed-in administrator).

Anyone else gets 403 and the refusal is audited as the recordings pages audit theirs
(`recording.access_refused`, action `policy`, `policy_set` or `policy_clear`). A tenant
the administrator does not manage answers 404, exactly as one that does not exist (a 403
would confirm it exists), and so does a queue or campaign that is not the tenant's; both
are audited too. A refused value answers 422 with the page, the form open and the
field's error in the administrator's language; nothing is stored.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from centralita.clock import utcnow
from centralita.errors import Invalid, NotFound
from centralita.i18n import t
from centralita.recording.policy import CHOICES, PLACEHOLDERS, SETTINGS
from centralita.store.actions import recordings as actions
from centralita.store.actions.base import NoSuchCampaign, NoSuchQueue, NoSuchTenant
from centralita.store.models import Campaign, Queue, Tenant
from centralita.web.pages import render
from centralita.web.routes.recordings import audit
from centralita.web.session import ADMIN, Csrf, SignedIn, WrongRole, current_user

router = APIRouter(include_in_schema=False)
PAGE = "/recordings/policy"
Scope = Literal["tenant", "queue", "campaign"]
PLACEHOLDER_LIST = " ".join(f"{{{p}}}" for p in PLACEHOLDERS)  # as a template writes them


def administrator(request: Request, action: str) -> SignedIn:
    who = current_user(request)
    if who.role != ADMIN:
        audit(request, who, action, False)
        raise WrongRole("only administrators set the recording policy", role=who.role)
    return who


def _layer_id(request: Request, who: SignedIn, action: str, tenant_id: int, scope: str,
              scope_id: int) -> int:  # fmt: skip
    """The layer's id (0 for the tenant's own) once the tenant is one the administrator
    manages and the queue or campaign is that tenant's; else 404, audited."""
    with request.app.state.store.read() as session:
        error: NotFound | None = None
        if tenant_id not in who.tenants or session.get(Tenant, tenant_id) is None:
            error = NoSuchTenant(tenant_id=tenant_id)
        elif scope != "tenant":
            model, missing = (
                (Queue, NoSuchQueue) if scope == "queue" else (Campaign, NoSuchCampaign)
            )
            row = session.get(model, scope_id)
            if row is None or row.tenant_id != tenant_id:
                error = missing(tenant_id=tenant_id, id=scope_id)
    if error is not None:
        audit(request, who, action, False)
        raise error
    return 0 if scope == "tenant" else scope_id


def _layer(sent: dict[str, str]) -> dict[str, Any]:
    """The settings a form gives (an empty field: this layer does not set it). What does
    not parse is passed on as typed, for the action to refuse naming the field."""
    layer: dict[str, Any] = {}
    for name in SETTINGS:
        value = sent.get(name, "").strip()
        if not value:
            continue
        try:
            if name == "sample_share":
                layer[name] = float(value.replace(",", "."))  # 0,2 as written in Spanish
            elif name == "retention_days":
                layer[name] = int(value)
            elif name == "legal_hold":
                layer[name] = {"true": True, "false": False}.get(value, value)
            else:
                layer[name] = value
        except ValueError:
            layer[name] = value
    return layer


def _explain(exc: Invalid, lang: str) -> str:
    """Why the value is refused, in the administrator's language."""
    field, reason = exc.fields.get("field"), exc.fields.get("reason")
    if reason == "choice":
        accepted = [t(f"pol.{field}.{v}", lang) for v in exc.fields.get("accepted", [])]
        return t("pol.err.choice", lang, accepted=", ".join(accepted))
    if reason == "placeholder":
        return t("pol.err.placeholder", lang, unknown=", ".join(exc.fields["unknown"]),
                 accepted=PLACEHOLDER_LIST)  # fmt: skip
    if reason in ("share", "days", "yes_no", "text", "relative", "interaction", "syntax"):
        return t(f"pol.err.{reason}", lang, interaction="{interaction}")
    return exc.message


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _page(
    request: Request,
    who: SignedIn,
    status_code: int = 200,
    failed: str | None = None,
    sent: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    """Each tenant the administrator manages with its levels (`policy_overview`'s entries,
    each with its form's values: the stored layer's, or what was sent to a refused one)."""
    with request.app.state.store.read() as session:
        tenants = session.scalars(
            select(Tenant).where(Tenant.id.in_(who.tenants)).order_by(Tenant.name)
        ).all()
        sections = []
        for tenant in tenants:
            overview = actions.policy_overview(session, tenant_id=tenant.id)
            levels = [overview["tenant"], *overview["queues"], *overview["campaigns"]]
            for entry in levels:
                entry["key"] = _key(tenant.id, entry["scope"], entry["id"] or 0)
                stored = entry["settings"] or {}
                entry["form"] = (
                    {name: (sent or {}).get(name, "") for name in SETTINGS}
                    if entry["key"] == failed
                    else {name: _as_text(stored.get(name)) for name in SETTINGS}
                )
            sections.append({"tenant": tenant, "levels": levels})
    return render(
        request, "recordings/policy.html", who, status_code=status_code, sections=sections,
        settings=SETTINGS, choices={**CHOICES, "legal_hold": ("true", "false")},
        placeholders=PLACEHOLDER_LIST, failed=failed,
        errors=errors or {}, done=request.query_params.get("done"),
        done_at=request.query_params.get("at"),
    )  # fmt: skip


def _key(tenant_id: int, scope: str, scope_id: int) -> str:
    return f"t{tenant_id}-{scope}-{scope_id}"


def _done(key: str, what: str) -> Response:
    return RedirectResponse(f"{PAGE}?done={what}&at={key}#{key}", status_code=303)


@router.get(PAGE)
async def policy_page(request: Request) -> Response:
    return _page(request, administrator(request, "policy"))


@router.post(PAGE + "/{tenant_id}/{scope}/{scope_id}", dependencies=[Csrf])
async def set_layer(request: Request, tenant_id: int, scope: Scope, scope_id: int) -> Response:
    who = administrator(request, "policy_set")
    sent = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    layer_id = _layer_id(request, who, "policy_set", tenant_id, scope, scope_id)
    key = _key(tenant_id, scope, layer_id)
    try:
        with request.app.state.store.transaction() as tx:
            actions.do_set_recording_policy(
                tx, tenant_id=tenant_id, scope=scope, scope_id=layer_id, settings=_layer(sent),
                at=utcnow(), actor=who.actor,
            )  # fmt: skip
    except Invalid as exc:
        field = str(exc.fields.get("field", ""))
        return _page(
            request, who, status_code=422, failed=key, sent=sent,
            errors={field: _explain(exc, who.lang)},
        )  # fmt: skip
    return _done(key, "set")


@router.post(PAGE + "/{tenant_id}/{scope}/{scope_id}/clear", dependencies=[Csrf])
async def clear_layer(request: Request, tenant_id: int, scope: Scope, scope_id: int) -> Response:
    who = administrator(request, "policy_clear")
    layer_id = _layer_id(request, who, "policy_clear", tenant_id, scope, scope_id)
    with request.app.state.store.transaction() as tx:
        removed = actions.do_clear_recording_policy(
            tx, tenant_id=tenant_id, scope=scope, scope_id=layer_id, at=utcnow(), actor=who.actor
        )
    return _done(_key(tenant_id, scope, layer_id), "cleared" if removed else "nothing")
