"""Organisation files as Excel writes them, and formula neutralisation of exports: no database."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence

import pytest
from openpyxl import Workbook

from states.enums import JabatanType, JenisPegawai, Jenjang
from states.errors import InvalidInput
from workflows.cases.org.files import MAX_PROBLEMS, OrgFile, read_org_csv, read_org_file, read_org_xlsx
from workflows.queries.exports import neutralise

NIP = "198501012010011001"
NIP2 = "199002022015032002"
UNITS = ["code", "name", "parent_code", "head_nip", "timezone"]
PEGAWAI = ["nip", "name", "jenis", "jabatan_type", "jabatan_name", "jenjang", "unit_code", "is_plt"]
CSV_HEADER = ["record", *dict.fromkeys(UNITS + PEGAWAI)]


def xlsx(sheets: Mapping[str, Sequence[Sequence[object]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def org_xlsx(
    units: Sequence[Sequence[object]] | None = None, pegawai: Sequence[Sequence[object]] | None = None
) -> bytes:
    return xlsx(
        {
            "units": [UNITS, *(units if units is not None else [["DINAS", "Dinas", None, NIP, None]])],
            "pegawai": [
                PEGAWAI,
                *(pegawai if pegawai is not None else [[NIP, "Kepala", "PNS", "JPT", "Kepala Dinas", None, "DINAS"]]),
            ],
        }
    )


def csv_bytes(rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    return "\n".join(delimiter.join(row) for row in rows).encode(encoding)


def unit_row(code: str, name: str, head: str = "") -> list[str]:
    return ["unit", code, name, "", head, "", "", "", "", "", "", "", ""]


def pegawai_row(nip: str, *, jenis: str = "PNS", plt: str = "", unit: str = "DINAS") -> list[str]:
    return ["pegawai", "", "Nama", "", "", "", nip, jenis, "JPT", "Kepala Dinas", "", unit, plt]


def problems_of(data: bytes, **limits: int) -> list[str]:
    with pytest.raises(InvalidInput) as refused:
        read_org_file(data, **limits)
    return refused.value.problems


def patched_sheets(data: bytes, pattern: str, replacement: str) -> bytes:
    """The workbook with its sheets' XML edited, to make what openpyxl itself would not write."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                content = re.sub(pattern.encode(), replacement.encode(), content)
            target.writestr(item, content)
    return out.getvalue()


# --- what Excel does, tolerated -------------------------------------------------------------------------------------


def test_xlsx_headers_in_any_case_blank_rows_trailing_spaces_and_numbers_as_codes() -> None:
    data = xlsx(
        {
            " Units ": [
                ["Code", " NAME ", "Parent Code", "HEAD_NIP", "TimeZone"],
                [101, "Dinas  ", None, f"{NIP} ", "WITA"],
                [],
                ["", "   ", None, None, None],
                [102.0, "Bidang", 101, None, None],
            ],
            "Pegawai": [
                ["NIP", "Name", "Jenis", "Jabatan Type", "jabatan_name", "jenjang", "unit_code", "is_plt"],
                [f"'{NIP}", "Kepala", "pns", "jpt", "Kepala Dinas", None, 101, True],
                ["19900202 201503 2 002", "Staf", "PPPK", "Fungsional", "Analis", "Ahli Pertama", "102", "tidak"],
            ],
            "Petunjuk": [["any sheet of notes is ignored"]],
        }
    )
    org = read_org_xlsx(data)
    units, pegawai = org.payload.units, org.payload.pegawai
    assert [(u.code, u.name, u.parent_code, u.head_nip, u.timezone) for u in units] == [
        ("101", "Dinas", None, NIP, "Asia/Makassar"),
        ("102", "Bidang", "101", None, None),
    ]
    assert [(p.nip, p.jenis, p.jabatan_type, p.jenjang, p.unit_code, p.is_plt) for p in pegawai] == [
        (NIP, JenisPegawai.PNS, JabatanType.JPT, None, "101", True),
        (NIP2, JenisPegawai.PPPK, JabatanType.FUNGSIONAL, Jenjang.AHLI_PERTAMA, "102", False),
    ]
    assert org.rows == {"instansi": (), "units": (2, 5), "pegawai": (2, 3)}
    assert org.names == {"units": " Units ", "pegawai": "Pegawai"}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (True, True),
        (False, False),
        ("TRUE", True),
        ("false", False),
        ("ya", True),
        ("Tidak", False),
        ("BENAR", True),
        ("SALAH", False),
        (1, True),
        (0, False),
        ("1", True),
        ("0", False),
        (None, False),
    ],
)
def test_flags_as_spreadsheets_write_them(cell: object, expected: bool) -> None:
    org = read_org_xlsx(org_xlsx(pegawai=[[NIP, "Kepala", "PNS", "JPT", "Kepala Dinas", None, "DINAS", cell]]))
    assert org.payload.pegawai[0].is_plt is expected


