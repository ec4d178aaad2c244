"""A deterministic demo organisation: a realistic kabupaten as an `OrgImport` payload, at any size.

Its literal data (naming traditions, academic titles, the perangkat daerah) is `demo_kabupaten.yaml` beside this
module. What stays here is one generator, kept in one module on purpose: names, jabatan, the organisation's plan
and the pegawai draw from one seeded RNG in a fixed order, so the same seed gives the same kabupaten; splitting
it would spread that order over files that must then change together.
"""

from __future__ import annotations

import gc
import math
import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from itertools import accumulate
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from states.enums import JabatanType, JenisPegawai, Jenjang
from workflows.cases.org.imports import InstansiIn, OrgImport, PegawaiIn, UnitIn

DEMO_PASSWORD = "demo"
TIMEZONE = "Asia/Jakarta"

T = TypeVar("T")

# names, titles and perangkat daerah: literal data, kept beside this module
_DATA: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "demo_kabupaten.yaml").read_text(encoding="utf-8"))


class _Pick(Generic[T]):
    """A weighted choice with precomputed cumulative weights (random.choices recomputes them per call)."""

    __slots__ = ("_cum", "_items", "_total")

    def __init__(self, weighted: Sequence[tuple[T, float]]) -> None:
        self._items = tuple(item for item, _ in weighted)
        self._cum = list(accumulate(weight for _, weight in weighted))
        self._total = self._cum[-1]

    def __call__(self, rng: random.Random) -> T:
        return self._items[bisect(self._cum, rng.random() * self._total)]

    @property
    def items(self) -> tuple[T, ...]:
        return self._items

    def mean(self, value: dict[T, float]) -> float:
        weights = [b - a for a, b in zip([0.0, *self._cum[:-1]], self._cum, strict=True)]
        return sum(w * value[i] for i, w in zip(self._items, weights, strict=True)) / self._total


# --- names -------------------------------------------------------------------------------------------


class _Names:
    """Given names and family (or second) names of one naming tradition, given as space-separated words."""

    __slots__ = ("_first", "_last", "_prefix_share", "_prefixes")

    def __init__(
        self,
        male: str,
        female: str,
        male_last: str,
        female_last: str,
        *,
        prefixes: tuple[str, str] = ("", ""),  # (male, female) honorifics or birth-order names, "|"-separated
        prefix_share: float = 0.0,
    ) -> None:
        self._first = (tuple(male.split()), tuple(female.split()))
        self._last = (tuple(male_last.split()), tuple(female_last.split()))
        self._prefixes = tuple(tuple(p.split("|")) if p else () for p in prefixes)
        self._prefix_share = prefix_share

    def pick(self, rng: random.Random, female: bool) -> str:
        parts = [rng.choice(self._first[female])]
        if rng.random() >= 0.12:
            parts.append(rng.choice(self._last[female]))
        prefixes = self._prefixes[female]
        if prefixes and rng.random() < self._prefix_share:
            parts.insert(0, rng.choice(prefixes))
        return " ".join(parts)


_ETHNIC: _Pick[_Names] = _Pick(
    [
        (
            _Names(
                t["male"],
                t["female"],
                t["male_last"],
                t["female_last"],
                prefixes=tuple(t.get("prefixes", ("", ""))),
                prefix_share=t.get("prefix_share", 0.0),
            ),
            t["weight"],
        )
        for t in _DATA["names"]
    ]
)
# (gelar depan, gelar belakang) per kind of education.
_TITLES: dict[str, tuple[tuple[str, str], ...]] = {
    kind: tuple((depan, belakang) for depan, belakang in options) for kind, options in _DATA["titles"].items()
}
_TITLE_PICKS = {key: _Pick([(option, 1.0) for option in options]) for key, options in _TITLES.items()}


def _person_name(rng: random.Random, female: bool, title: str) -> str:
    full = _ETHNIC(rng).pick(rng, female)
    before, after = _TITLE_PICKS[title](rng)
    if before:
        full = f"{before} {full}"
    return f"{full}, {after}" if after else full


# --- jabatan ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Jf:
    name: str
    keahlian: bool
    title: str
    pppk: float  # relative propensity to be filled by PPPK


_KEAHLIAN_PNS = _Pick([(Jenjang.AHLI_PERTAMA, 45), (Jenjang.AHLI_MUDA, 42), (Jenjang.AHLI_MADYA, 13)])
_KEAHLIAN_PPPK = _Pick([(Jenjang.AHLI_PERTAMA, 82), (Jenjang.AHLI_MUDA, 16), (Jenjang.AHLI_MADYA, 2)])
_TERAMPIL_PNS = _Pick([(Jenjang.TERAMPIL, 40), (Jenjang.MAHIR, 35), (Jenjang.PENYELIA, 25)])
_TERAMPIL_PPPK = _Pick([(Jenjang.TERAMPIL, 85), (Jenjang.MAHIR, 15)])
_JENJANG_LABEL = {
    Jenjang.PEMULA: "Pemula",
    Jenjang.TERAMPIL: "Terampil",
    Jenjang.MAHIR: "Mahir",
    Jenjang.PENYELIA: "Penyelia",
    Jenjang.AHLI_PERTAMA: "Ahli Pertama",
    Jenjang.AHLI_MUDA: "Ahli Muda",
    Jenjang.AHLI_MADYA: "Ahli Madya",
    Jenjang.AHLI_UTAMA: "Ahli Utama",
}


