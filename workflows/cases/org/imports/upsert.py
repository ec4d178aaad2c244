"""The idempotent upsert of an organisation import: every row checked first (all problems named by their row), then
units, pegawai, contracts and statuses written in one transaction, audited, sessions of changed people ended."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.status import StatusIn
from states.errors import InvalidInput, NotPermitted
from states.roles import Role
from workflows import engine
from workflows.actors import Actor
from workflows.cases import kontrak
from workflows.cases.org.imports.payload import (
    DEFAULT_POLICY,
    ImportedInstansi,
    ImportResult,
    InstansiIn,
    JsonPaths,
    OrgImport,
    PegawaiIn,
    RowLabels,
)
from workflows.cases.org.imports.tree import (
    _atasan_cycles,
    _cycle_in,
    _parent_codes,
    _reassign,
    _repath,
    _topological,
    resolve_atasan,
)
from workflows.cases.org.lookup import instansi_for_request
from workflows.store.db import insert_many
from workflows.store.passwords import PasswordPolicy, hash_password
from workflows.store.tables import Instansi, Kontrak, Pegawai, Unit


def import_org(
    session: Session,
    payload: OrgImport,
    *,
    actor: Actor,
    now: datetime,
    labels: RowLabels | None = None,
    first_instansi: InstansiIn | None = None,
    passwords: PasswordPolicy = DEFAULT_POLICY,
) -> ImportResult:
    """Idempotent upsert of units and pegawai; every problem is reported per row and nothing is written if any.

    Without `instansi` it imports into the one `instansi_for_request` finds; into a database that holds none, the
    super-admin's import creates `first_instansi` (the settings' SKPFLOW_INSTANSI_CODE / _NAME). A row's password
    must meet the policy; it is an initial password (changed at first login), and a new one for a known pegawai
    ends their sessions."""
    if not (actor.super_admin or actor.admin_of):
        raise NotPermitted("organisation", "import", ["admin"])
    instansi, created = _instansi_for(session, payload, actor, now, first_instansi)
    assert instansi.id is not None
    units = {u.code: u for u in session.scalars(select(Unit).where(col(Unit.instansi_id) == instansi.id))}
    existing_pegawai = {
        nip: (pid, iid)
        for pid, nip, iid in session.execute(select(col(Pegawai.id), col(Pegawai.nip), col(Pegawai.instansi_id)))
    }
    statuses = _checked(
        session, payload, instansi, units, existing_pegawai, labels=labels or JsonPaths(), passwords=passwords
    )

    # units: parents first, so each new unit's parent id is known when it is inserted
    parent_code = _parent_codes(units) | {u.code: u.parent_code for u in payload.units}
    incoming = {u.code: u for u in payload.units}
    created_units = updated_units = 0
    for code in _topological(parent_code, incoming):
        u = incoming[code]
        parent = units[u.parent_code] if u.parent_code else None
        row = units.get(code)
        if row is None:
            row = Unit(instansi_id=instansi.id, code=code, name=u.name)
            created_units += 1
        else:
            updated_units += 1
        row.name = u.name
        row.parent_id = parent.id if parent else None
        row.timezone = u.timezone or (parent.timezone if parent else "Asia/Jakarta")
        session.add(row)
        if row.id is None:
            session.flush()  # a new unit's id is needed by its children and its path
        units[code] = row
    _repath(units)

    # pegawai: bulk insert the new, bulk update the known
    new_rows, known_rows = [], []
    for p in payload.pegawai:
        values = {
            "instansi_id": instansi.id,
            "nip": p.nip,
            "name": p.name,
            "jenis": p.jenis.value,
            "jabatan_type": p.jabatan_type.value,
            "jabatan_name": p.jabatan_name,
            "jenjang": p.jenjang.value if p.jenjang else None,
            "unit_id": units[p.unit_code].id,
            "is_plt": p.is_plt,
            "atasan_override": p.atasan_nip is not None,
            "active": True,
            "email": p.email,
        }
        values |= _initial_password(p)
        if p.nip in existing_pegawai:
            known_rows.append({"id": existing_pegawai[p.nip][0], **values})  # no password given: the hash stays
        else:  # one shape for every row of the batch
            new_rows.append({"password_hash": None, "must_change_password": False, **values})
    ids = {nip: pid for nip, (pid, _) in existing_pegawai.items()}
    # one statement (on PostgreSQL a JSON batch): the ORM's bulk INSERT … RETURNING spent most of a 10^5 import
    # splicing its batches' returned rows
    inserted = insert_many(session, Pegawai.__table__, new_rows, returning=["id", "nip"])  # type: ignore[attr-defined]
    ids.update({nip: pid for pid, nip in inserted})
    if known_rows:
        session.execute(update(Pegawai), known_rows)
        # a password set anew ends the sessions the old one opened
        _end_sessions(session, [p.nip for p in payload.pegawai if p.password and p.nip in existing_pegawai])

    for u in payload.units:
        units[u.code].head_id = ids[u.head_nip] if u.head_nip else None
    session.flush()
    _settle(session, payload, instansi.id, ids, actor=actor, now=now)
    _store_statuses(session, statuses, ids, actor=actor, now=now)

    if payload.instansi is not None:  # renamed here, so the rename is flushed with the audited version bump
        instansi.name = payload.instansi.name
    result = ImportResult(
        instansi.id or 0,
        created_units,
        updated_units,
        len(new_rows),
        len(known_rows),
        ImportedInstansi(instansi.code, instansi.name, created),
    )
    engine.record(
        session,
        instansi,
        "import_org",
        actor=actor,
        role=Role.ADMIN.value,
        now=now,
        note=f"units +{created_units} ~{updated_units}, pegawai +{len(new_rows)} ~{len(known_rows)}",
        payload=payload.model_dump(mode="json", exclude={"pegawai": {"__all__": {"password"}}}),
    )
    return result


def _settle(
    session: Session, payload: OrgImport, instansi_id: int, ids: Mapping[str, int], *, actor: Actor, now: datetime
) -> None:
    """After the rows are written: every atasan resolved (open steps follow a changed one), the contracts recorded."""
    overrides = {ids[p.nip]: ids[p.atasan_nip] for p in payload.pegawai if p.atasan_nip}
    _reassign(session, resolve_atasan(session, instansi_id, overrides), actor, now)
    contracts = [
        (ids[p.nip], p.nip, kontrak.KontrakIn(p.kontrak_mulai, p.kontrak_selesai))
        for p in payload.pegawai
        if p.kontrak_mulai is not None and p.kontrak_selesai is not None
    ]
    kontrak.record_imported(session, contracts, actor=actor, now=now)


def _checked(
    session: Session,
    payload: OrgImport,
    instansi: Instansi,
    units: Mapping[str, Unit],
    existing: Mapping[str, tuple[int, int]],
    *,
    labels: RowLabels,
    passwords: PasswordPolicy,
) -> dict[str, StatusIn]:
    """Every problem of the import, InvalidInput if any; the import's status periods by NIP."""
    from workflows.cases import status  # the status use cases read policies, whose store reads this module

    problems = _validate(session, payload, instansi, units, existing, labels=labels, passwords=passwords)
    rows = {p.nip: (i, inp) for i, p in enumerate(payload.pegawai) if (inp := p.status_in()) is not None}
    problems += status.import_problems(
        session,
        {nip: (_status_column(labels, i), inp) for nip, (i, inp) in rows.items()},
        {nip: pid for nip, (pid, iid) in existing.items() if iid == instansi.id},
    )
    if problems:
        raise InvalidInput(problems)
    return {nip: inp for nip, (_, inp) in rows.items()}


