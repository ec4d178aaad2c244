"""Random operations by random actors through the use cases: audit events equal successful changes,
every SKP stays in a declared state, a refusal writes nothing, and the audit trail verifies."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlmodel import col

from states.enums import CapaianLevel, Rating
from states.errors import SkpflowError
from states.lifecycle import TriggerInput
from states.skp import SKP, SkpState
from tests.databases import empty_database
from tests.integration.org import KABID, KADIS, SEKDA, STAF1, STAF2, open_small_cycle
from workflows import audit
from workflows.actors import Actor
from workflows.cases import cycles as cycle
from workflows.cases import skps
from workflows.cases.skps import PlanIn
from workflows.store.tables import AuditEvent, Pegawai, Rhk, Skp, Unit
from workflows.store.uow import reading, unit_of_work

NIPS = [SEKDA, KADIS, KABID, STAF1, STAF2]
ACTORS = [*NIPS, "admin", "system"]
RATINGS = st.sampled_from([None, *Rating])

operation = st.one_of(
    st.tuples(st.just("plan"), st.sampled_from(ACTORS), st.sampled_from(NIPS), st.booleans(), st.booleans()),
    st.tuples(
        st.just("fire"),
        st.sampled_from(ACTORS),
        st.sampled_from(NIPS),
        st.sampled_from(SKP.triggers),
        st.tuples(RATINGS, RATINGS, st.sampled_from([None, "", "catatan"])),
    ),
    st.tuples(
        st.just("cycle"),
        st.sampled_from(["admin", "system", KADIS]),
        st.sampled_from(["start_monitoring", "start_assessment", "start_follow_up", "close"]),
    ),
    st.tuples(st.just("capaian"), st.sampled_from(["admin", SEKDA, STAF1]), st.sampled_from(list(CapaianLevel))),
    st.tuples(st.just("wait"), st.integers(min_value=1, max_value=60)),
)


def count_events(db: Engine) -> int:
    with reading(db) as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)) or 0


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=st.lists(operation, min_size=5, max_size=40))
def test_random_operations_keep_the_trail_exact(migrated: Engine, now: datetime, script: list[tuple]) -> None:  # type: ignore[type-arg]
    db = migrated
    empty_database(db)
    cycle_id = open_small_cycle(db, now)
    with unit_of_work(db) as s:
        people = {p.nip: Actor.pegawai(p.id or 0, p.nip) for p in s.scalars(select(Pegawai))}
        skp_of: dict[str, int] = {
            nip: s.scalars(select(col(Skp.id)).where(col(Skp.pegawai_id) == people[nip].pegawai_id)).one() or 0
            for nip in NIPS
        }
        dinkes = s.scalar(select(col(Unit.id)).where(col(Unit.code) == "DINKES"))
    actors = {**people, "admin": Actor.admin("root"), "system": Actor.scheduler("prop")}

    successes, clock = 0, now
    for op in script:
        before = count_events(db)
        try:
            with unit_of_work(db) as s:
                if op[0] == "plan":
                    _, who, target, propose, intervene = op
                    skp_id = skp_of[target]
                    atasan = skps.atasan_skp(s, s.get_one(Skp, skp_id))
                    rhk_id = s.scalar(select(col(Rhk.id)).where(col(Rhk.skp_id) == atasan.id)) if atasan else None
                    body = PlanIn.model_validate(
                        {
                            "propose": propose,
                            "rhk": [
                                {
                                    "jenis": "UTAMA",
                                    "text": "RHK",
                                    "intervensi_rhk_id": rhk_id if intervene else None,
                                    "cascade": "DIRECT" if intervene and rhk_id else None,
                                    "indikator": [
                                        {"text": "IKI", "aspek": "KUANTITAS", "target": 1, "satuan": "dokumen"}
                                    ],
                                }
                            ],
                        }
                    )
                    skps.save_plan(s, skp_id, body, actor=actors[who], now=clock)
                elif op[0] == "fire":
                    _, who, target, trigger, (hk, pk, note) = op
                    inp = TriggerInput(note=note, reason=note, rating_hasil_kerja=hk, rating_perilaku=pk)
                    skps.fire(s, skp_of[target], trigger, actor=actors[who], now=clock, inp=inp)
                elif op[0] == "cycle":
                    cycle.fire(s, cycle_id, op[2], actor=actors[op[1]], now=clock)
                elif op[0] == "capaian":
                    assert dinkes is not None
                    skps.set_capaian(s, cycle_id, dinkes, skps.ANNUAL, op[2], actor=actors[op[1]], now=clock)
                else:
                    clock += timedelta(days=op[1])
                    continue
            successes += 1
            assert count_events(db) == before + 1, f"{op} succeeded: exactly one audit event"
        except SkpflowError:
            assert count_events(db) == before, f"{op} was refused: no audit event"

    with reading(db) as s:
        states = set(s.scalars(select(col(Skp.state))))
        assert states <= {st.value for st in SkpState}
        result = audit.verify(s)
        assert result.ok, [str(p) for p in result.problems]
        assert result.checked == count_events(db)