def _k(name: str, title: str, pppk: float = 0.6) -> _Jf:
    return _Jf(name, True, title, pppk)


def _t(name: str, title: str = "diploma", pppk: float = 0.6) -> _Jf:
    return _Jf(name, False, title, pppk)


_GURU = _k("Guru", "guru", 3.0)
_UMUM: list[tuple[_Jf, float]] = [
    (_k("Analis Kebijakan", "umum"), 3),
    (_k("Pranata Komputer", "komputer", 1.0), 2),
    (_t("Pranata Komputer", pppk=1.0), 1),
    (_k("Arsiparis", "umum"), 1),
    (_t("Arsiparis"), 1),
    (_k("Perencana", "ekonomi"), 1),
    (_k("Pengelola Pengadaan Barang/Jasa", "ekonomi"), 1),
    (_k("Analis Sumber Daya Manusia Aparatur", "umum"), 1),
    (_k("Pranata Hubungan Masyarakat", "sosial"), 1),
]
_NAKES: list[tuple[_Jf, float]] = [
    (_k("Dokter", "dokter", 2.0), 3),
    (_k("Dokter Gigi", "drg", 2.0), 1),
    (_k("Perawat", "perawat", 2.5), 5),
    (_t("Perawat", "perawat_d", 2.5), 6),
    (_t("Bidan", "bidan", 2.5), 5),
    (_k("Apoteker", "apoteker", 2.0), 1),
    (_t("Asisten Apoteker", "farmasi_d", 2.0), 1),
    (_t("Nutrisionis", "kesehatan_d", 2.0), 1),
    (_t("Tenaga Sanitasi Lingkungan", "kesehatan_d", 2.0), 1),
    (_t("Pranata Laboratorium Kesehatan", "kesehatan_d", 2.0), 1),
    (_k("Epidemiolog Kesehatan", "kesmas", 1.5), 1),
    (_k("Penyuluh Kesehatan Masyarakat", "kesmas", 1.5), 1),
    (_k("Administrator Kesehatan", "kesmas", 1.0), 1),
]
_PROFILES: dict[str, _Pick[_Jf]] = {
    "umum": _Pick(_UMUM),
    "kepegawaian": _Pick(
        [
            (_k("Analis Sumber Daya Manusia Aparatur", "umum"), 6),
            (_t("Pranata Sumber Daya Manusia Aparatur"), 3),
            (_k("Asesor Sumber Daya Manusia Aparatur", "sosial"), 1),
            *_UMUM,
        ]
    ),
    "pendidikan": _Pick(
        [(_k("Pengawas Sekolah", "guru", 0.5), 4), (_k("Penilik", "guru", 0.5), 2), (_GURU, 2), *_UMUM]
    ),
    "sekolah": _Pick([(_GURU, 1)]),
    "kesehatan": _Pick(_NAKES),
    "rsud": _Pick([(_k("Dokter", "dokter_spesialis", 1.5), 3), *_NAKES, (_t("Radiografer", "kesehatan_d"), 1)]),
    "inspektorat": _Pick(
        [
            (_k("Auditor", "ekonomi", 0.3), 6),
            (_t("Auditor", pppk=0.3), 2),
            (_k("Pengawas Penyelenggaraan Urusan Pemerintahan di Daerah", "umum", 0.3), 4),
        ]
    ),
    "perencanaan": _Pick([(_k("Perencana", "ekonomi"), 6), (_k("Statistisi", "ekonomi"), 1), *_UMUM]),
    "teknik": _Pick(
        [
            (_k("Teknik Jalan dan Jembatan", "teknik", 1.2), 3),
            (_t("Teknik Jalan dan Jembatan", pppk=1.2), 2),
            (_k("Teknik Pengairan", "teknik", 1.2), 2),
            (_t("Teknik Pengairan", pppk=1.2), 1),
            (_k("Teknik Tata Bangunan dan Perumahan", "teknik", 1.2), 2),
            (_k("Penata Ruang", "teknik", 1.2), 1),
            (_t("Penguji Kendaraan Bermotor", pppk=1.0), 2),
            *_UMUM,
        ]
    ),
    "pertanian": _Pick(
        [
            (_k("Penyuluh Pertanian", "pertanian", 1.5), 6),
            (_t("Penyuluh Pertanian", pppk=1.5), 4),
            (_k("Pengendali Organisme Pengganggu Tumbuhan", "pertanian", 1.2), 2),
            (_k("Medik Veteriner", "vet", 1.2), 1),
            (_t("Paramedik Veteriner", pppk=1.2), 1),
            (_k("Analis Ketahanan Pangan", "pertanian"), 1),
        ]
    ),
    "sosial": _Pick(
        [
            (_k("Pekerja Sosial", "sosial", 1.0), 3),
            (_t("Pekerja Sosial", pppk=1.0), 1),
            (_k("Penyuluh Sosial", "sosial", 1.0), 1),
            (_k("Penggerak Swadaya Masyarakat", "sosial", 1.0), 2),
            (_k("Penyuluh Keluarga Berencana", "sosial", 1.0), 2),
            *_UMUM,
        ]
    ),
    "lingkungan": _Pick(
        [
            (_k("Pengendali Dampak Lingkungan", "teknik", 1.0), 3),
            (_k("Pengawas Lingkungan Hidup", "teknik", 1.0), 2),
            *_UMUM,
        ]
    ),
    "kominfo": _Pick(
        [
            (_k("Pranata Komputer", "komputer", 1.2), 4),
            (_t("Pranata Komputer", pppk=1.2), 2),
            (_k("Sandiman", "komputer"), 1),
            (_k("Statistisi", "ekonomi"), 1),
            (_k("Pranata Hubungan Masyarakat", "sosial"), 2),
        ]
    ),
    "dukcapil": _Pick(
        [
            (_k("Administrator Database Kependudukan", "komputer", 1.0), 3),
            (_t("Administrator Database Kependudukan", pppk=1.0), 2),
            *_UMUM,
        ]
    ),
    "perdagangan": _Pick(
        [
            (_t("Penera", pppk=1.0), 2),
            (_k("Penera", "teknik", 1.0), 1),
            (_k("Pengawas Koperasi", "ekonomi"), 2),
            (_k("Analis Perdagangan", "ekonomi"), 1),
            *_UMUM,
        ]
    ),
    "tenagakerja": _Pick(
        [
            (_k("Pengantar Kerja", "sosial"), 2),
            (_k("Mediator Hubungan Industrial", "sosial"), 1),
            (_k("Instruktur", "teknik", 1.2), 2),
            (_t("Instruktur", pppk=1.2), 2),
            *_UMUM,
        ]
    ),
    "perpustakaan": _Pick(
        [(_k("Pustakawan", "sosial"), 3), (_t("Pustakawan"), 2), (_k("Arsiparis", "umum"), 2), (_t("Arsiparis"), 2)]
    ),
    "satpol": _Pick([(_t("Polisi Pamong Praja", "none", 0.4), 5), (_k("Polisi Pamong Praja", "sosial", 0.4), 2)]),
}
_PELAKSANA_PPPK = 0.3
_PELAKSANA: _Pick[str] = _Pick(
    [
        ("Pengadministrasi Perkantoran", 4),
        ("Penata Layanan Operasional", 3),
        ("Pengelola Layanan Operasional", 2),
        ("Operator Layanan Operasional", 2),
        ("Pengolah Data dan Informasi", 1),
        ("Pengelola Keuangan", 1),
        ("Bendahara", 0.3),
    ]
)
_PROFILE_PPPK_MEAN = {key: pick.mean({jf: jf.pppk for jf in pick.items}) for key, pick in _PROFILES.items()}
_HEAD_TITLE_CLASS = {
    "pendidikan": "guru_pimpinan",
    "kesehatan": "dokter_pimpinan",
    "rsud": "dokter_pimpinan",
    "teknik": "teknik_pimpinan",
    "pertanian": "pertanian_pimpinan",
}

