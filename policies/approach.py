"""Pendekatan kuantitatif and kualitatif (domain.md §3.3): which approach an SKP may use, an indikator's rating
under either, and the rating hasil kerja those ratings give (domain.md §5.2) — one mechanism for both approaches."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from policies.schema import Policy, QualitativeUse
from states.enums import Approach, JenisRhk, Rating
from states.messages import Problem, located

MIXED = "CAMPURAN"
"""The pendekatan of an SKP whose indikator use both approaches."""


def qualitative_use(policy: Policy, jabatan_type: str | None, unit_codes: Iterable[str]) -> QualitativeUse:
    """The policy's `approach.qualitative` for an SKP: its jabatan type, and the codes of its unit and every unit
    above it (a rule naming a unit covers its subtree). The last matching rule wins."""
    codes = set(unit_codes)
    use = policy.approach.qualitative
    for rule in policy.approach.rules:
        by_jabatan = rule.jabatan_type is None or jabatan_type in {j.value for j in rule.jabatan_type}
        by_unit = rule.units is None or bool(codes & set(rule.units))
        if by_jabatan and by_unit:
            use = rule.qualitative
    return use


def indikator_problems(
    use: QualitativeUse, approach: Approach, target: float | None, ekspektasi: str | None, at: str
) -> list[Problem]:
    """What is wrong with one planned indikator under the SKP's `use`: a qualitative one has an ekspektasi and no
    numeric target; a quantitative one has a target (checked when the SKP is agreed) and no ekspektasi."""
    problems: list[Problem] = []
    described = bool(ekspektasi and ekspektasi.strip())
    if approach is Approach.KUALITATIF:
        if use is QualitativeUse.OFF:
            problems.append(Problem.say("input.approach.not_allowed", at=located(at)))
        if target is not None:
            problems.append(Problem.say("input.approach.no_target", at=located(at)))
        if not described:
            problems.append(Problem.say("input.approach.needs_ekspektasi", at=located(at)))
    else:
        if use is QualitativeUse.REQUIRED:
            problems.append(Problem.say("input.approach.required", at=located(at)))
        if described:
            problems.append(Problem.say("input.approach.no_ekspektasi", at=located(at)))
    return problems


def capaian_rating(policy: Policy, aspek: str, target: float | None, value: float | None) -> Rating | None:
    """A quantitative indikator's rating from its capaian (realisasi ÷ target, or target ÷ realisasi for an aspek
    where less is better); None when there is nothing to divide (no value, no target or a target of zero)."""
    if target is None or value is None or target <= 0:
        return None
    rule = policy.approach.numeric
    if aspek in {a.value for a in rule.lower_is_better}:
        if value <= 0:
            return Rating.DI_ATAS_EKSPEKTASI  # nothing spent (or no time taken) against a positive target
        capaian = target / value
    else:
        capaian = value / target
    if capaian >= rule.di_atas_from:
        return Rating.DI_ATAS_EKSPEKTASI
    if capaian >= rule.sesuai_from:
        return Rating.SESUAI_EKSPEKTASI
    return Rating.DI_BAWAH_EKSPEKTASI


def indikator_rating(
    policy: Policy,
    *,
    approach: str,
    aspek: str,
    target: float | None,
    value: float | None,
    given: Rating | None,
) -> Rating | None:
    """An indikator's rating for the period: the pejabat penilai's when given (a qualitative indikator has no other),
    else a quantitative indikator's capaian rating."""
    if given is not None:
        return given
    if approach == Approach.KUALITATIF.value:
        return None
    return capaian_rating(policy, aspek, target, value)


@dataclass(frozen=True)
class Rated:
    """One indikator as the rating hasil kerja reads it: its RHK's jenis, its text and its rating (None: unrated)."""

    jenis: str
    text: str
    rating: Rating | None


@dataclass(frozen=True)
class Derived:
    """The rating hasil kerja the indikator ratings give, or None with the Utama indikator that lack a rating."""

    rating: Rating | None
    unrated: tuple[str, ...] = ()


def hasil_kerja(policy: Policy, items: Sequence[Rated]) -> Derived:
    """Domain.md §5.2 over the indikator ratings: Di Bawah when most Utama indikator are below expectation; Di Atas
    when most are above and none below (a Tambahan above expectation may support it); Sesuai otherwise. Tambahan
    never lowers the rating. Every Utama indikator needs a rating."""
    utama = [i for i in items if i.jenis == JenisRhk.UTAMA.value]
    unrated = tuple(i.text for i in utama if i.rating is None)
    if unrated or not utama:
        return Derived(None, unrated)
    rule = policy.approach
    below = sum(i.rating is Rating.DI_BAWAH_EKSPEKTASI for i in utama)
    above = sum(i.rating is Rating.DI_ATAS_EKSPEKTASI for i in utama)
    support = (
        sum(i.jenis != JenisRhk.UTAMA.value and i.rating is Rating.DI_ATAS_EKSPEKTASI for i in items)
        if rule.tambahan_supports_above
        else 0
    )
    if below > rule.majority_share * len(utama):
        return Derived(Rating.DI_BAWAH_EKSPEKTASI)
    if below == 0 and above + support > rule.majority_share * (len(utama) + support):
        return Derived(Rating.DI_ATAS_EKSPEKTASI)
    return Derived(Rating.SESUAI_EKSPEKTASI)


def pendekatan(approaches: Iterable[str]) -> str | None:
    """An SKP's pendekatan for its header and exports: KUANTITATIF, KUALITATIF, or CAMPURAN when its indikator mix
    both; None without indikator."""
    found = set(approaches)
    if not found:
        return None
    return found.pop() if len(found) == 1 else MIXED
