"""The quality rules, one statement each over the whole cycle, and `check`, which runs the ones asked for.

Over 400 lines on purpose: thirteen rules of about thirty lines each, beside the table (`RULES`) that names them and
the row shape they share; a rule reads best next to the others it must not overlap."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from policies import approach, distribution
from policies.schema import Policy, QualitativeUse, QualityRule
from states.enums import Approach, JenisRhk
from workflows.cases import skps
from workflows.store.tables import (
    Evaluation,
    Evidence,
    Feedback,
    Indikator,
    Pegawai,
    Realisasi,
    Rhk,
    Skp,
    Unit,
)


@dataclass(slots=True)  # not frozen: a report may hold 10^5 of them, and frozen ones cost twice as much to make
class Problem:
    rule: str
    severity: str
    unit: str  # unit code
    message: str  # Bahasa Indonesia, then English
    nip: str | None = None
    skp_id: int | None = None


class SkpRow(NamedTuple):
    skp_id: int
    pegawai_id: int
    nip: str
    unit_id: int
    unit_code: str
    unit_path: str
    penilai_id: int | None
    top: bool  # heads a root unit: rated outside the instansi's tree (kepala daerah), no penilai expected


def _problem(policy: Policy, rule: QualityRule, skp: SkpRow, id_: str, en: str) -> Problem:
    return Problem(
        rule=rule.value,
        severity=policy.quality.severity[rule].value,
        unit=skp.unit_code,
        nip=skp.nip,
        skp_id=skp.skp_id,
        message=f"{id_} / {en}",
    )


def targets_missing(session: Session, cycle_id: int, policy: Policy, seen: dict[int, SkpRow]) -> list[Problem]:
    """target_missing: a quantitative indikator with no target or a target of zero (it cannot be measured); a
    qualitative one has an ekspektasi instead (ekspektasi_missing)."""
    found: dict[int, int] = defaultdict(int)
    q = (
        select(col(Rhk.skp_id), func.count())
        .join(Indikator, col(Indikator.rhk_id) == col(Rhk.id))
        .join(Skp, col(Skp.id) == col(Rhk.skp_id))
        .where(
            col(Skp.cycle_id) == cycle_id,
            col(Indikator.approach) != Approach.KUALITATIF.value,
            (col(Indikator.target).is_(None)) | (col(Indikator.target) == 0),
        )
        .group_by(col(Rhk.skp_id))
    )
    for skp_id, n in session.execute(q).tuples():
        found[skp_id] = n
    return [
        _problem(
            policy,
            QualityRule.TARGET_MISSING,
            seen[i],
            f"{n} indikator tanpa target atau bertarget nol",
            f"{n} indicator(s) with no target or a target of zero",
        )
        for i, n in found.items()
        if i in seen
    ]


def utama_without_intervensi(session: Session, cycle_id: int, policy: Policy, seen: dict[int, SkpRow]) -> list[Problem]:
    """utama_without_intervensi: an RHK Utama that intervenes no RHK of the penilai, whose SKP in the cycle has RHK."""
    atasan_skp, atasan_rhk = aliased(Skp), aliased(Rhk)
    q = (
        select(col(Rhk.skp_id), func.count())
        .join(Skp, col(Skp.id) == col(Rhk.skp_id))
        .where(
            col(Skp.cycle_id) == cycle_id,
            col(Rhk.jenis) == JenisRhk.UTAMA.value,
            col(Rhk.intervensi_rhk_id).is_(None),
            exists()
            .where(
                col(atasan_skp.cycle_id) == cycle_id,
                col(atasan_skp.pegawai_id) == col(Skp.penilai_id),
                col(atasan_rhk.skp_id) == col(atasan_skp.id),
            )
            .correlate(Skp),
        )
        .group_by(col(Rhk.skp_id))
    )
    return [
        _problem(
            policy,
            QualityRule.UTAMA_WITHOUT_INTERVENSI,
            seen[i],
            f"{n} RHK Utama tidak mengintervensi RHK atasan",
            f"{n} RHK Utama intervene(s) no RHK of the atasan",
        )
        for i, n in session.execute(q).tuples()
        if i in seen
    ]


def orphan_atasan_rhk(session: Session, cycle_id: int, policy: Policy, seen: dict[int, SkpRow]) -> list[Problem]:
    """orphan_atasan_rhk: an RHK Utama of a penilai (someone in the cycle has them as penilai) that no bawahan
    intervenes. An RHK Tambahan is the penilai's own additional work and is not cascaded."""
    bawahan, child = aliased(Skp), aliased(Rhk)
    q = (
        select(col(Rhk.skp_id), col(Rhk.position))
        .join(Skp, col(Skp.id) == col(Rhk.skp_id))
        .where(
            col(Skp.cycle_id) == cycle_id,
            col(Rhk.jenis) == JenisRhk.UTAMA.value,
            exists()
            .where(col(bawahan.cycle_id) == cycle_id, col(bawahan.penilai_id) == col(Skp.pegawai_id))
            .correlate(Skp),
            ~exists().where(col(child.intervensi_rhk_id) == col(Rhk.id)).correlate(Rhk),
        )
        .order_by(col(Rhk.skp_id), col(Rhk.position))
    )
    return [
        _problem(
            policy,
            QualityRule.ORPHAN_ATASAN_RHK,
            seen[i],
            f"RHK nomor {pos} tidak diintervensi bawahan mana pun",
            f"RHK number {pos} is intervened by no bawahan",
        )
        for i, pos in session.execute(q).tuples()
        if i in seen
    ]