def _store_statuses(
    session: Session, statuses: Mapping[str, StatusIn], ids: Mapping[str, int], *, actor: Actor, now: datetime
) -> None:
    if statuses:
        from workflows.cases import status

        status.import_statuses(session, statuses, ids, actor=actor, now=now)


def _status_column(labels: RowLabels, index: int) -> Callable[[str], str]:
    """How a status problem names its column on the import's row `index`: `from` → `status_from`, …"""
    return lambda field: labels.at("pegawai", index, f"status_{field}")


def _weak_passwords(payload: OrgImport, passwords: PasswordPolicy, labels: RowLabels) -> list[str]:
    """Each row whose password the policy refuses, and why (the NIP and name count as known words)."""
    return [
        f"{labels.at('pegawai', i, 'password')}: {weak}"
        for i, p in enumerate(payload.pegawai)
        if p.password
        for weak in passwords.problems(p.password, known=[p.nip, *p.name.split(), p.email or ""])
    ]


def _initial_password(p: PegawaiIn) -> dict[str, object]:
    """A row's password as stored: hashed, and to be changed at first login; nothing when the row gives none."""
    return {"password_hash": hash_password(p.password), "must_change_password": True} if p.password else {}


def _end_sessions(session: Session, nips: list[str]) -> None:
    for start in range(0, len(nips), 5000):
        session.execute(
            update(Pegawai)
            .where(col(Pegawai.nip).in_(nips[start : start + 5000]))
            .values(token_version=col(Pegawai.token_version) + 1)
            .execution_options(synchronize_session=False)
        )


