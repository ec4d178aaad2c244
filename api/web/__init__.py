"""The web UI (issue 7): server-rendered pages over the same use cases as the HTTP API."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from api.web import cycles, hr, periods, policies
from api.web.pages import ROOT, PageAnswer, router


def _answer(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageAnswer)
    return exc.response


def install(app: FastAPI) -> None:
    app.add_exception_handler(PageAnswer, _answer)
    app.include_router(router)
    app.include_router(periods.router)
    app.include_router(hr.router)
    app.include_router(policies.router)
    app.include_router(cycles.router)
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")
