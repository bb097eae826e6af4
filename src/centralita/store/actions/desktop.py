"""Actions of the agent desktop: the station an agent works at, the wrap-up with its
campaign form, and administrators' campaign forms.

Campaign forms are validated field by field: `FormInvalid.errors` maps each wrong field to
a message code (`required`, `too_long`, `not_a_number`, ...) and its parameters, so every
page can say what is wrong in the user's language. Nothing is written unless all is valid.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select

from centralita.errors import Invalid
from centralita.schemas import FormField
from centralita.store import events
from centralita.store.actions.base import (
    NoSuchCampaign,
    NoSuchInteraction,
    NoSuchUser,
    get,
    require,
)
from centralita.store.actions.interactions import do_record_wrapup
from centralita.store.db import Tx
from centralita.store.models import Campaign, Disposition, Interaction, User, WrapUp

STATION = re.compile(r"^[0-9]{2,10}$|^sip:[A-Za-z0-9._@:-]{3,100}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()-]{5,20}$")
NOTES_MAX = 2000


class FormInvalid(Invalid):
    code = "invalid-form"


def validate_form(
    form: list[dict[str, Any]], data: dict[str, str]
) -> tuple[dict[str, Any], dict[str, tuple[str, dict[str, Any]]]]:
    """Clean values and errors (field → (message code, parameters)) of a form submission."""
    clean: dict[str, Any] = {}
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    for spec in form:
        name, kind = spec["name"], spec["type"]
        raw = (data.get(name) or "").strip()
        if kind == "boolean":
            clean[name] = raw in ("on", "true", "1", "yes")
            continue
        if not raw:
            if spec.get("required"):
                errors[name] = ("required", {})
            continue
        limit = spec.get("max_length")
        if limit and len(raw) > limit:
            errors[name] = ("too_long", {"max": limit})
            continue
        value, error = _parse(kind, raw, spec.get("choices") or [])
        if error:
            errors[name] = error
        else:
            clean[name] = value
    return clean, errors


Error = tuple[str, dict[str, Any]]


def _parse(kind: str, raw: str, choices: list[str]) -> tuple[Any, Error | None]:
    if kind == "number":
        try:
            return float(raw) if "." in raw else int(raw), None
        except ValueError:
            return None, ("not_a_number", {})
    if kind == "money":
        try:
            amount = Decimal(raw.replace(",", ""))
        except InvalidOperation:
            return None, ("not_money", {})
        if amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
            return None, ("not_money", {})
        return str(amount), None
    if kind == "date":
        try:
            return date.fromisoformat(raw).isoformat(), None
        except ValueError:
            return None, ("not_a_date", {})
    if kind == "choice":
        return (raw, None) if raw in choices else (None, ("not_a_choice", {"choices": choices}))
    if kind == "email":
        return (raw, None) if EMAIL.match(raw) else (None, ("not_an_email", {}))
    if kind == "phone":
        return (raw, None) if PHONE.match(raw) else (None, ("not_a_phone", {}))
    return raw, None


def do_record_station(
    tx: Tx, *, agent_id: int, station: str, at: datetime, actor: str | None
) -> None:
    """The extension (or SIP address) the agent logged in at."""
    agent = get(tx, User, NoSuchUser, id=agent_id)
    require(
        bool(STATION.match(station)),
        "station",
        "an extension of 2-10 digits or a sip: address",
        value=station,
    )
    events.append(
        tx,
        "agent.station_logged_in",
        at,
        tenant_id=agent.tenant_id,
        actor=actor,
        agent_id=agent_id,
        station=station,
    )


def do_submit_wrapup(
    tx: Tx,
    *,
    interaction_id: str,
    agent_id: int,
    disposition_code: str,
    notes: str,
    data: dict[str, str],
    at: datetime,
    actor: str | None,
) -> WrapUp:
    """The agent's wrap-up: a disposition from the campaign's list, notes and the form."""
    interaction = get(tx, Interaction, NoSuchInteraction, id=interaction_id)
    campaign = (
        tx.session.get(Campaign, interaction.campaign_id) if interaction.campaign_id else None
    )
    clean, errors = validate_form(campaign.form if campaign else [], data)
    disposition = None
    if not disposition_code:
        errors["disposition"] = ("required", {})
    else:
        disposition = tx.session.scalars(
            select(Disposition).where(
                Disposition.tenant_id == interaction.tenant_id,
                Disposition.code == disposition_code,
                Disposition.campaign_id == (campaign.id if campaign else None),
            )
        ).first()
        if disposition is None:
            errors["disposition"] = ("not_a_choice", {})
    if len(notes) > NOTES_MAX:
        errors["notes"] = ("too_long", {"max": NOTES_MAX})
    if errors:
        first = next(iter(errors))
        raise FormInvalid(
            f"{first}: {errors[first][0]}",
            field=first,
            errors={k: {"code": c, **p} for k, (c, p) in errors.items()},
        )
    assert disposition is not None
    return do_record_wrapup(
        tx,
        interaction_id=interaction_id,
        agent_id=agent_id,
        disposition_id=disposition.id,
        notes=notes.strip() or None,
        form_data=clean,
        at=at,
        actor=actor,
    )


_FORM = TypeAdapter(list[FormField])


def _reason(kind: str, message: str) -> str:
    """A message code for what was wrong with a form field's definition."""
    if kind == "string_pattern_mismatch":
        return "bad_field_name"
    if kind in ("missing", "string_too_short"):
        return "required"
    if "no choices" in message:
        return "choices_needed"
    if "has choices" in message:
        return "choices_not_allowed"
    if kind == "literal_error":
        return "not_a_choice"
    return "invalid"


def do_set_campaign_form(
    tx: Tx,
    *,
    campaign_id: int,
    tenant_id: int,
    form: list[dict[str, Any]],
    at: datetime,
    actor: str | None,
) -> Campaign:
    """Replace a campaign's entry form (administrators); the old one stays in the log."""
    campaign = get(tx, Campaign, NoSuchCampaign, id=campaign_id, tenant_id=tenant_id)
    try:
        fields = _FORM.validate_python(form)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        row = error["loc"][0] if error["loc"] else 0
        column = str(error["loc"][1]) if len(error["loc"]) > 1 else "choices"
        raise Invalid(
            f"form.{where}: {message}",
            field=f"form.{where}",
            row=row,
            column=column,
            reason=_reason(error["type"], message),
        ) from None
    names = [f.name for f in fields]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise Invalid(
            f"form: field names repeat: {', '.join(repeated)}",
            field="form",
            row=names.index(repeated[0], names.index(repeated[0]) + 1),
            column="name",
            reason="names_repeat",
        )
    campaign.form = [f.model_dump() for f in fields]
    tx.session.flush()
    events.append(
        tx,
        "campaign.form_set",
        at,
        tenant_id=campaign.tenant_id,
        actor=actor,
        campaign_id=campaign_id,
        form=campaign.form,
    )
    return campaign
