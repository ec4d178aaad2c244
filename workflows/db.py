"""Database engines for SQLite (embedded) and PostgreSQL (production), and the schema migration entry point."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Select, Table, create_engine, event, func, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import Insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
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


def insert_many(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    unique: Sequence[str] | None = None,
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """INSERT many rows (each with the same keys) as one statement; with `unique`, skip rows that conflict on it
    (ON CONFLICT DO NOTHING). Returns the `returning` columns of the rows inserted.

    On PostgreSQL the rows travel as one JSON document (INSERT … SELECT FROM json_to_recordset(…)): a multi-row
    VALUES statement of thousands of placeholders, or one array per column, costs the driver more to build than the
    database takes to run it. SQLite gets an executemany (its json_each is slower: it parses the document once per
    column)."""
    if not rows:
        return []
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        stmt = sqlite_insert(table)
        if unique is not None:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(unique))
        if returning:
            return [tuple(r) for r in session.execute(stmt.returning(*[table.c[n] for n in returning]), rows)]
        _executemany(session, table, stmt, rows)
        return []
    quote = dialect.identifier_preparer.quote
    names = list(rows[0])
    columns = ", ".join(quote(n) for n in names)
    record = ", ".join(f"{quote(n)} {table.c[n].type.compile(dialect=dialect)}" for n in names)
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({columns}) "
        f"SELECT {columns} FROM json_to_recordset(CAST(:rows AS JSON)) AS x({record})"
    )
    if unique is not None:
        sql += f" ON CONFLICT ({', '.join(quote(n) for n in unique)}) DO NOTHING"
    document = json.dumps(rows, default=_json_value, ensure_ascii=False)
    if returning:
        sql += f" RETURNING {', '.join(quote(n) for n in returning)}"
        return [tuple(r) for r in session.execute(text(sql), {"rows": document})]
    session.execute(text(sql), {"rows": document})
    return []


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


def _executemany(session: Session, table: Table, stmt: Insert, rows: Sequence[Mapping[str, Any]]) -> None:
    """The Core statement's executemany without SQLAlchemy's work per row (building and processing each row's
    parameters: most of the time at 10^5 rows): the driver gets the rows as tuples, in the session's transaction,
    after each column's bind processor ran over the column, once per run of the same value."""
    names = list(rows[0])
    dialect = session.get_bind().dialect
    compiled = stmt.compile(dialect=dialect, column_keys=names)
    order = compiled.positiontup or []
    if sorted(order) != sorted(names):  # a Python-side default fills a missing column: only the Core path knows it
        session.execute(stmt, rows)
        return
    params = [(row[order[0]],) for row in rows] if len(order) == 1 else list(map(itemgetter(*order), rows))
    processors = [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in order]
    if any(processors):
        columns: list[Sequence[Any]] = list(zip(*params, strict=True))
        for i, process in enumerate(processors):
            if process is not None:
                columns[i] = _processed(columns[i], process)
        params = list(zip(*columns, strict=True))
    session.connection().exec_driver_sql(compiled.string, params)


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
