"""An instansi's audit trail (CSV, JSONL): every hashed field and the hash, so each line can be re-verified."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import ColumnElement, Select, select
from sqlmodel import col

from states.errors import InvalidInput, NotFound
from workflows.audit import HASHED, canonical_time
from workflows.queries.exports.tabular import CHUNK, Row, Sessions, csv_chunks, keyset
from workflows.store.tables import AuditEvent, Instansi

AUDIT_COLUMNS = ("id", "at", *(name for name in HASHED if name != "at"), "hash")
"""Every hashed field and the hash, `at` as hashed (UTC, microseconds, Z): a JSONL line can be re-verified."""


def audit_rows(
    sessions: Sessions,
    *,
    instansi_id: int,
    entity_type: str | None = None,
    entity_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    chunk: int = CHUNK,
) -> Iterator[Row]:
    """The instansi's events as `AUDIT_COLUMNS` in id order, `since` ≤ at < `until`; refusals are raised at once."""
    where: list[ColumnElement[bool]] = [col(AuditEvent.instansi_id) == instansi_id]
    if entity_type is not None:
        where.append(col(AuditEvent.entity_type) == entity_type)
    if entity_id is not None:
        where.append(col(AuditEvent.entity_id) == entity_id)
    for name, bound in (("since", since), ("until", until)):
        if bound is not None and bound.tzinfo is None:
            raise InvalidInput([f"{name}: a time with its zone (an instant), e.g. 2026-01-01T00:00:00+07:00"])
    if since is not None:
        where.append(col(AuditEvent.at) >= since)
    if until is not None:
        where.append(col(AuditEvent.at) < until)
    with sessions() as s:
        if s.get(Instansi, instansi_id) is None:
            raise NotFound("instansi")

    def page(after: int, limit: int) -> Select[Row]:
        columns = [col(getattr(AuditEvent, name)) for name in AUDIT_COLUMNS]
        return select(*columns).where(*where, col(AuditEvent.id) > after).order_by(col(AuditEvent.id)).limit(limit)

    rows = keyset(sessions, page, key=0, chunk=chunk)
    at = AUDIT_COLUMNS.index("at")
    return ((*row[:at], canonical_time(row[at]), *row[at + 1 :]) for row in rows)


def audit_csv(
    sessions: Sessions,
    *,
    instansi_id: int,
    entity_type: str | None = None,
    entity_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    bom: bool = False,
    chunk: int = CHUNK,
) -> Iterator[str]:
    """The audit export as CSV text chunks, header first (text cells neutralised: see `neutralise`)."""
    rows = audit_rows(
        sessions,
        instansi_id=instansi_id,
        entity_type=entity_type,
        entity_id=entity_id,
        since=since,
        until=until,
        chunk=chunk,
    )
    return csv_chunks(AUDIT_COLUMNS, rows, bom=bom, chunk=chunk)


def audit_jsonl(
    sessions: Sessions,
    *,
    instansi_id: int,
    entity_type: str | None = None,
    entity_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    chunk: int = CHUNK,
) -> Iterator[str]:
    """The audit export as JSON Lines chunks: one event per line, values exact, so each hash can be recomputed."""
    rows = audit_rows(
        sessions,
        instansi_id=instansi_id,
        entity_type=entity_type,
        entity_id=entity_id,
        since=since,
        until=until,
        chunk=chunk,
    )
    return _jsonl(rows, chunk)


def _jsonl(rows: Iterable[Row], chunk: int) -> Iterator[str]:
    lines: list[str] = []
    for row in rows:
        lines.append(json.dumps(dict(zip(AUDIT_COLUMNS, row, strict=True)), ensure_ascii=False) + "\n")
        if len(lines) >= chunk:
            yield "".join(lines)
            lines.clear()
    if lines:
        yield "".join(lines)
