"""PPPK contracts: HR records each perjanjian kerja (`records`); the contract ladder opens its extension recommendation
(`ladder`, run by the deadline sweep)."""

from workflows.cases.kontrak.ladder import OPEN_CYCLES, open_recommendations
from workflows.cases.kontrak.records import (
    KontrakIn,
    KontrakView,
    PegawaiKontrak,
    contract_problems,
    contracts_of,
    record_imported,
    set_kontrak,
)

__all__ = [
    "OPEN_CYCLES",
    "KontrakIn",
    "KontrakView",
    "PegawaiKontrak",
    "contract_problems",
    "contracts_of",
    "open_recommendations",
    "record_imported",
    "set_kontrak",
]
