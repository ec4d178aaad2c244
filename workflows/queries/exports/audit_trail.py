"""An instansi's audit trail (CSV, JSONL): every hashed field and the hash, so each line can be re-verified."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Required, TypedDict, Unpack

from sqlalchemy import ColumnElement, Select, select
from sqlmodel import col

from states.errors import InvalidInput, NotFound
from states.messages import Problem
from workflows.audit import HASHED, canonical_time
from workflows.queries.exports.tabular import CHUNK, Row, Sessions, csv_chunks, keyset
from workflows.store.tables import AuditEvent, Instansi

AUDIT_COLUMNS = ("id", "at", *(name for name in HASHED if name != "at"), "hash")
"""Every hashed field and the hash, `at` as hashed (UTC, microseconds, Z): a JSONL line can be re-verified."""


class AuditWhere(TypedDict, total=False):
    """The events an audit export holds: the instansi's, of one entity type or one entity if given, `since` ≤ at <
    `until` (instants, with their zone)."""

    instansi_id: Required[int]
    entity_type: str | None
    entity_id: int | None
    since: datetime | None
    until: datetime | None


def audit_rows(sessions: Sessions, *, chunk: int = CHUNK, **where: Unpack[AuditWhere]) -> Iterator[Row]:
    """The instansi's events as `AUDIT_COLUMNS` in id order, `since` ≤ at < `until`; refusals are raised at once."""
    instansi_id, entity_type, entity_id = where["instansi_id"], where.get("entity_type"), where.get("entity_id")
    since, until = where.get("since"), where.get("until")
    clauses: list[ColumnElement[bool]] = [col(AuditEvent.instansi_id) == instansi_id]
    if entity_type is not None:
        clauses.append(col(AuditEvent.entity_type) == entity_type)
    if entity_id is not None:
        clauses.append(col(AuditEvent.entity_id) == entity_id)
    for name, bound in (("since", since), ("until", until)):
        if bound is not None and bound.tzinfo is None:
            raise InvalidInput([Problem.say("input.audit.instant", name=name)])
    if since is not None:
        clauses.append(col(AuditEvent.at) >= since)
    if until is not None:
        clauses.append(col(AuditEvent.at) < until)
    with sessions() as s:
        if s.get(Instansi, instansi_id) is None:
            raise NotFound("instansi")

    def page(after: int, limit: int) -> Select[Row]:
        columns = [col(getattr(AuditEvent, name)) for name in AUDIT_COLUMNS]
        return select(*columns).where(*clauses, col(AuditEvent.id) > after).order_by(col(AuditEvent.id)).limit(limit)

    rows = keyset(sessions, page, key=0, chunk=chunk)
    at = AUDIT_COLUMNS.index("at")
    return ((*row[:at], canonical_time(row[at]), *row[at + 1 :]) for row in rows)


def audit_csv(
    sessions: Sessions, *, bom: bool = False, chunk: int = CHUNK, **where: Unpack[AuditWhere]
) -> Iterator[str]:
    """The audit export as CSV text chunks, header first (text cells neutralised: see `neutralise`)."""
    return csv_chunks(AUDIT_COLUMNS, audit_rows(sessions, chunk=chunk, **where), bom=bom, chunk=chunk)


def audit_jsonl(sessions: Sessions, *, chunk: int = CHUNK, **where: Unpack[AuditWhere]) -> Iterator[str]:
    """The audit export as JSON Lines chunks: one event per line, values exact, so each hash can be recomputed."""
    return _jsonl(audit_rows(sessions, chunk=chunk, **where), chunk)


def _jsonl(rows: Iterable[Row], chunk: int) -> Iterator[str]:
    lines: list[str] = []
    for row in rows:
        lines.append(json.dumps(dict(zip(AUDIT_COLUMNS, row, strict=True)), ensure_ascii=False) + "\n")
        if len(lines) >= chunk:
            yield "".join(lines)
            lines.clear()
    if lines:
        yield "".join(lines)