def duplicate_rhk_text(session: Session, cycle_id: int, policy: Policy, seen: dict[int, SkpRow]) -> list[Problem]:
    """duplicate_rhk_text: the same RHK text (ignoring case and surrounding spaces) in two SKPs of one team (the
    bawahan of one penilai)."""
    # each (team, text, SKP) once; a window counts the team's SKPs per text without joining the texts back
    texts = (
        select(
            col(Skp.penilai_id).label("team"), func.lower(func.trim(col(Rhk.text))).label("t"), col(Skp.id).label("s")
        )
        .join(Rhk, col(Rhk.skp_id) == col(Skp.id))
        .where(col(Skp.cycle_id) == cycle_id, col(Skp.penilai_id).is_not(None))
        .distinct()
        .subquery()
    )
    shared = select(texts.c.s, func.count().over(partition_by=(texts.c.team, texts.c.t)).label("n")).subquery()
    q = select(shared.c.s, func.count()).where(shared.c.n > 1).group_by(shared.c.s)
    return [
        _problem(
            policy,
            QualityRule.DUPLICATE_RHK_TEXT,
            seen[i],
            f"{n} RHK bertulisan sama dengan RHK rekan satu tim",
            f"{n} RHK with the same text as a teammate's",
        )
        for i, n in session.execute(q).tuples()
        if i in seen
    ]


def realisasi_without_evidence(
    session: Session, cycle_id: int, policy: Policy, seen: dict[int, SkpRow]
) -> list[Problem]:
    """realisasi_without_evidence: a realisasi with a value or text but no bukti dukung, where
    `quality.evidence_required`."""
    if not policy.quality.evidence_required:
        return []
    q = (
        select(col(Evaluation.skp_id), col(Evaluation.period_no), func.count())
        .join(Realisasi, col(Realisasi.evaluation_id) == col(Evaluation.id))
        .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
        .where(
            col(Skp.cycle_id) == cycle_id,
            (col(Realisasi.value).is_not(None)) | (col(Realisasi.text) != ""),
            ~exists().where(col(Evidence.realisasi_id) == col(Realisasi.id)).correlate(Realisasi),
        )
        .group_by(col(Evaluation.skp_id), col(Evaluation.period_no))
    )
    return [
        _problem(
            policy,
            QualityRule.REALISASI_WITHOUT_EVIDENCE,
            seen[i],
            f"periode {period}: {n} realisasi tanpa bukti dukung",
            f"period {period}: {n} realisasi without bukti dukung",
        )
        for i, period, n in session.execute(q).tuples()
        if i in seen
    ]


