"""The web UI (issue 7): server-rendered pages over the same use cases as the HTTP API."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.web import hr, periods, policies
from api.web.pages import ROOT, router


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(periods.router)
    app.include_router(hr.router)
    app.include_router(policies.router)
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")