def _instansi_for(
    session: Session, payload: OrgImport, actor: Actor, now: datetime, first: InstansiIn | None
) -> tuple[Instansi, bool]:
    """The instansi imported into, and whether this import created it: the super-admin creates a named instansi
    that does not exist yet, and a fresh install's first unnamed one from the settings; the rest is the rule."""
    named = payload.instansi
    if actor.super_admin:
        if named is None and first is not None and session.scalar(select(col(Instansi.id)).limit(1)) is None:
            return _create(session, first, actor, now, "from the settings SKPFLOW_INSTANSI_CODE and _NAME"), True
        if (
            named is not None
            and session.scalar(select(col(Instansi.id)).where(col(Instansi.code) == named.code)) is None
        ):
            return _create(session, named, actor, now, "named by the import"), True
    code = named.code if named is not None else None
    found = session.get(Instansi, instansi_for_request(session, actor, code, "organisation", action="import"))
    assert found is not None
    return found, False


def _create(session: Session, instansi: InstansiIn, actor: Actor, now: datetime, source: str) -> Instansi:
    row = Instansi(code=instansi.code, name=instansi.name)
    engine.record(session, row, "create", actor=actor, role=Role.ADMIN.value, now=now, note=source, created=True)
    return row


def _validate(
    session: Session,
    payload: OrgImport,
    instansi: Instansi,
    units: Mapping[str, Unit],
    existing_pegawai: Mapping[str, tuple[int, int]],
    *,
    labels: RowLabels,
    passwords: PasswordPolicy,
) -> list[str]:
    at, ref = labels.at, labels.ref
    problems: list[str] = []
    seen_units: dict[str, int] = {}
    for i, u in enumerate(payload.units):
        if u.code in seen_units:
            problems.append(f"{at('units', i, 'code')}: duplicate of {ref('units', seen_units[u.code])} ({u.code})")
        seen_units.setdefault(u.code, i)
    known_units = set(units) | set(seen_units)
    seen_nips: dict[str, int] = {}
    for i, p in enumerate(payload.pegawai):
        if p.nip in seen_nips:
            problems.append(f"{at('pegawai', i, 'nip')}: duplicate of {ref('pegawai', seen_nips[p.nip])} ({p.nip})")
        seen_nips.setdefault(p.nip, i)
        owner = existing_pegawai.get(p.nip)
        if owner is not None and owner[1] != instansi.id:
            problems.append(f"{at('pegawai', i, 'nip')}: {p.nip} belongs to another instansi")
        if p.unit_code not in known_units:
            problems.append(f"{at('pegawai', i, 'unit_code')}: unknown unit '{p.unit_code}'")
        if p.atasan_nip == p.nip:
            problems.append(f"{at('pegawai', i, 'atasan_nip')}: a pegawai cannot be their own atasan")
    own_nips = set(seen_nips) | {nip for nip, (_, iid) in existing_pegawai.items() if iid == instansi.id}
    unit_of_nip = {p.nip: p.unit_code for p in payload.pegawai}
    for i, p in enumerate(payload.pegawai):
        if p.atasan_nip and p.atasan_nip not in own_nips:
            problems.append(f"{at('pegawai', i, 'atasan_nip')}: unknown pegawai '{p.atasan_nip}'")
    headed: dict[str, int] = {}
    for i, u in enumerate(payload.units):
        if u.parent_code is not None and u.parent_code not in known_units:
            problems.append(f"{at('units', i, 'parent_code')}: unknown unit '{u.parent_code}'")
        if u.parent_code == u.code:
            problems.append(f"{at('units', i, 'parent_code')}: a unit cannot be its own parent")
        if u.head_nip is not None and u.head_nip not in own_nips:
            problems.append(f"{at('units', i, 'head_nip')}: unknown pegawai '{u.head_nip}'")
        elif u.head_nip is not None and u.head_nip in unit_of_nip and unit_of_nip[u.head_nip] != u.code:
            problems.append(
                f"{at('units', i, 'head_nip')}: {u.head_nip} belongs to unit '{unit_of_nip[u.head_nip]}', "
                f"not '{u.code}' (a pegawai who also acts for another unit keeps their own unit: record the Plt/Plh "
                "SK with POST /units/{code}/acting)"
            )
        if u.head_nip is not None:
            if u.head_nip in headed:
                problems.append(
                    f"{at('units', i, 'head_nip')}: {u.head_nip} already heads {ref('units', headed[u.head_nip])}; "
                    "a pegawai heads one unit"
                )
            headed.setdefault(u.head_nip, i)
    parents = _parent_codes(units) | {u.code: u.parent_code for u in payload.units}
    problems += [
        f"{at('units', seen_units.get(code), 'parent_code')}: '{code}' is on a cycle of parent units"
        for code in _cycle_in(parents)
    ]
    if not problems:
        overrides = {p.nip for p in payload.pegawai if p.atasan_nip}
        problems += [
            f"{at('pegawai', seen_nips.get(nip), 'atasan_nip' if nip in overrides else None)}: "
            f"'{nip}' is on a cycle of atasan"
            for nip in _atasan_cycles(session, payload, instansi, units)
        ]
    return (
        problems + _contracts(session, payload, existing_pegawai, labels) + _weak_passwords(payload, passwords, labels)
    )