# --- the organisation --------------------------------------------------------------------------------


class _Kind(Enum):
    ROOT = "root"
    PD = "perangkat daerah"
    SEKRETARIAT = "sekretariat"
    BIDANG = "bidang"
    SEKSI = "seksi"
    SEKOLAH = "sekolah"
    PUSKESMAS = "puskesmas"
    KELURAHAN = "kelurahan"
    UPT = "upt"


# Share of a unit's staff who hold a jabatan fungsional rather than a pelaksana post.
_JF_SHARE = {
    _Kind.ROOT: 0.0,
    _Kind.PD: 0.75,
    _Kind.SEKRETARIAT: 0.2,
    _Kind.BIDANG: 0.5,
    _Kind.SEKSI: 0.35,
    _Kind.SEKOLAH: 0.88,
    _Kind.PUSKESMAS: 0.8,
    _Kind.KELURAHAN: 0.1,
    _Kind.UPT: 0.3,
}
_JF_HEAVY = {"rsud": 0.8, "inspektorat": 0.85, "satpol": 0.6}
_STAFF_WEIGHT = {
    _Kind.ROOT: 0.05,
    _Kind.PD: 1.5,
    _Kind.SEKRETARIAT: 2.0,
    _Kind.BIDANG: 1.5,
    _Kind.SEKSI: 2.5,
    _Kind.SEKOLAH: 12.0,
    _Kind.PUSKESMAS: 20.0,
    _Kind.KELURAHAN: 3.0,
    _Kind.UPT: 6.0,
}


@dataclass(frozen=True, slots=True)
class _Pd:
    code: str
    name: str
    head: str
    bidang: tuple[str, ...]
    profile: str = "umum"
    sekretariat: str | None = "Sekretaris Dinas"
    seksi: bool = True
    weight: float = 1.0
    head_type: JabatanType = JabatanType.JPT
    bidang_type: JabatanType = JabatanType.ADMINISTRATOR


