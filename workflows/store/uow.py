"""The unit of work: one session, one transaction, committed only when the use case returns; and what a use case
keeps per transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, SessionTransaction

T = TypeVar("T")


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


# --- what a use case keeps per transaction ------------------------------------------------------------------------


def transaction_states(session: Session, key: str) -> WeakKeyDictionary[SessionTransaction, Any]:
    """The states kept under `key`, by the transaction or savepoint they belong to; a state goes with its
    transaction object, and one of a savepoint rolled back is never looked up again."""
    held: WeakKeyDictionary[SessionTransaction, Any] = session.info.setdefault(key, WeakKeyDictionary())
    return held


def transaction_state(session: Session, key: str, new: Callable[[], T]) -> T:
    """The state kept under `key` for the session's innermost transaction (a savepoint has its own)."""
    transaction = innermost(session)
    assert transaction is not None, "per-transaction state outside a transaction"
    held = transaction_states(session, key)
    found: T | None = held.get(transaction)
    if found is None:
        found = held[transaction] = new()
    return found


def outwards(transaction: SessionTransaction | None) -> Iterator[SessionTransaction]:
    """The transaction and those it is nested in, innermost first."""
    while transaction is not None:
        yield transaction
        transaction = transaction.parent


def innermost(session: Session) -> SessionTransaction | None:
    return session.get_nested_transaction() or session.get_transaction()
