"""SQLModel tables: the organisation, policies, cycles, SKPs and their parts, cases, outbox and audit trail.

Lifecycle states are stored as their string values; `workflows.engine` wraps a row so the lifecycle sees enums.
Every lifecycle table is versioned (optimistic locking through SQLAlchemy's `version_id_col`), and its
version equals the sequence number of its newest audit event.

One module on purpose (over 400 lines): the schema is read, reviewed and migrated as a whole (Alembic's autogenerate
compares it with the database in one pass), and its foreign keys cross every room of the domain.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Dialect, Index, Integer, UniqueConstraint
from sqlalchemy.orm import declared_attr
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

MAX_ID = 2**31 - 1
"""Ids are 32-bit integers on PostgreSQL; inputs naming a larger id are refused as invalid."""


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes only, stored as UTC; read back aware (SQLite keeps no zone, PostgreSQL converts)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: skpflow stores aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc() -> Any:
    return Column(UtcDateTime(), nullable=False)


def _utc_nullable() -> Any:
    return Column(UtcDateTime(), nullable=True)


class Versioned(SQLModel):
    """Mixin: a `version` column that SQLAlchemy checks and bumps on every ORM UPDATE."""

    version: int = Field(default=1, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class Instansi(Versioned, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=200)


class Unit(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("instansi_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    instansi_id: int = Field(foreign_key="instansi.id", index=True)
    code: str = Field(max_length=64)
    name: str = Field(max_length=300)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    head_id: int | None = Field(default=None, index=True)  # pegawai.id; no FK: unit and pegawai refer to each other
    timezone: str = Field(default="Asia/Jakarta", max_length=64)
    path: str = Field(default="/", max_length=2000, index=True)  # "/<root id>/…/<own id>/" for subtree queries


def perangkat_daerah_of(path: str) -> int:
    """The perangkat daerah (OPD) a unit belongs to, from its path `/<root>/<opd>/…/`: the unit right under the
    instansi's root, or the root itself."""
    ids = [int(part) for part in path.strip("/").split("/") if part]
    return ids[1] if len(ids) > 1 else ids[0]


class Pegawai(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    instansi_id: int = Field(foreign_key="instansi.id", index=True)
    nip: str = Field(max_length=18, unique=True)
    name: str = Field(max_length=200)
    jenis: str = Field(max_length=8)
    jabatan_type: str = Field(max_length=16)
    jabatan_name: str = Field(max_length=300)
    jenjang: str | None = Field(default=None, max_length=16)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    atasan_id: int | None = Field(default=None, foreign_key="pegawai.id", index=True)  # resolved pejabat penilai
    atasan_override: bool = False
    is_plt: bool = False
    active: bool = True
    password_hash: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)  # where notifications go
    must_change_password: bool = False  # the password was set by someone else (the import): change it first
    token_version: int = 0  # in every token; bumped to end all of the account's sessions


