"""Database engines for SQLite (embedded) and PostgreSQL (production), and the schema migration entry point."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Integer,
    Select,
    String,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import Insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Result, make_url
from sqlalchemy.orm import Session

MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN; take it over so BEGIN IMMEDIATE serialises writers
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # writers take the lock up front (no deadlocking upgrades); readers never block them
        read_only = connection.get_execution_options().get("read_only", False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to `revision` with Alembic."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def read(session: Session, query: Select[Any]) -> Result[Any]:
    """The rows of a read of plain columns, as Core returns them: the session's pending changes flushed first (as
    `Session.execute` does), without the ORM's wrapping of each row (a set-based step reads thousands)."""
    session.flush()
    return session.connection().execute(query)


def among(session: Session, column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """`column IN ids` with the ids bound as one value: an array on PostgreSQL (`= ANY(…)`), a JSON array on SQLite
    (`IN (SELECT value FROM json_each(…))`). A set-based step names thousands of rows; as an IN list each id is a
    bind parameter of its own, which SQLAlchemy renders and processes one by one on every execution."""
    values = [int(i) for i in ids]
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(Integer)))  # type: ignore[no-any-return]
    each = func.json_each(bindparam(None, json.dumps(values), type_=String)).table_valued("value")
    return column.in_(select(each.c.value))  # type: ignore[no-any-return]


def insert_many(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    unique: Sequence[str] | None = None,
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """INSERT many rows (each with the same keys) as one statement; with `unique`, skip rows that conflict on it
    (ON CONFLICT DO NOTHING). Returns the `returning` columns of the rows inserted (`count_many` counts them).

    On PostgreSQL the rows travel as one JSON document (INSERT … SELECT FROM json_to_recordset(…)): a multi-row
    VALUES statement of thousands of placeholders, or one array per column, costs the driver more to build than the
    database takes to run it. On SQLite a multi-row VALUES is cheap, and binding is what costs: the values shared
    by every row are bound once (its json_each is slower: it parses the document once per column)."""
    if not rows:
        return []
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        stmt = sqlite_insert(table)
        if unique is not None:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(unique))
        if returning:
            return [tuple(r) for r in session.execute(stmt.returning(*[table.c[n] for n in returning]), rows)]
        _insert_values(session, table, stmt, rows, unique)
        return []
    quote = dialect.identifier_preparer.quote
    names = list(rows[0])
    # a value every row shares (a batch's instant, its instansi) is bound once, not repeated in the document
    once = {n for n in names if len(rows) > 1 and _shared([row[n] for row in rows])}
    varying = [n for n in names if n not in once] or [names[0]]
    once.difference_update(varying)
    typed = {n: table.c[n].type.compile(dialect=dialect) for n in names}
    picks = [f"CAST(:once_{i} AS {typed[n]})" if n in once else f"x.{quote(n)}" for i, n in enumerate(names)]
    record = ", ".join(f"{quote(n)} {typed[n]}" for n in varying)
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({', '.join(quote(n) for n in names)}) "
        f"SELECT {', '.join(picks)} FROM json_to_recordset(CAST(:rows AS JSON)) AS x({record})"
    )
    if unique is not None:
        sql += f" ON CONFLICT ({', '.join(quote(n) for n in unique)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(quote(n) for n in returning)}"
    document = json.dumps(
        rows if not once else [{n: row[n] for n in varying} for row in rows], default=_json_value, ensure_ascii=False
    )
    statement = text(sql).bindparams(
        *[bindparam(f"once_{i}", rows[0][n], type_=table.c[n].type) for i, n in enumerate(names) if n in once]
    )
    done = session.execute(statement, {"rows": document})
    return [tuple(r) for r in done] if returning else []


