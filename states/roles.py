"""Roles an actor can hold towards a record; transition rows name the roles that may fire them."""

from states.enums import StrEnum


class Role(StrEnum):
    PEGAWAI = "pegawai"  # the pegawai the record belongs to
    PENILAI = "penilai"  # pejabat penilai kinerja: the direct atasan
    ATASAN_PENILAI = "atasan_penilai"
    PIMPINAN = "pimpinan"  # head of the unit (or of its parent unit)
    ADMIN = "admin"  # pengelola kinerja / HR
    SYSTEM = "system"  # the scheduler
    AUDITOR = "auditor"
    PEMBERI = "pemberi"  # pemberi pertimbangan: a rekan or bawahan asked for 360 input on perilaku