class PolicyVersion(SQLModel, table=True):
    """A policy as stored: immutable; a cycle pins one by id and content hash."""

    __table_args__ = (UniqueConstraint("name", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    instansi_id: int | None = Field(default=None, foreign_key="instansi.id", index=True)
    name: str = Field(max_length=120)
    version: str = Field(max_length=40)
    base_name: str | None = Field(default=None, max_length=120)
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    content_hash: str = Field(max_length=64, index=True)
    created_at: datetime = Field(sa_column=_utc())
    created_by: str = Field(max_length=120)


class Cycle(Versioned, table=True):
    __table_args__ = (UniqueConstraint("instansi_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    instansi_id: int = Field(foreign_key="instansi.id", index=True)
    year: int
    name: str = Field(max_length=200)
    state: str = Field(default="planning", max_length=32)
    policy_version_id: int | None = Field(default=None, foreign_key="policyversion.id")
    created_at: datetime = Field(sa_column=_utc())


class Skp(Versioned, table=True):
    __table_args__ = (
        Index("ix_skp_cycle_state", "cycle_id", "state"),
        Index("ix_skp_cycle_unit", "cycle_id", "unit_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id")
    pegawai_id: int = Field(foreign_key="pegawai.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    penilai_id: int | None = Field(default=None, foreign_key="pegawai.id", index=True)
    atasan_penilai_id: int | None = Field(default=None, foreign_key="pegawai.id")
    jabatan_type: str = Field(max_length=16)
    jabatan_name: str = Field(max_length=300)
    periode_awal: date
    periode_akhir: date
    state: str = Field(default="drafted", max_length=32)
    proposed: bool = False
    closing_reason: str | None = Field(default=None, max_length=200)
    rating_hasil_kerja: str | None = Field(default=None, max_length=32)
    rating_perilaku: str | None = Field(default=None, max_length=32)
    predikat: str | None = Field(default=None, max_length=32)
    assessed_at: datetime | None = Field(default=None, sa_column=_utc_nullable())
    ekspektasi_khusus: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    lampiran: dict[str, list[str]] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Rhk(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    skp_id: int = Field(foreign_key="skp.id", index=True)
    position: int
    jenis: str = Field(max_length=16)
    text: str = Field(max_length=2000)
    intervensi_rhk_id: int | None = Field(default=None, foreign_key="rhk.id", index=True)
    cascade: str | None = Field(default=None, max_length=16)
    acting_id: int | None = Field(default=None, index=True)  # actingassignment.id of an acting duty (no FK: additive)


class Indikator(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    rhk_id: int = Field(foreign_key="rhk.id", index=True)
    position: int
    text: str = Field(max_length=2000)
    aspek: str = Field(max_length=16)
    target: float | None = None
    satuan: str = Field(default="", max_length=100)
    # pendekatan (issue 16 item 7): a KUALITATIF indikator has no target but an ekspektasi the penilai rates against
    approach: str = Field(default="KUANTITATIF", max_length=16, sa_column_kwargs={"server_default": "KUANTITATIF"})
    ekspektasi: str | None = Field(default=None, max_length=2000)


class Evaluation(Versioned, table=True):
    """A periodic evaluation of one SKP for one period."""

    __table_args__ = (UniqueConstraint("skp_id", "period_no"),)
    id: int | None = Field(default=None, primary_key=True)
    skp_id: int = Field(foreign_key="skp.id")
    period_no: int
    state: str = Field(default="open", max_length=32)
    rating_hasil_kerja: str | None = Field(default=None, max_length=32)
    rating_perilaku: str | None = Field(default=None, max_length=32)
    predikat: str | None = Field(default=None, max_length=32)


class Realisasi(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("evaluation_id", "indikator_id"),)
    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: int = Field(foreign_key="evaluation.id", index=True)
    indikator_id: int = Field(foreign_key="indikator.id")
    value: float | None = None
    text: str = Field(default="", max_length=4000)
    rating: str | None = Field(default=None, max_length=32)  # the penilai's rating of this indikator for the period


class Evidence(SQLModel, table=True):
    """Bukti dukung: metadata and content hash; the bytes live in the evidence store."""

    id: int | None = Field(default=None, primary_key=True)
    realisasi_id: int = Field(foreign_key="realisasi.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    uri: str = Field(max_length=1000)


class Feedback(SQLModel, table=True):
    """Umpan balik berkelanjutan: per RHK or per core value, optionally tied to a period."""

    id: int | None = Field(default=None, primary_key=True)
    skp_id: int = Field(foreign_key="skp.id", index=True)
    rhk_id: int | None = Field(default=None, foreign_key="rhk.id")
    core_value: str | None = Field(default=None, max_length=32)
    period_no: int | None = None
    author_id: int = Field(foreign_key="pegawai.id")
    text: str = Field(max_length=4000)
    at: datetime = Field(sa_column=_utc())


class Capaian(Versioned, table=True):
    """Capaian kinerja organisasi of a unit for a period (0 = annual), set by the pimpinan above it."""

    __table_args__ = (UniqueConstraint("cycle_id", "unit_id", "period_no"),)
    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id")
    unit_id: int = Field(foreign_key="unit.id", index=True)
    period_no: int
    level: str = Field(max_length=32)
    state: str = Field(default="set", max_length=16)


class Keberatan(Versioned, table=True):
    id: int | None = Field(default=None, primary_key=True)
    skp_id: int = Field(foreign_key="skp.id", index=True)
    state: str = Field(default="filed", max_length=32)
    reason: str = Field(max_length=4000)
    decision: str | None = Field(default=None, max_length=16)
    note: str | None = Field(default=None, max_length=4000)
    filed_at: datetime = Field(sa_column=_utc())
    decided_at: datetime | None = Field(default=None, sa_column=_utc_nullable())


class FollowUpCase(Versioned, table=True):
    """A coaching, counselling or reward case, or a sanction ladder (lifecycle 'sanction')."""

    __table_args__ = (UniqueConstraint("skp_id", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    skp_id: int = Field(foreign_key="skp.id", index=True)
    kind: str = Field(max_length=32)
    state: str = Field(max_length=32)
    opened_at: datetime = Field(sa_column=_utc())
    scheduled_at: datetime | None = Field(default=None, sa_column=_utc_nullable())
    state_since: datetime = Field(sa_column=_utc())


class Outbox(SQLModel, table=True):
    """Notifications to send; `dedupe_key` makes every sweep idempotent.

    status: pending → sending (claimed by one deliverer) → sent | pending again (retry at next_attempt_at) |
    failed (attempts exhausted); `no_address` rows name a person without an e-mail (`nip:…`, `user:…`) and
    become pending, to their address, once the person has one.
    """

    __table_args__ = (Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=300, unique=True)
    channel: str = Field(default="email", max_length=32)
    recipient: str = Field(max_length=300)
    subject: str = Field(max_length=300)
    body: str = Field(max_length=8000)
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    created_at: datetime = Field(sa_column=_utc())
    sent_at: datetime | None = Field(default=None, sa_column=_utc_nullable())
    last_error: str | None = Field(default=None, max_length=2000)
    next_attempt_at: datetime | None = Field(default=None, sa_column=_utc_nullable())  # None: as soon as possible
    claimed_at: datetime | None = Field(default=None, sa_column=_utc_nullable())
    claim_token: str | None = Field(default=None, max_length=32)  # the deliverer holding the claim
    instansi_id: int | None = Field(default=None, index=True)  # whose HR may see the row
    unit_id: int | None = Field(default=None)
    entity_type: str | None = Field(default=None, max_length=32)
    entity_id: int | None = Field(default=None)
    deadline_key: str | None = Field(default=None, max_length=32)
    action: str | None = Field(default=None, max_length=16)


class DeadlineStep(SQLModel, table=True):
    """A ladder step taken for one pending entity: what makes the deadline sweep idempotent, and HR's list of
    automatic actions (flags). `notified` is false for a step superseded by a later one reached in the same sweep."""

    __table_args__ = (
        UniqueConstraint("deadline_key", "entity_type", "entity_id", "step_index", name="uq_deadline_step"),
        Index("ix_deadlinestep_cycle_key", "cycle_id", "deadline_key"),
    )
    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id")
    instansi_id: int = Field(index=True)
    unit_id: int
    deadline_key: str = Field(max_length=32)
    entity_type: str = Field(max_length=32)
    entity_id: int
    step_index: int
    action: str = Field(max_length=16)
    auto_action: str | None = Field(default=None, max_length=32)
    due_at: datetime = Field(sa_column=_utc())
    step_at: datetime = Field(sa_column=_utc())
    taken_at: datetime = Field(sa_column=_utc())
    notified: bool = True


class AuditEventFields(SQLModel):
    """What an audit event records, as stored and as the API answers it (`api.audit.EventOut`): one shape."""

    entity_type: str = Field(max_length=32)
    entity_id: int = Field(sa_type=BigInteger)
    seq: int
    instansi_id: int | None = Field(default=None, index=True)  # whose trail it is; None for system-wide events
    at: datetime = Field(sa_type=UtcDateTime, nullable=False)
    actor: str = Field(max_length=120)
    role: str = Field(max_length=64)
    trigger: str = Field(max_length=64)
    from_state: str | None = Field(default=None, max_length=32)
    to_state: str | None = Field(default=None, max_length=32)
    note: str | None = Field(default=None, max_length=4000)
    payload_digest: str = Field(max_length=64)
    prev_hash: str = Field(max_length=64)


class AuditEvent(AuditEventFields, table=True):
    """One event of a per-entity hash chain; `seq` is the entity's version after the event."""

    __table_args__ = (UniqueConstraint("entity_type", "entity_id", "seq", name="uq_audit_chain_seq"),)
    id: int | None = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    )
    hash: str = Field(max_length=64)


class AuditSeal(SQLModel, table=True):
    """An anchor of the audit trail: every chain's head up to audit id `watermark`, hashed (`workflows.audit.seal`)."""

    id: int | None = Field(default=None, primary_key=True)
    sealed_at: datetime = Field(sa_column=_utc())
    watermark: int = Field(sa_column=Column(BigInteger, nullable=False))
    chains: int = Field(sa_column=Column(BigInteger, nullable=False))
    events: int = Field(sa_column=Column(BigInteger, nullable=False))
    root: str = Field(max_length=64)
    prev_mac: str = Field(max_length=64)
    mac: str = Field(max_length=64)
    keyed: bool
    sealed_by: str = Field(max_length=140)


class AppUser(SQLModel, table=True):
    """A user who is not a pegawai: HR admins and auditors. An admin with no instansi is a super-admin."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=120, unique=True)
    password_hash: str = Field(max_length=200)
    role: str = Field(max_length=16)
    instansi_id: int | None = Field(default=None, foreign_key="instansi.id")
    email: str | None = Field(default=None, max_length=254)
    created_at: datetime = Field(sa_column=_utc())
    must_change_password: bool = False  # the password was set by another admin (POST /users): change it first
    token_version: int = 0  # in every token; bumped to end all of the account's sessions


class AuthEvent(SQLModel, table=True):
    """The security log: logins, failed logins and lockouts. A failed login naming no account stores no name
    (`account` is None), so arbitrary usernames never become rows; the throttle bounds how many such rows an
    address can write."""

    id: int | None = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    )
    at: datetime = Field(sa_column=_utc())
    kind: str = Field(
        max_length=16, index=True
    )  # login | login_failed | login_locked | logout | logout_all | password_changed
    account: str | None = Field(default=None, max_length=140, index=True)  # the actor ref, e.g. "pegawai:<nip>"
    instansi_id: int | None = Field(default=None, index=True)  # whose admins and auditors may read it
    client: str = Field(max_length=64)


class LoginThrottle(SQLModel, table=True):
    """Failed logins per account (or "?" for names that match none) and client address, in a fixed window."""

    __table_args__ = (UniqueConstraint("account_key", "client", name="uq_login_throttle"),)
    id: int | None = Field(default=None, primary_key=True)
    account_key: str = Field(max_length=140)
    client: str = Field(max_length=64)
    failures: int = 0
    window_start: datetime = Field(sa_column=_utc())
    locked_until: datetime | None = Field(default=None, sa_column=_utc_nullable())
    refused: int = 0  # attempts refused while locked (counted, not logged one by one)


class RevokedToken(SQLModel, table=True):
    """A token ended by logging out, by its `jti`, kept until it would have expired anyway (then it is swept)."""

    jti: str = Field(primary_key=True, max_length=32)
    account: str = Field(max_length=140)
    expires_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False, index=True))


class ActingAssignment(Versioned, table=True):
    """An acting SK (Plt or Plh): `pegawai_id` stands in for the head of `unit_id` from `start` to `until` (both
    included). `state` (scheduled → running → ended) is what has been applied: who rates whom follows a running SK."""

    __table_args__ = (Index("ix_actingassignment_state", "state"),)
    id: int | None = Field(default=None, primary_key=True)
    instansi_id: int = Field(foreign_key="instansi.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    pegawai_id: int = Field(foreign_key="pegawai.id", index=True)
    kind: str = Field(max_length=8)
    start: date
    until: date
    sk_number: str = Field(max_length=120)
    note: str | None = Field(default=None, max_length=1000)
    state: str = Field(default="scheduled", max_length=16)
    created_at: datetime = Field(sa_column=_utc())


class Kontrak(Versioned, table=True):
    """A PPPK's perjanjian kerja, from `mulai` through `selesai` (its last day); successive contracts are successive
    rows. `case_id` is the extension recommendation the contract ladder opened for it (the anchor of idempotence)."""

    __table_args__ = (UniqueConstraint("pegawai_id", "mulai", name="uq_kontrak_pegawai_mulai"),)
    id: int | None = Field(default=None, primary_key=True)
    instansi_id: int = Field(foreign_key="instansi.id", index=True)
    pegawai_id: int = Field(foreign_key="pegawai.id", index=True)
    mulai: date
    selesai: date = Field(index=True)
    sk_number: str | None = Field(default=None, max_length=120)
    case_id: int | None = Field(default=None, foreign_key="followupcase.id", unique=True)
    created_at: datetime = Field(sa_column=_utc())


class StatusPeriod(SQLModel, table=True):
    """A pegawai's status over a period, by SK (issue 16): from `starts` through `until` (inclusive; None: until
    further notice). Periods of one pegawai never overlap (the use case refuses it); no row: AKTIF."""

    __table_args__ = (UniqueConstraint("pegawai_id", "starts", name="uq_statusperiod_start"),)
    id: int | None = Field(default=None, primary_key=True)
    pegawai_id: int = Field(foreign_key="pegawai.id", index=True)
    status: str = Field(max_length=32)
    starts: date
    until: date | None = None
    sk_number: str = Field(max_length=120)
    note: str | None = Field(default=None, max_length=1000)
    recorded_at: datetime = Field(sa_column=_utc())
    recorded_by: str = Field(max_length=140)


class StudyProgress(SQLModel, table=True):
    """The predikat HR records for a year of tugas belajar from the study-progress report (policy
    `tugas_belajar.predikat_source: STUDY_PROGRESS`)."""

    __table_args__ = (UniqueConstraint("pegawai_id", "year", name="uq_studyprogress_year"),)
    id: int | None = Field(default=None, primary_key=True)
    pegawai_id: int = Field(foreign_key="pegawai.id", index=True)
    year: int
    predikat: str = Field(max_length=32)
    report: str = Field(max_length=200)  # the laporan kemajuan studi it comes from
    note: str | None = Field(default=None, max_length=1000)
    recorded_at: datetime = Field(sa_column=_utc())
    recorded_by: str = Field(max_length=140)


class Input360(Versioned, table=True):
    """A 360 input: a pemberi pertimbangan named by the pejabat penilai to rate an SKP's perilaku for a period
    (0 = the year); `relation` says what they are to the pegawai (REKAN or BAWAHAN)."""

    __table_args__ = (Index("ix_input360_skp_period", "skp_id", "period_no"),)
    id: int | None = Field(default=None, primary_key=True)
    skp_id: int = Field(foreign_key="skp.id")
    period_no: int
    pemberi_id: int = Field(foreign_key="pegawai.id", index=True)
    relation: str = Field(max_length=16)
    state: str = Field(default="requested", max_length=32)
    requested_at: datetime = Field(sa_column=_utc())
    submitted_at: datetime | None = Field(default=None, sa_column=_utc_nullable())


class Input360Value(SQLModel, table=True):
    """One core value as a pemberi rated it, with their note."""

    __table_args__ = (UniqueConstraint("input_id", "core_value"),)
    id: int | None = Field(default=None, primary_key=True)
    input_id: int = Field(foreign_key="input360.id", index=True)
    core_value: str = Field(max_length=32)
    rating: str = Field(max_length=32)
    note: str = Field(default="", max_length=4000)
