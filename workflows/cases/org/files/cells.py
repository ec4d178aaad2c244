"""An organisation file's rows and cells as the import payload (`OrgFile`): headers matched, NIPs, dates, flags and
zones read as Indonesian Excel writes them, each problem named by its sheet, row and column."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, TypeVar

from openpyxl.utils import get_column_letter
from pydantic import BaseModel, ValidationError

from states.errors import InvalidInput
from workflows.cases.org.imports import (
    InstansiIn,
    OrgImport,
    PegawaiIn,
    UnitIn,
)

M = TypeVar("M", bound=BaseModel)


MAX_COLUMNS = 50
MAX_PROBLEMS = 500
"""Problems listed in one refusal; a file that is wrong on every row still gets a readable answer."""


MODELS: dict[str, type[BaseModel]] = {"instansi": InstansiIn, "units": UnitIn, "pegawai": PegawaiIn}
"""Payload record → the model of one of its rows."""
CSV_RECORDS = {"instansi": "instansi", "unit": "units", "units": "units", "pegawai": "pegawai"}
"""Values of the CSV `record` column → payload record."""
CSV_NAMES = {"instansi": "instansi", "units": "unit", "pegawai": "pegawai"}

NIP_FIELDS = frozenset({"nip", "atasan_nip", "head_nip"})
FLAG_FIELDS = frozenset({"is_plt"})
ENUM_FIELDS = frozenset({"jenis", "jabatan_type", "jenjang", "status"})
DATE_FIELDS = frozenset({"kontrak_mulai", "kontrak_selesai", "status_from", "status_until"})
DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")  # 31-12-2026, 31/12/2026: as Indonesian Excel shows
ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
YES = frozenset({"true", "benar", "ya", "y", "yes", "1"})  # BENAR/SALAH: TRUE/FALSE as Indonesian Excel writes them
NO = frozenset({"false", "salah", "tidak", "n", "no", "0"})
SEP_HINT = re.compile(r"^sep=(.)\r?$")
SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d*)?[eE][+-]?\d+$")


class _CellProblem(ValueError):
    """A cell's value cannot be read as its column's type."""


@dataclass(frozen=True)
class OrgFile:
    """An organisation file read into the import payload; it names the spreadsheet row of each entry.

    It is the `labels` of `import_org`, so the import's own problems (unknown parent, duplicate NIP, atasan cycle, …)
    read `pegawai row 7 (atasan_nip): …` like those of the file itself.
    """

    payload: OrgImport
    names: Mapping[str, str]
    """Payload record → what the user sees: the sheet's title, or the CSV `record` value."""
    rows: Mapping[str, tuple[int, ...]]
    """Payload record → the spreadsheet row (header = row 1) of each of its entries."""

    def at(self, record: str, index: int | None, field: str | None) -> str:
        name = self.names.get(record, record)
        where = name if index is None else f"{name} row {self.rows[record][index]}"
        return where if field is None else f"{where} ({field})"

    def ref(self, record: str, index: int) -> str:
        return f"row {self.rows[record][index]}"


# --- rows ---------------------------------------------------------------------------------------------------------


def _header(values: Iterable[object], where: str, allowed: Sequence[str]) -> list[str | None]:
    """Normalised column names (None for an empty header cell); unknown or repeated columns are refused."""
    header = [_column(v) for v in values]
    while header and header[-1] is None:
        header.pop()
    if not header:
        raise InvalidInput([f"{where}: row 1 must name the columns ({', '.join(allowed)})"])
    if len(header) > MAX_COLUMNS:
        raise InvalidInput([f"{where}: more than {MAX_COLUMNS} columns"])
    if not set(header) & set(allowed):
        raise InvalidInput([f"{where}: row 1 must name the columns ({', '.join(allowed)})"])
    problems = [
        f"{where}: unknown column '{name}' in column {get_column_letter(i + 1)} (expected: {', '.join(allowed)})"
        for i, name in enumerate(header)
        if name is not None and name not in allowed
    ]
    seen: set[str] = set()
    for name in header:
        if name is not None and name in seen:
            problems.append(f"{where}: column '{name}' appears twice")
        seen.add(name or "")
    if problems:
        raise InvalidInput(problems)
    return header


def _column(value: object) -> str | None:
    text = "" if value is None else str(value).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s-]+", "_", text) or None


def _cells(
    header: Sequence[str | None], values: Sequence[object], number: int, reader: _Reader, *, sheet: str = ""
) -> dict[str, object] | None:
    """The row's non-empty cells by column; None for a blank row. A value under no header is a problem."""
    cells: dict[str, object] = {}
    blank = True
    for i, value in enumerate(values):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        blank = False
        name = header[i] if i < len(header) else None
        if name is None:
            where = f"{sheet} row {number}" if sheet else f"row {number}"
            reader.problem(f"{where} (column {get_column_letter(i + 1)}): a value in a column with no header")
        else:
            cells[name] = value
    return None if blank else cells


