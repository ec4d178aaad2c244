"""insert_many writes rows as the ORM would (aware times as UTC, None), skips conflicts, returns what it inserted."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import col

import workflows.store.db
from workflows.store.db import count_many, insert_many
from workflows.store.tables import Outbox
from workflows.store.uow import unit_of_work

WITA = timezone(timedelta(hours=8))


def message(key: str, now: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "dedupe_key": key,
        "channel": "email",
        "recipient": "a@example.invalid",
        "subject": "Pengingat",
        "body": 'Ñ ✓ "kutip"',
        "status": "pending",
        "attempts": 0,
        "created_at": now,
        "sent_at": None,
        "next_attempt_at": None,
        **fields,
    }


def stored(db: Engine) -> list[tuple[Any, ...]]:
    with unit_of_work(db) as s:
        rows = s.execute(
            select(
                col(Outbox.dedupe_key),
                col(Outbox.channel),
                col(Outbox.status),
                col(Outbox.attempts),
                col(Outbox.body),
                col(Outbox.created_at),
                col(Outbox.next_attempt_at),
            ).order_by(col(Outbox.dedupe_key))
        )
        return [tuple(r) for r in rows]


@pytest.mark.parametrize("per_statement", [5000, 2])
def test_rows_are_written_as_given_and_conflicts_skipped(
    db: Engine, now: datetime, monkeypatch: pytest.MonkeyPatch, per_statement: int
) -> None:
    monkeypatch.setattr(workflows.store.db, "_VALUES_ROWS", per_statement)  # SQLite: several statements per call
    local = now.astimezone(WITA)
    rows = [message("a", now), message("b", now), message("c", local, next_attempt_at=local + timedelta(hours=1))]
    with unit_of_work(db) as s:
        assert insert_many(s, Outbox.__table__, rows, unique=["dedupe_key"]) == []  # type: ignore[attr-defined]
    with unit_of_work(db) as s:
        again = [message("b", now, status="sent"), message("d", now), message("d", now, status="sent")]
        insert_many(s, Outbox.__table__, again, unique=["dedupe_key"])  # type: ignore[attr-defined]
    with unit_of_work(db) as s:
        returned = insert_many(
            s,
            Outbox.__table__,  # type: ignore[attr-defined]
            [message("d", now), message("e", now, status="no_address")],
            unique=["dedupe_key"],
            returning=["dedupe_key", "status"],
        )
    assert returned == [("e", "no_address")]
    body = 'Ñ ✓ "kutip"'
    assert stored(db) == [
        ("a", "email", "pending", 0, body, now, None),
        ("b", "email", "pending", 0, body, now, None),
        ("c", "email", "pending", 0, body, now, now + timedelta(hours=1)),
        ("d", "email", "pending", 0, body, now, None),
        ("e", "email", "no_address", 0, body, now, None),
    ]


def test_a_rolled_back_transaction_keeps_none_of_its_rows(db: Engine, now: datetime) -> None:
    with pytest.raises(RuntimeError), unit_of_work(db) as s:
        insert_many(s, Outbox.__table__, [message("a", now)])  # type: ignore[attr-defined]
        raise RuntimeError("after the insert")
    assert stored(db) == []


def test_sqlite_fills_python_side_defaults_of_omitted_columns(db: Engine, now: datetime) -> None:
    if db.dialect.name != "sqlite":
        pytest.skip("the JSON batch sends only the columns given")
    row = {k: v for k, v in message("a", now).items() if k not in ("channel", "status", "attempts")}
    with unit_of_work(db) as s:
        insert_many(s, Outbox.__table__, [row])  # type: ignore[attr-defined]
    assert stored(db) == [("a", "email", "pending", 0, 'Ñ ✓ "kutip"', now, None)]


@pytest.mark.parametrize("per_statement", [5000, 2])
def test_count_many_counts_what_it_inserted_per_group(
    db: Engine, now: datetime, monkeypatch: pytest.MonkeyPatch, per_statement: int
) -> None:
    monkeypatch.setattr(workflows.store.db, "_VALUES_ROWS", per_statement)
    with unit_of_work(db) as s:
        insert_many(s, Outbox.__table__, [message("taken", now, status="sent")])  # type: ignore[attr-defined]
    rows = [
        message("taken", now, status="sent"),  # conflicts: not counted
        message("a", now, status="pending"),
        message("b", now, status="pending"),
        message("c", now, status="no_address"),
        message("d", now, status="pending", channel="web"),
    ]
    with unit_of_work(db) as s:
        counted = count_many(
            s,
            Outbox.__table__,  # type: ignore[attr-defined]
            rows,
            unique=["dedupe_key"],
            count_by=["channel", "status"],
        )
    assert counted == {("email", "pending"): 2, ("email", "no_address"): 1, ("web", "pending"): 1}
    assert [r[0] for r in stored(db)] == ["a", "b", "c", "d", "taken"]
    with unit_of_work(db) as s:
        again = count_many(s, Outbox.__table__, rows, unique=["dedupe_key"], count_by=["status"])  # type: ignore[attr-defined]
    assert again == {}
