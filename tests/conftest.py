"""Shared fixtures: a fixed clock, and migrated databases on SQLite and PostgreSQL, emptied after each test.

PostgreSQL comes from SKPFLOW_TEST_POSTGRES_URL; each xdist worker migrates its own schema once. When the
server is unreachable its tests skip, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import settings
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from tests.databases import empty_database
from workflows.store.db import make_engine, upgrade

# CI replays a fixed set of examples (a red CI must be reproducible); local runs keep exploring at random.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI", "").lower() == "true" else "default")

POSTGRES_URL = os.environ.get("SKPFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _postgres_schema_engine(schema: str) -> Engine:
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL unreachable at {POSTGRES_URL}: {exc.orig}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    admin.dispose()
    return make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})


@pytest.fixture(scope="session", params=BACKENDS)
def migrated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db')}/skpflow.db")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = _postgres_schema_engine(schema)
    upgrade(engine)
    yield engine
    engine.dispose()
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def db(migrated: Engine) -> Engine:
    """A migrated database, empty whatever ran before it (hypothesis tests use `migrated` directly)."""
    empty_database(migrated)
    return migrated
