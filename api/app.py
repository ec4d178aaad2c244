"""The FastAPI application factory."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import PlainTextResponse

from api.diagram import mermaid
from states import LIFECYCLES


def create_app() -> FastAPI:
    app = FastAPI(
        title="skpflow",
        version="0.1.0",
        summary="The SKP cycle (PermenPANRB 6/2022) as persisted, audited state machines.",
    )

    @app.get("/health", summary="Liveness")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/lifecycles", summary="Every lifecycle's transition table")
    def lifecycles() -> dict[str, Any]:
        return {name: _table(name) for name in LIFECYCLES}

    @app.get("/lifecycles/{name}", summary="One lifecycle's transition table")
    def lifecycle(name: str) -> dict[str, Any]:
        if name not in LIFECYCLES:
            raise HTTPException(404, f"unknown lifecycle '{name}'")
        return _table(name)

    @app.get(
        "/lifecycles/{name}/diagram",
        summary="One lifecycle as a Mermaid state diagram",
        response_class=PlainTextResponse,
    )
    def diagram(name: str) -> str:
        if name not in LIFECYCLES:
            raise HTTPException(404, f"unknown lifecycle '{name}'")
        return mermaid(LIFECYCLES[name])

    return app


def _table(name: str) -> dict[str, Any]:
    lc = LIFECYCLES[name]
    return {
        "name": lc.name,
        "initial": lc.initial.value,
        "states": [s.value for s in lc.all_states],
        "transitions": [
            {
                "trigger": r.trigger,
                "from": r.source.value,
                "to": r.dest.value,
                "roles": sorted(x.value for x in r.roles),
                "guards": list(r.guards),
            }
            for r in lc.rows
        ],
    }
