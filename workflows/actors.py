"""Who acts: a pegawai (by NIP), an HR or auditor user, or the scheduler."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The caller of a use case; `ref` is what the audit trail records."""

    ref: str
    pegawai_id: int | None = None
    admin_of: frozenset[int] | None = None  # instansi ids; None = no admin rights
    super_admin: bool = False
    auditor_of: frozenset[int] | None = None
    system: bool = False

    @classmethod
    def pegawai(cls, pegawai_id: int, nip: str) -> Actor:
        return cls(ref=f"pegawai:{nip}", pegawai_id=pegawai_id)

    @classmethod
    def admin(cls, username: str, instansi_ids: frozenset[int] | None = None) -> Actor:
        """An admin of the given instansi; with none given, a super-admin over all of them."""
        return cls(ref=f"user:{username}", admin_of=instansi_ids or frozenset(), super_admin=instansi_ids is None)

    @classmethod
    def scheduler(cls, flow: str) -> Actor:
        return cls(ref=f"system:{flow}", system=True)

    def oversees(self) -> frozenset[int]:
        """The instansi whose records this actor reads as an admin or an auditor."""
        return (self.admin_of or frozenset()) | (self.auditor_of or frozenset())

    def is_admin_of(self, instansi_id: int) -> bool:
        return self.super_admin or (self.admin_of is not None and instansi_id in self.admin_of)