def test_an_18_digit_integer_cell_is_an_exact_nip() -> None:
    # openpyxl writes numbers with 16 significant digits; other tools store an integer exactly
    data = patched_sheets(
        org_xlsx(pegawai=[[123456, "K", "PNS", "JPT", "K", None, "DINAS"]]), "<v>123456</v>", f"<v>{NIP}</v>"
    )
    assert read_org_xlsx(data).payload.pegawai[0].nip == NIP


def test_a_sheet_whose_stored_dimensions_are_wrong_is_read_whole() -> None:
    staff = [[f"19900202201503200{i}", "Staf", "PNS", "PELAKSANA", "Staf", None, "DINAS"] for i in range(3)]
    data = patched_sheets(org_xlsx(pegawai=staff), r'<dimension ref="[A-Z0-9:]+" ?/>', '<dimension ref="A1:A1"/>')
    assert b'<dimension ref="A1:A1"/>' in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet2.xml")
    assert [p.nip for p in read_org_xlsx(data).payload.pegawai] == [s[0] for s in staff]


@pytest.mark.parametrize(
    ("encoding", "delimiter", "prefix"),
    [
        ("utf-8", ",", ""),
        ("utf-8-sig", ";", ""),  # Excel's "CSV UTF-8", in a locale whose list separator is ';'
        ("utf-16", "\t", ""),  # Excel's "Unicode text"
        ("cp1252", ";", ""),  # Excel's plain "CSV" on Windows
        ("utf-8", "|", "sep=|\n"),  # the hint line Excel honours and hides
    ],
)
def test_csv_encodings_and_delimiters(encoding: str, delimiter: str, prefix: str) -> None:
    rows = [CSV_HEADER, unit_row("DINAS", "Dinas Pendidikan Élite", NIP), [], pegawai_row(NIP, plt="ya")]
    data = (prefix + "\n".join(delimiter.join(r) for r in rows)).encode(encoding)
    org = read_org_csv(data)
    assert org.payload.units[0].name == "Dinas Pendidikan Élite"
    assert (org.payload.pegawai[0].nip, org.payload.pegawai[0].is_plt) == (NIP, True)
    assert org.rows["pegawai"] == (4,)
    assert org.names["units"] == "unit"


def test_csv_quoted_cells_keep_delimiters_and_line_breaks_and_rows_count_as_excel_shows_them() -> None:
    rows = [
        ",".join(CSV_HEADER),
        ",".join(unit_row("DINAS", '"Dinas, ""Kesehatan""\nKabupaten"')),
        ",".join(pegawai_row("123")),
    ]
    problems = problems_of("\r\n".join(rows).encode())
    assert problems == ["pegawai row 3 (nip): NIP must be exactly 18 digits"], problems
    org = read_org_csv("\r\n".join(rows[:2]).encode())
    assert org.payload.units[0].name == 'Dinas, "Kesehatan"\nKabupaten'


def test_a_file_with_headers_only_is_an_empty_import() -> None:
    org = read_org_file(xlsx({"units": [UNITS], "pegawai": [PEGAWAI]}))
    assert (org.payload.instansi, org.payload.units, org.payload.pegawai) == (None, [], [])


def test_the_instansi_sheet_and_record() -> None:
    sheets = {"instansi": [["code", "name"], ["KAB-X", "Kabupaten X"]], "units": [UNITS], "pegawai": [PEGAWAI]}
    org = read_org_file(xlsx(sheets))
    assert org.payload.instansi is not None and org.payload.instansi.code == "KAB-X"
    rows = [CSV_HEADER, ["instansi", "KAB-X", "Kabupaten X"]]
    assert read_org_csv(csv_bytes(rows)).payload.instansi == org.payload.instansi


def test_labels_name_the_sheet_row_and_column() -> None:
    org = read_org_xlsx(org_xlsx())
    assert isinstance(org, OrgFile)
    assert org.at("pegawai", 0, "nip") == "pegawai row 2 (nip)"
    assert org.at("units", None, None) == "units"
    assert org.ref("units", 0) == "row 2"


