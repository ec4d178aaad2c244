"""The web UI (issue 7): server-rendered pages over the same use cases as the HTTP API."""

from __future__ import annotations

from collections.abc import Awaitable

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.web import acting, careers, cycles, hr, input_360, monitoring, periods, policies, quality, status
from api.web.pages import ROOT, PageAnswer, error_page, router


def _answer(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageAnswer)
    return exc.response


def _is_page(request: Request) -> bool:
    return request.url.path == "/ui" or request.url.path.startswith("/ui/")


def install(app: FastAPI) -> None:
    app.add_exception_handler(PageAnswer, _answer)
    api_http = app.exception_handlers[StarletteHTTPException]

    async def http(request: Request, exc: Exception) -> Response:
        """A page's 404/405/… in the page layout; the API keeps its JSON body."""
        assert isinstance(exc, StarletteHTTPException)
        if not _is_page(request):
            answer = api_http(request, exc)
            return await answer if isinstance(answer, Awaitable) else answer
        return error_page(request, exc.status_code, headers=exc.headers)

    async def failed(request: Request, exc: Exception) -> Response:
        """A page that failed unexpectedly says so in the layout, without touching the database again (Starlette
        raises the exception on after this answer, so the server logs it)."""
        if not _is_page(request):
            return PlainTextResponse("Internal Server Error", status_code=500)
        return error_page(request, 500, anonymous=True)

    app.add_exception_handler(StarletteHTTPException, http)
    app.add_exception_handler(Exception, failed)
    app.include_router(router)
    app.include_router(periods.router)
    app.include_router(hr.router)
    app.include_router(policies.router)
    app.include_router(cycles.router)
    app.include_router(careers.router)
    app.include_router(monitoring.router)
    app.include_router(acting.router)
    app.include_router(status.router)
    app.include_router(input_360.router)
    app.include_router(quality.router)
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")
