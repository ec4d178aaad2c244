"""Reading an organisation file safely: its type sniffed from its bytes, CSV decoded (BOM, separator hint), an XLSX's
archive guarded against zip bombs, rows bounded; then the import itself."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TypeVar

from openpyxl import load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from sqlalchemy.orm import Session

from states.errors import InvalidInput
from workflows.actors import Actor
from workflows.cases.org.files.cells import (
    CSV_NAMES,
    CSV_RECORDS,
    MAX_COLUMNS,
    MAX_PROBLEMS,
    MODELS,
    SEP_HINT,
    OrgFile,
    _cells,
    _header,
    _Reader,
    _refused,
)
from workflows.cases.org.imports import (
    DEFAULT_POLICY,
    ImportResult,
    InstansiIn,
    import_org,
)
from workflows.store.passwords import PasswordPolicy

# the content types a client sends these files as
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # an XLSX is a ZIP archive
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # an OLE compound file: Excel 97-2003

MAX_ROWS = 200_000
"""Data rows per file: a bigger organisation is imported in parts (the import is an idempotent upsert)."""
MAX_UNPACKED_BYTES = 512 << 20
"""What an XLSX may unpack to; a few kilobytes of ZIP can declare gigabytes (a zip bomb)."""
MAX_MEMBERS = 10_000


def read_org_file(data: bytes, *, max_rows: int = MAX_ROWS, max_unpacked_bytes: int = MAX_UNPACKED_BYTES) -> OrgFile:
    """A CSV or XLSX organisation file, told apart by its first bytes (see `read_org_csv`, `read_org_xlsx`)."""
    if not data or data.isspace():
        raise InvalidInput(["file: empty"])
    if data.startswith(ZIP_MAGIC):
        return read_org_xlsx(data, max_rows=max_rows, max_unpacked_bytes=max_unpacked_bytes)
    if data.startswith(XLS_MAGIC):
        raise InvalidInput(["file: an Excel 97-2003 workbook (.xls) is not accepted; save it as .xlsx or as CSV"])
    return read_org_csv(data, max_rows=max_rows)


def import_org_file(
    session: Session,
    data: bytes,
    *,
    actor: Actor,
    now: datetime,
    max_rows: int = MAX_ROWS,
    first_instansi: InstansiIn | None = None,
    passwords: PasswordPolicy = DEFAULT_POLICY,
) -> ImportResult:
    """Read an organisation file and import it (as `import_org`, instansi included); if any row is bad nothing is
    written and each bad row is named."""
    org = read_org_file(data, max_rows=max_rows)
    try:
        return import_org(
            session, org.payload, actor=actor, now=now, labels=org, first_instansi=first_instansi, passwords=passwords
        )
    except InvalidInput as exc:
        if len(exc.problems) <= MAX_PROBLEMS:
            raise
        raise _refused(exc.problems) from exc


# --- CSV ----------------------------------------------------------------------------------------------------------


def read_org_csv(data: bytes, *, max_rows: int = MAX_ROWS) -> OrgFile:
    """One CSV file: a `record` column (`instansi`, `unit` or `pegawai`) and the union of the rows' columns.

    Header names are the JSON field names in any case. Accepted as Excel writes it: UTF-8 with or without BOM,
    UTF-16 ("Unicode text"), Windows-1252; `,`, `;` or tab as delimiter, told by the header line or by a first
    `sep=` line; blank rows.
    """
    text = _decode(data)
    first, _, rest = text.partition("\n")
    hint = SEP_HINT.match(first)
    if hint:  # Excel's own "sep=;" line, which it hides: the header is still row 1
        delimiter, text = hint.group(1), rest
    else:
        delimiter = max((",", ";", "\t"), key=first.count)
    records = _guarded(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), "CSV file")
    raw = next(records, [])
    allowed = ["record", *dict.fromkeys(f for model in MODELS.values() for f in model.model_fields)]
    header = _header(raw, "CSV file", allowed)
    if "record" not in header:
        raise InvalidInput(["CSV file: no 'record' column (its value in each row: instansi, unit or pegawai)"])
    reader = _Reader(CSV_NAMES, max_rows)
    missing = {
        record: [f for f, info in model.model_fields.items() if info.is_required() and f not in header]
        for record, model in MODELS.items()
    }
    for number, values in enumerate(records, start=2):
        cells = _cells(header, values, number, reader)
        if cells is None:
            continue
        kind = str(cells.pop("record", "")).strip().lower()
        record = CSV_RECORDS.get(kind)
        if record is None:
            found = f"not '{kind}'" if kind else "it is empty"
            reader.problem(f"row {number} (record): must be instansi, unit or pegawai; {found}")
        elif missing[record]:
            reader.problem(f"CSV file: {CSV_NAMES[record]} rows need the column(s) {', '.join(missing[record])}")
            missing[record] = []  # said once, and the rows are not checked against columns they cannot have
            reader.skip(record)
        elif record not in reader.skipped:
            reader.add(record, number, cells)
    return reader.result()


def _decode(data: bytes) -> str:
    # UTF-16 is what Excel saves as "Unicode text"; cp1252 what Excel on Windows saves as "CSV (Comma delimited)"
    encodings = ("utf-16",) if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput(["file: neither CSV text (UTF-8) nor an XLSX workbook"])
    if "\x00" in text:
        raise InvalidInput(["file: neither CSV text nor an XLSX workbook (it holds binary data)"])
    return text


# --- XLSX ---------------------------------------------------------------------------------------------------------


def read_org_xlsx(data: bytes, *, max_rows: int = MAX_ROWS, max_unpacked_bytes: int = MAX_UNPACKED_BYTES) -> OrgFile:
    """A workbook with sheets `units` and `pegawai` (either may hold only its header) and optionally `instansi`.

    Row 1 of each sheet names the columns (the JSON field names, any case); other sheets are ignored; formulas
    count by their last computed value. A NIP stored as a number is refused when Excel has rounded it.
    """
    _check_archive(data, max_unpacked_bytes)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises whatever its parts raise on a malformed file
        raise InvalidInput([f"file: not a readable XLSX workbook ({type(exc).__name__})"]) from exc
    try:
        titles = {title.strip().lower(): title for title in book.sheetnames}
        missing = [name for name in ("units", "pegawai") if name not in titles]
        if missing:
            raise InvalidInput([f"workbook: no sheet named '{name}'" for name in missing])
        names = {record: titles[record] for record in MODELS if record in titles}
        sheets: dict[str, tuple[list[str | None], Iterator[Sequence[object]]]] = {}
        problems: list[str] = []
        for record, title in names.items():
            sheet = book[title]
            if not isinstance(sheet, ReadOnlyWorksheet):
                problems.append(f"{title}: a chart sheet, not a table")
                continue
            sheet.reset_dimensions()  # some writers store wrong dimensions, which would cut rows off
            rows: Iterator[Sequence[object]] = _guarded(
                sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1), f"sheet {title}"
            )
            try:
                header = _header(next(rows, ()), title, list(MODELS[record].model_fields))
            except InvalidInput as exc:
                problems += exc.problems
                continue
            absent = [f for f, info in MODELS[record].model_fields.items() if info.is_required() and f not in header]
            problems += [f"{title}: no column '{f}'" for f in absent]
            sheets[record] = (header, rows)
        if problems:
            raise InvalidInput(problems)
        reader = _Reader(names, max_rows)
        for record, (header, body) in sheets.items():
            for number, values in enumerate(body, start=2):
                cells = _cells(header, values, number, reader, sheet=names[record])
                if cells is not None:
                    reader.add(record, number, cells)
        return reader.result()
    finally:
        book.close()


def _check_archive(data: bytes, max_unpacked_bytes: int) -> None:
    """Refuse before unpacking: the sizes come from the ZIP directory, and zipfile stops reading at them."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise InvalidInput(["file: a damaged ZIP archive, not a readable XLSX workbook"]) from exc
    if len(members) > MAX_MEMBERS:
        raise InvalidInput([f"file: {len(members)} parts in the archive; an XLSX workbook has far fewer"])
    unpacked = sum(m.file_size for m in members)
    if unpacked > max_unpacked_bytes:
        raise InvalidInput(
            [f"file: unpacks to {unpacked} bytes, over the {max_unpacked_bytes} accepted; import it in parts"]
        )
    if "[Content_Types].xml" not in {m.filename for m in members}:
        raise InvalidInput(["file: a ZIP archive, not an XLSX workbook"])


T = TypeVar("T")


def _guarded(rows: Iterator[T], what: str) -> Iterator[T]:
    """Rows as the parser yields them; a parser failure becomes an InvalidInput, our own code's bugs stay bugs."""
    number = 0
    while True:
        number += 1
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # csv.Error, XML parse errors, a truncated ZIP member, …
            raise InvalidInput([f"{what}: unreadable at row {number} ({type(exc).__name__}: {exc})"]) from exc
        yield row