# --- bad rows: every one named, by sheet (or record), row and column ------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            org_xlsx(pegawai=[[1.98501012010011e17, "K", "PNS", "JPT", "K", None, "DINAS"]]),
            "pegawai row 2 (nip): the NIP is stored as a number (1.98501012010011e+17) and Excel keeps only 15 "
            "digits, so its last digits are lost; format the column as Text and enter the NIPs again",
            id="xlsx-nip-as-float",
        ),
        pytest.param(
            csv_bytes([CSV_HEADER, unit_row("DINAS", "Dinas"), pegawai_row("1,98501E+17")], delimiter=";"),
            "pegawai row 3 (nip): the NIP is stored as a number (1,98501E+17)",
            id="csv-nip-in-scientific-notation",
        ),
        pytest.param(
            org_xlsx(units=[["DINAS", "Dinas", None, 1.98501012010011e17, None]]),
            "units row 2 (head_nip): the NIP is stored as a number",
            id="head-nip-as-float",
        ),
        pytest.param(
            org_xlsx(pegawai=[[NIP, "K", "PNS", "JPT", "K", None, "DINAS", "kadang"]]),
            "pegawai row 2 (is_plt): 'kadang' is not yes or no",
            id="not-a-flag",
        ),
        pytest.param(
            org_xlsx(pegawai=[[NIP, "K", "PNS", "JPT", None, None, "DINAS"]]),
            "pegawai row 2 (jabatan_name): required",
            id="missing-value",
        ),
        pytest.param(
            org_xlsx(pegawai=[[NIP, "K", "CPNS", "JPT", "K", None, "DINAS"]]),
            "pegawai row 2 (jenis): Input should be 'PNS' or 'PPPK'",
            id="unknown-enum",
        ),
        pytest.param(
            org_xlsx(units=[["DINAS", "Dinas", None, None, "Mars/Olympus"]]),
            "units row 2 (timezone): unknown time zone 'Mars/Olympus'",
            id="unknown-zone",
        ),
        pytest.param(
            xlsx(
                {"units": [UNITS], "pegawai": [[*PEGAWAI, "email"], [NIP, "K", "PNS", "JPT", "K", None, "D", 0, "x"]]}
            ),
            "pegawai row 2 (email): not an e-mail address",
            id="bad-email",
        ),
        pytest.param(
            csv_bytes([CSV_HEADER, ["unit", "DINAS", "Dinas", "", "", "", NIP]]),
            "unit row 2 (nip): not a column of unit rows; leave it empty",
            id="csv-column-of-another-record",
        ),
        pytest.param(
            csv_bytes([CSV_HEADER, ["units ", "DINAS", "Dinas"], ["bidang", "X", "Y"]]),
            "row 3 (record): must be instansi, unit or pegawai; not 'bidang'",
            id="csv-unknown-record",
        ),
        pytest.param(
            xlsx({"units": [UNITS, ["DINAS", "Dinas", None, None, None, "stray"]], "pegawai": [PEGAWAI]}),
            "units row 2 (column F): a value in a column with no header",
            id="value-without-header",
        ),
        pytest.param(
            xlsx({"instansi": [["code", "name"], ["A", "A"], ["B", "B"]], "units": [UNITS], "pegawai": [PEGAWAI]}),
            "instansi row 3: one instansi per file",
            id="two-instansi",
        ),
    ],
)
def test_a_bad_row_is_named(data: bytes, expected: str) -> None:
    problems = problems_of(data)
    assert any(p.startswith(expected) for p in problems), problems


def test_every_bad_row_is_reported_once_per_problem() -> None:
    data = org_xlsx(
        pegawai=[
            [NIP, "Baik", "PNS", "JPT", "K", None, "DINAS"],
            [1.98501012010011e17, None, "PNS", "JPT", "K", None, "DINAS"],
            [],
            ["123", "Pendek", "PNS", "JPT", "K", None, "DINAS", "x"],
        ]
    )
    assert problems_of(data) == [
        "pegawai row 3 (nip): the NIP is stored as a number (1.98501012010011e+17) and Excel keeps only 15 digits, "
        "so its last digits are lost; format the column as Text and enter the NIPs again",
        "pegawai row 3 (name): required",
        "pegawai row 5 (is_plt): 'x' is not yes or no (TRUE/FALSE, ya/tidak, 1/0)",
        "pegawai row 5 (nip): NIP must be exactly 18 digits",
    ]


def test_a_missing_csv_column_is_reported_once_not_on_every_row() -> None:
    rows = [["record", "nip", "name"], *[["pegawai", NIP, "A"]] * 3, ["", "", "Tanpa jenis"], ["unit", "", "X"]]
    assert problems_of(csv_bytes(rows)) == [
        "CSV file: pegawai rows need the column(s) jenis, jabatan_type, jabatan_name, unit_code",
        "row 5 (record): must be instansi, unit or pegawai; it is empty",
        "CSV file: unit rows need the column(s) code",
    ]