def rating_without_feedback(session: Session, cycle_id: int, policy: Policy, seen: dict[int, SkpRow]) -> list[Problem]:
    """rating_without_feedback: a periodic rating (an evaluation with a predikat) with no umpan balik recorded for
    that period, or an annual predikat with no umpan balik at all."""
    periodic = (
        select(col(Evaluation.skp_id), col(Evaluation.period_no))
        .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
        .where(
            col(Skp.cycle_id) == cycle_id,
            col(Evaluation.predikat).is_not(None),
            ~exists()
            .where(col(Feedback.skp_id) == col(Evaluation.skp_id), col(Feedback.period_no) == col(Evaluation.period_no))
            .correlate(Evaluation),
        )
    )
    annual = (
        select(col(Skp.id), func.min(0))
        .where(
            col(Skp.cycle_id) == cycle_id,
            col(Skp.predikat).is_not(None),
            ~exists().where(col(Feedback.skp_id) == col(Skp.id)).correlate(Skp),
        )
        .group_by(col(Skp.id))
    )
    out = []
    for i, period in session.execute(periodic.union_all(annual)).tuples():
        if i not in seen:
            continue
        when_id, when_en = (f"periode {period}", f"period {period}") if period else ("tahunan", "annual")
        out.append(
            _problem(
                policy,
                QualityRule.RATING_WITHOUT_FEEDBACK,
                seen[i],
                f"penilaian {when_id} tanpa umpan balik yang tercatat",
                f"{when_en} rating with no feedback recorded",
            )
        )
    return out


def distribution_violations(session: Session, cycle_id: int, policy: Policy, seen: dict[int, SkpRow]) -> list[Problem]:
    """distribution_violation: a unit whose annual predikat break the curve its capaian allows (the same check as
    GET /cycles/{id}/units/{unit}/distribution, for all units at once)."""
    units = {s.unit_id: s for s in seen.values()}
    curve_of = skps.curve_units(session, policy, units)
    levels = skps.curve_levels(session, cycle_id, set(curve_of.values()))
    counts = skps.curve_counts(session, cycle_id, policy, set(levels))
    out = []
    for unit_id, curve_unit in curve_of.items():
        if curve_unit != unit_id or curve_unit not in levels:
            continue  # a curve is reported once, on its own unit
        for v in distribution.check(policy, levels[curve_unit], counts.get(curve_unit, {})):
            out.append(
                Problem(
                    rule=QualityRule.DISTRIBUTION_VIOLATION.value,
                    severity=policy.quality.severity[QualityRule.DISTRIBUTION_VIOLATION].value,
                    unit=units[unit_id].unit_code,
                    message=f"distribusi predikat melanggar kurva: {v.message.said()['id']} / "
                    f"the predikat distribution breaks the curve: {v.message}",
                )
            )
    return out


def no_penilai(session: Session, cycle_id: int, policy: Policy, seen: dict[int, SkpRow]) -> list[Problem]:
    """no_penilai: an SKP with no pejabat penilai (but the head of the instansi's root unit's)."""
    return [
        _problem(policy, QualityRule.NO_PENILAI, s, "pegawai tanpa pejabat penilai", "pegawai without a penilai")
        for s in seen.values()
        if s.penilai_id is None and not s.top
    ]


def penilai_overloaded(session: Session, cycle_id: int, policy: Policy, seen: dict[int, SkpRow]) -> list[Problem]:
    """penilai_overloaded: a penilai who rates more than `quality.max_bawahan` SKPs in the cycle (reported on the
    penilai's own SKP)."""
    n_max = policy.quality.max_bawahan
    q = (
        select(col(Skp.penilai_id), func.count())
        .where(col(Skp.cycle_id) == cycle_id, col(Skp.penilai_id).is_not(None))
        .group_by(col(Skp.penilai_id))
        .having(func.count() > n_max)
    )
    own = {s.pegawai_id: s for s in seen.values()}
    return [
        _problem(
            policy,
            QualityRule.PENILAI_OVERLOADED,
            own[pid],
            f"menilai {n} bawahan, lebih dari {n_max}",
            f"rates {n} bawahan, more than {n_max}",
        )
        for pid, n in session.execute(q).tuples()
        if pid in own
    ]