def _contracts(
    session: Session, payload: OrgImport, existing_pegawai: Mapping[str, tuple[int, int]], labels: RowLabels
) -> list[str]:
    """Each row's contract checked as `PUT /pegawai/{nip}/kontrak` checks it, against the contracts recorded."""
    given = [(i, p) for i, p in enumerate(payload.pegawai) if p.kontrak_mulai or p.kontrak_selesai]
    known = [existing_pegawai[p.nip][0] for _, p in given if p.nip in existing_pegawai]
    recorded: dict[int, list[tuple[date, date]]] = {}
    if known:
        rows = session.execute(
            select(col(Kontrak.pegawai_id), col(Kontrak.mulai), col(Kontrak.selesai)).where(
                col(Kontrak.pegawai_id).in_(known)
            )
        ).tuples()
        for pid, mulai, selesai in rows:
            recorded.setdefault(pid, []).append((mulai, selesai))
    problems = []
    for i, p in given:
        if p.kontrak_mulai is None or p.kontrak_selesai is None:
            missing = "kontrak_mulai" if p.kontrak_mulai is None else "kontrak_selesai"
            problems.append(f"{labels.at('pegawai', i, missing)}: required with the other date of the contract")
            continue
        owner = existing_pegawai.get(p.nip)
        for problem in kontrak.contract_problems(
            p.jenis.value, p.kontrak_mulai, p.kontrak_selesai, recorded.get(owner[0], []) if owner else []
        ):
            field, _, text = problem.partition(": ")
            problems.append(f"{labels.at('pegawai', i, field)}: {text}")
    return problems