def test_the_list_of_problems_is_capped() -> None:
    rows = [CSV_HEADER, *([pegawai_row("1")] * (MAX_PROBLEMS + 20))]
    problems = problems_of(csv_bytes(rows))
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1] == "… and 20 more problems"


# --- malformed files: refused whole --------------------------------------------------------------------------------


def bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 << 20))  # 20 MiB of zeros pack into ~20 KiB
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "limits", "expected"),
    [
        pytest.param(b"", {}, "file: empty", id="empty"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, {}, "Excel 97-2003", id="xls"),
        pytest.param(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", {}, "neither CSV text nor an XLSX", id="binary"),
        pytest.param(b"\x81\x8d\x8f\x90\x9d" * 10, {}, "neither CSV text (UTF-8) nor an XLSX", id="not-text"),
        pytest.param(b"PK\x03\x04 this is not a zip at all", {}, "a damaged ZIP archive", id="damaged-zip"),
        pytest.param(plain_zip(), {}, "a ZIP archive, not an XLSX workbook", id="plain-zip"),
        pytest.param(bomb(), {"max_unpacked_bytes": 10 << 20}, "unpacks to 20971528 bytes", id="zip-bomb"),
        pytest.param(org_xlsx(), {"max_unpacked_bytes": 1000}, "over the 1000 accepted", id="unpacks-too-big"),
        pytest.param(
            org_xlsx(pegawai=[[NIP, "K", "PNS", "JPT", "K", None, "DINAS"]] * 3),
            {"max_rows": 3},
            "file: more than 3 rows; import it in parts",
            id="too-many-rows",
        ),
        pytest.param(
            csv_bytes([CSV_HEADER, *[unit_row(f"U{i}", "U") for i in range(5)]]),
            {"max_rows": 4},
            "file: more than 4 rows",
            id="too-many-csv-rows",
        ),
        pytest.param(xlsx({"units": [UNITS]}), {}, "workbook: no sheet named 'pegawai'", id="missing-sheet"),
        pytest.param(
            xlsx({"units": [UNITS], "pegawai": [[c for c in PEGAWAI if c != "unit_code"]]}),
            {},
            "pegawai: no column 'unit_code'",
            id="missing-column",
        ),
        pytest.param(
            xlsx({"units": [[*UNITS, "kepala"]], "pegawai": [PEGAWAI]}),
            {},
            "units: unknown column 'kepala' in column F (expected: code, name, parent_code, head_nip, timezone)",
            id="unknown-column",
        ),
        pytest.param(
            xlsx({"units": [[*UNITS, "Code"]], "pegawai": [PEGAWAI]}), {}, "column 'code' appears twice", id="twice"
        ),
        pytest.param(
            xlsx({"units": [[], UNITS], "pegawai": [PEGAWAI]}), {}, "units: row 1 must name the columns", id="no-header"
        ),
        pytest.param(
            xlsx({"units": [[f"c{i}" for i in range(60)]], "pegawai": [PEGAWAI]}),
            {},
            "units: more than 50 columns",
            id="too-wide",
        ),
        pytest.param(csv_bytes([["code", "name"], ["A", "B"]]), {}, "CSV file: no 'record' column", id="no-record"),
        pytest.param(
            csv_bytes([["record", "nip", "name"], ["pegawai", NIP, "A"]]),
            {},
            "CSV file: pegawai rows need the column(s) jenis, jabatan_type, jabatan_name, unit_code",
            id="csv-missing-columns",
        ),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", {}, "CSV file: row 1 must name the columns", id="pdf"),
    ],
)
def test_a_malformed_file_is_refused_whole(data: bytes, limits: dict[str, int], expected: str) -> None:
    problems = problems_of(data, **limits)
    assert any(expected in p for p in problems), problems


def test_a_truncated_workbook_is_refused_not_crashed() -> None:
    data = org_xlsx()
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item, content[: len(content) // 2] if "worksheets/sheet" in item.filename else content)
    problems = problems_of(out.getvalue())
    assert any(re.match(r"sheet (units|pegawai): unreadable at row \d+", p) for p in problems), problems


# --- exports ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('=HYPERLINK("http://evil","klik")', '\'=HYPERLINK("http://evil","klik")'),
        ("+62 812", "'+62 812"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Budi = Kabid", "Budi = Kabid"),
        ("", ""),
        (-5, -5),
        (None, None),
    ],
)
def test_text_that_would_run_as_a_formula_is_neutralised(value: object, shown: object) -> None:
    assert neutralise(value) == shown