class _Reader:
    """Validates rows one by one into the payload's entries, collecting every problem with its row."""

    def __init__(self, names: Mapping[str, str], max_rows: int) -> None:
        self.names, self.max_rows = names, max_rows
        self.problems: list[str] = []
        self.count = 0
        self.instansi: list[InstansiIn] = []
        self.units: list[UnitIn] = []
        self.pegawai: list[PegawaiIn] = []
        self.rows: dict[str, list[int]] = {record: [] for record in MODELS}
        self.skipped: set[str] = set()

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def skip(self, record: str) -> None:
        """Rows of this record are not read: the file lacks a column they need, which was reported once."""
        self.skipped.add(record)

    def add(self, record: str, number: int, cells: Mapping[str, object]) -> None:
        self.count += 1
        if self.count > self.max_rows:
            raise InvalidInput([f"file: more than {self.max_rows} rows; import it in parts"])
        if record == "instansi":
            self._keep(self.instansi, InstansiIn, record, number, cells)
        elif record == "units":
            self._keep(self.units, UnitIn, record, number, cells)
        else:
            self._keep(self.pegawai, PegawaiIn, record, number, cells)

    def _keep(self, into: list[M], model: type[M], record: str, number: int, cells: Mapping[str, object]) -> None:
        where = f"{self.names[record]} row {number}"
        data: dict[str, Any] = {}
        unreadable: set[str] = set()
        for field, value in cells.items():
            try:
                data[field] = _value(field, value)
            except _CellProblem as problem:
                unreadable.add(field)
                self.problems.append(f"{where} ({field}): {problem}")
        try:
            entry = model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                field = ".".join(str(p) for p in error["loc"])
                if field not in unreadable:  # already reported, as what the cell holds
                    self.problems.append(f"{where} ({field or 'row'}): {_message(error, self.names[record])}")
            return
        if not unreadable:
            into.append(entry)
            self.rows[record].append(number)

    def result(self) -> OrgFile:
        for extra in self.rows["instansi"][1:]:
            self.problems.append(f"{self.names['instansi']} row {extra}: one instansi per file")
        if self.problems:
            raise _refused(self.problems)
        payload = OrgImport(
            instansi=self.instansi[0] if self.instansi else None, units=self.units, pegawai=self.pegawai
        )
        return OrgFile(payload, dict(self.names), {record: tuple(rows) for record, rows in self.rows.items()})


def _value(field: str, value: object) -> object:
    """A cell as its field takes it, undoing what spreadsheets do to text."""
    if field in NIP_FIELDS:
        return _nip(value)
    if field in FLAG_FIELDS:
        return _flag(value)
    if field in DATE_FIELDS:
        return _date(value)
    text = _text(value)
    if field in ENUM_FIELDS:
        return re.sub(r"[\s-]+", "_", text.upper())  # "Ahli Pertama" → AHLI_PERTAMA
    if field == "timezone":
        return ZONES.get(text.upper(), text)
    return text


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code typed as a number: 101, not 101.0
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def _date(value: object) -> str:
    """A date cell: a spreadsheet date, or text as 2026-12-31 or 31-12-2026 (day first)."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    day_first = DAY_FIRST.match(text)
    try:
        if day_first:
            d, m, y = (int(g) for g in day_first.groups())
            return date(y, m, d).isoformat()
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise _CellProblem(f"'{text}' is not a date (2026-12-31 or 31-12-2026)") from None


def _nip(value: object) -> str:
    if isinstance(value, bool):
        raise _CellProblem("not a NIP")
    if isinstance(value, int):
        return str(value)  # stored exactly, as some tools write an 18-digit number
    if isinstance(value, float):
        raise _lossy(repr(value))
    text = str(value).strip().removeprefix("'")  # the apostrophe typed to keep a number as text
    if SCIENTIFIC.match(text):
        raise _lossy(text)
    return re.sub(r"\s+", "", text)  # NIPs are often written grouped: 19850101 201001 1 001


def _lossy(shown: str) -> _CellProblem:
    return _CellProblem(
        f"the NIP is stored as a number ({shown}) and Excel keeps only 15 digits, so its last digits are lost; "
        "format the column as Text and enter the NIPs again"
    )


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = str(value).strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise _CellProblem(f"'{value}' is not yes or no (TRUE/FALSE, ya/tidak, 1/0)")


def _message(error: Any, name: str) -> str:
    kind, message = error["type"], str(error["msg"])
    if kind == "missing":
        return "required"
    if kind == "extra_forbidden":
        return f"not a column of {name} rows; leave it empty"
    if kind == "string_pattern_mismatch" and error["loc"] == ("email",):
        return "not an e-mail address"
    return message.removeprefix("Value error, ")


def _refused(problems: Sequence[str]) -> InvalidInput:
    if len(problems) <= MAX_PROBLEMS:
        return InvalidInput(problems)
    return InvalidInput([*problems[:MAX_PROBLEMS], f"… and {len(problems) - MAX_PROBLEMS} more problems"])
