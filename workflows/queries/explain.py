"""Every decision on one SKP explained (issue 17 item 8, first part): for its predikat (the kuadran cell, and the
unit's capaian for a unit head), each periodic predikat, the distribution curve it is checked against, the
follow-up case its result opens, and each deadline step the sweep took — each naming the policy setting that
produced it (`rule`), a sentence in Bahasa Indonesia and English, the policy version, and the inputs it read.
The sentences come from the message catalogue (`explain.*`, states/locales/), as a refusal's do.

Read at request time from the same pure rules the use cases apply, with the SKP's cycle policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import follow_up, kuadran
from policies.deadlines import anchored_on
from policies.schema import DeadlineKey, Policy
from policies.unit_head import rating_for_unit_head
from states.enums import CapaianLevel, JabatanType, JenisPegawai, Predikat, Rating
from states.messages import Said, sentence
from workflows.actors import Actor
from workflows.cases import policy_store, skps
from workflows.cases.annual import annual_predikat
from workflows.cases.skps.loading import load
from workflows.store.tables import Cycle, DeadlineStep, Evaluation, Pegawai, Skp, Unit

JABATAN = {
    JabatanType.JPT: "jabatan pimpinan tinggi",
    JabatanType.ADMINISTRATOR: "jabatan administrator",
    JabatanType.PENGAWAS: "jabatan pengawas",
    JabatanType.PELAKSANA: "jabatan pelaksana",
    JabatanType.FUNGSIONAL: "jabatan fungsional",
}
"""The jabatan types by their names in the regulation (kept in Indonesian in both languages, as domain terms)."""


@dataclass(frozen=True)
class Reason:
    rule: str  # the policy setting (or rule of the regulation) that decided: "kuadran", "follow_up.rules[0]", …
    subject: str  # what it decided: "predikat", "predikat.period.3", "distribution", "follow_up", "deadline"
    text_id: str
    text_en: str
    policy: str  # "<name> <version>" of the cycle's pinned policy
    inputs: dict[str, object] = field(default_factory=dict)
    at: datetime | None = None

    @classmethod
    def said(
        cls,
        rule: str,
        subject: str,
        said: Said,
        policy: str,
        *,
        inputs: dict[str, object],
        at: datetime | None = None,
    ) -> Reason:
        return cls(rule, subject, said["id"], said["en"], policy, inputs, at)


@dataclass(frozen=True)
class Explanation:
    skp_id: int
    reasons: list[Reason]


def explain(session: Session, skp_id: int, *, actor: Actor) -> Explanation:
    """What decided the SKP's results and steps, for anyone who may read the SKP."""
    skp, cycle, _ = load(session, skp_id, actor)
    policy = policy_store.cycle_policy(session, cycle)
    version = f"{policy.name} {policy.version}"
    reasons: list[Reason] = []
    unit = session.get_one(Unit, skp.unit_id)
    pegawai = session.get_one(Pegawai, skp.pegawai_id)
    heads_unit = unit.head_id == skp.pegawai_id
    if skp.predikat and skp.rating_perilaku and skp.rating_hasil_kerja:
        level = skps.capaian_level(session, skp.cycle_id, skp.unit_id, skps.ANNUAL)
        if heads_unit and level is not None:
            reasons.append(_unit_head(policy, version, level, "predikat"))
        reasons.append(_kuadran(policy, version, skp.rating_hasil_kerja, skp.rating_perilaku, "predikat"))
        reasons.append(_follow_up(session, policy, version, skp, cycle=cycle, pegawai=pegawai))
    for period_no, hk, pk, p in session.execute(
        select(
            col(Evaluation.period_no),
            col(Evaluation.rating_hasil_kerja),
            col(Evaluation.rating_perilaku),
            col(Evaluation.predikat),
        )
        .where(col(Evaluation.skp_id) == skp_id, col(Evaluation.predikat).is_not(None))
        .order_by(col(Evaluation.period_no))
    ).tuples():
        if hk and pk and p:
            reasons.append(_kuadran(policy, version, hk, pk, f"predikat.period.{period_no}"))
    reasons.append(_curve(session, policy, version, skp))
    reasons.extend(_deadline_steps(session, version, skp_id, mid_year=anchored_on(cycle.year, skp.periode_awal)))
    return Explanation(skp_id, reasons)


def _kuadran(policy: Policy, version: str, hk: str, pk: str, subject: str) -> Reason:
    found = kuadran.predikat(policy, Rating(hk), Rating(pk))
    return Reason.said(
        f"kuadran.{hk}.{pk}",
        subject,
        sentence("explain.kuadran", hasil_kerja=Rating(hk).label, perilaku=Rating(pk).label, predikat=found.label),
        version,
        inputs={"rating_hasil_kerja": hk, "rating_perilaku": pk, "predikat": found.value},
    )


