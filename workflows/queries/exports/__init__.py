"""Exports, read in chunks: a cycle's predikat per SKP (`predikat`), one period's predikat for TPP/tukin (`tpp`), the
annual result per pegawai in e-Kinerja BKN's field names (`ekinerja`), an instansi's audit trail (`audit_trail`), and
any table of rows (`tabular`, which every export writes its CSV and XLSX through)."""

from workflows.queries.exports.audit_trail import AUDIT_COLUMNS, audit_csv, audit_jsonl, audit_rows
from workflows.queries.exports.ekinerja import (
    BEFORE_AGREEMENT,
    EKINERJA_COLUMNS,
    ekinerja_csv,
    ekinerja_rows,
    write_ekinerja_xlsx,
)
from workflows.queries.exports.predikat import PREDIKAT_COLUMNS, predikat_csv, predikat_rows, write_predikat_xlsx
from workflows.queries.exports.tabular import (
    BOM,
    CHUNK,
    XLSX_MAX_ROWS,
    Row,
    Sessions,
    neutralise,
    table_csv,
    write_table_xlsx,
)
from workflows.queries.exports.tpp import PREDIKAT_LABEL_ID, TPP_COLUMNS, tpp_csv, tpp_rows, write_tpp_xlsx

__all__ = [
    "AUDIT_COLUMNS",
    "BEFORE_AGREEMENT",
    "BOM",
    "CHUNK",
    "EKINERJA_COLUMNS",
    "PREDIKAT_COLUMNS",
    "PREDIKAT_LABEL_ID",
    "TPP_COLUMNS",
    "XLSX_MAX_ROWS",
    "Row",
    "Sessions",
    "audit_csv",
    "audit_jsonl",
    "audit_rows",
    "ekinerja_csv",
    "ekinerja_rows",
    "neutralise",
    "predikat_csv",
    "predikat_rows",
    "table_csv",
    "tpp_csv",
    "tpp_rows",
    "write_ekinerja_xlsx",
    "write_predikat_xlsx",
    "write_table_xlsx",
    "write_tpp_xlsx",
]
