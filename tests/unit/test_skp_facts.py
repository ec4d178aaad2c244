"""A transition gathers only the facts its guards read: every SKP guard names its sources, and reads no fact
outside them."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from states.enums import Rating
from states.lifecycle import TriggerInput
from states.skp import SKP, SkpFacts
from workflows.cases.skps import ATASAN, CAPAIAN, DISTRIBUTION, INPUT_360, OBJECTIONS, PLAN, SOURCES, STATUS

# Where each fact comes from; None: from the SKP and its cycle, always read.
FACT_SOURCES: dict[str, frozenset[str] | None] = {
    "proposed": None,
    "rhk_utama": frozenset({PLAN}),
    "rhk_utama_without_indicator": frozenset({PLAN}),
    "indicators_without_target": frozenset({PLAN}),
    "indicators_without_ekspektasi": frozenset({PLAN}),
    "top_jpt": None,
    "atasan_skp_agreed": frozenset({ATASAN}),
    "atasan": frozenset({ATASAN}),
    "atasan_agreed_by": frozenset({ATASAN}),
    "rhk_utama_not_intervening": frozenset({PLAN, ATASAN}),
    "cycle_state": None,
    "closing_for_mutasi": None,
    "unit_capaian_set": frozenset({CAPAIAN}),
    "unit_head_rating": frozenset({CAPAIAN}),
    "objection_settled": frozenset({OBJECTIONS}),
    "distribution_violations": frozenset({CAPAIAN, DISTRIBUTION}),
    "input_360_missing": frozenset({INPUT_360}),
    "status_excludes": frozenset({STATUS}),
}

# Two worlds that differ in every fact: a guard's verdict may change between them only through facts it may read.
HOLDING = SkpFacts(
    proposed=True,
    rhk_utama=1,
    atasan_skp_agreed=True,
    cycle_state="assessing",
    closing_for_mutasi=True,
    unit_capaian_set=True,
    objection_settled=True,
    status_excludes="tugas belajar mulai 2026-03-01",
)
FAILING = SkpFacts(
    proposed=False,
    rhk_utama=0,
    rhk_utama_without_indicator=("RHK 1",),
    indicators_without_target=("Indikator 1",),
    indicators_without_ekspektasi=("Indikator 2",),
    top_jpt=False,
    atasan_skp_agreed=False,
    atasan="Budi Kabid",
    atasan_agreed_by="Kadis",
    rhk_utama_not_intervening=("RHK 2",),
    cycle_state="planning",
    closing_for_mutasi=False,
    unit_capaian_set=False,
    unit_head_rating=Rating.DI_ATAS_EKSPEKTASI,
    objection_settled=False,
    distribution_violations=("at most 70% BAIK",),
    input_360_missing=("perilaku.input_360 is required: name at least one pemberi pertimbangan",),
)
INPUTS = (TriggerInput(), TriggerInput(note="n", reason="r", rating_perilaku=Rating.SESUAI_EKSPEKTASI))


def test_every_fact_and_guard_names_its_sources() -> None:
    assert set(FACT_SOURCES) == {f.name for f in fields(SkpFacts)}
    assert set(SOURCES) == set(SKP.guards)


@pytest.mark.parametrize("guard", sorted(SKP.guards))
@pytest.mark.parametrize("base", [HOLDING, FAILING], ids=["holding", "failing"])
def test_a_guard_reads_only_facts_from_its_sources(guard: str, base: SkpFacts) -> None:
    other = FAILING if base is HOLDING else HOLDING
    unread = {
        name: getattr(other, name)
        for name, needs in FACT_SOURCES.items()
        if needs is not None and not needs <= SOURCES[guard]  # not gathered when only this guard runs
    }
    for inp in INPUTS:
        assert list(SKP.guards[guard](base, inp)) == list(SKP.guards[guard](replace(base, **unread), inp))