def ekspektasi_missing(session: Session, cycle_id: int, policy: Policy, seen: dict[int, SkpRow]) -> list[Problem]:
    """ekspektasi_missing: a qualitative indikator without its ekspektasi (the penilai has nothing to rate against)."""
    q = (
        select(col(Rhk.skp_id), func.count())
        .join(Indikator, col(Indikator.rhk_id) == col(Rhk.id))
        .join(Skp, col(Skp.id) == col(Rhk.skp_id))
        .where(
            col(Skp.cycle_id) == cycle_id,
            col(Indikator.approach) == Approach.KUALITATIF.value,
            (col(Indikator.ekspektasi).is_(None)) | (func.trim(col(Indikator.ekspektasi)) == ""),
        )
        .group_by(col(Rhk.skp_id))
    )
    return [
        _problem(
            policy,
            QualityRule.EKSPEKTASI_MISSING,
            seen[i],
            f"{n} indikator kualitatif tanpa ekspektasi",
            f"{n} qualitative indicator(s) with no ekspektasi",
        )
        for i, n in session.execute(q).tuples()
        if i in seen
    ]


def approach_not_allowed(session: Session, cycle_id: int, policy: Policy, seen: dict[int, SkpRow]) -> list[Problem]:
    """approach_not_allowed: indikator whose approach the policy's `approach` section refuses for that SKP (by its
    jabatan type and unit): qualitative ones where it is off, quantitative ones where it is required."""
    rule = policy.approach
    if rule.qualitative is QualitativeUse.ALLOWED and not rule.rules:
        return []  # every approach is allowed everywhere
    q = (
        select(col(Rhk.skp_id), col(Skp.jabatan_type), col(Indikator.approach), func.count())
        .join(Indikator, col(Indikator.rhk_id) == col(Rhk.id))
        .join(Skp, col(Skp.id) == col(Rhk.skp_id))
        .where(col(Skp.cycle_id) == cycle_id)
        .group_by(col(Rhk.skp_id), col(Skp.jabatan_type), col(Indikator.approach))
    )
    found = [r for r in session.execute(q).tuples() if r[0] in seen]
    code_of: dict[int, str] = {}
    if rule.rules and found:  # the units of the SKPs' paths, once
        ids = {int(x) for i, *_ in found for x in seen[i].unit_path.strip("/").split("/") if x}
        units = session.execute(select(col(Unit.id), col(Unit.code)).where(col(Unit.id).in_(ids))).tuples()
        code_of = {uid or 0: code for uid, code in units}
    out = []
    for skp_id, jabatan_type, kind, n in found:
        s = seen[skp_id]
        codes = [code_of.get(int(x), "") for x in s.unit_path.strip("/").split("/") if x]
        use = approach.qualitative_use(policy, jabatan_type, codes)
        if kind == Approach.KUALITATIF.value and use is QualitativeUse.OFF:
            id_ = f"{n} indikator kualitatif, padahal kebijakan tidak membolehkannya"
            en = f"{n} qualitative indicator(s) the policy does not allow"
        elif kind != Approach.KUALITATIF.value and use is QualitativeUse.REQUIRED:
            id_ = f"{n} indikator kuantitatif, padahal kebijakan mewajibkan kualitatif"
            en = f"{n} quantitative indicator(s) where the policy requires qualitative ones"
        else:
            continue
        out.append(_problem(policy, QualityRule.APPROACH_NOT_ALLOWED, s, id_, en))
    return out


