"""What every export shares: sessions opened per chunk, keyset paging, CSV with its cells neutralised, and XLSX
sheets written row by row with text typed as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy import Select
from sqlalchemy.orm import Session

from states.errors import InvalidInput
from states.messages import Problem

Sessions = Callable[[], AbstractContextManager[Session]]
"""Opens one read-only session per chunk, e.g. `lambda: reading(engine)`: no transaction spans a slow download."""

CHUNK = 1000
BOM = "\ufeff"
"""Prefixed on request: Excel reads a CSV as UTF-8 only when it starts with one."""
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A CSV cell starting with one of these is a formula to a spreadsheet (CSV injection, OWASP)."""
XLSX_MAX_ROWS = 1_048_576

Row = tuple[Any, ...]


def neutralise(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe, so it is shown as text.

    Applied to every CSV text cell (names and notes come from users); numbers are left as they are. The JSONL
    export is not neutralised: it is for machines and keeps values exact. XLSX needs no prefix: cells are typed.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def keyset(sessions: Sessions, page: Callable[[int, int], Select[Row]], *, key: int, chunk: int) -> Iterator[Row]:
    """Rows page by page, each page after the last key seen and read in its own short session."""
    after = 0
    while True:
        with sessions() as s:
            rows = [tuple(r) for r in s.execute(page(after, chunk))]
        yield from rows
        if len(rows) < chunk:
            return
        after = rows[-1][key]


def batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    """The rows in lists of `size` (the last one shorter), each taken from `rows` only when it is asked for."""
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def csv_chunks(header: Sequence[str], rows: Iterable[Row], *, bom: bool, chunk: int) -> Iterator[str]:
    """RFC 4180 CSV (quoted where needed, CRLF), `chunk` rows per piece of text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write(BOM)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([neutralise(v) for v in row])
        if count % chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def write_xlsx(
    out: IO[bytes], title: str, header: Sequence[str], rows: Iterable[Row], *, max_rows: int | None = XLSX_MAX_ROWS
) -> int:
    """Rows as a one-sheet XLSX workbook written to `out`; the number of data rows. With `max_rows`, InvalidInput
    once the sheet would hold that many rows, header included (an export then asks for CSV)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"
    sheet.append(list(header))
    written = 0
    for row in rows:
        if max_rows is not None and written + 1 >= max_rows:
            raise InvalidInput([Problem.say("input.export.xlsx_rows", limit=max_rows - 1)])
        sheet.append([_xlsx_cell(sheet, v) for v in row])
        written += 1
    book.save(out)
    return written


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: object) -> object:
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))  # XML cannot hold control characters
    cell.data_type = "s"  # openpyxl would store '=…' as a formula and '#N/A' as an error; it is the text
    return cell


def table_csv(header: Sequence[str], rows: Iterable[Row], *, bom: bool = False, chunk: int = CHUNK) -> Iterator[str]:
    """Rows as CSV text chunks (header first), cells neutralised like every export's."""
    return csv_chunks(header, rows, bom=bom, chunk=chunk)


def write_table_xlsx(out: IO[bytes], sheet_name: str, header: Sequence[str], rows: Iterable[Row]) -> int:
    """Rows as a one-sheet XLSX workbook (text cells typed as text) written to `out`; the number of data rows."""
    return write_xlsx(out, sheet_name, header, rows, max_rows=None)
