"""The organisation: the import payload (units, pegawai; `payload`), its idempotent upsert (`upsert`), and the tree it
builds: unit paths and each pegawai's atasan, resolved again whenever the import or an acting SK changes them
(`tree`)."""

from workflows.cases.org.imports.payload import (
    DEFAULT_POLICY,
    NIP_PATTERN,
    ImportedInstansi,
    ImportResult,
    InstansiIn,
    JsonPaths,
    OrgImport,
    PegawaiIn,
    RowLabels,
    UnitIn,
    first_instansi,
)
from workflows.cases.org.imports.tree import resolve_atasan
from workflows.cases.org.imports.upsert import import_org

__all__ = [
    "DEFAULT_POLICY",
    "NIP_PATTERN",
    "ImportResult",
    "ImportedInstansi",
    "InstansiIn",
    "JsonPaths",
    "OrgImport",
    "PegawaiIn",
    "RowLabels",
    "UnitIn",
    "first_instansi",
    "import_org",
    "resolve_atasan",
]
