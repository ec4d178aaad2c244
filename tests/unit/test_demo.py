"""The demo kabupaten generator: exact sizes, a valid tree, realistic NIPs, determinism and scale."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from states.enums import JabatanType, JenisPegawai, Jenjang
from workflows.cases.org.imports import OrgImport, PegawaiIn
from workflows.simulation.demo import DEMO_PASSWORD, TIMEZONE, demo_logins, generate_kabupaten

KEAHLIAN = {Jenjang.AHLI_PERTAMA, Jenjang.AHLI_MUDA, Jenjang.AHLI_MADYA}
KETERAMPILAN = {Jenjang.TERAMPIL, Jenjang.MAHIR, Jenjang.PENYELIA}


@pytest.fixture(scope="module")
def kabupaten() -> OrgImport:
    return generate_kabupaten()


def check_nip(p: PegawaiIn) -> None:
    nip = p.nip
    assert len(nip) == 18, nip
    assert nip.isdigit(), nip
    born = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    year, marker = int(nip[8:12]), int(nip[12:14])
    if p.jenis is JenisPegawai.PPPK:
        assert marker == 21, nip  # PPPK: year of appointment then "21" instead of the TMT month
        assert 20 <= year - born.year <= 57, nip
    else:
        assert 1 <= marker <= 12, nip
        assert 18 <= year - born.year <= 35, nip  # CPNS are appointed at 18 to 35
    assert year <= 2025, nip
    assert nip[14] in "12", nip
    assert nip[15:] != "000", nip


def check_invariants(payload: OrgImport) -> None:
    """Everything the importer relies on: a rooted tree, parents first, heads inside their own units."""
    assert OrgImport.model_validate(payload.model_dump()) == payload

    codes = [u.code for u in payload.units]
    assert len(codes) == len(set(codes))
    roots = [u for u in payload.units if u.parent_code is None]
    assert roots == [payload.units[0]]
    seen: set[str] = set()
    for unit in payload.units:
        assert unit.parent_code is None or unit.parent_code in seen, f"{unit.code} before its parent"
        seen.add(unit.code)
        assert unit.timezone == (TIMEZONE if unit.parent_code is None else None)

    by_nip = {p.nip: p for p in payload.pegawai}
    assert len(by_nip) == len(payload.pegawai), "NIPs must be unique"
    for p in payload.pegawai:
        check_nip(p)
        assert p.unit_code in seen
        assert (p.jenjang is not None) == (p.jabatan_type is JabatanType.FUNGSIONAL), p
        if p.atasan_nip is not None:
            assert p.atasan_nip in by_nip
            assert p.atasan_nip != p.nip

    head_nips = [u.head_nip for u in payload.units]
    assert len(head_nips) == len(set(head_nips)), "nobody heads two units"
    heads = set(head_nips)
    for unit in payload.units:
        assert unit.head_nip is not None
        assert by_nip[unit.head_nip].unit_code == unit.code, f"head of {unit.code} is not in it"
    assert all(p.nip in heads for p in payload.pegawai if p.is_plt), "only unit heads are Plt"


@pytest.mark.parametrize(
    ("pegawai", "min_units", "max_units"),
    [
        (1, 1, 1),
        (2, 1, 1),
        (10, 2, 3),
        (50, 5, 10),
        (500, 50, 100),
        (3000, 400, 600),
    ],
)
def test_sizes_are_exact_and_the_tree_is_valid(pegawai: int, min_units: int, max_units: int) -> None:
    payload = generate_kabupaten(pegawai=pegawai)

    assert len(payload.pegawai) == pegawai
    assert min_units <= len(payload.units) <= max_units
    check_invariants(payload)


@given(pegawai=st.integers(min_value=1, max_value=2500), seed=st.integers(min_value=0, max_value=2**32))
@settings(max_examples=25, deadline=None)
def test_any_size_and_seed_gives_a_valid_payload(pegawai: int, seed: int) -> None:
    payload = generate_kabupaten(pegawai=pegawai, seed=seed)

    assert len(payload.pegawai) == pegawai
    check_invariants(payload)


def test_the_sekda_heads_the_root_and_has_no_atasan(kabupaten: OrgImport) -> None:
    root = kabupaten.units[0]
    sekda = next(p for p in kabupaten.pegawai if p.nip == root.head_nip)

    assert root.name == "Pemerintah Kabupaten Contoh"
    assert (sekda.jabatan_type, sekda.jabatan_name) == (JabatanType.JPT, "Sekretaris Daerah")
    assert sekda.atasan_nip is None
    assert not sekda.is_plt
    assert kabupaten.instansi is not None
    assert kabupaten.instansi.name == "Kabupaten Contoh"


def test_the_default_size_has_about_thirty_perangkat_daerah(kabupaten: OrgImport) -> None:
    perangkat = [u for u in kabupaten.units if u.parent_code == kabupaten.units[0].code]
    names = {u.name for u in perangkat}

    assert 25 <= len(perangkat) <= 35
    assert {"Dinas Pendidikan", "Dinas Kesehatan", "Inspektorat Daerah"} <= names
    assert any(name.startswith("Kecamatan ") for name in names)
    assert any(u.name.startswith("UPTD Puskesmas ") for u in kabupaten.units)
    assert any(u.name.startswith("SD Negeri ") for u in kabupaten.units)


def test_heads_hold_the_jabatan_their_level_calls_for(kabupaten: OrgImport) -> None:
    by_nip = {p.nip: p for p in kabupaten.pegawai}
    depth = {kabupaten.units[0].code: 0}
    types_by_depth: dict[int, Counter[JabatanType]] = {}
    for unit in kabupaten.units[1:]:
        assert unit.parent_code is not None
        depth[unit.code] = depth[unit.parent_code] + 1
        head = by_nip[unit.head_nip or ""]
        if not head.is_plt:
            types_by_depth.setdefault(depth[unit.code], Counter())[head.jabatan_type] += 1

    assert set(types_by_depth[1]) == {JabatanType.JPT, JabatanType.ADMINISTRATOR}  # kepala dinas, camat
    assert types_by_depth[1][JabatanType.JPT] > types_by_depth[1][JabatanType.ADMINISTRATOR]
    assert types_by_depth[2].most_common(1)[0][0] is JabatanType.ADMINISTRATOR  # sekretaris, kepala bidang
    assert types_by_depth[3].most_common(1)[0][0] is JabatanType.PENGAWAS  # kepala seksi, subbagian


def test_jenjang_matches_the_kind_of_jabatan_fungsional(kabupaten: OrgImport) -> None:
    fungsional = [p for p in kabupaten.pegawai if p.jabatan_type is JabatanType.FUNGSIONAL]
    jenjang = Counter(p.jenjang for p in fungsional)

    assert set(jenjang) <= KEAHLIAN | KETERAMPILAN
    assert all(jenjang[j] > 0 for j in KEAHLIAN | KETERAMPILAN)
    for p in fungsional:
        keahlian = "Ahli" in p.jabatan_name
        assert (p.jenjang in KEAHLIAN) == keahlian, p.jabatan_name
    jabatan = " ".join(p.jabatan_name for p in fungsional)
    for expected in ("Guru Ahli", "Dokter Ahli", "Perawat Terampil", "Auditor Ahli", "Pranata Komputer"):
        assert expected in jabatan


@pytest.mark.parametrize("pegawai", [3000, 20_000])
def test_about_a_fifth_are_pppk_mostly_in_jabatan_fungsional(pegawai: int) -> None:
    payload = generate_kabupaten(pegawai=pegawai)
    pppk = [p for p in payload.pegawai if p.jenis is JenisPegawai.PPPK]
    heads = {u.head_nip for u in payload.units}

    assert 0.10 <= len(pppk) / pegawai <= 0.30
    assert not any(p.nip in heads for p in pppk), "heads are PNS"
    fungsional = sum(p.jabatan_type is JabatanType.FUNGSIONAL for p in pppk)
    assert fungsional / len(pppk) > 0.6


def test_plt_heads_fill_vacant_units_from_a_lower_level(kabupaten: OrgImport) -> None:
    order = [JabatanType.JPT, JabatanType.ADMINISTRATOR, JabatanType.PENGAWAS, JabatanType.FUNGSIONAL]
    by_nip = {p.nip: p for p in kabupaten.pegawai}
    by_code = {u.code: u for u in kabupaten.units}
    plt = [p for p in kabupaten.pegawai if p.is_plt]

    assert 1 <= len(plt) <= 0.03 * len(kabupaten.units)
    assert JabatanType.PENGAWAS in {p.jabatan_type for p in plt}, "e.g. a Pengawas acting as kepala bidang"
    for p in plt:
        assert "Plt." in p.jabatan_name
        unit = by_code[p.unit_code]
        assert unit.head_nip == p.nip
        titular = [
            by_nip[u.head_nip or ""].jabatan_type
            for u in kabupaten.units
            if u.parent_code == unit.parent_code and not by_nip[u.head_nip or ""].is_plt
        ]
        if titular:
            assert order.index(p.jabatan_type) > order.index(Counter(titular).most_common(1)[0][0])


def test_atasan_overrides_send_ahli_madya_to_the_jpt_of_their_perangkat_daerah(kabupaten: OrgImport) -> None:
    by_nip = {p.nip: p for p in kabupaten.pegawai}
    by_code = {u.code: u for u in kabupaten.units}
    overrides = [p for p in kabupaten.pegawai if p.atasan_nip is not None]

    assert overrides
    for p in overrides:
        assert p.jenjang is Jenjang.AHLI_MADYA
        atasan = by_nip[p.atasan_nip or ""]
        unit = by_code[p.unit_code]
        ancestors = []
        while unit.parent_code is not None:
            unit = by_code[unit.parent_code]
            ancestors.append(unit.code)
        assert atasan.unit_code in ancestors, "the override skips levels upward, never sideways"
        assert by_code[atasan.unit_code].head_nip == atasan.nip
        assert by_code[atasan.unit_code].parent_code == kabupaten.units[0].code


def test_names_are_indonesian_with_academic_titles(kabupaten: OrgImport) -> None:
    names = [p.name for p in kabupaten.pegawai]

    assert len(set(names)) > 0.7 * len(names)
    for title in ("S.Pd.", "S.Kep.", "dr. ", "S.T.", "M.Si."):
        assert any(title in name for name in names), title
    assert any(name.startswith(("I Made ", "I Wayan ", "Ni ")) for name in names)
    assert any(name.startswith("Andi ") for name in names)


@pytest.mark.parametrize(
    ("first", "second", "equal"),
    [
        ({"seed": 7}, {"seed": 7}, True),
        ({}, {"seed": 2026, "pegawai": 3000, "name": "Kabupaten Contoh"}, True),
        ({"seed": 7}, {"seed": 8}, False),
        ({"name": "Kabupaten Contoh"}, {"name": "Kabupaten Sukamaju"}, False),
    ],
)
def test_the_same_arguments_give_the_same_payload(
    first: dict[str, object], second: dict[str, object], equal: bool
) -> None:
    a = generate_kabupaten(**first)  # type: ignore[arg-type]
    b = generate_kabupaten(**second)  # type: ignore[arg-type]

    assert (a.model_dump_json() == b.model_dump_json()) is equal


def test_different_seeds_change_people_not_just_order() -> None:
    a = generate_kabupaten(pegawai=500, seed=1)
    b = generate_kabupaten(pegawai=500, seed=2)

    assert len({p.nip for p in a.pegawai} & {p.nip for p in b.pegawai}) < 5


def test_four_demo_logins_form_one_chain_of_penilai(kabupaten: OrgImport) -> None:
    logins = demo_logins(kabupaten)
    with_password = [p for p in kabupaten.pegawai if p.password is not None]
    by_nip = {p.nip: p for p in kabupaten.pegawai}
    head_of = {u.code: u.head_nip for u in kabupaten.units}
    parent = {u.code: u.parent_code for u in kabupaten.units}

    assert len(logins) == 4
    assert {p.password for p in with_password} == {DEMO_PASSWORD}
    assert [nip for nip, _, _ in logins] == [p.nip for p in with_password]
    sekda, kadis, kabid, staff = (by_nip[nip] for nip, _, _ in logins)
    assert sekda.nip == kabupaten.units[0].head_nip
    assert kadis.jabatan_type is JabatanType.JPT
    assert kabid.jabatan_type is JabatanType.ADMINISTRATOR
    assert staff.jabatan_type in (JabatanType.PELAKSANA, JabatanType.FUNGSIONAL)
    assert head_of[staff.unit_code] == kabid.nip
    assert head_of[parent[kabid.unit_code] or ""] == kadis.nip
    assert head_of[parent[kadis.unit_code] or ""] == sekda.nip
    assert all(name and description for _, name, description in logins)
    assert "bupati" in logins[0][2]


@pytest.mark.parametrize(("pegawai", "logins"), [(1, 1), (10, 3), (50, 4)])
def test_small_demos_still_offer_logins(pegawai: int, logins: int) -> None:
    assert len(demo_logins(generate_kabupaten(pegawai=pegawai))) == logins


def test_pegawai_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        generate_kabupaten(pegawai=0)


@pytest.mark.slow
def test_a_hundred_thousand_pegawai_have_exact_count_and_unique_nips() -> None:
    # speed is measured in bench/, never asserted in a unit test
    payload = generate_kabupaten(pegawai=100_000)
    assert len(payload.pegawai) == 100_000
    assert len({p.nip for p in payload.pegawai}) == 100_000
    units = Counter(u.code.split(".")[-1].rstrip("0123456789") for u in payload.units)
    assert units["SD"] > 500, "scale comes from more schools, puskesmas and other UPT"
    assert units["PKM"] > 100
    staff_per_unit = 100_000 / len(payload.units)
    assert 20 <= staff_per_unit <= 100