def count_many(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]], *, unique: Sequence[str], count_by: Sequence[str]
) -> Counter[tuple[Any, ...]]:
    """`insert_many` with `unique`, returning how many rows were inserted per value of the `count_by` columns.

    On SQLite a RETURNING statement goes row by row through SQLAlchemy; here each group of rows sharing the
    `count_by` values is one plain bulk insert whose row count is the group's (a handful of groups: one per ladder
    action and delivery status, say)."""
    if session.get_bind().dialect.name == "postgresql":
        return Counter(insert_many(session, table, rows, unique=unique, returning=count_by))
    key = itemgetter(*count_by)
    groups: dict[Any, list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    stmt = sqlite_insert(table).on_conflict_do_nothing(index_elements=list(unique))
    counted = Counter[tuple[Any, ...]]()
    for value, members in groups.items():
        inserted = _insert_values(session, table, stmt, members, unique)
        if inserted:
            counted[value if len(count_by) > 1 else (value,)] = inserted
    return counted


def insert_select(
    session: Session,
    table: Table,
    query: Select[Any],
    *,
    unique: Sequence[str],
    count_by: Sequence[str] = (),
) -> Counter[tuple[Any, ...]]:
    """INSERT … SELECT the rows `query` builds (its columns labelled as the table's), skipping rows that conflict on
    `unique` (ON CONFLICT DO NOTHING): rows made by the database, never sent back and forth. Returns how many rows
    were inserted per value of the `count_by` columns (with none, under the empty tuple); PostgreSQL counts them
    itself, SQLite hands back each inserted row's `count_by` values."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    names = [c.name for c in query.selected_columns]
    stmt = insert(table).from_select(names, query).on_conflict_do_nothing(index_elements=list(unique))
    if not count_by:
        done = session.execute(stmt.execution_options(preserve_rowcount=True))
        return Counter({(): done.rowcount})  # type: ignore[attr-defined]
    returned = stmt.returning(*[table.c[n] for n in count_by])
    if insert is sqlite_insert:
        return Counter(tuple(r) for r in session.execute(returned))
    inserted = returned.cte("inserted")
    counted = select(*inserted.c, func.count()).group_by(*inserted.c)
    return Counter({tuple(r[:-1]): r[-1] for r in session.execute(counted)})


def _insert_values(
    session: Session, table: Table, stmt: Insert, rows: Sequence[Mapping[str, Any]], unique: Sequence[str] | None
) -> int:
    """The rows as `INSERT … WITH v(…) AS (VALUES …) SELECT … FROM v`: a column whose value is the same in every row
    is bound once, the others row by row, and SQLAlchemy's work per row (building and processing each row's
    parameters) is skipped: each column's bind processor runs over the column, once per run of the same value.
    Returns how many rows were inserted."""
    names = list(rows[0])
    if any(c.default is not None for c in table.c if c.key not in names):
        done = session.execute(stmt.execution_options(preserve_rowcount=True), rows)
        return int(done.rowcount)  # type: ignore[attr-defined]  # a Python-side default: only the Core path knows it
    dialect = session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    if len(names) > 1:
        raw: list[Sequence[Any]] = list(zip(*map(itemgetter(*names), rows), strict=True))
    else:
        raw = [[row[names[0]] for row in rows]]
    columns: list[Sequence[Any]] = []
    for name, values in zip(names, raw, strict=True):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        columns.append(values if process is None else _processed(values, process))
    shared = [_shared(values) for values in columns]
    shared[0] = shared[0] and not all(shared)  # VALUES needs a column
    once = [values[0] for values, alone in zip(columns, shared, strict=True) if alone]
    varying = [values for values, alone in zip(columns, shared, strict=True) if not alone]
    picks: list[str] = []
    aliases: list[str] = []
    for alone in shared:
        if not alone:
            aliases.append(f"v{len(aliases)}")
        picks.append("?" if alone else aliases[-1])
    into = f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({', '.join(quote(n) for n in names)}) "
    sql = f"SELECT {', '.join(picks)} FROM v WHERE true"  # WHERE true: else SQLite reads ON CONFLICT as a join's
    if unique is not None:
        sql += f" ON CONFLICT ({', '.join(quote(n) for n in unique)}) DO NOTHING"
    connection = session.connection()
    driver = connection.connection.driver_connection
    assert driver is not None
    size = min(_VALUES_ROWS, (driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - len(once)) // len(varying))
    row = f"({', '.join('?' * len(varying))})"
    inserted = 0
    for start in range(0, len(rows), size):
        batch = list(chain.from_iterable(zip(*(values[start : start + size] for values in varying), strict=True)))
        tuples = ", ".join([row] * (len(batch) // len(varying)))
        # INSERT first (its SELECT carrying the WITH), so that the driver counts the rows inserted
        done = connection.exec_driver_sql(
            f"{into}WITH v({', '.join(aliases)}) AS (VALUES {tuples}) {sql}", (*batch, *once)
        )
        inserted += done.rowcount
    return inserted


_VALUES_ROWS = 5000
"""Rows per statement on SQLite: a statement's text grows with its rows, and one of this size is prepared once and
then reused from the driver's statement cache."""

_EXACT = (str, int, bytes, type(None))
"""Types whose equal values bind to the same stored value (unlike 1 and 1.0 or True in a text column, or 0.0 and
-0.0)."""


def _shared(values: Sequence[Any]) -> bool:
    first = values[0]
    if type(first) in _EXACT:
        return values.count(first) == len(values) and set(map(type, values)) == {type(first)}
    return all(v is first for v in values)


def _processed(values: Iterable[Any], process: Callable[[Any], Any]) -> list[Any]:
    # a batch often stamps every row with the same object (one `now`): process it once
    out: list[Any] = []
    last: Any = _processed
    done: Any = None
    for value in values:
        if value is not last:
            last, done = value, process(value)
        out.append(done)
    return out


def _json_value(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: skpflow stores aware datetimes only")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be sent in a JSON batch")