def _unit_head(policy: Policy, version: str, level: CapaianLevel, subject: str) -> Reason:
    rating = rating_for_unit_head(policy, level)
    return Reason.said(
        f"unit_head_rating.{level.value}",
        subject,
        sentence("explain.unit_head", capaian=level.label, hasil_kerja=rating.label),
        version,
        inputs={"capaian": level.value, "rating_hasil_kerja": rating.value},
    )


def _follow_up(session: Session, policy: Policy, version: str, skp: Skp, *, cycle: Cycle, pegawai: Pegawai) -> Reason:
    years = max((r.years for r in policy.follow_up.consecutive), default=1)
    found = annual_predikat(
        session,
        instansi_id=cycle.instansi_id,
        years=range(cycle.year - years + 1, cycle.year),
        pegawai_ids=[skp.pegawai_id],
    )  # each earlier year's SKPs combined, as the follow-up dispatch reads them
    earlier = [
        a.predikat if (a := found.get((skp.pegawai_id, y))) else None
        for y in range(cycle.year - 1, cycle.year - years, -1)
    ]
    predikat = Predikat(skp.predikat or "")
    decision = follow_up.decide(
        policy,
        predikat,
        jenis=JenisPegawai(pegawai.jenis),
        jabatan_type=JabatanType(skp.jabatan_type),
        earlier=earlier,
    )
    case = sentence(f"explain.follow_up.{decision.kind.value if decision.kind else 'none'}")
    return Reason.said(
        decision.rule,
        "follow_up",
        sentence(
            "explain.follow_up",
            predikat=predikat.label,
            jenis=pegawai.jenis,
            jabatan=JABATAN[JabatanType(skp.jabatan_type)],
            case=case,
        ),
        version,
        inputs={
            "predikat": predikat.value,
            "jenis": pegawai.jenis,
            "jabatan_type": skp.jabatan_type,
            "earlier_years": [p.value if p else None for p in earlier],
            "opens": decision.kind.value if decision.kind else None,
        },
    )


def _curve(session: Session, policy: Policy, version: str, skp: Skp) -> Reason:
    dist = policy.distribution
    curve_unit = skps.curve_units(session, policy, [skp.unit_id])[skp.unit_id]
    level = skps.capaian_level(session, skp.cycle_id, curve_unit, skps.ANNUAL)
    counts = skps.curve_counts(session, skp.cycle_id, policy, [curve_unit]).get(curve_unit, {})
    broken = skps.curve_violations(session, skp.cycle_id, policy, [skp.unit_id])[skp.unit_id]
    code = session.get_one(Unit, curve_unit).code
    inputs: dict[str, object] = {
        "scope": dist.scope.value,
        "curve_unit": code,
        "capaian": level.value if level else None,
        "mode": dist.mode.value,
        "rounding": dist.rounding.value,
        "counts": {p.value: n for p, n in counts.items()},
        "violations": [str(v) for v in broken],
    }
    if level is None:
        said = sentence("explain.curve.unchecked", unit=code)
    elif broken:
        mode = "hard" if dist.mode.value == "hard" else "soft"
        said = sentence(f"explain.curve.broken.{mode}", unit=code, capaian=level.label, n=len(broken))
    else:
        said = sentence("explain.curve.holds", unit=code, capaian=level.label)
    return Reason.said("distribution", "distribution", said, version, inputs=inputs)


def _deadline_steps(session: Session, version: str, skp_id: int, *, mid_year: bool = False) -> list[Reason]:
    """The ladder steps taken for the SKP; a mid-year SKP's agreement steps also name the setting that timed them."""
    rows = session.execute(
        select(DeadlineStep)
        .where(col(DeadlineStep.entity_type) == "skp", col(DeadlineStep.entity_id) == skp_id)
        .order_by(col(DeadlineStep.taken_at), col(DeadlineStep.step_index))
    ).scalars()
    out: list[Reason] = []
    for step in rows:
        rule = f"deadlines.{step.deadline_key}.ladder[{step.step_index}]"
        if mid_year and step.deadline_key == DeadlineKey.SKP_AGREEMENT.value:
            rule = f"mid_year.agreement_working_days, {rule}"  # due from the SKP's own start
        due = f"{step.due_at:%Y-%m-%d %H:%M}"
        said = (
            sentence("explain.deadline.auto", deadline=step.deadline_key, due=due, action=step.auto_action)
            if step.auto_action
            else sentence("explain.deadline", deadline=step.deadline_key, due=due, action=step.action)
        )
        out.append(
            Reason.said(
                rule,
                "deadline",
                said,
                version,
                inputs={"due_at": step.due_at, "step_at": step.step_at, "action": step.action},
                at=step.taken_at,
            )
        )
    return out