def _dinas(code: str, name: str, bidang: tuple[str, ...], profile: str = "umum", weight: float = 1.0) -> _Pd:
    sekretaris = "Sekretaris Badan" if name.startswith("Badan") else "Sekretaris Dinas"
    return _Pd(code, name, f"Kepala {name}", bidang, profile, sekretaris, weight=weight)


def _asisten(code: str, name: str, bagian: tuple[str, ...]) -> _Pd:
    return _Pd(code, name, name, bagian, sekretariat=None)


def _perangkat_daerah(pd: dict[str, Any]) -> _Pd:
    """One perangkat daerah of the data file: a dinas or badan, an asisten with its bagian, or spelled out."""
    kind = pd.pop("kind")
    if kind == "dinas":
        return _dinas(pd["code"], pd["name"], tuple(pd["bidang"]), pd.get("profile", "umum"), pd.get("weight", 1.0))
    if kind == "asisten":
        return _asisten(pd["code"], pd["name"], tuple(pd["bagian"]))
    return _Pd(**(pd | {"bidang": tuple(pd["bidang"])}))


# In the order they appear as the organisation grows: small demos get the first ones.
_CORE: tuple[_Pd, ...] = tuple(_perangkat_daerah(pd) for pd in _DATA["perangkat_daerah"])
_KECAMATAN_SEKSI = (
    "Seksi Pemerintahan",
    "Seksi Ketenteraman dan Ketertiban Umum",
    "Seksi Pemberdayaan Masyarakat dan Desa",
    "Seksi Kesejahteraan Sosial",
    "Seksi Pelayanan Umum",
)
_SUBBAGIAN = (
    "Subbagian Umum dan Kepegawaian",
    "Subbagian Keuangan dan Aset",
    "Subbagian Perencanaan, Evaluasi dan Pelaporan",
)
_SEKSI_SETS = (
    ("Perencanaan dan Program", "Pelaksanaan dan Pembinaan", "Evaluasi dan Pelaporan"),
    ("Pembinaan", "Pengembangan", "Pengawasan dan Pengendalian"),
    ("Data dan Informasi", "Fasilitasi", "Monitoring dan Evaluasi"),
)
_PLACE_HEADS = "Suka Karang Sumber Tanjung Mekar Sido Banjar Pasir Wono Tegal Bangun Jati Kali Batu Teluk Sungai Bukit"
_PLACE_TAILS = "jaya mulya sari rejo makmur agung asri harjo maju indah baru wangi mukti luhur raya tengah"
_MAX_KECAMATAN = 40
_CAMAT_WEIGHT = 0.6
_ROOT_CODE = "PEMKAB"


@dataclass(slots=True)
class _Unit:
    code: str
    name: str
    parent: int  # index in the plan; -1 for the root
    kind: _Kind
    head_title: str
    head_type: JabatanType
    profile: str
    pd: int  # index of the perangkat daerah it belongs to; -1 for the root
    weight: float
    staff: int = 0
    vacant: bool = False


def _head_title(unit_name: str) -> str:
    return unit_name if unit_name.startswith("Inspektur") else f"Kepala {unit_name}"


def _kecamatan(index: int, place: str) -> _Pd:
    return _Pd(
        f"KEC{index + 1:02d}",
        f"Kecamatan {place}",
        f"Camat {place}",
        _KECAMATAN_SEKSI,
        "umum",
        "Sekretaris Kecamatan",
        seksi=False,
        weight=_CAMAT_WEIGHT,
        head_type=JabatanType.ADMINISTRATOR,
        bidang_type=JabatanType.PENGAWAS,
    )


