"""Notices: when a step leaves a person something to do or to know — a plan returned, an SKP agreed, a rating
given, a keberatan decided, a follow-up scheduled — they are told through the outbox, in the transaction that made
the step (issue 17 item 6). Deadline reminders are the sweep's; these are the moves people make.

`HANDOFFS` is the whole rule, as data: for each (lifecycle, trigger), who now waits on it or must know it, and what
the message says. A move it does not name notifies nobody. Each notice's `dedupe_key` is the audit event it follows
(`notice:<entity>:<id>:<seq>`), so it is written once, and it names the entity, so HR's outbox list shows it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import jinja2
from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.util import identity_key
from sqlmodel import col

from policies.schema import Recipient
from workflows.store.tables import Cycle, Outbox, Pegawai, Skp


@dataclass(frozen=True)
class Handoff:
    to: Recipient
    title: str  # the subject's words
    lead: str  # the message's opening sentence


HANDOFFS: Final[Mapping[tuple[str, str], Handoff]] = {
    ("skp", "cascade"): Handoff(
        Recipient.PEGAWAI,
        "RHK atasan telah diturunkan",
        "Pejabat penilai telah menurunkan RHK atasan ke SKP Anda. Susun rencana SKP Anda dan ajukan untuk disetujui.",
    ),
    ("skp", "propose"): Handoff(
        Recipient.PENILAI,
        "Rencana SKP menunggu persetujuan",
        "Rencana SKP berikut telah diajukan dan menunggu persetujuan Anda sebagai pejabat penilai.",
    ),
    ("skp", "return"): Handoff(
        Recipient.PEGAWAI,
        "Rencana SKP dikembalikan",
        "Pejabat penilai mengembalikan rencana SKP Anda untuk diperbaiki, lalu diajukan kembali.",
    ),
    ("skp", "agree"): Handoff(
        Recipient.PEGAWAI, "SKP disetujui", "Pejabat penilai telah menyetujui SKP Anda; SKP kini dipantau."
    ),
    ("skp", "adjust"): Handoff(
        Recipient.PEGAWAI,
        "SKP disesuaikan",
        "SKP Anda dibuka untuk penyesuaian. Perbaiki rencananya dan ajukan kembali untuk disetujui.",
    ),
    ("skp", "reagree"): Handoff(
        Recipient.PEGAWAI, "Penyesuaian SKP disetujui", "Pejabat penilai telah menyetujui penyesuaian SKP Anda."
    ),
    ("skp", "assess"): Handoff(
        Recipient.PEGAWAI,
        "Hasil penilaian kinerja tahunan",
        "Pejabat penilai telah menetapkan predikat kinerja tahunan Anda. Anda dapat membacanya, dan mengajukan "
        "keberatan dalam masa pengajuannya bila tidak sepakat.",
    ),
    ("evaluation", "submit_realisasi"): Handoff(
        Recipient.PENILAI,
        "Realisasi menunggu evaluasi",
        "Realisasi periode berikut telah diisi dan menunggu evaluasi Anda sebagai pejabat penilai.",
    ),
    ("evaluation", "return_realisasi"): Handoff(
        Recipient.PEGAWAI,
        "Realisasi dikembalikan",
        "Pejabat penilai mengembalikan realisasi Anda untuk dilengkapi, lalu diajukan kembali.",
    ),
    ("evaluation", "evaluate"): Handoff(
        Recipient.PEGAWAI,
        "Hasil evaluasi kinerja periodik",
        "Pejabat penilai telah mengevaluasi kinerja periode Anda; predikatnya dapat dibaca di skpflow.",
    ),
    ("keberatan", "file"): Handoff(
        Recipient.ATASAN_PENILAI,
        "Keberatan menunggu keputusan",
        "Pegawai berikut mengajukan keberatan atas hasil penilaiannya; keputusan ada pada Anda sebagai atasan "
        "pejabat penilai.",
    ),
    ("keberatan", "decide"): Handoff(
        Recipient.PEGAWAI,
        "Keputusan atas keberatan",
        "Atasan pejabat penilai telah memutuskan keberatan Anda; keputusan dan catatannya dapat dibaca di skpflow.",
    ),
    ("follow_up_case", "schedule"): Handoff(
        Recipient.PEGAWAI,
        "Tindak lanjut dijadwalkan",
        "Tindak lanjut hasil kinerja Anda telah dijadwalkan pada {when}.",
    ),
}


_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("workflows.cases", "templates"),
    autoescape=False,  # plain-text e-mail
    undefined=jinja2.StrictUndefined,
    finalize=lambda value: "-" if value is None else value,
)
_SUBJECT = _TEMPLATES.get_template("notice_subject.txt")
_BODY = _TEMPLATES.get_template("notice_body.txt")
SUBJECT_MAX = 300
NO_ADDRESS = "no_address"  # the outbox status of a person without an e-mail; the deliverer addresses it later


def notify(
    session: Session,
    skp: Skp,
    entity_type: str,
    entity_id: int,
    trigger: str,
    *,
    seq: int,
    now: datetime,
    note: str | None = None,
    when: datetime | None = None,
) -> bool:
    """The notice `HANDOFFS` names for this move, to the SKP's pegawai, penilai or atasan penilai; nothing when the
    move names nobody or the person is outside the organisation. Returns whether one was written."""
    handoff = HANDOFFS.get((entity_type, trigger))
    if handoff is None:
        return False
    person_id = {
        Recipient.PEGAWAI: skp.pegawai_id,
        Recipient.PENILAI: skp.penilai_id,
        Recipient.ATASAN_PENILAI: skp.atasan_penilai_id,
    }.get(handoff.to)
    if person_id is None:
        return False
    people = _people(session, [person_id, skp.pegawai_id])
    person, owner = people[person_id], people[skp.pegawai_id]
    cycle = session.get_one(Cycle, skp.cycle_id)
    lead = handoff.lead.format(when=f"{when:%d-%m-%Y %H:%M} UTC" if when else "-")
    session.connection().execute(
        _INSERT,
        {
            "dedupe_key": f"notice:{entity_type}:{entity_id}:{seq}",
            "channel": "email",
            "recipient": person.email or f"nip:{person.nip}",
            "subject": _SUBJECT.render(title=handoff.title, pegawai=owner.name)[:SUBJECT_MAX],
            "body": _BODY.render(
                name=person.name, lead=lead, note=note, pegawai=owner.name, nip=owner.nip, cycle=cycle.name
            ),
            "status": "pending" if person.email else NO_ADDRESS,
            "attempts": 0,
            "created_at": now,
            "instansi_id": cycle.instansi_id,
            "unit_id": skp.unit_id,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "action": "notice",
        },
    )
    return True


@dataclass(frozen=True)
class _Person:
    id: int
    name: str
    nip: str
    email: str | None


_ADDRESSED = frozenset({"name", "nip", "email"})


def _people(session: Session, ids: list[int]) -> dict[int, _Person]:
    """The people a notice names: from the session where the use case's loader read them with their address (an
    SKP's loader reads its pegawai and pejabat penilai so), else in one plain read of four columns."""
    found: dict[int, _Person] = {}
    for pid in ids:
        held = session.identity_map.get(identity_key(Pegawai, pid))
        if isinstance(held, Pegawai) and not (_ADDRESSED & instance_state(held).unloaded):
            found[pid] = _Person(pid, held.name, held.nip, held.email)
    missing = [pid for pid in ids if pid not in found]
    if missing:
        for p in session.connection().execute(_PEOPLE, {"ids": missing}):
            found[p.id] = _Person(p.id, p.name, p.nip, p.email)
    return found


# one statement each, built once: a notice is written on nearly every move, and building a statement per call (its
# values inlined) costs more than running it
_PEOPLE = select(col(Pegawai.id), col(Pegawai.name), col(Pegawai.nip), col(Pegawai.email)).where(
    col(Pegawai.id).in_(bindparam("ids", expanding=True))
)
_INSERT = insert(Outbox.__table__)  # type: ignore[attr-defined]  # the table's, not the ORM's bulk insert