def qualitative_unrated(session: Session, cycle_id: int, policy: Policy, seen: dict[int, SkpRow]) -> list[Problem]:
    """qualitative_unrated: a rated period (an evaluation with a predikat) in which a qualitative indikator with
    realisasi got no rating of its own from the penilai."""
    q = (
        select(col(Evaluation.skp_id), col(Evaluation.period_no), func.count())
        .join(Realisasi, col(Realisasi.evaluation_id) == col(Evaluation.id))
        .join(Indikator, col(Indikator.id) == col(Realisasi.indikator_id))
        .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
        .where(
            col(Skp.cycle_id) == cycle_id,
            col(Evaluation.predikat).is_not(None),
            col(Indikator.approach) == Approach.KUALITATIF.value,
            col(Realisasi.rating).is_(None),
        )
        .group_by(col(Evaluation.skp_id), col(Evaluation.period_no))
    )
    return [
        _problem(
            policy,
            QualityRule.QUALITATIVE_UNRATED,
            seen[i],
            f"periode {period}: {n} indikator kualitatif dinilai tanpa rating per indikator",
            f"period {period}: {n} qualitative indicator(s) rated without a rating of their own",
        )
        for i, period, n in session.execute(q).tuples()
        if i in seen
    ]


Rule = Callable[[Session, int, Policy, dict[int, SkpRow]], list[Problem]]
RULES: dict[QualityRule, Rule] = {
    QualityRule.TARGET_MISSING: targets_missing,
    QualityRule.UTAMA_WITHOUT_INTERVENSI: utama_without_intervensi,
    QualityRule.ORPHAN_ATASAN_RHK: orphan_atasan_rhk,
    QualityRule.DUPLICATE_RHK_TEXT: duplicate_rhk_text,
    QualityRule.REALISASI_WITHOUT_EVIDENCE: realisasi_without_evidence,
    QualityRule.RATING_WITHOUT_FEEDBACK: rating_without_feedback,
    QualityRule.DISTRIBUTION_VIOLATION: distribution_violations,
    QualityRule.NO_PENILAI: no_penilai,
    QualityRule.PENILAI_OVERLOADED: penilai_overloaded,
    QualityRule.EKSPEKTASI_MISSING: ekspektasi_missing,
    QualityRule.APPROACH_NOT_ALLOWED: approach_not_allowed,
    QualityRule.QUALITATIVE_UNRATED: qualitative_unrated,
}


def skp_rows(session: Session, cycle_id: int) -> dict[int, SkpRow]:
    """Every SKP of the cycle with what the rules report it by: one statement for the SKPs, one for their units."""
    units = {
        uid: (code, path, parent is None, head)
        for uid, code, path, parent, head in session.execute(
            select(col(Unit.id), col(Unit.code), col(Unit.path), col(Unit.parent_id), col(Unit.head_id)).where(
                col(Unit.id).in_(select(col(Skp.unit_id)).where(col(Skp.cycle_id) == cycle_id))
            )
        ).tuples()
    }
    rows = session.execute(
        select(col(Skp.id), col(Skp.pegawai_id), col(Pegawai.nip), col(Skp.unit_id), col(Skp.penilai_id))
        .join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id))
        .where(col(Skp.cycle_id) == cycle_id)
        .order_by(col(Skp.id))
    ).tuples()
    out: dict[int, SkpRow] = {}
    for skp_id, pegawai_id, nip, unit_id, penilai_id in rows:
        code, path, root, head = units[unit_id]
        out[skp_id or 0] = SkpRow(
            skp_id or 0, pegawai_id, nip, unit_id, code, path, penilai_id, root and head == pegawai_id
        )
    return out


def check(
    session: Session, cycle_id: int, policy: Policy, seen: dict[int, SkpRow], rules: Iterable[QualityRule] = RULES
) -> list[Problem]:
    """The problems the given rules find among the `seen` SKPs, ordered by unit, rule and pegawai."""
    out: list[Problem] = []
    for rule in rules:
        out.extend(RULES[rule](session, cycle_id, policy, seen))
    return sorted(out, key=lambda p: (p.unit, p.rule, p.nip or "", p.skp_id or 0))
