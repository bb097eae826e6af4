"""Liveness and readiness: is the process up, and can it reach its database?"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from centralita import __version__
from centralita.store.db import check_connection
from centralita.web.deps import StoreDep

router = APIRouter(tags=["health"])


@router.get("/health")
def health(store: StoreDep) -> dict[str, Any]:
    """`{"status": "ok"}` when the center can serve; 503 with a code when it cannot."""
    check_connection(store.engine)
    return {"status": "ok", "version": __version__, "database": store.engine.dialect.name}
