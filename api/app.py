"""The FastAPI application factory: one app, its routers, error mapping and limits; state injected for tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, HTTPException
from fastapi.openapi.utils import get_openapi
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel
from sqlalchemy import Engine

from api import (
    acting,
    audit,
    auth,
    careers,
    cycles,
    errors,
    evaluations,
    evidence,
    explain,
    exports,
    feedback,
    followups,
    input_360,
    monitoring,
    objections,
    org,
    pegawai,
    policies,
    quality,
    security,
    skps,
    units,
    users,
    workflow_runs,
)
from api.diagram import mermaid
from api.headers import SecurityHeaders
from api.limits import BodyLimit, RateLimits
from api.web import install as install_web
from policies.loader import available_presets
from states import LIFECYCLES
from workflows.cases import policy_store
from workflows.store.db import make_engine
from workflows.store.settings import Settings, get_settings
from workflows.store.uow import unit_of_work

UPLOAD_PATHS = ("/org/import", "/evidence")
ROUTERS = (
    auth,
    org,
    pegawai,
    users,
    policies,
    cycles,
    skps,
    explain,
    feedback,
    evaluations,
    evidence,
    objections,
    units,
    followups,
    workflow_runs,
    exports,
    careers,
    monitoring,
    quality,
    audit,
    acting,
    input_360,
)


def _wall_clock() -> datetime:
    return datetime.now(UTC)  # the edge: everything below receives `now`


def serving_engine(settings: Settings) -> Engine:
    """The API server's engine: `db_pool` connections kept open, as many again for a request that holds two."""
    return make_engine(settings.database_url, pool_size=settings.db_pool, max_overflow=settings.db_pool)


def size_thread_pool(settings: Settings) -> None:
    """Run as many synchronous routes at once as the pool keeps connections (anyio's default is 40 threads): more
    would wait for a connection, or open and close extra ones."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = settings.db_pool


def pin_presets(engine: Engine, now: datetime) -> None:
    """The shipped presets are listed and pinned like any stored version (idempotent)."""
    with unit_of_work(engine) as s:
        for name in available_presets():
            policy_store.preset(s, name, now=now)


def create_app(
    *,
    engine: Engine | None = None,
    settings: Settings | None = None,
    clock: Callable[[], datetime] = _wall_clock,
) -> FastAPI:
    settings = settings or get_settings()
    engine = engine or serving_engine(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        size_thread_pool(settings)
        pin_presets(engine, clock())
        yield

    app = FastAPI(
        title="skpflow",
        version="0.1.0",
        summary="The SKP cycle (PermenPANRB 6/2022) as persisted, audited state machines.",
        lifespan=lifespan,
        # operation ids a generated client can use as method names: "skp_fire", "cycles_create_cycle", …
        generate_unique_id_function=lambda route: f"{route.tags[0]}_{route.name}" if route.tags else route.name,
    )
    app.state.engine, app.state.settings, app.state.clock = engine, settings, clock
    app.state.signing_key = security.signing_key(settings)
    app.state.rate_limits = RateLimits({"pdf": settings.pdf_rate, "page": settings.page_rate})
    errors.install(app)
    app.add_middleware(
        BodyLimit, default=settings.max_body_bytes, upload=settings.max_upload_bytes, upload_paths=UPLOAD_PATHS
    )
    app.add_middleware(SecurityHeaders)  # outermost: refusals (413, 503) carry the headers too
    for module in ROUTERS:
        app.include_router(module.router)
    _meta_routes(app)
    install_web(app)  # the web pages (issue 7), outside the OpenAPI contract
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        extra: tuple[type[BaseModel], ...] = org.EXTRA_SCHEMAS
        for model in extra:  # bodies parsed by hand (several content types) still get a schema
            found = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(found.pop("$defs", {}))
            components[model.__name__] = found
        errors.document_errors(schema)
        app.openapi_schema = schema
    return app.openapi_schema


def _meta_routes(app: FastAPI) -> None:
    @app.get("/health", summary="Liveness", tags=["meta"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/lifecycles", summary="Every lifecycle's transition table", tags=["meta"])
    def lifecycles() -> dict[str, Any]:
        return {name: _table(name) for name in LIFECYCLES}

    @app.get(
        "/lifecycles/{name}", summary="One lifecycle's transition table", tags=["meta"], responses=errors.responses(404)
    )
    def lifecycle(name: str) -> dict[str, Any]:
        if name not in LIFECYCLES:
            raise HTTPException(404, f"unknown lifecycle '{name}'")
        return _table(name)

    @app.get(
        "/lifecycles/{name}/diagram",
        summary="One lifecycle as a Mermaid state diagram",
        response_class=PlainTextResponse,
        tags=["meta"],
        responses=errors.responses(404),
    )
    def diagram(name: str) -> str:
        if name not in LIFECYCLES:
            raise HTTPException(404, f"unknown lifecycle '{name}'")
        return mermaid(LIFECYCLES[name])


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
