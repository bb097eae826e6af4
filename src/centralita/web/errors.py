"""JSON errors with stable codes: `{"code": "no-such-queue", "message": ..., fields...}`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from centralita.errors import CentralitaError

_HTTP_CODES = {
    401: "not-authenticated",
    403: "forbidden",
    404: "no-such-route",
    405: "method-not-allowed",
}


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def _is_page(request: Request) -> bool:
    """A browser loading a page (not the API, not a script asking for JSON)."""
    accept = request.headers.get("accept", "")
    return (
        not request.url.path.startswith("/api/")
        and "text/html" in accept
        and "hx-request" not in request.headers
    )


def _page_error(request: Request, exc: CentralitaError) -> Response:
    from centralita.web.pages import render

    if exc.code == "not-signed-in":
        return RedirectResponse("/login", status_code=303)
    key = {403: "forbidden", 404: "not_found"}.get(exc.http_status, "error")
    return render(request, "error.html", status_code=exc.http_status, key=key, error=exc)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CentralitaError)
    async def domain_error(request: Request, exc: CentralitaError) -> Response:
        if _is_page(request):
            return _page_error(request, exc)
        return JSONResponse(exc.to_dict(), status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": _field(tuple(e["loc"])),
                "message": str(e["msg"]).removeprefix("Value error, "),
            }
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "body", "message": "invalid"}
        return JSONResponse(
            {
                "code": "invalid-request",
                "message": f"{first['field']}: {first['message']}",
                "errors": errors,
            },
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, f"http-{exc.status_code}")
        return JSONResponse(
            {"code": code, "message": str(exc.detail)},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
