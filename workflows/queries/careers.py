"""What the results are used for in a career (domain.md §5.6, §7.1): angka kredit per pegawai per period and year
for jabatan fungsional, kenaikan pangkat / talent-pool eligibility, and a ranking per unit and jabatan type.

Every figure names the SKP and the predikat it came from. Each report reads the cycle's SKPs in one statement and
its periodic or earlier-year predikat in one more, whatever the number of pegawai; the rows of one instansi are
built in memory (a kabupaten's few thousand pegawai). Where a pegawai has several SKPs in the year (a mutasi), the
annual figure is their combined annual predikat (`workflows.cases.annual`, policy `mid_year.annual_combine`), named
by the SKP that ran last."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import angka_kredit, eligibility
from policies.periods import MONTHS_PER_PERIOD
from policies.schema import TugasBelajarSource
from states.enums import PREDIKAT_ORDER, JabatanType, Jenjang, PegawaiStatus, Predikat, Rating
from states.errors import NotPermitted
from workflows.actors import Actor
from workflows.cases import cycles, policy_store
from workflows.cases.annual import annual_predikat
from workflows.store.tables import Cycle, Evaluation, Pegawai, Skp, StatusPeriod, StudyProgress, Unit

ANNUAL = 0
TUGAS_BELAJAR = PegawaiStatus.TUGAS_BELAJAR.value  # a history entry: the year in tugas belajar, no predikat
RATING_ORDER: tuple[Rating, ...] = tuple(Rating)  # best first


@dataclass(frozen=True)
class _Skp:
    skp_id: int
    pegawai_id: int
    nip: str
    name: str
    jenis: str
    jabatan_type: str
    jabatan_name: str
    jenjang: str | None
    unit_code: str
    unit_name: str
    predikat: str | None
    rating_hasil_kerja: str | None
    rating_perilaku: str | None


@dataclass(frozen=True)
class AngkaKreditRow:
    nip: str
    name: str
    unit_code: str
    jabatan_name: str
    jenjang: str
    skp_id: int
    period_no: int  # 0 = annual
    months: int
    predikat: str
    angka_kredit: Decimal


@dataclass(frozen=True)
class EligibilityRow:
    nip: str
    name: str
    unit_code: str
    jabatan_name: str
    history: dict[int, str | None]  # year → annual predikat (None: none recorded; TUGAS_BELAJAR: in it, no predikat)
    eligible: bool
    reasons: tuple[str, ...]
    tugas_belajar: tuple[int, ...] = ()  # years spent in tugas belajar (a predikat there is the study-progress one)


@dataclass(frozen=True)
class RankingRow:
    unit_code: str
    unit_name: str
    jabatan_type: str
    rank: int  # 1 = best; equal results share a rank (1, 1, 3)
    of: int
    nip: str
    name: str
    jabatan_name: str
    predikat: str
    rating_hasil_kerja: str | None
    rating_perilaku: str | None
    skp_id: int


ANGKA_KREDIT_COLUMNS = tuple(AngkaKreditRow.__dataclass_fields__)
ELIGIBILITY_COLUMNS = ("nip", "name", "unit_code", "jabatan_name", "history", "eligible", "reasons", "tugas_belajar")
RANKING_COLUMNS = tuple(RankingRow.__dataclass_fields__)


def _cycle(session: Session, cycle_id: int, actor: Actor) -> Cycle:
    """The cycle, for HR (admin) and the auditors of its instansi; its own pegawai are refused, others not told."""
    view = cycles.readable(session, cycle_id, actor)
    if not (actor.super_admin or actor.system or view.instansi_id in actor.oversees()):
        raise NotPermitted("careers", "read", ["admin", "auditor"])
    return session.get_one(Cycle, cycle_id)


def _skps(session: Session, cycle_id: int) -> list[_Skp]:
    rows = session.execute(
        select(
            col(Skp.id),
            col(Skp.pegawai_id),
            col(Pegawai.nip),
            col(Pegawai.name),
            col(Pegawai.jenis),
            col(Skp.jabatan_type),
            col(Skp.jabatan_name),
            col(Pegawai.jenjang),
            col(Unit.code),
            col(Unit.name),
            col(Skp.predikat),
            col(Skp.rating_hasil_kerja),
            col(Skp.rating_perilaku),
        )
        .join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id))
        .join(Unit, col(Unit.id) == col(Skp.unit_id))
        .where(col(Skp.cycle_id) == cycle_id)
        .order_by(col(Skp.id))
    ).tuples()
    return [_Skp(*row) for row in rows]


def _annual(session: Session, cycle: Cycle, skps: list[_Skp]) -> list[_Skp]:
    """Per pegawai rated in the cycle, the SKP that ran last, carrying the pegawai's annual predikat (the year's
    rated SKPs combined by the policy); its ratings stay that SKP's own."""
    by_id = {s.skp_id: s for s in skps}
    rated = {s.pegawai_id for s in skps if s.predikat is not None}
    annual = annual_predikat(session, instansi_id=cycle.instansi_id, years=[cycle.year], pegawai_ids=rated)
    out = [
        replace(by_id[a.skp_id], predikat=a.predikat.value)
        for a in annual.values()
        if a.skp_id in by_id  # the year's last SKP is in this cycle
    ]
    return sorted(out, key=lambda s: s.skp_id)


