"""The domain's vocabulary: enums shared by every layer, spelled as in the public contract."""

from enum import StrEnum

__all__ = ["StrEnum"]


class JenisPegawai(StrEnum):
    PNS = "PNS"
    PPPK = "PPPK"


class JabatanType(StrEnum):
    JPT = "JPT"
    ADMINISTRATOR = "ADMINISTRATOR"
    PENGAWAS = "PENGAWAS"
    PELAKSANA = "PELAKSANA"
    FUNGSIONAL = "FUNGSIONAL"


class Jenjang(StrEnum):
    """Jenjang of a jabatan fungsional (keahlian and keterampilan)."""

    PEMULA = "PEMULA"
    TERAMPIL = "TERAMPIL"
    MAHIR = "MAHIR"
    PENYELIA = "PENYELIA"
    AHLI_PERTAMA = "AHLI_PERTAMA"
    AHLI_MUDA = "AHLI_MUDA"
    AHLI_MADYA = "AHLI_MADYA"
    AHLI_UTAMA = "AHLI_UTAMA"


class Labelled(StrEnum):
    """A code whose name in the regulation's words (PermenPANRB 6/2022, as on the Dokumen Evaluasi Kinerja) is the
    code in title case: SANGAT_BAIK is "Sangat Baik", DI_ATAS_EKSPEKTASI "Di Atas Ekspektasi"."""

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").title()


class Rating(Labelled):
    """Rating hasil kerja or rating perilaku kerja."""

    DI_ATAS_EKSPEKTASI = "DI_ATAS_EKSPEKTASI"
    SESUAI_EKSPEKTASI = "SESUAI_EKSPEKTASI"
    DI_BAWAH_EKSPEKTASI = "DI_BAWAH_EKSPEKTASI"


class Predikat(Labelled):
    SANGAT_BAIK = "SANGAT_BAIK"
    BAIK = "BAIK"
    BUTUH_PERBAIKAN = "BUTUH_PERBAIKAN"
    KURANG = "KURANG"
    SANGAT_KURANG = "SANGAT_KURANG"


# Best first: eligibility compares predikat by this order.
PREDIKAT_ORDER: tuple[Predikat, ...] = tuple(Predikat)


class CapaianLevel(Labelled):
    """Capaian kinerja organisasi (SE MenPANRB 3/2023)."""

    ISTIMEWA = "ISTIMEWA"
    BAIK = "BAIK"
    BUTUH_PERBAIKAN = "BUTUH_PERBAIKAN"
    KURANG = "KURANG"
    SANGAT_KURANG = "SANGAT_KURANG"


class FollowUpKind(StrEnum):
    REWARD = "REWARD"
    COACHING = "COACHING"
    COUNSELING = "COUNSELING"
    SANCTION = "SANCTION"
    # a PPPK contract nearing its end: the recommendation the contract ladder opens, for HR to decide
    PERPANJANGAN_KONTRAK = "PERPANJANGAN_KONTRAK"
    TIDAK_DIPERPANJANG = "TIDAK_DIPERPANJANG"


CONTRACT_KINDS: frozenset[FollowUpKind] = frozenset(
    {FollowUpKind.PERPANJANGAN_KONTRAK, FollowUpKind.TIDAK_DIPERPANJANG}
)
"""The follow-up kinds of a PPPK contract's recommendation; a predikat never opens one directly."""


class JenisRhk(StrEnum):
    UTAMA = "UTAMA"
    TAMBAHAN = "TAMBAHAN"


class CascadeKind(StrEnum):
    DIRECT = "DIRECT"
    INDIRECT = "INDIRECT"


class Aspek(StrEnum):
    KUANTITAS = "KUANTITAS"
    KUALITAS = "KUALITAS"
    WAKTU = "WAKTU"
    BIAYA = "BIAYA"


class Approach(StrEnum):
    """Pendekatan of an indikator (PermenPANRB 6/2022): a numeric target, or a described expectation rated by the
    pejabat penilai."""

    KUANTITATIF = "KUANTITATIF"
    KUALITATIF = "KUALITATIF"


class PeriodKind(StrEnum):
    MONTHLY = "MONTHLY"
    QUARTERLY = "QUARTERLY"
    SEMESTER = "SEMESTER"


class PegawaiStatus(StrEnum):
    """Status kepegawaian over a period (issue 16): AKTIF, or one of the statuses an SK puts a pegawai in."""

    AKTIF = "AKTIF"
    TUGAS_BELAJAR = "TUGAS_BELAJAR"
    CLTN = "CLTN"  # cuti di luar tanggungan negara
    DIBERHENTIKAN_SEMENTARA = "DIBERHENTIKAN_SEMENTARA"
    MASA_PERSIAPAN_PENSIUN = "MASA_PERSIAPAN_PENSIUN"
    BERHENTI = "BERHENTI"


class CoreValue(StrEnum):
    """The seven BerAKHLAK core values of perilaku kerja."""

    BERORIENTASI_PELAYANAN = "BERORIENTASI_PELAYANAN"
    AKUNTABEL = "AKUNTABEL"
    KOMPETEN = "KOMPETEN"
    HARMONIS = "HARMONIS"
    LOYAL = "LOYAL"
    ADAPTIF = "ADAPTIF"
    KOLABORATIF = "KOLABORATIF"


BERAKHLAK: dict[CoreValue, tuple[str, str, str]] = {
    CoreValue.BERORIENTASI_PELAYANAN: (
        "Memahami dan memenuhi kebutuhan masyarakat",
        "Ramah, cekatan, solutif, dan dapat diandalkan",
        "Melakukan perbaikan tiada henti",
    ),
    CoreValue.AKUNTABEL: (
        "Melaksanakan tugas dengan jujur, bertanggung jawab, cermat, disiplin dan berintegritas tinggi",
        "Menggunakan kekayaan dan barang milik negara secara bertanggung jawab, efektif, dan efisien",
        "Tidak menyalahgunakan kewenangan jabatan",
    ),
    CoreValue.KOMPETEN: (
        "Meningkatkan kompetensi diri untuk menjawab tantangan yang selalu berubah",
        "Membantu orang lain belajar",
        "Melaksanakan tugas dengan kualitas terbaik",
    ),
    CoreValue.HARMONIS: (
        "Menghargai setiap orang apapun latar belakangnya",
        "Suka menolong orang lain",
        "Membangun lingkungan kerja yang kondusif",
    ),
    CoreValue.LOYAL: (
        "Memegang teguh ideologi Pancasila, UUD 1945, setia kepada NKRI serta pemerintahan yang sah",
        "Menjaga nama baik sesama ASN, pimpinan, instansi, dan negara",
        "Menjaga rahasia jabatan dan negara",
    ),
    CoreValue.ADAPTIF: (
        "Cepat menyesuaikan diri menghadapi perubahan",
        "Terus berinovasi dan mengembangkan kreativitas",
        "Bertindak proaktif",
    ),
    CoreValue.KOLABORATIF: (
        "Memberi kesempatan kepada berbagai pihak untuk berkontribusi",
        "Terbuka dalam bekerja sama untuk menghasilkan nilai tambah",
        "Menggerakkan pemanfaatan berbagai sumber daya untuk tujuan bersama",
    ),
}


class ActingKind(StrEnum):
    """An acting official's SK: Pelaksana Tugas (a vacant post) or Pelaksana Harian (the head is away)."""

    PLT = "PLT"
    PLH = "PLH"
