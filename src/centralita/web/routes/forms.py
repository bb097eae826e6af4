"""Administrators define each campaign's entry form: fields, types, required, choices."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select

from centralita.clock import utcnow
from centralita.errors import Invalid, NotFound
from centralita.i18n import t
from centralita.store.actions import do_set_campaign_form
from centralita.store.models import Campaign
from centralita.web.pages import render
from centralita.web.session import ADMIN, Csrf, SignedIn, role_in

router = APIRouter(include_in_schema=False)
Admin = Annotated[SignedIn, Depends(role_in(ADMIN))]
TYPES = ("text", "number", "date", "choice", "boolean", "email", "phone", "money")
ROW = re.compile(r"^field-(\d{1,3})-(name|label_en|label_es|type|required|choices)$")


class NoSuchCampaign(NotFound):
    code = "no-such-campaign"


def _campaign(request: Request, who: SignedIn, campaign_id: int) -> Campaign:
    with request.app.state.store.read() as session:
        row: Campaign | None = session.get(Campaign, campaign_id)
    if row is None or row.tenant_id not in who.tenants:
        raise NoSuchCampaign(campaign_id=campaign_id)
    return row


@router.get("/admin/forms")
async def campaigns(request: Request, who: Admin) -> Response:
    with request.app.state.store.read() as session:
        rows = list(
            session.scalars(
                select(Campaign).where(Campaign.tenant_id.in_(who.tenants)).order_by(Campaign.name)
            )
        )
    return render(request, "forms.html", who, campaigns=rows)


@router.get("/admin/forms/{campaign_id}")
async def editor(request: Request, who: Admin, campaign_id: int) -> Response:
    campaign = _campaign(request, who, campaign_id)
    return render(
        request, "form_edit.html", who, campaign=campaign, fields=campaign.form, types=TYPES
    )


def _fields(sent: dict[str, str]) -> list[dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    for key, value in sent.items():
        match = ROW.match(key)
        if match:
            rows.setdefault(int(match[1]), {})[match[2]] = value.strip()
    fields = []
    for _, row in sorted(rows.items()):
        if not row.get("name"):
            continue
        choices = [c.strip() for c in row.get("choices", "").split(",") if c.strip()]
        fields.append(
            {
                "name": row["name"],
                "label_en": row.get("label_en", ""),
                "label_es": row.get("label_es", ""),
                "type": row.get("type", "text"),
                "required": row.get("required") == "on",
                "choices": choices,
            }
        )
    return fields


COLUMNS = {
    "name": "field_name",
    "label_en": "label_en",
    "label_es": "label_es",
    "type": "type",
    "required": "required",
    "choices": "choices",
}


def _explain(exc: Invalid, lang: str) -> str:
    """Which row and column is wrong, and why, in the administrator's language."""
    if "reason" not in exc.fields:
        return exc.message
    column = t(COLUMNS.get(str(exc.fields["column"]), "field_name"), lang)
    where = t("form_row", lang, row=int(exc.fields["row"]) + 1, column=column)
    return f"{where}: {t('err.' + str(exc.fields['reason']), lang)}"


@router.post("/admin/forms/{campaign_id}", dependencies=[Csrf])
async def save(request: Request, who: Admin, campaign_id: int) -> Response:
    campaign = _campaign(request, who, campaign_id)
    sent = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    fields = _fields(sent)
    try:
        with request.app.state.store.transaction() as tx:
            campaign = do_set_campaign_form(
                tx,
                campaign_id=campaign_id,
                tenant_id=campaign.tenant_id,
                form=fields,
                at=utcnow(),
                actor=who.actor,
            )
    except Invalid as exc:
        return render(
            request,
            "form_edit.html",
            who,
            status_code=422,
            campaign=campaign,
            fields=fields,
            types=TYPES,
            error=_explain(exc, who.lang),
        )
    return render(
        request,
        "form_edit.html",
        who,
        campaign=campaign,
        fields=campaign.form,
        types=TYPES,
        saved=True,
    )