def angka_kredit_rows(session: Session, cycle_id: int, *, actor: Actor) -> list[AngkaKreditRow]:
    """For each pegawai in a jabatan fungsional with a jenjang: the angka kredit of each rated period (months of the
    period / 12 × %predikat × koefisien) and of the year (annual predikat)."""
    cycle = _cycle(session, cycle_id, actor)
    policy = policy_store.cycle_policy(session, cycle)
    months = MONTHS_PER_PERIOD[policy.periods.kind]
    fungsional = [s for s in _skps(session, cycle_id) if s.jabatan_type == JabatanType.FUNGSIONAL and s.jenjang]
    by_id = {s.skp_id: s for s in fungsional}
    periodic = session.execute(
        select(col(Evaluation.skp_id), col(Evaluation.period_no), col(Evaluation.predikat))
        .where(col(Evaluation.skp_id).in_(list(by_id)), col(Evaluation.predikat).is_not(None))
        .order_by(col(Evaluation.skp_id), col(Evaluation.period_no))
    ).tuples()
    rows: list[AngkaKreditRow] = []

    def row(skp: _Skp, period_no: int, n_months: int, predikat: str) -> AngkaKreditRow:
        jenjang = Jenjang(skp.jenjang or "")
        ak = angka_kredit.periodic(policy, jenjang, Predikat(predikat), n_months)
        return AngkaKreditRow(
            nip=skp.nip,
            name=skp.name,
            unit_code=skp.unit_code,
            jabatan_name=skp.jabatan_name,
            jenjang=jenjang.value,
            skp_id=skp.skp_id,
            period_no=period_no,
            months=n_months,
            predikat=predikat,
            angka_kredit=ak,
        )

    for skp_id, period_no, predikat in periodic:
        if predikat is not None:
            rows.append(row(by_id[skp_id], period_no, months, predikat))
    rows.extend(row(skp, ANNUAL, 12, skp.predikat) for skp in _annual(session, cycle, fungsional) if skp.predikat)
    return sorted(rows, key=lambda r: (r.nip, r.period_no == ANNUAL, r.period_no, r.skp_id))


def eligibility_rows(session: Session, cycle_id: int, *, actor: Actor) -> list[EligibilityRow]:
    """For each pegawai rated in the cycle, or in tugas belajar in its year: whether the annual predikat of the
    policy's last `years` years (the cycle's year and those before it, from the instansi's earlier cycles) reach its
    `min_predikat`. A year in tugas belajar without an SKP predikat takes the study-progress predikat HR recorded
    (policy `tugas_belajar.predikat_source: STUDY_PROGRESS`) or counts as `tugas_belajar.excluded_year` says."""
    cycle = _cycle(session, cycle_id, actor)
    policy = policy_store.cycle_policy(session, cycle)
    rated = _annual(session, cycle, _skps(session, cycle_id))
    years = range(cycle.year - policy.eligibility.years + 1, cycle.year + 1)
    tubel = _tugas_belajar_years(session, cycle.instansi_id, years)
    people = {s.pegawai_id: (s.nip, s.name, s.unit_code, s.jabatan_name) for s in rated}
    people |= {
        pid: row for pid, row in _pegawai_rows(session, set(tubel) - set(people)).items() if cycle.year in tubel[pid]
    }
    history: dict[int, dict[int, str]] = defaultdict(dict)
    annual = annual_predikat(session, instansi_id=cycle.instansi_id, years=list(years), pegawai_ids=list(people))
    for (pegawai_id, year), found_year in annual.items():
        history[pegawai_id][year] = found_year.predikat.value
    if policy.tugas_belajar.predikat_source == TugasBelajarSource.STUDY_PROGRESS:
        for pegawai_id, year, predikat in session.execute(
            select(col(StudyProgress.pegawai_id), col(StudyProgress.year), col(StudyProgress.predikat)).where(
                col(StudyProgress.pegawai_id).in_([p for p in people if p in tubel]),
                col(StudyProgress.year).in_(list(years)),
            )
        ).tuples():
            if year in tubel[pegawai_id]:
                history[pegawai_id].setdefault(year, predikat)
    out: list[EligibilityRow] = []
    for pegawai_id, (nip, name, unit_code, jabatan_name) in people.items():
        found = history[pegawai_id]
        in_tubel = tuple(y for y in years if y in tubel.get(pegawai_id, ()))
        verdict = eligibility.eligible(
            policy, {y: Predikat(p) for y, p in found.items()}, cycle.year, tugas_belajar=in_tubel
        )
        out.append(
            EligibilityRow(
                nip=nip,
                name=name,
                unit_code=unit_code,
                jabatan_name=jabatan_name,
                history={y: found.get(y) or (TUGAS_BELAJAR if y in in_tubel else None) for y in years},
                eligible=verdict.ok,
                reasons=verdict.reasons,
                tugas_belajar=in_tubel,
            )
        )
    return sorted(out, key=lambda r: (not r.eligible, r.unit_code, r.nip))


