"""Who rates whom with acting SKs (Plt/Plh), when an SK runs, and whether its duty is an RHK Tambahan."""

from datetime import date

import pytest

from policies.acting import Phase, duty_text, overlaps, penilai_of, phase, rhk_tambahan
from policies.schema import ActingPolicy, Policy
from states.enums import ActingKind

# An instansi: Dinas (head Kadis) with two bidang, P2P (head Budi) and Yankes (head Rina), and staff in P2P.
DINAS, P2P, YANKES = 1, 2, 3
KADIS, BUDI, RINA, DEWI, JOKO, SEKDA = 10, 20, 30, 40, 50, 60
PARENT = {DINAS: None, P2P: DINAS, YANKES: DINAS}
HEADS = {DINAS: KADIS, P2P: BUDI, YANKES: RINA}
VACANT_P2P = HEADS | {P2P: None}
UNIT_OF = {KADIS: DINAS, BUDI: P2P, RINA: YANKES, DEWI: P2P, JOKO: P2P}


@pytest.mark.parametrize(
    ("case", "heads", "acting", "pegawai", "expected"),
    [
        ("no SK: the unit's head rates its staff", HEADS, {}, DEWI, BUDI),
        ("no SK: a head is rated by the head above", HEADS, {}, BUDI, KADIS),
        ("Plh during Budi's leave: Rina rates P2P's staff", HEADS, {P2P: RINA}, DEWI, RINA),
        ("Plh during leave: the head on leave is still rated above", HEADS, {P2P: RINA}, BUDI, KADIS),
        ("Plh: the Plh's own penilai does not change", HEADS, {P2P: RINA}, RINA, KADIS),
        ("a staff member is Plh of their own unit: rated by the head away", HEADS, {P2P: JOKO}, JOKO, BUDI),
        ("a staff member is Plh of their own unit: rates the others", HEADS, {P2P: JOKO}, DEWI, JOKO),
        ("vacant unit, no SK: staff go to the head above", VACANT_P2P, {}, DEWI, KADIS),
        ("definitive head Rina also Plt of vacant P2P", VACANT_P2P, {P2P: RINA}, DEWI, RINA),
        ("the Plt stays rated in her own post", VACANT_P2P, {P2P: RINA}, RINA, KADIS),
        (
            "Kabid Budi is Plh of the Dinas while Kadis is away: Kadis still rates him",
            HEADS,
            {DINAS: BUDI},
            BUDI,
            KADIS,
        ),
        ("Budi as Plh of the Dinas rates the other kabid", HEADS, {DINAS: BUDI}, RINA, BUDI),
        (
            "Budi Plt of the vacant Dinas: nobody above in this instansi",
            HEADS | {DINAS: None},
            {DINAS: BUDI},
            BUDI,
            None,
        ),
        ("SK ended: back to the head", HEADS, {}, JOKO, BUDI),
        ("an SK elsewhere changes nothing here", HEADS, {YANKES: KADIS}, DEWI, BUDI),
    ],
)
def test_who_rates_whom(
    case: str, heads: dict[int, int | None], acting: dict[int, int], pegawai: int, expected: int | None
) -> None:
    assert penilai_of(pegawai, UNIT_OF[pegawai], PARENT, heads, acting) == expected, case


def test_a_kabid_who_is_plt_of_the_vacant_dinas_is_rated_above_it() -> None:
    parent = PARENT | {DINAS: 0, 0: None}
    heads = HEADS | {0: SEKDA, DINAS: None}
    assert penilai_of(BUDI, P2P, parent, heads, {DINAS: BUDI}) == SEKDA


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 2, 28), Phase.scheduled),
        (date(2026, 3, 1), Phase.running),  # the first day is included
        (date(2026, 3, 31), Phase.running),  # so is the last
        (date(2026, 4, 1), Phase.ended),
    ],
)
def test_an_sk_runs_from_its_first_to_its_last_day(day: date, expected: Phase) -> None:
    assert phase(date(2026, 3, 1), date(2026, 3, 31), day) is expected


MARCH = (date(2026, 3, 1), date(2026, 3, 31))


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        ((date(2026, 2, 1), date(2026, 2, 28)), False),
        ((date(2026, 2, 1), date(2026, 3, 1)), True),  # one shared day is an overlap
        ((date(2026, 3, 10), date(2026, 3, 12)), True),
        ((date(2026, 3, 31), date(2026, 5, 1)), True),
        ((date(2026, 4, 1), date(2026, 5, 1)), False),
    ],
)
def test_overlap_of_two_sks(other: tuple[date, date], expected: bool) -> None:
    assert overlaps(MARCH, other) is expected
    assert overlaps(other, MARCH) is expected


@pytest.mark.parametrize(
    ("policy", "kind", "expected"),
    [
        (ActingPolicy(), ActingKind.PLT, True),
        (ActingPolicy(), ActingKind.PLH, False),
        (ActingPolicy(rhk_tambahan_plt=False), ActingKind.PLT, False),
        (ActingPolicy(rhk_tambahan_plh=True), ActingKind.PLH, True),
    ],
)
def test_the_acting_duty_as_rhk_tambahan_is_policy(policy: ActingPolicy, kind: ActingKind, expected: bool) -> None:
    assert rhk_tambahan(policy, kind) is expected


def test_the_preset_counts_a_plt_duty_and_not_a_plh(preset: Policy) -> None:
    assert (preset.acting.rhk_tambahan_plt, preset.acting.rhk_tambahan_plh) == (True, False)


def test_the_duty_names_the_post_the_sk_and_its_days() -> None:
    assert duty_text(ActingKind.PLH, "Bidang P2P", "SK 800/1", date(2026, 3, 1), date(2026, 3, 14)) == (
        "Melaksanakan tugas sebagai Pelaksana Harian (Plh.) Kepala Bidang P2P (SK 800/1, 2026-03-01 s.d. 2026-03-14)"
    )
