"""The unit of work: one session, one transaction, committed only when the use case returns."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """Commit on success, roll back on any exception: a refused use case changes nothing."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A read-only session: on SQLite it does not take the write lock, so it never blocks writers."""
    with Session(engine.execution_options(read_only=True), expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def reading_once(engine: Engine) -> Iterator[Connection]:
    """A connection for a single read statement (who a token names, on every request). On PostgreSQL it runs outside
    a transaction: one statement sees one snapshot either way, and it spares the BEGIN and COMMIT round trips."""
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    else:
        engine = engine.execution_options(read_only=True)
    with engine.connect() as connection:
        yield connection