def _tugas_belajar_years(session: Session, instansi_id: int, years: range) -> dict[int, set[int]]:
    """Per pegawai of the instansi, the years of `years` they spent (some of) in tugas belajar."""
    out: dict[int, set[int]] = defaultdict(set)
    for pegawai_id, starts, until in session.execute(
        select(col(StatusPeriod.pegawai_id), col(StatusPeriod.starts), col(StatusPeriod.until))
        .join(Pegawai, col(Pegawai.id) == col(StatusPeriod.pegawai_id))
        .where(
            col(Pegawai.instansi_id) == instansi_id,
            col(StatusPeriod.status) == PegawaiStatus.TUGAS_BELAJAR.value,
            col(StatusPeriod.starts) <= date(years[-1], 12, 31),
            or_(col(StatusPeriod.until).is_(None), col(StatusPeriod.until) >= date(years[0], 1, 1)),
        )
    ).tuples():
        last = until.year if until else years[-1]
        out[pegawai_id].update(y for y in years if starts.year <= y <= last)
    return out


def _pegawai_rows(session: Session, ids: set[int]) -> dict[int, tuple[str, str, str, str]]:
    """NIP, name, unit code and jabatan of these pegawai (those in tugas belajar, who have no SKP to read them from)."""
    rows = session.execute(
        select(col(Pegawai.id), col(Pegawai.nip), col(Pegawai.name), col(Unit.code), col(Pegawai.jabatan_name))
        .join(Unit, col(Unit.id) == col(Pegawai.unit_id))
        .where(col(Pegawai.id).in_(list(ids)))
    ).tuples()
    return {pid: (nip, name, code, jabatan) for pid, nip, name, code, jabatan in rows if pid is not None}


def ranking_rows(
    session: Session, cycle_id: int, *, actor: Actor, unit: str | None = None, jabatan_type: str | None = None
) -> list[RankingRow]:
    """Per unit, the pegawai with an annual predikat (of one jabatan type, if asked) ordered by predikat, then rating
    hasil kerja, then rating perilaku (the two ratings the predikat comes from); equal results share a rank."""
    cycle = _cycle(session, cycle_id, actor)
    rated = [
        s
        for s in _annual(session, cycle, _skps(session, cycle_id))
        if (unit is None or s.unit_code == unit) and (jabatan_type is None or s.jabatan_type == jabatan_type)
    ]

    def key(s: _Skp) -> tuple[int, int, int]:
        return (
            PREDIKAT_ORDER.index(Predikat(s.predikat or "")),
            RATING_ORDER.index(Rating(s.rating_hasil_kerja)) if s.rating_hasil_kerja else len(RATING_ORDER),
            RATING_ORDER.index(Rating(s.rating_perilaku)) if s.rating_perilaku else len(RATING_ORDER),
        )

    groups: dict[str, list[_Skp]] = defaultdict(list)
    for s in rated:
        groups[s.unit_code].append(s)
    out: list[RankingRow] = []
    for unit_code, members in sorted(groups.items()):
        members.sort(key=lambda s: (key(s), s.nip))
        rank = 0
        for i, s in enumerate(members):
            if i == 0 or key(s) != key(members[i - 1]):
                rank = i + 1
            out.append(
                RankingRow(
                    unit_code=unit_code,
                    unit_name=s.unit_name,
                    jabatan_type=s.jabatan_type,
                    rank=rank,
                    of=len(members),
                    nip=s.nip,
                    name=s.name,
                    jabatan_name=s.jabatan_name,
                    predikat=s.predikat or "",
                    rating_hasil_kerja=s.rating_hasil_kerja,
                    rating_perilaku=s.rating_perilaku,
                    skp_id=s.skp_id,
                )
            )
    return out


def as_table(rows: list[AngkaKreditRow] | list[EligibilityRow] | list[RankingRow]) -> list[tuple[object, ...]]:
    """The rows as plain cells for CSV and XLSX: history as `2025: BAIK; 2026: -`, reasons joined."""
    out: list[tuple[object, ...]] = []
    for r in rows:
        if isinstance(r, EligibilityRow):
            history = "; ".join(f"{y}: {p or '-'}" for y, p in r.history.items())
            tubel = ", ".join(str(y) for y in r.tugas_belajar)
            out.append((r.nip, r.name, r.unit_code, r.jabatan_name, history, r.eligible, "; ".join(r.reasons), tubel))
        elif isinstance(r, AngkaKreditRow):
            out.append(tuple(str(v) if isinstance(v, Decimal) else v for v in vars(r).values()))
        else:
            out.append(tuple(vars(r).values()))
    return out
