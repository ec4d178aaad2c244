"""The body of `POST /org/import`: the instansi, its units and pegawai, validated field by field; what an import
answers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Protocol, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from policies.schema import ZONE_ALIASES
from policies.status import StatusIn
from states.enums import JabatanType, JenisPegawai, Jenjang, PegawaiStatus
from workflows.store.passwords import PasswordPolicy
from workflows.store.settings import Settings

DEFAULT_POLICY = PasswordPolicy()
NIP_PATTERN = re.compile(r"[0-9]{18}")  # ASCII digits only; used with fullmatch ($ admits a final newline)


class InstansiIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(min_length=1, max_length=32, description="Kode instansi, unique.")
    name: str = Field(min_length=1, max_length=200, description="Nama instansi.")


def first_instansi(settings: Settings) -> InstansiIn:
    """The instansi a fresh install's first import creates when it names none."""
    return InstansiIn(code=settings.instansi_code, name=settings.instansi_name)


def _known_zone(value: str | None) -> str | None:
    """An IANA zone name; WIB, WITA and WIT are accepted and stored as Asia/Jakarta, Asia/Makassar, Asia/Jayapura."""
    if value is not None:
        value = ZONE_ALIASES.get(value.strip().upper(), value)
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone '{value}' (use WIB, WITA, WIT or an IANA name such as Asia/Jakarta)"
            ) from exc
    return value


class UnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(min_length=1, max_length=64, description="Kode unit organisasi, unique in the instansi.")
    name: str = Field(min_length=1, max_length=300, description="Nama unit.")
    parent_code: str | None = Field(default=None, description="Code of the parent unit; null for the root.")
    head_nip: str | None = Field(default=None, description="NIP of the unit's head (pimpinan unit).")
    timezone: str | None = Field(
        default=None, description="IANA time zone (Asia/Jakarta, Asia/Makassar, Asia/Jayapura); inherits."
    )

    @field_validator("timezone")
    @classmethod
    def _zone_exists(cls, value: str | None) -> str | None:
        return _known_zone(value)


class PegawaiIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    nip: str = Field(description="NIP: 18 digits.", examples=["198501012010011001"])
    name: str = Field(min_length=1, max_length=200)
    jenis: JenisPegawai
    jabatan_type: JabatanType
    jabatan_name: str = Field(min_length=1, max_length=300)
    jenjang: Jenjang | None = Field(default=None, description="Jenjang, for jabatan fungsional.")
    unit_code: str = Field(description="Code of the unit the pegawai belongs to.")
    atasan_nip: str | None = Field(
        default=None,
        description="Override of the direct atasan (pejabat penilai); by default the head of the unit, "
        "or of the parent unit for the head itself.",
    )
    is_plt: bool = Field(
        default=False,
        description="Acting head (Plt/Plh) of unit_code rather than titular, as e-Kinerja's is_plt_plh flag: kept as "
        "imported, with no effect on who rates whom; an acting SK (POST /units/{code}/acting) is what gives an "
        "official the head's work.",
    )
    password: str | None = Field(
        default=None,
        max_length=200,
        description="Initial password for logging in with the NIP; it must meet the password policy and is changed "
        "at first login.",
    )
    email: str | None = Field(
        default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$", description="E-mail for notifications."
    )
    kontrak_mulai: date | None = Field(
        default=None, description="A PPPK's current contract (perjanjian kerja): its first day; with kontrak_selesai."
    )
    kontrak_selesai: date | None = Field(
        default=None, description="A PPPK's current contract: its last day; with kontrak_mulai."
    )
    status: PegawaiStatus | None = Field(
        default=None,
        description="A status period to record (as `PUT /pegawai/{nip}/status`): the status, with status_from and "
        "status_sk_number; omitted: the pegawai's status periods stay as they are.",
    )
    status_from: date | None = Field(default=None, description="First day of the status period.")
    status_until: date | None = Field(default=None, description="Last day of the status period; empty: open-ended.")
    status_sk_number: str | None = Field(default=None, max_length=120, description="The SK setting the status.")

    @model_validator(mode="after")
    def _status_columns_together(self) -> Self:
        if self.status is None:
            given = [n for n in ("status_from", "status_until", "status_sk_number") if getattr(self, n) is not None]
            if given:
                raise ValueError(f"{', '.join(given)} without status: name the status too")
        elif self.status_from is None or not (self.status_sk_number or "").strip():
            raise ValueError("status needs status_from and status_sk_number (the SK)")
        return self

    def status_in(self) -> StatusIn | None:
        """The row's status period, if it gives one."""
        if self.status is None or self.status_from is None:
            return None
        return StatusIn(self.status, self.status_from, self.status_until, self.status_sk_number or "")

    @field_validator("nip", "atasan_nip")
    @classmethod
    def _nip_is_18_digits(cls, value: str | None) -> str | None:
        if value is not None and not NIP_PATTERN.fullmatch(value):
            raise ValueError("NIP must be exactly 18 digits")
        return value


class OrgImport(BaseModel):
    """The body of `POST /org/import`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    instansi: InstansiIn | None = None
    units: list[UnitIn] = Field(default_factory=list)
    pegawai: list[PegawaiIn] = Field(default_factory=list)


class RowLabels(Protocol):
    """How import problems name a row: by default a JSON path; `workflows.cases.org.files` names spreadsheet rows."""

    def at(self, record: str, index: int | None, field: str | None) -> str:
        """Where a problem is: a record kind ('units', 'pegawai'), optionally one row of it and a field."""
        ...

    def ref(self, record: str, index: int) -> str:
        """Another row a problem refers to (the row a duplicate repeats)."""
        ...


class JsonPaths:
    """`units[3].parent_code`: rows named by their place in the JSON payload."""

    def at(self, record: str, index: int | None, field: str | None) -> str:
        return record + ("" if index is None else f"[{index}]") + ("" if field is None else f".{field}")

    def ref(self, record: str, index: int) -> str:
        return f"{record}[{index}]"


@dataclass(frozen=True)
class ImportedInstansi:
    """The instansi an import went into; `created` when this import created it."""

    code: str
    name: str
    created: bool


@dataclass(frozen=True)
class ImportResult:
    instansi_id: int
    units_created: int
    units_updated: int
    pegawai_created: int
    pegawai_updated: int
    instansi: ImportedInstansi
