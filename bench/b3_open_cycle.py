"""B3: the whole `open-cycle` workflow for N pegawai (cycle transition, one SKP per active pegawai with its penilai
and atasan penilai, one genesis audit event per SKP) against a bulk INSERT … SELECT of the same rows."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Engine, bindparam, text
from sqlalchemy.orm import Session

from bench import world
from bench.common import arguments, say, scratch, tidy, timed, write
from workflows import audit
from workflows.store.tables import UtcDateTime

SKP_SQL = """
INSERT INTO skp (cycle_id, pegawai_id, unit_id, penilai_id, atasan_penilai_id, jabatan_type, jabatan_name,
                 periode_awal, periode_akhir, state, version, proposed, ekspektasi_khusus, lampiran)
SELECT :cycle, p.id, p.unit_id, p.atasan_id, a.atasan_id, p.jabatan_type, p.jabatan_name, :awal, :akhir, 'drafted', 1,
       false, '{}', '{}'
FROM pegawai p LEFT JOIN pegawai a ON a.id = p.atasan_id
WHERE p.instansi_id = :instansi AND p.active
"""

AUDIT_SQL = """
INSERT INTO auditevent (entity_type, entity_id, seq, instansi_id, at, actor, role, "trigger", from_state, to_state,
                        note, payload_digest, prev_hash, hash)
SELECT 'skp', s.id, 1, :instansi, :at, :actor, 'admin', 'draft', NULL, 'drafted', NULL, :digest, :genesis,
       {hash}
FROM skp s WHERE s.cycle_id = :cycle
"""


def bulk_insert(db: Engine, w: world.World) -> None:
    pg = db.dialect.name == "postgresql"
    fixed = f"|{w.instansi_id}|{audit.canonical_time(world.BEGIN)}|{world.ROOT.ref}|admin|draft|drafted|{audit.GENESIS}"
    concat = "'skp|' || s.id || :fixed"
    hashed = f"encode(sha256(convert_to({concat}, 'UTF8')), 'hex')" if pg else f"sha256hex({concat})"
    with Session(db) as s, s.begin():
        if not pg:
            s.connection().connection.driver_connection.create_function(  # type: ignore[union-attr]
                "sha256hex", 1, lambda v: hashlib.sha256(v.encode()).hexdigest(), deterministic=True
            )
        s.execute(
            text(SKP_SQL),
            {
                "cycle": w.cycle_id,
                "instansi": w.instansi_id,
                "awal": f"{world.YEAR}-01-01",
                "akhir": f"{world.YEAR}-12-31",
            },
        )
        s.execute(
            text(AUDIT_SQL.format(hash=hashed)).bindparams(bindparam("at", type_=UtcDateTime())),
            {
                "cycle": w.cycle_id,
                "instansi": w.instansi_id,
                "at": world.BEGIN,
                "actor": world.ROOT.ref,
                "digest": audit.digest({"cycle_id": w.cycle_id}),
                "genesis": audit.GENESIS,
                "fixed": fixed,
            },
        )


def remove(db: Engine, w: world.World) -> None:
    with db.begin() as conn:
        conn.execute(
            text(
                "DELETE FROM auditevent WHERE entity_type = 'skp'"
                " AND entity_id IN (SELECT id FROM skp WHERE cycle_id = :c)"
            ),
            {"c": w.cycle_id},
        )
        conn.execute(text("DELETE FROM skp WHERE cycle_id = :c"), {"c": w.cycle_id})


def one(kind: str, n: int) -> dict[str, Any]:
    with scratch(kind) as (db, _):
        say(f"B3 {kind} {n}: importing the organisation")
        w = world.build(db, n)
        tidy(db)
        say(f"B3 {kind} {n}: bulk INSERT reference")
        seconds_sql, _ = timed(lambda: bulk_insert(db, w))
        by_sql = world.skp_count(db, w)
        remove(db, w)
        tidy(db)
        say(f"B3 {kind} {n}: open-cycle")
        seconds_open, opened = timed(lambda: world.open_cycle(db, w))
        again, reopened = timed(lambda: world.open_cycle(db, w))
    return {
        "database": kind,
        "pegawai": n,
        "open_cycle_seconds": seconds_open,
        "drafted": opened["drafted"],
        "bulk_insert_seconds": seconds_sql,
        "bulk_insert_rows": by_sql,
        "ratio_to_bulk_insert": seconds_open / seconds_sql,
        "rerun_seconds": again,
        "rerun_drafted": reopened["drafted"],
    }


def main() -> None:
    args = arguments(
        __doc__ or "",
        quick={"sqlite": [2000], "postgresql": [2000], "name": "b3"},
        full={"sqlite": [100_000], "postgresql": [100_000], "name": "b3"},
    )
    runs = []
    for kind, sizes in (("sqlite", args.sqlite), ("postgresql", args.postgresql)):
        for n in (n for n in sizes if n > 0):
            runs.append(one(kind, n))
            write(args.name, {"runs": runs})
    say("B3 done")


if __name__ == "__main__":
    main()