def _plan(n: int, rng: random.Random, instansi_name: str) -> list[_Unit]:
    """The units, parents first: about a sixth of `n` head the structure, one in sixty heads a UPT."""
    places = [head + tail for head in _PLACE_HEADS.split() for tail in _PLACE_TAILS.split()]
    rng.shuffle(places)
    short = instansi_name.removeprefix("Kabupaten ").strip() or instansi_name
    structural_budget = max(1, math.ceil(n * 0.16))
    upt_budget = max(0, (n - 1500) // 60)

    units = [
        _Unit(
            _ROOT_CODE,
            f"Pemerintah {instansi_name}",
            -1,
            _Kind.ROOT,
            "Sekretaris Daerah",
            JabatanType.JPT,
            "umum",
            -1,
            _STAFF_WEIGHT[_Kind.ROOT],
        )
    ]
    specs = [*_CORE[: min(len(_CORE), max(1, n // 120))]]
    specs += [_kecamatan(i, places[i]) for i in range(min(_MAX_KECAMATAN, n // 500))]

    def add(unit: _Unit) -> bool:
        if len(units) >= structural_budget:
            return False
        units.append(unit)
        return True

    pd_index: dict[str, int] = {}
    for spec in specs:
        name = f"{spec.name} {short}" if spec.code == "RSUD" else spec.name
        weight = _STAFF_WEIGHT[_Kind.PD] * spec.weight
        if not add(_Unit(spec.code, name, 0, _Kind.PD, spec.head, spec.head_type, spec.profile, len(units), weight)):
            break
        pd_index[spec.code] = len(units) - 1

    # Second and third levels are added round-robin across perangkat daerah so that a budget cut
    # thins every perangkat daerah a little rather than dropping the last ones.
    second: list[list[tuple[_Unit, bool]]] = []
    for spec in specs[: len(pd_index)]:
        pd = pd_index[spec.code]
        children: list[tuple[_Unit, bool]] = []
        if spec.sekretariat is not None:
            sek_name = spec.sekretariat.removeprefix("Kepala ") if spec.code == "RSUD" else f"Sekretariat {spec.name}"
            sek = _Unit(
                f"{spec.code}.SEK",
                sek_name,
                pd,
                _Kind.SEKRETARIAT,
                spec.sekretariat,
                JabatanType.ADMINISTRATOR,
                spec.profile,
                pd,
                _STAFF_WEIGHT[_Kind.SEKRETARIAT] * spec.weight,
            )
            children.append((sek, True))
        kind = _Kind.SEKSI if spec.bidang_type is JabatanType.PENGAWAS else _Kind.BIDANG
        for i, bidang in enumerate(spec.bidang, start=1):
            unit = _Unit(
                f"{spec.code}.B{i}",
                bidang,
                pd,
                kind,
                _head_title(bidang),
                spec.bidang_type,
                spec.profile,
                pd,
                _STAFF_WEIGHT[kind] * spec.weight,
            )
            children.append((unit, spec.seksi and kind is _Kind.BIDANG))
        second.append(children)
    third: list[list[_Unit]] = []
    for level in range(max((len(c) for c in second), default=0)):
        for children in second:
            if level >= len(children):
                continue
            unit, has_seksi = children[level]
            if not add(unit) or not has_seksi:
                continue
            count = 2 if unit.code.startswith("KEC") else rng.choice((2, 3))
            if unit.kind is _Kind.SEKRETARIAT:
                names = list(_SUBBAGIAN[:count])
            else:
                word = "Subbagian" if unit.name.startswith("Bagian") else "Seksi"
                topic = unit.name.split(" ", 1)[1]
                names = [f"{word} {s} {topic}" for s in rng.choice(_SEKSI_SETS)[:count]]
            scale = unit.weight / _STAFF_WEIGHT[unit.kind]
            third.append(
                [
                    _Unit(
                        f"{unit.code}.S{j}",
                        name,
                        len(units) - 1,
                        _Kind.SEKSI,
                        _head_title(name),
                        JabatanType.PENGAWAS,
                        unit.profile,
                        unit.pd,
                        _STAFF_WEIGHT[_Kind.SEKSI] * scale,
                    )
                    for j, name in enumerate(names, start=1)
                ]
            )
    for level in range(3):
        for seksi in third:
            if level < len(seksi):
                add(seksi[level])

    _add_upt(units, pd_index, places, upt_budget)
    return units


@dataclass(frozen=True, slots=True)
class _Upt:
    kind: _Kind
    pd: str  # code of the perangkat daerah it belongs to; "KEC" for the kecamatan, round-robin
    template: str
    code: str
    bidang: str | None = None
    weight: float = 1.0


_SD = _Upt(_Kind.SEKOLAH, "DISDIK", "SD Negeri {n} {place}", "SD", "Bidang Pembinaan Sekolah Dasar")
_SMP = _Upt(_Kind.SEKOLAH, "DISDIK", "SMP Negeri {n} {place}", "SMP", "Bidang Pembinaan Sekolah Menengah Pertama", 1.5)
_PKM = _Upt(_Kind.PUSKESMAS, "DINKES", "UPTD Puskesmas {place}{n}", "PKM")
_KEL = _Upt(_Kind.KELURAHAN, "KEC", "Kelurahan {place}{n}", "KEL")
# Schools outnumber puskesmas, and puskesmas the other UPTD, as in a real kabupaten.
_UPT_CYCLE = (
    _SD, _SD, _SMP, _PKM, _SD, _KEL, _SD,
    _Upt(_Kind.UPT, "DLH", "UPTD Pengelolaan Sampah {place}{n}", "UPTD"),
    _SMP, _PKM, _SD,
    _Upt(_Kind.UPT, "DISPERTAN", "Balai Penyuluhan Pertanian {place}{n}", "BPP"),
    _Upt(_Kind.UPT, "DINKES", "UPTD Laboratorium Kesehatan Daerah {place}{n}", "LABKESDA"),
    _Upt(_Kind.UPT, "DISNAKERTRANS", "UPTD Balai Latihan Kerja {place}{n}", "BLK"),
    _Upt(_Kind.UPT, "DISKOPERINDAG", "UPTD Pasar {place}{n}", "PASAR"),
    _Upt(_Kind.UPT, "DISHUB", "UPTD Pengujian Kendaraan Bermotor {place}{n}", "PKB"),
)  # fmt: skip
_UPT_PROFILE = {_Kind.SEKOLAH: "sekolah", _Kind.PUSKESMAS: "kesehatan", _Kind.KELURAHAN: "umum"}


def _add_upt(units: list[_Unit], pd_index: dict[str, int], places: list[str], budget: int) -> None:
    by_name: dict[tuple[int, str | None], int] = {
        (u.pd, u.name): i for i, u in enumerate(units) if u.kind is _Kind.BIDANG
    }
    kecamatan = [i for code, i in pd_index.items() if code.startswith("KEC")]
    kecamatan_names = [units[i].name.removeprefix("Kecamatan ") for i in kecamatan]
    villages = places[_MAX_KECAMATAN:] or places
    usable = [upt for upt in _UPT_CYCLE if (upt.pd == "KEC" and kecamatan) or upt.pd in pd_index]
    counters: dict[tuple[str, str], int] = {}
    for k in range(budget if usable else 0):
        upt = usable[k % len(usable)]
        if upt.pd == "KEC":
            parent = kecamatan[k % len(kecamatan)]
            place = villages[(k // len(kecamatan)) % len(villages)]
        else:
            pd = pd_index[upt.pd]
            parent = by_name.get((pd, upt.bidang), pd)
            place = kecamatan_names[k % len(kecamatan_names)] if kecamatan_names else villages[k % len(villages)]
        seen = counters[upt.template, place] = counters.get((upt.template, place), 0) + 1
        if upt.kind is _Kind.SEKOLAH:
            name = upt.template.format(n=seen, place=place)
        else:
            name = upt.template.format(n="" if seen == 1 else f" {seen}", place=place)
        head_type = JabatanType.FUNGSIONAL if upt.kind is _Kind.SEKOLAH else JabatanType.PENGAWAS
        head_title = f"Lurah {name.removeprefix('Kelurahan ')}" if upt.kind is _Kind.KELURAHAN else f"Kepala {name}"
        profile = _UPT_PROFILE.get(upt.kind, units[parent].profile)
        code = f"{units[parent].code.split('.')[0]}.{upt.code}{k + 1:06d}"
        weight = _STAFF_WEIGHT[upt.kind] * upt.weight
        units.append(_Unit(code, name, parent, upt.kind, head_title, head_type, profile, units[parent].pd, weight))


# --- pegawai -----------------------------------------------------------------------------------------

_TMT_MONTH = _Pick([(1, 4), (2, 2), (3, 3), (4, 2), (12, 3), *((m, 0.5) for m in range(5, 12))])
_PPPK_YEARS = (2019, 2021, 2022, 2023, 2024)
_BIRTH_RANGE = {
    JabatanType.JPT: (1967, 1978),
    JabatanType.ADMINISTRATOR: (1968, 1984),
    JabatanType.PENGAWAS: (1970, 1991),
    JabatanType.PELAKSANA: (1968, 2001),
    JabatanType.FUNGSIONAL: (1968, 1999),
}
_ORDINAL = {year: date(year, 1, 1).toordinal() for year in range(1960, 2004)}


_PPPK_YEARS_FROM = {born: tuple(y for y in _PPPK_YEARS if y - born >= 20) or (2024,) for born in _ORDINAL}


class _Nips:
    """NIP factory: birth date, TMT (or the PPPK marker), sex, then a sequence unique per prefix."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seq: dict[str, int] = {}

    def __call__(self, jenis: JenisPegawai, female: bool, born: tuple[int, int]) -> str:
        rng = self._rng
        first = _ORDINAL[born[0]]
        span = _ORDINAL[born[1] + 1] - first
        while True:
            birth = date.fromordinal(first + int(rng.random() * span))
            if jenis is JenisPegawai.PPPK:
                years = _PPPK_YEARS_FROM[birth.year]
                middle = years[int(rng.random() * len(years))] * 100 + 21
            else:
                middle = min(2024, max(1988, birth.year + 22 + int(rng.random() * 11))) * 100 + _TMT_MONTH(rng)
            prefix = f"{birth.year}{birth.month:02d}{birth.day:02d}{middle}{2 if female else 1}"
            seq = self._seq.get(prefix, 0) + 1
            if seq <= 999:
                self._seq[prefix] = seq
                return f"{prefix}{seq:03d}"


# JF Ahli Madya are rated by a JPT Pratama (domain.md §1.2), not by the head of their bidang or seksi.
_ABOVE_MADYA_OVERRIDE = frozenset({_Kind.SEKRETARIAT, _Kind.BIDANG, _Kind.SEKSI})


def generate_kabupaten(*, pegawai: int = 3000, seed: int = 2026, name: str = "Kabupaten Contoh") -> OrgImport:
    """A kabupaten with exactly `pegawai` pegawai; the same arguments always give the same payload."""
    if pegawai < 1:
        raise ValueError("pegawai must be at least 1 (the Sekretaris Daerah)")
    # Every object made here lives on in the payload, so cyclic collection would only rescan them
    # (a third of the run time at 10^6).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _generate(pegawai, random.Random(seed), name)
    finally:
        if collecting:
            gc.enable()


def _generate(pegawai: int, rng: random.Random, name: str) -> OrgImport:
    units = _plan(pegawai, rng, name)
    _allocate_staff(units, pegawai - len(units), rng)
    _mark_vacancies(units, rng)
    demo_heads, demo_staff_unit = _demo_choices(units)
    pppk_scale = _pppk_scale(units, pegawai)
    nips = _Nips(rng)

    unit_rows: list[UnitIn] = []
    rows: list[PegawaiIn] = []
    heads: list[str] = []
    for index, unit in enumerate(units):
        head = _head(unit, rng, nips, index in demo_heads)
        heads.append(head.nip)
        rows.append(head)
        unit_rows.append(
            UnitIn(
                code=unit.code,
                name=unit.name,
                parent_code=units[unit.parent].code if unit.parent >= 0 else None,
                head_nip=head.nip,
                timezone=TIMEZONE if unit.parent < 0 else None,
            )
        )
        pd = units[unit.pd] if unit.pd >= 0 else None
        override = (
            heads[unit.pd]
            if pd is not None and pd.head_type is JabatanType.JPT and unit.kind in _ABOVE_MADYA_OVERRIDE
            else None
        )
        jf_share = _JF_SHARE[unit.kind]
        if unit.kind in (_Kind.BIDANG, _Kind.SEKSI):
            jf_share = max(jf_share, _JF_HEAVY.get(unit.profile, 0.0))
        for s in range(unit.staff):
            password = DEMO_PASSWORD if index == demo_staff_unit and s == 0 else None
            rows.append(
                _staff(
                    unit, rng, nips, jf_share=jf_share, pppk_scale=pppk_scale, madya_atasan=override, password=password
                )
            )
    return OrgImport(instansi=InstansiIn(code=_instansi_code(name), name=name), units=unit_rows, pegawai=rows)


def _instansi_code(name: str) -> str:
    words = [w for w in "".join(c if c.isalnum() else " " for c in name).upper().split() if w != "KABUPATEN"]
    return ("KAB-" + "-".join(words))[:32] if words else "KAB"


def _allocate_staff(units: list[_Unit], staff: int, rng: random.Random) -> None:
    weights = [unit.weight * rng.uniform(0.6, 1.4) for unit in units]
    total = sum(weights)
    given = 0
    cumulative = 0.0
    for unit, weight in zip(units, weights, strict=True):
        cumulative += weight
        upto = min(staff, int(staff * cumulative / total))
        unit.staff = upto - given
        given = upto
    units[-1].staff += staff - given


def _mark_vacancies(units: list[_Unit], rng: random.Random) -> None:
    """About 1 % of posts are vacant, drawn in turn from each level so that small demos show every kind."""
    pools: dict[JabatanType, list[int]] = {}
    for i, unit in enumerate(units[1:], start=1):
        if unit.head_type is not JabatanType.FUNGSIONAL:
            pools.setdefault(unit.head_type, []).append(i)
    count = round(len(units) * 0.01)
    if len(units) >= 20:
        count = max(1, count)
    levels = [pools[t] for t in (JabatanType.ADMINISTRATOR, JabatanType.PENGAWAS, JabatanType.JPT) if t in pools]
    for k in range(min(count, sum(map(len, levels)))):
        pool = next(p for p in levels[k % len(levels) :] + levels if p)
        units[pool.pop(int(rng.random() * len(pool)))].vacant = True


def _demo_choices(units: list[_Unit]) -> tuple[set[int], int]:
    """Units whose head logs in with the demo password, and the unit whose first staff member does."""
    chosen = {0}
    kadis = next(
        (i for i, u in enumerate(units) if u.kind is _Kind.PD and u.head_type is JabatanType.JPT and not u.vacant),
        None,
    )
    kabid = None
    if kadis is not None:
        chosen.add(kadis)
        kabid = next(
            (i for i, u in enumerate(units) if u.parent == kadis and u.kind is _Kind.BIDANG and not u.vacant),
            None,
        )
        if kabid is not None:
            chosen.add(kabid)
    for candidate in (kabid, kadis):
        if candidate is not None and units[candidate].staff > 0:
            return chosen, candidate
    return chosen, next((i for i, u in enumerate(units) if u.staff > 0), -1)


def _pppk_scale(units: list[_Unit], n: int) -> float:
    """Scale the PPPK propensities so that about a fifth of all pegawai are PPPK, at every size."""
    expected = 0.0
    for unit in units:
        share = _JF_SHARE[unit.kind]
        expected += unit.staff * (share * _PROFILE_PPPK_MEAN[unit.profile] + (1 - share) * _PELAKSANA_PPPK)
    return 0.2 * n / expected if expected else 0.0


def _head(unit: _Unit, rng: random.Random, nips: _Nips, demo: bool) -> PegawaiIn:
    female = rng.random() < 0.35
    jenjang: Jenjang | None = None
    jabatan_type = unit.head_type
    title = _HEAD_TITLE_CLASS.get(unit.profile, "pimpinan") if unit.head_type is not JabatanType.PENGAWAS else "umum"
    jabatan = unit.head_title
    if unit.kind is _Kind.SEKOLAH:
        jenjang = Jenjang.AHLI_MADYA if rng.random() < 0.45 else Jenjang.AHLI_MUDA
        jabatan = f"Guru {_JENJANG_LABEL[jenjang]} ({unit.head_title})"
        title = "guru"
    elif unit.kind is _Kind.PUSKESMAS:
        title = "dokter" if rng.random() < 0.5 else "kesmas"
    if unit.vacant:
        # The acting head holds a post one level below the vacant one.
        if unit.head_type is JabatanType.JPT:
            jabatan_type = JabatanType.ADMINISTRATOR
        elif unit.head_type is JabatanType.ADMINISTRATOR and rng.random() < 0.7:
            jabatan_type = JabatanType.PENGAWAS
        else:
            jabatan_type = JabatanType.FUNGSIONAL
            jenjang = Jenjang.AHLI_MUDA
        if jenjang is None:
            jabatan = f"Plt. {unit.head_title}"
        else:
            jf = _PROFILES[unit.profile](rng)
            if not jf.keahlian:
                jf = _PROFILES["umum"](rng)
            jabatan = f"{jf.name} {_JENJANG_LABEL[jenjang]} (Plt. {unit.head_title})"
    return PegawaiIn(
        nip=nips(JenisPegawai.PNS, female, _BIRTH_RANGE[unit.head_type]),
        name=_person_name(rng, female, title),
        jenis=JenisPegawai.PNS,
        jabatan_type=jabatan_type,
        jabatan_name=jabatan,
        jenjang=jenjang,
        unit_code=unit.code,
        is_plt=unit.vacant,
        password=DEMO_PASSWORD if demo else None,
    )


def _staff(
    unit: _Unit,
    rng: random.Random,
    nips: _Nips,
    *,
    jf_share: float,
    pppk_scale: float,
    madya_atasan: str | None,
    password: str | None,
) -> PegawaiIn:
    atasan = None
    jenjang: Jenjang | None = None
    if rng.random() < jf_share:
        jf = _PROFILES[unit.profile](rng)
        pppk = rng.random() < min(0.95, jf.pppk * pppk_scale)
        if jf.keahlian:
            jenjang = (_KEAHLIAN_PPPK if pppk else _KEAHLIAN_PNS)(rng)
        else:
            jenjang = (_TERAMPIL_PPPK if pppk else _TERAMPIL_PNS)(rng)
        jabatan_type = JabatanType.FUNGSIONAL
        jabatan = f"{jf.name} {_JENJANG_LABEL[jenjang]}"
        title = jf.title
        if jenjang is Jenjang.AHLI_MADYA:
            atasan = madya_atasan
    else:
        pppk = rng.random() < min(0.95, _PELAKSANA_PPPK * pppk_scale)
        jabatan_type = JabatanType.PELAKSANA
        jabatan = _PELAKSANA(rng)
        title = "pelaksana"
    female = rng.random() < (0.6 if unit.profile in ("sekolah", "kesehatan", "rsud") else 0.45)
    jenis = JenisPegawai.PPPK if pppk else JenisPegawai.PNS
    return PegawaiIn(
        nip=nips(jenis, female, _BIRTH_RANGE[jabatan_type]),
        name=_person_name(rng, female, title),
        jenis=jenis,
        jabatan_type=jabatan_type,
        jabatan_name=jabatan,
        jenjang=jenjang,
        unit_code=unit.code,
        atasan_nip=atasan,
        password=password,
    )


def demo_logins(payload: OrgImport) -> list[tuple[str, str, str]]:
    """(nip, name, description) of every pegawai with an initial password, for printing at `make run`."""
    units = {unit.code: unit for unit in payload.units}
    head_of = {unit.code: unit.head_nip for unit in payload.units}
    heads = {unit.head_nip: unit.code for unit in payload.units if unit.head_nip}
    names = {p.nip: p.name for p in payload.pegawai}
    rated: dict[str, int] = {}
    for p in payload.pegawai:
        atasan = _default_atasan(p, units, head_of, heads)
        if atasan is not None:
            rated[atasan] = rated.get(atasan, 0) + 1
    logins: list[tuple[str, str, str]] = []
    for p in payload.pegawai:
        if p.password is None:
            continue
        unit_name = units[p.unit_code].name
        where = p.jabatan_name if unit_name in p.jabatan_name else f"{p.jabatan_name}, {unit_name}"
        atasan = _default_atasan(p, units, head_of, heads)
        if atasan is None:
            role = "top of the tree; an admin acts for the bupati as penilai"
        elif p.nip in heads:
            role = f"unit head, penilai of {rated.get(p.nip, 0)}; own penilai {names.get(atasan, atasan)}"
        else:
            role = f"pegawai; penilai {names.get(atasan, atasan)}"
        logins.append((p.nip, p.name, f"{where} ({role})"))
    return logins


def _default_atasan(
    p: PegawaiIn, units: dict[str, UnitIn], head_of: dict[str, str | None], heads: dict[str, str]
) -> str | None:
    if p.atasan_nip is not None:
        return p.atasan_nip
    if heads.get(p.nip) == p.unit_code:
        parent = units[p.unit_code].parent_code
        return head_of[parent] if parent is not None else None
    return head_of[p.unit_code]
