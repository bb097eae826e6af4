"""Server-rendered pages: the Jinja environment with the catalog's words."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import select

from centralita.i18n import messages, t
from centralita.store.models import PauseReason
from centralita.web.session import SignedIn, csrf_token, page_language

HERE = Path(__file__).parent
env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = round(seconds)
    return (
        f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


def _tojson(value: Any) -> Markup:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return Markup(
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
    )


env.filters["duration"] = _duration
env.filters["tojson"] = _tojson


def pause_reasons(request: Request, tenant_ids: Iterable[int]) -> list[PauseReason]:
    """The pause reasons of these tenants, in the order they were defined."""
    with request.app.state.store.read() as session:
        query = (
            select(PauseReason)
            .where(PauseReason.tenant_id.in_(list(tenant_ids)))
            .order_by(PauseReason.id)
        )
        return list(session.scalars(query))


def reason_labels(reasons: Any, lang: str) -> dict[str, str]:
    """Pause reason codes to their label in `lang` (with the built-in `missed`)."""
    labels = {r.code: (r.label_es if lang == "es" else r.label_en) for r in reasons}
    labels.setdefault("missed", t("reason.missed", lang))
    return labels


def render(
    request: Request,
    template: str,
    who: SignedIn | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    settings = request.app.state.settings
    lang = who.lang if who is not None else page_language(request, settings.language)
    zone = ZoneInfo(settings.timezone)

    def local(at: datetime | float | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        if at is None:
            return "—"
        if isinstance(at, int | float):
            at = datetime.fromtimestamp(at, zone)
        return at.astimezone(zone).strftime(fmt)

    html = env.get_template(template).render(
        request=request,
        who=who,
        lang=lang,
        _=lambda key, **kw: t(key, lang, **kw),
        messages=lambda prefix: messages(lang, prefix),
        csrf=csrf_token(request),
        local=local,
        now=time.time(),
        **context,
    )
    return HTMLResponse(html, status_code=status_code, headers=headers)
