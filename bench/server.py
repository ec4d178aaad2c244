"""The servers B2 and B6 load, each a uvicorn process on loopback with the same settings: skpflow's app, or a bare
FastAPI app whose one endpoint does a single-row UPDATE on the same database (`python -m bench.server KIND URL PORT`).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
import uvicorn
from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import SecretStr
from sqlalchemy import Engine, text

from api.app import create_app, serving_engine, size_thread_pool
from bench.common import PYTHON, ROOT
from workflows.store.settings import Settings

ADMIN, PASSWORD = "bench-admin", "bench-admin-password-2026"
KEY = "bench-signing-key-long-enough-for-hs256-0123456789"
BARE_TABLE = "bench_counter"


def bare_app(engine: Engine, settings: Settings) -> FastAPI:
    """One route, a threadpool endpoint like skpflow's: check a bearer token, UPDATE one row, return it. Its engine
    and thread pool are sized as skpflow's (`serving_engine`, `size_thread_pool`)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        size_thread_pool(settings)
        yield

    app = FastAPI(lifespan=lifespan)

    def token(authorization: Annotated[str | None, Header()] = None) -> str:
        if authorization != f"Bearer {KEY}":
            raise HTTPException(401)
        return authorization

    @app.post("/rows/{row_id}", dependencies=[Depends(token)])
    def bump(row_id: int) -> dict[str, Any]:
        with engine.begin() as conn:
            n = conn.scalar(text(f"UPDATE {BARE_TABLE} SET n = n + 1 WHERE id = :id RETURNING n"), {"id": row_id})
        if n is None:
            raise HTTPException(404)
        return {"id": row_id, "n": n}

    return app


def prepare_bare(engine: Engine, rows: int) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE IF NOT EXISTS {BARE_TABLE} (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        conn.execute(text(f"DELETE FROM {BARE_TABLE}"))
        conn.execute(text(f"INSERT INTO {BARE_TABLE} (id, n) SELECT g, 0 FROM generate_series(1, {rows}) g"))


def serve(kind: str, url: str, port: int, workers: int = 1) -> None:
    """Either app on the engine and thread pool `skpflow serve` uses (the settings' defaults); with `workers` > 1 in
    that many uvicorn worker processes behind one socket, each with its own engine, as `skpflow serve --workers N`
    runs (`api.app:create_app` as the factory)."""
    settings = Settings(database_url=url, secret_key=SecretStr(KEY))
    engine = serving_engine(settings)
    if kind != "bare":
        from workflows.cases.users import ensure_first_admin
        from workflows.store.uow import unit_of_work

        with unit_of_work(engine) as s:
            ensure_first_admin(s, ADMIN, PASSWORD, now=datetime.now(UTC))
    options: dict[str, Any] = {"host": "127.0.0.1", "port": port, "log_level": "warning", "access_log": False}
    if workers > 1:
        engine.dispose()
        os.environ.update({"SKPFLOW_DATABASE_URL": url, "SKPFLOW_SECRET_KEY": KEY})
        factory = "bench.server:bare_factory" if kind == "bare" else "api.app:create_app"
        uvicorn.run(factory, factory=True, workers=workers, **options)
        return
    app = bare_app(engine, settings) if kind == "bare" else create_app(engine=engine, settings=settings)
    uvicorn.run(app, timeout_graceful_shutdown=2, **options)


def bare_factory() -> FastAPI:
    """The bare app in a worker process, from the environment `serve` set."""
    settings = Settings()
    return bare_app(serving_engine(settings), settings)


@contextlib.contextmanager
def running(kind: str, url: str, port: int, workers: int = 1) -> Iterator[subprocess.Popen[bytes]]:
    """The server in its own process, up when this yields, stopped (SIGTERM, then waited for) afterwards."""
    process = subprocess.Popen(
        [PYTHON, "-m", "bench.server", kind, url, str(port), str(workers)], cwd=ROOT, env=os.environ.copy()
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{kind} server did not start") from None
                time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def login(port: int) -> str:
    response = httpx.post(
        f"http://127.0.0.1:{port}/auth/token", data={"username": ADMIN, "password": PASSWORD}, timeout=30
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 1)
