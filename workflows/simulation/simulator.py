"""A whole cycle year of a demo kabupaten in simulated time, driven through the real use cases and workflows.

People act at times drawn from a seeded RNG (plans, agreement, realisasi, ratings, objections, coaching), some
late, some never; the named workflows run on a weekly simulated clock (open-period, close-period,
enforce-deadlines, dispatch-follow-up, deliver-notifications through a recording sender). Nothing reads the wall
clock: every use case gets the simulated `now`. What the simulation did is kept in a `Ledger` for the report.

One module on purpose: `Simulation` is one event loop whose handlers (one per kind of act) share its queue, its
RNG and its ledger in a fixed order, so the same seed replays the same year.
"""

from __future__ import annotations

import heapq
import random
import time as wallclock
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, event, func, select
from sqlalchemy.orm import Session, load_only
from sqlmodel import col

from policies import periods as policy_periods
from policies.deadlines import due_date
from policies.distribution import limits
from policies.kuadran import predikat as kuadran_predikat
from policies.schema import DeadlineKey, Policy
from policies.status import StatusIn
from policies.unit_head import rating_for_unit_head
from states.enums import ActingKind, CapaianLevel, CoreValue, JabatanType, PegawaiStatus, PeriodKind, Predikat, Rating
from states.errors import SkpflowError
from states.lifecycle import TriggerInput
from workflows import audit
from workflows.actors import Actor
from workflows.cases import (
    acting,
    cycles,
    evaluations,
    feedback,
    followups,
    input_360,
    kontrak,
    mutasi,
    objections,
    policy_store,
    skps,
    status,
)
from workflows.cases.cycles import CycleIn
from workflows.cases.org.imports import import_org
from workflows.cases.skps import PlanIn
from workflows.flows import runs
from workflows.simulation.demo import generate_kabupaten
from workflows.store.tables import (
    Cycle,
    DeadlineStep,
    Feedback,
    FollowUpCase,
    Input360,
    Pegawai,
    PolicyVersion,
    Rhk,
    Skp,
    Unit,
)
from workflows.store.uow import reading, unit_of_work

ZONE = ZoneInfo("Asia/Jakarta")  # the demo kabupaten's zone (workflows.simulation.demo.TIMEZONE)
HR = Actor.admin("hr-simulasi")
PRESET = "permenpanrb-6-2022"
FEEDBACK_EVERY_WEEKS = 8
"""The kabupaten makes dialog kinerja routine (seed 000): umpan balik on every SKP in force at least every eight
weeks, so the deadline sweep nudges the penilai where it lapses (`feedback.every_weeks`, off in the preset)."""
ANSWERS = {"reminder": 0.5, "escalate": 0.7}
"""How likely a nudged penilai gives umpan balik within days: after the reminder, and once their own atasan is told."""
SCHEDULER = Actor.scheduler("simulate")
HI, OK, LO = Rating.DI_ATAS_EKSPEKTASI, Rating.SESUAI_EKSPEKTASI, Rating.DI_BAWAH_EKSPEKTASI
BELOW_BAIK = (Predikat.BUTUH_PERBAIKAN, Predikat.KURANG, Predikat.SANGAT_KURANG)


def local(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """An instant given in the kabupaten's local time, as UTC."""
    return datetime.combine(day, time(hour, minute), ZONE).astimezone(UTC)


class RecordingSender:
    """Delivers notifications into a list: the simulation's mail server."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, to: str, subject: str, body: str) -> None:
        self.sent.append((to, subject))


@dataclass
class Ledger:
    """What the simulation did and what the workflows answered, for the report and its consistency check."""

    cycle_id: int = 0
    instansi_id: int = 0
    snapshots: dict[str, dict[str, int]] = field(default_factory=dict)  # month end → SKP state → count
    actions: Counter[str] = field(default_factory=Counter)  # use-case calls that changed something, by trigger
    refused: Counter[str] = field(default_factory=Counter)  # use-case calls refused, by trigger
    refusals: list[str] = field(default_factory=list)
    done: dict[str, dict[int, datetime]] = field(default_factory=lambda: defaultdict(dict))  # deadline → id → when
    predikat: dict[int, str] = field(default_factory=dict)  # SKP id → its predikat as the use cases returned it
    annual_levels: dict[int, str] = field(default_factory=dict)  # unit id → the annual capaian HR set
    deadline_steps: int = 0
    notified: Counter[str] = field(default_factory=Counter)
    auto_actions: Counter[str] = field(default_factory=Counter)
    cases: Counter[str] = field(default_factory=Counter)
    close_assessment: dict[str, Any] = field(default_factory=dict)
    mutasi: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)  # status periods HR recorded, with what followed
    contracts: list[dict[str, Any]] = field(default_factory=list)  # PPPK contracts HR recorded
    contract_cases: Counter[str] = field(default_factory=Counter)  # recommendations the contract ladder opened
    acting: dict[str, Any] = field(default_factory=dict)  # the Plt SK: who, for which unit, what it moved
    input_360: Counter[str] = field(default_factory=Counter)  # in one unit: SKPs, pemberi named, inputs submitted
    input_360_unit: str = ""
    qualitative: Counter[str] = field(default_factory=Counter)  # in one unit: SKPs planned so, indikator rated
    dialog: Counter[str] = field(default_factory=Counter)  # dialog kinerja: nudge steps taken, umpan balik after one
    dialog_notified: Counter[str] = field(default_factory=Counter)  # the nudges queued, by ladder action
    nudged: set[int] = field(default_factory=set)  # SKPs a nudge was sent about
    qualitative_unit: str = ""
    orphans_planted: set[int] = field(default_factory=set)  # SKPs planned with an RHK Utama no bawahan intervenes
    delivered: int = 0
    cycle_state: str = ""
    cycle_not_closed: str | None = None
    steps: int = 0
    beyond_horizon: int = 0  # actions drawn for after the simulated horizon, not performed
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # own runtime by kind of work
    calls: Counter[str] = field(default_factory=Counter)  # use-case calls performed in chunks, by action
    call_seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # their own runtime
    call_statements: Counter[str] = field(default_factory=Counter)  # the statements they sent


@dataclass(frozen=True)
class Person:
    pegawai_id: int
    nip: str
    unit_id: int
    penilai_id: int | None
    heads: bool

    @property
    def actor(self) -> Actor:
        return Actor.pegawai(self.pegawai_id, self.nip)


WITHOUT_PEOPLE = frozenset({"submit_realisasi", "evaluate"})
"""Actions whose use cases look up no pegawai by id (they build no SKP view): `_warm` loads only the names and
addresses their notices need for their SKPs."""

Action = Callable[[Session, list[Callable[[], None]]], None]
"""Performs one simulated action in the session it is given; appends what to record once its transaction commits."""


@dataclass(order=True)
class _Due:
    at: datetime
    order: int
    name: str = field(compare=False)
    skp_id: int | None = field(compare=False)  # the SKP acted on, loaded into the chunk's session beforehand
    run: Action = field(compare=False)
    alone: bool = field(compare=False)  # a workflow with its own transactions, or a planner: not in a chunk
    unit_id: int | None = field(default=None, compare=False)  # the unit acted on, loaded like an SKP's


PLANTED_RHK = "Terlaksananya inovasi pelayanan publik"
"""A second RHK Utama a few heads plan and no bawahan intervenes: the orphan the quality report must find."""


QUALITATIVE_INDIKATOR = {
    "text": "Layanan diberikan sesuai standar pelayanan",
    "aspek": "KUALITAS",
    "approach": "KUALITATIF",
    "ekspektasi": "Layanan tepat waktu, tanpa keluhan yang terbukti, dan dinilai baik oleh penerima layanan",
}
"""The indikator of the qualitative unit's staff: an ekspektasi the pejabat penilai rates against, no target."""


def plan_for(
    intervenes: int | None,
    target: float = 100.0,
    rhk_id: int | None = None,
    *,
    orphan: bool = False,
    qualitative: bool = False,
) -> PlanIn:
    """The plan a pegawai proposes; `rhk_id`: the RHK a re-proposal keeps (subordinates may intervene it already);
    `orphan`: with the second RHK Utama no bawahan will intervene (`PLANTED_RHK`); `qualitative`: its indikator
    is KUALITATIF (`QUALITATIVE_INDIKATOR`)."""
    numeric = {"text": "Capaian layanan sesuai standar", "aspek": "KUALITAS", "target": target, "satuan": "%"}
    first = {
        **({"id": rhk_id} if rhk_id is not None else {}),
        "jenis": "UTAMA",
        "text": "Meningkatnya kualitas layanan unit kerja",
        "intervensi_rhk_id": intervenes,
        "cascade": "DIRECT" if intervenes else None,
        "indikator": [QUALITATIVE_INDIKATOR if qualitative else numeric],
    }
    second = {
        "jenis": "UTAMA",
        "text": PLANTED_RHK,
        "intervensi_rhk_id": intervenes,
        "cascade": "DIRECT" if intervenes else None,
        "indikator": [{"text": "Inovasi diterapkan", "aspek": "KUANTITAS", "target": 1.0, "satuan": "inovasi"}],
    }
    return PlanIn.model_validate({"rhk": [first, second] if orphan else [first], "propose": True})


class Simulation:
    """One simulated year; `run()` returns the ledger. `progress(done, total, label)` is told after each step."""

    def __init__(
        self,
        engine: Engine,
        *,
        pegawai: int,
        year: int,
        seed: int,
        chunk: int = 400,
        progress: Callable[[int, int, str], None] | None = None,
    ) -> None:
        self.engine, self.n, self.year, self.chunk = engine, pegawai, year, chunk
        self.rng = random.Random(seed)
        self.seed = seed
        self.progress = progress or (lambda _d, _t, _l: None)
        self.ledger = Ledger()
        self.sender = RecordingSender()
        self.queue: list[_Due] = []
        self.order = count()
        self.people: dict[int, Person] = {}
        self.skp_of: dict[int, int] = {}  # pegawai id → current SKP id
        self.owner: dict[int, int] = {}  # SKP id → pegawai id
        self.first_rhk: dict[int, int] = {}  # SKP id → its first RHK id
        self.indicators: dict[int, list[int]] = {}  # SKP id → its indicators' ids, as the pegawai knows them
        self.units: dict[int, tuple[str, int | None]] = {}  # unit id → (code, head id)
        self.paths: dict[int, list[int]] = {}  # unit id → the ids of the units from the top down to it
        self.policy: Policy
        self.seen_cases = 0
        self.refusable: set[str] = set()  # kinds of action a use case has refused: each runs in a savepoint
        self.away: dict[int, StatusIn] = {}  # pegawai id → the status period HR recorded before the year
        self.leaves: list[int] = []  # staff who rate nobody and head nothing, present when the cycle opened
        self.acting_penilai: dict[int, int] = {}  # pegawai id → the Plt rating them while the SK runs
        self.orphan_heads: set[int] = set()  # heads planning a second RHK Utama no bawahan intervenes
        self.qualitative_unit: int | None = None  # the unit whose staff plan a qualitative indikator
        self.qualitative: set[int] = set()  # SKPs planned with it
        self.awaiting: set[int] = set()  # SKPs nudged since their last umpan balik
        self.nudges_seen = 0  # the newest dialog kinerja step read (a deadline step id)
        self.statements = 0  # statements sent to the database while `run` runs, to report them per use-case call

    # --- the clock ---------------------------------------------------------------------------------------------

    def at(
        self,
        when: datetime,
        name: str,
        run: Action,
        skp: int | None = None,
        *,
        alone: bool = False,
        unit: int | None = None,
    ) -> None:
        heapq.heappush(self.queue, _Due(when, next(self.order), name, skp, run, alone, unit))

    def sessions(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def context(self, as_of: datetime, period: int | None = None) -> runs.RunContext:
        return runs.RunContext(
            self.engine, SCHEDULER, as_of, self.ledger.cycle_id, period, chunk=5000, sender=self.sender
        )

    def steps(self) -> list[tuple[datetime, bool]]:
        """Weekly Monday mornings from the first of the year to the end of March after it, and each month's end
        (00:00 local of the next month's first day), marked True."""
        out: dict[datetime, bool] = {}
        day = date(self.year, 1, 1)
        while day.weekday() != 0:
            day += timedelta(days=1)
        end = date(self.year + 1, 3, 31)
        while day <= end:
            out[local(day)] = False
            day += timedelta(days=7)
        for m in range(2, 12 + 4):
            first = date(self.year + (m - 1) // 12, (m - 1) % 12 + 1, 1)
            out[local(first, 0)] = True
        return sorted(out.items())

    # --- the year ----------------------------------------------------------------------------------------------

    def run(self) -> Ledger:
        event.listen(self.engine, "before_cursor_execute", self._count_statement)
        try:
            return self._run()
        finally:
            event.remove(self.engine, "before_cursor_execute", self._count_statement)

    def _run(self) -> Ledger:
        start = local(date(self.year, 1, 2), 8)
        self.setup(start)
        self.schedule_planning()
        self.schedule_year()
        steps = self.steps()
        total = len(steps)
        for i, (when, month_end) in enumerate(steps, start=1):
            self.perform_until(when)
            if month_end:
                self.snapshot(when)
            else:
                self.workflows(when)
            self.ledger.steps = i
            self.progress(i, total, f"{when.astimezone(ZONE):%Y-%m-%d}")
        end = local(date(self.year + 1, 4, 1))
        self.perform_until(end)
        self.ledger.beyond_horizon = len(self.queue)
        self.finish(end)
        return self.ledger

    def setup(self, now: datetime) -> None:
        org = generate_kabupaten(pegawai=self.n, seed=self.seed)
        # nobody logs in here, and each Argon2 hash costs a fifth of a second
        # most pegawai have an official address; the rest show up as outbox rows HR cannot deliver
        org = org.model_copy(
            update={
                "pegawai": [
                    p.model_copy(
                        update={"password": None, "email": f"{p.nip}@kab.go.id" if self.rng.random() < 0.85 else None}
                    )
                    for p in org.pegawai
                ]
            }
        )
        assert org.instansi is not None  # the demo kabupaten always names itself
        with unit_of_work(self.engine) as s:
            instansi_id = import_org(s, org, actor=HR, now=now).instansi_id
            routine = policy_store.PolicyIn(
                name="kab-contoh-dialog-kinerja",
                version="1",
                description="Dialog kinerja rutin: umpan balik paling lambat tiap delapan minggu.",
                base=PRESET,
                overrides={"feedback": {"every_weeks": FEEDBACK_EVERY_WEEKS}},
                instansi=org.instansi.code,
            )
            policy_store.create_version(s, routine, actor=HR, now=now)
            # quarterly periods: each pegawai reports realisasi and is rated four times a year
            body = CycleIn(
                year=self.year,
                name=f"SKP {self.year}",
                policy=routine.name,
                period=PeriodKind.QUARTERLY,
                instansi=org.instansi.code,
            )
            made = cycles.create_from(s, body, actor=HR, now=now, default_policy=PRESET)
            cycle_id = made.id
            assert made.policy_version_id is not None
            self.policy = policy_store.policy_of(s, made.policy_version_id)
            self._statuses_before(s, now)
        self.ledger.cycle_id, self.ledger.instansi_id = cycle_id, instansi_id
        cycles.open_cycle(self.sessions, cycle_id, actor=HR, now=now)
        self.ledger.actions["open_cycle"] += 1
        with reading(self.engine) as s:
            for uid, code, head, path in s.execute(
                select(col(Unit.id), col(Unit.code), col(Unit.head_id), col(Unit.path))
            ):
                self.units[uid] = (code, head)
                self.paths[uid] = [int(part) for part in path.strip("/").split("/") if part]
            heads = {h for _, h in self.units.values() if h is not None}
            for pid, nip, unit_id, atasan in s.execute(
                select(col(Pegawai.id), col(Pegawai.nip), col(Pegawai.unit_id), col(Pegawai.atasan_id))
            ):
                self.people[pid] = Person(pid, nip, unit_id, atasan, pid in heads)
            for skp_id, pid in s.execute(select(col(Skp.id), col(Skp.pegawai_id)).where(col(Skp.cycle_id) == cycle_id)):
                self.skp_of[pid], self.owner[skp_id] = skp_id, pid
        self._contracts(now)
        bosses = {p.penilai_id for p in self.people.values()}
        self.leaves = sorted(
            pid
            for pid, person in self.people.items()
            if not (person.heads or person.penilai_id is None or pid in bosses or pid in self.away)
        )

    def _contracts(self, now: datetime) -> None:
        """HR records the contracts of a few PPPK ending this year (June, September, December) and one ending next
        December: the contract ladder opens each recommendation `kontrak.opens_days_before_due` before it is due, so
        all but the last open within the simulated horizon."""
        with unit_of_work(self.engine) as s:
            pppk = sorted(
                s.execute(
                    select(col(Pegawai.id), col(Pegawai.nip))
                    .where(col(Pegawai.jenis) == "PPPK", col(Pegawai.id).in_(list(self.skp_of)))
                    .order_by(col(Pegawai.id))
                ).tuples()
            )
            y = self.year
            for i, (_, nip) in enumerate(self.rng.sample(pppk, min(len(pppk), max(4, self.n // 1000)))):
                if i % 4 == 3:
                    mulai, selesai = date(y - 3, 1, 1), date(y + 1, 12, 31)
                else:
                    month = (6, 9, 12)[i % 4]
                    selesai = date(y, month, 30 if month in (6, 9) else 31)
                    mulai = date(y - 4, month, 1)
                inp = kontrak.KontrakIn(mulai=mulai, selesai=selesai, sk_number=f"PK/{i + 1}/{mulai.year}")
                kontrak.set_kontrak(s, nip, inp, actor=HR, now=now)
                self.ledger.contracts.append({"nip": nip, "mulai": mulai.isoformat(), "selesai": selesai.isoformat()})

    def _statuses_before(self, s: Session, now: datetime) -> None:
        """Before the cycle opens HR records a few staff away on tugas belajar or CLTN from before the year: some for
        all of it (no SKP is drafted for them), some until October (their SKP is drafted when HR records the end)."""
        bosses = set(s.scalars(select(col(Pegawai.atasan_id)).where(col(Pegawai.atasan_id).is_not(None))))
        heads = set(s.scalars(select(col(Unit.head_id)).where(col(Unit.head_id).is_not(None))))
        staff = sorted(
            pid
            for pid, atasan in s.execute(select(col(Pegawai.id), col(Pegawai.atasan_id)))
            if atasan is not None and pid not in bosses and pid not in heads
        )
        few = max(1, self.n // 2000)
        chosen = self.rng.sample(staff, min(len(staff), 2 * few))
        nips = dict(
            s.execute(select(col(Pegawai.id), col(Pegawai.nip)).where(col(Pegawai.id).in_(chosen))).tuples().all()
        )
        y = self.year
        for i, pid in enumerate(chosen):
            kind = "out_all_year" if i < few else "ending"
            kind_status = PegawaiStatus.CLTN if kind == "out_all_year" and i % 2 else PegawaiStatus.TUGAS_BELAJAR
            inp = StatusIn(
                status=kind_status,
                starts=date(y - 1, 9, 1),
                until=date(y + 1, 8, 31) if kind == "out_all_year" else None,
                sk_number=f"800/{i + 1}/BKPSDM/{y - 1}",
            )
            status.set_status(s, nips[pid], inp, actor=HR, now=now)
            self.away[pid] = inp
            self.ledger.statuses.append(
                {"nip": nips[pid], "status": kind_status.value, "kind": kind, "closed": [], "drafted": []}
            )

    def penilai(self, pegawai_id: int) -> Actor:
        if pegawai_id in self.acting_penilai:
            return self.people[self.acting_penilai[pegawai_id]].actor
        p = (
            self.people[self.people[pegawai_id].penilai_id or pegawai_id]
            if self.people[pegawai_id].penilai_id
            else None
        )
        return p.actor if p else HR  # the top of the tree is rated from outside: HR acts for the bupati

    def atasan_penilai(self, pegawai_id: int) -> Actor:
        boss = self.people[pegawai_id].penilai_id
        grand = self.people[boss].penilai_id if boss else None
        return self.people[grand].actor if grand else HR

    # --- planning ------------------------------------------------------------------------------------------------

    def schedule_planning(self) -> None:
        """Top-down: each SKP is proposed after the atasan's is agreed; most are agreed in January, some late,
        a few returned once, a few only after HR's escalation."""
        depth: dict[int, int] = {}

        def depth_of(pid: int) -> int:
            if pid not in depth:
                boss = self.people[pid].penilai_id
                depth[pid] = 0 if boss is None else depth_of(boss) + 1
            return depth[pid]

        bosses = sorted({p.penilai_id for p in self.people.values() if p.penilai_id is not None})
        rating = [pid for pid in bosses if self.people[pid].heads and self.people[pid].penilai_id is not None]
        self.orphan_heads = set(self.rng.sample(rating, min(len(rating), max(2, self.n // 1000))))
        staff = Counter(p.unit_id for pid, p in self.people.items() if not p.heads and pid in self.skp_of)
        # one unit works qualitatively: the first (by id) with a team of three or more staff; no draw from the RNG, so
        # the rest of the year is drawn as before
        self.qualitative_unit = min((u for u, n in staff.items() if n >= 3), default=None)
        self.ledger.qualitative_unit = self.units[self.qualitative_unit][0] if self.qualitative_unit else ""
        agreed: dict[int, datetime] = {}
        for pid in sorted(self.people, key=lambda p: (depth_of(p), p)):
            if pid not in self.skp_of:
                continue  # away all year on a status: no SKP was drafted
            boss = self.people[pid].penilai_id
            ready = agreed[boss] + timedelta(hours=2) if boss is not None else local(date(self.year, 1, 5), 8)
            r = self.rng.random()
            if r < 0.78:
                days = self.rng.uniform(0, 12)
            elif r < 0.95:
                days = self.rng.uniform(12, 35)  # late: reminders, a notice, escalation
            else:
                days = self.rng.uniform(35, 60)  # HR is told it may draft the SKP
            proposed = max(ready, local(date(self.year, 1, 5), 8) + timedelta(days=days))
            returned = self.rng.random() < 0.07
            done = proposed + timedelta(days=4 if returned else 1)
            agreed[pid] = done
            self.at(proposed, "plan", self._plan(pid, returned, proposed), self.skp_of[pid])

    def _plan(self, pid: int, returned: bool, when: datetime, again: bool = False) -> Action:
        """The pegawai proposes a plan intervening the atasan's first RHK; the penilai acts on it a day later."""

        def run(s: Session, after: list[Callable[[], None]]) -> None:
            skp_id = self.skp_of[pid]
            person = self.people[pid]
            boss_skp = self.skp_of.get(person.penilai_id) if person.penilai_id else None
            intervenes = self.first_rhk.get(boss_skp) if boss_skp else None
            # a plan proposed again after a return keeps its RHK: a chunk may already hold subordinates intervening it
            kept = s.scalar(select(func.min(col(Rhk.id))).where(col(Rhk.skp_id) == skp_id)) if again else None
            qualitative = person.unit_id == self.qualitative_unit and not person.heads
            plan = plan_for(intervenes, rhk_id=kept, orphan=pid in self.orphan_heads, qualitative=qualitative)
            view = skps.save_plan(s, skp_id, plan, actor=person.actor, now=when)
            # subordinates planned later in the same chunk intervene this RHK; a refused chunk is performed again
            self.first_rhk[skp_id] = view.rhk[0]["id"]
            indicators = [i["id"] for r in view.rhk for i in r["indikator"]]

            def record() -> None:
                self.indicators[skp_id] = indicators
                self.ledger.actions.update(["plan"])
                if qualitative and skp_id not in self.qualitative:
                    self.qualitative.add(skp_id)
                    self.ledger.qualitative["skps"] += 1
                if pid in self.orphan_heads:
                    self.ledger.orphans_planted.add(skp_id)
                later = when + timedelta(days=1)
                self.at(later, "cascade", self._cascade(pid, returned, later), skp_id)

            after.append(record)

        return run

    def _cascade(self, pid: int, returned: bool, when: datetime) -> Action:
        """The penilai cascades and agrees, or returns the plan once with a note (the pegawai re-proposes later)."""

        def run(s: Session, after: list[Callable[[], None]]) -> None:
            skp_id, penilai = self.skp_of[pid], self.penilai(pid)
            skps.fire(s, skp_id, "cascade", actor=penilai, now=when)
            if returned:
                note = TriggerInput(note="Target belum terukur; mohon diperbaiki")
                skps.fire(s, skp_id, "return", actor=penilai, now=when, inp=note)
            else:
                skps.fire(s, skp_id, "agree", actor=penilai, now=when)

            def record() -> None:
                if returned:
                    self.ledger.actions.update(["cascade", "return"])
                    later = when + timedelta(days=2)
                    self.at(later, "plan", self._plan(pid, False, later, again=True), skp_id)
                else:
                    self.ledger.actions.update(["cascade", "agree"])
                    self.ledger.done[DeadlineKey.SKP_AGREEMENT.value][skp_id] = when

            after.append(record)

        return run

    # --- the year's schedule ----------------------------------------------------------------------------------

    def schedule_year(self) -> None:
        y = self.year
        self.at(local(date(y, 2, 2), 7), "start_monitoring", self._cycle("start_monitoring"), alone=True)
        for period in policy_periods.periods(self.policy, y):
            after = period.end + timedelta(days=1)
            self.at(local(after, 7), "capaian", self._period_capaian(period.n), alone=True)
            self.at(local(after, 10), "realisasi", self._period_work(period.n, period.end), alone=True)
            close = due_date(self.policy, DeadlineKey.PERIODIC_EVALUATION, period_end=period.end, tz=ZONE)
            self.at(close + timedelta(days=8), "close_period", self._close_period(period.n), alone=True)
        self.at(local(date(y, 3, 2), 8), "acting", self._acting(), alone=True)
        self.at(local(date(y, 6, 15), 10), "adjust", self._adjustments(), alone=True)
        self.at(local(date(y, 7, 1), 8), "status_starts", self._statuses_starting(), alone=True)
        self.at(local(date(y, 7, 6), 10), "mutasi", self._mutasi(), alone=True)
        for pid, inp in sorted(self.away.items()):
            if inp.until is None:
                when = local(date(y, 10, 14), 9)
                self.at(when, "status_ends", self._status_ends(pid, inp, when))
        self.at(local(date(y + 1, 1, 4), 7), "start_assessment", self._cycle("start_assessment"), alone=True)
        self.at(local(date(y + 1, 1, 4), 8), "assessment", self._assessment(), alone=True)
        self.at(local(date(y + 1, 1, 4), 9), "input_360", self._inputs_360(), alone=True)
        self.at(local(date(y + 1, 2, 16), 7), "start_follow_up", self._cycle("start_follow_up"), alone=True)

    def _cycle(self, trigger: str) -> Action:
        def run(s: Session, after: list[Callable[[], None]]) -> None:
            cycles.fire(s, self.ledger.cycle_id, trigger, actor=HR, now=self._now)
            after.append(lambda: self.ledger.actions.update([trigger]))

        return run

    def _close_period(self, n: int) -> Action:
        def run(_: Session, after: list[Callable[[], None]]) -> None:
            report = self.timed("close-period", self.context(self._now, n))
            for c in report["cycles"]:  # the periodic rule (follow_up.periodic) opens coaching as periods close
                if c["closed"] and c["closed"].get("coaching_opened"):
                    self.ledger.cases["COACHING"] += c["closed"]["coaching_opened"]

        return run

    def _period_capaian(self, n: int) -> Action:
        def run(_: Session, after: list[Callable[[], None]]) -> None:
            levels = [CapaianLevel.ISTIMEWA, CapaianLevel.BAIK, CapaianLevel.BUTUH_PERBAIKAN]
            for i, unit_id in enumerate(sorted(self.units)):
                level = self.rng.choices(levels, weights=[10, 85, 5])[0]
                when = self._now + timedelta(seconds=i % 3600)
                self.at(when, "set_capaian", self._capaian(unit_id, n, level, when), unit=unit_id)

        return run

    def _capaian(self, unit_id: int, n: int, level: CapaianLevel, when: datetime) -> Action:
        def run(s: Session, after: list[Callable[[], None]]) -> None:
            skps.set_capaian(s, self.ledger.cycle_id, unit_id, n, level, actor=HR, now=when)

            def record() -> None:
                self.ledger.actions.update(["set_capaian"])
                if n == skps.ANNUAL:
                    self.ledger.annual_levels[unit_id] = level.value

            after.append(record)

        return run

    def _period_work(self, n: int, end: date) -> Action:
        """At the period's end: each open evaluation gets its realisasi on time, late or never, and is rated."""

        def run(s: Session, after: list[Callable[[], None]]) -> None:
            from workflows.store.tables import Evaluation

            open_ = s.execute(
                select(col(Evaluation.id), col(Evaluation.skp_id))
                .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
                .where(
                    col(Skp.cycle_id) == self.ledger.cycle_id,
                    col(Evaluation.period_no) == n,
                    col(Evaluation.state) == "open",
                    col(Skp.closing_reason).is_(None),
                )
                .order_by(col(Evaluation.id))
            ).all()
            real_due = due_date(self.policy, DeadlineKey.REALISASI, period_end=end, tz=ZONE)
            eval_due = due_date(self.policy, DeadlineKey.PERIODIC_EVALUATION, period_end=end, tz=ZONE)
            for evaluation_id, skp_id in open_:
                r = self.rng.random()
                if r < 0.07:
                    continue  # realisasi never recorded: the evaluation lapses when the period closes
                if r < 0.82:
                    submitted = self._now + timedelta(
                        hours=self.rng.uniform(0, (real_due - self._now).total_seconds() / 3600 - 1)
                    )
                else:
                    submitted = real_due + timedelta(hours=self.rng.uniform(1, 24 * 6))
                q = self.rng.random()
                rated: datetime | None
                if q < 0.85:
                    rated = max(submitted + timedelta(hours=3), eval_due - timedelta(days=self.rng.uniform(0.2, 4)))
                elif q < 0.96:
                    rated = max(submitted + timedelta(hours=3), eval_due + timedelta(days=self.rng.uniform(0.5, 6)))
                else:
                    rated = None  # the penilai never rates it: HR is flagged, then the period lapses
                self.at(
                    submitted, "submit_realisasi", self._realisasi(skp_id, evaluation_id, n, submitted, rated), skp_id
                )

        return run

    def _realisasi(self, skp_id: int, evaluation_id: int, n: int, when: datetime, rated: datetime | None) -> Action:
        def run(s: Session, after: list[Callable[[], None]]) -> None:
            pid = self.owner[skp_id]
            qualitative = skp_id in self.qualitative

            def realised(indikator_id: int) -> dict[str, Any]:
                if qualitative:  # no value to give: the realisasi in words, rated against the ekspektasi
                    return {"indikator_id": indikator_id, "text": "Layanan tepat waktu; dua keluhan ditindaklanjuti"}
                return {"indikator_id": indikator_id, "value": round(self.rng.uniform(80, 105), 1), "text": "Tercapai"}

            body = evaluations.RealisasiIn.model_validate(
                {"realisasi": [realised(i) for i in self.indicators[skp_id]], "submit": True}
            )
            evaluations.save_realisasi(s, skp_id, n, body, actor=self.people[pid].actor, now=when)

            def record() -> None:
                self.ledger.actions.update(["realisasi", "submit_realisasi"])
                self.ledger.done[DeadlineKey.REALISASI.value][evaluation_id] = when
                if rated is not None:
                    self.at(rated, "evaluate", self._evaluate(skp_id, evaluation_id, n, rated), skp_id)

            after.append(record)

        return run

    def _evaluate(self, skp_id: int, evaluation_id: int, n: int, when: datetime) -> Action:
        def run(s: Session, after: list[Callable[[], None]]) -> None:
            pid = self.owner[skp_id]
            if self.skp_of[pid] != skp_id:
                return  # a mutasi closed this SKP since the realisasi came in: its period lapses unrated
            heads = self.people[pid].heads
            hk = None if heads else self.rng.choices([HI, OK, LO], weights=[15, 75, 10])[0]
            pk = self.rng.choices([HI, OK, LO], weights=[10, 85, 5])[0]
            rated = dict.fromkeys(self.indicators[skp_id], OK) if skp_id in self.qualitative else None
            evaluations.evaluate(
                s,
                skp_id,
                n,
                rating_hasil_kerja=hk,
                rating_perilaku=pk,
                indikator_ratings=rated,
                actor=self.penilai(pid),
                now=when,
            )
            if self.rng.random() < 0.1 and self.people[pid].penilai_id is not None:
                body = feedback.FeedbackIn.model_validate(
                    {"core_value": CoreValue.BERORIENTASI_PELAYANAN.value, "text": "Pertahankan", "period_no": n}
                )
                feedback.add_feedback(s, skp_id, body, actor=self.penilai(pid), now=when)
                after.append(lambda: self._fed(skp_id))

            def record() -> None:
                self.ledger.actions.update(["evaluate"])
                self.ledger.qualitative["rated"] += len(rated or ())
                self.ledger.done[DeadlineKey.PERIODIC_EVALUATION.value][evaluation_id] = when
                if pid in self.acting_penilai:
                    self.ledger.acting["rated_by_official"] += 1

            after.append(record)

        return run

    # --- dialog kinerja ------------------------------------------------------------------------------------------

    def _answer_nudges(self, as_of: datetime) -> None:
        """The nudges this sweep sent (`feedback.every_weeks`): many a penilai answers with umpan balik within days,
        more of them once their own atasan has been told (`ANSWERS`); the rest let the next window lapse too."""
        about = func.coalesce(col(Feedback.skp_id), col(DeadlineStep.entity_id))
        with reading(self.engine) as s:
            rows = s.execute(
                select(col(DeadlineStep.id), about, col(DeadlineStep.action))
                .outerjoin(
                    Feedback,
                    and_(col(DeadlineStep.entity_type) == "feedback", col(Feedback.id) == col(DeadlineStep.entity_id)),
                )
                .where(
                    col(DeadlineStep.id) > self.nudges_seen,
                    col(DeadlineStep.deadline_key) == DeadlineKey.FEEDBACK.value,
                    col(DeadlineStep.notified),
                )
                .order_by(col(DeadlineStep.id))
            ).all()
        for step_id, skp_id, action in rows:
            self.nudges_seen = step_id
            self.ledger.nudged.add(skp_id)
            self.awaiting.add(skp_id)
            if self.rng.random() < ANSWERS.get(action, 0.0):
                when = as_of + timedelta(hours=self.rng.uniform(2, 96))
                self.at(when, "feedback", self._feedback(skp_id, when), skp_id)

    def _feedback(self, skp_id: int, when: datetime) -> Action:
        def run(s: Session, after: list[Callable[[], None]]) -> None:
            pid = self.owner[skp_id]
            if self.skp_of[pid] != skp_id or self.people[pid].penilai_id is None:
                return  # closed by a mutasi or a status since the nudge, or nobody rates them
            period = next(
                (
                    p.n
                    for p in policy_periods.periods(self.policy, self.year)
                    if p.start <= when.astimezone(ZONE).date() <= p.end
                ),
                None,
            )
            body = feedback.FeedbackIn.model_validate(
                {
                    "core_value": CoreValue.KOLABORATIF.value,
                    "text": "Lanjutkan; lengkapi bukti dukung",
                    "period_no": period,
                }
            )
            feedback.add_feedback(s, skp_id, body, actor=self.penilai(pid), now=when)
            after.append(lambda: self._fed(skp_id))

        return run

    def _fed(self, skp_id: int) -> None:
        """Umpan balik was given on the SKP: it answers a nudge if one was sent since the last."""
        self.ledger.actions.update(["feedback"])
        if skp_id in self.awaiting:
            self.awaiting.discard(skp_id)
            self.ledger.dialog["answered"] += 1

    # --- adjustments and a mutasi ---------------------------------------------------------------------------------

    def _monitored(self, s: Session) -> list[tuple[int, int]]:
        return [
            (skp_id, pid)
            for skp_id, pid in s.execute(
                select(col(Skp.id), col(Skp.pegawai_id))
                .where(col(Skp.cycle_id) == self.ledger.cycle_id, col(Skp.state) == "monitored")
                .order_by(col(Skp.id))
            )
        ]

    def _adjustments(self) -> Action:
        """Mid-year some targets change: the penilai adjusts, the pegawai re-proposes, the penilai re-agrees."""

        def run(s: Session, after: list[Callable[[], None]]) -> None:
            monitored = self._monitored(s)
            for skp_id, _ in self.rng.sample(monitored, max(1, len(monitored) // 50)):
                when = self._now + timedelta(hours=self.rng.uniform(0, 24 * 10))
                self.at(when, "adjust", self._adjust(skp_id, when), skp_id)

        return run

    def _adjust(self, skp_id: int, when: datetime) -> Action:
        def run(s: Session, after: list[Callable[[], None]]) -> None:
            inp = TriggerInput(reason="Perubahan target (refocusing anggaran)")
            view = skps.fire(s, skp_id, "adjust", actor=self.penilai(self.owner[skp_id]), now=when, inp=inp)
            rhk = [
                {
                    **{k: r[k] for k in ("id", "jenis", "text", "intervensi_rhk_id", "cascade")},
                    "indikator": [{**i, "target": (i["target"] or 100) * 0.9} for i in r["indikator"]],
                }
                for r in view.rhk
            ]
            plan = PlanIn.model_validate({"rhk": rhk, "propose": True})

            def record() -> None:
                self.ledger.actions.update(["adjust"])
                later = when + timedelta(days=1)
                self.at(later, "reagree", self._reagree(skp_id, plan, later), skp_id)

            after.append(record)

        return run

    def _reagree(self, skp_id: int, plan: PlanIn, when: datetime) -> Action:
        def run(s: Session, after: list[Callable[[], None]]) -> None:
            pid = self.owner[skp_id]
            skps.save_plan(s, skp_id, plan, actor=self.people[pid].actor, now=when)
            skps.fire(s, skp_id, "reagree", actor=self.penilai(pid), now=when)
            after.append(lambda: self.ledger.actions.update(["plan", "reagree"]))

        return run

    def _mutasi(self) -> Action:
        """A few staff move to another unit: the old SKP is assessed for the mutasi, a new one planned and agreed."""

        def run(s: Session, after: list[Callable[[], None]]) -> None:
            monitored = dict(self._monitored(s))
            movable = sorted(skp_id for skp_id, pid in monitored.items() if not self.people[pid].heads)
            agreed_heads = {
                uid: head
                for uid, (_, head) in self.units.items()
                if head is not None and self.skp_of.get(head) in monitored
            }
            for skp_id in self.rng.sample(movable, min(len(movable), max(1, self.n // 1000))):
                pid = self.owner[skp_id]
                targets = sorted(u for u, head in agreed_heads.items() if u != self.people[pid].unit_id and head != pid)
                if not targets:
                    continue
                unit_id = self.rng.choice(targets)
                when = self._now + timedelta(hours=self.rng.uniform(0, 24 * 5))
                self.at(when, "mutasi", self._move(skp_id, unit_id, when), skp_id)

        return run

    def _move(self, skp_id: int, unit_id: int, when: datetime) -> Action:
        def run(s: Session, after: list[Callable[[], None]]) -> None:
            pid = self.owner[skp_id]
            old_penilai = self.penilai(pid)
            code = self.units[unit_id][0]
            moved = mutasi.mutasi(s, skp_id, code, "SK Bupati tentang mutasi pegawai", actor=HR, now=when)
            inp = TriggerInput(rating_hasil_kerja=OK, rating_perilaku=OK)
            assessed = skps.fire(s, skp_id, "assess", actor=old_penilai, now=when, inp=inp)
            person = self.people[pid]
            new_person = Person(pid, person.nip, unit_id, moved.new_penilai_id, False)

            def record() -> None:
                self.people[pid] = new_person
                self.skp_of[pid] = moved.new_skp_id
                self.owner[moved.new_skp_id] = pid
                self.ledger.predikat[skp_id] = assessed.predikat or ""
                self.ledger.done[DeadlineKey.ANNUAL_ASSESSMENT.value][skp_id] = when
                self.ledger.actions.update(["close_for_mutasi", "assess"])
                self.ledger.mutasi.append(
                    {"nip": person.nip, "from_skp": skp_id, "to_unit": code, "new_skp": moved.new_skp_id}
                )
                t = when + timedelta(days=4)
                self.at(t, "plan", self._plan(pid, False, t), moved.new_skp_id)

            after.append(record)

        return run

    # --- 360 input ---------------------------------------------------------------------------------------------

    def _inputs_360(self) -> Action:
        """In one unit the penilai asks two rekan kerja setingkat of each staff member for their view of the year's
        perilaku (perilaku.input_360: optional); most answer within a day, before the annual rating, some never."""

        def run(s: Session, after: list[Callable[[], None]]) -> None:
            monitored = {pid: skp_id for skp_id, pid in self._monitored(s)}
            levels = self.policy.perilaku.levels
            groups: dict[tuple[int, int, int], list[int]] = defaultdict(list)
            for pid, unit_id, jabatan, atasan in s.execute(
                select(col(Pegawai.id), col(Pegawai.unit_id), col(Pegawai.jabatan_type), col(Pegawai.atasan_id))
                .where(col(Pegawai.id).in_(list(monitored)))
                .order_by(col(Pegawai.id))
            ):
                if atasan is not None and not self.people[pid].heads:
                    groups[(unit_id, levels[JabatanType(jabatan)], atasan)].append(pid)
            teams = sorted((key, pids) for key, pids in groups.items() if len(pids) >= 3)
            if not teams:
                return
            (unit_id, _, _), team = self.rng.choice(teams)
            for i, pid in enumerate(team):
                nips = [self.people[o].nip for o in self.rng.sample([o for o in team if o != pid], 2)]
                when = self._now + timedelta(minutes=i)
                self.at(when, "name_pemberi", self._name_360(monitored[pid], nips, when), monitored[pid])
            self.ledger.input_360_unit = self.units[unit_id][0]

        return run

    def _name_360(self, skp_id: int, nips: list[str], when: datetime) -> Action:
        def run(s: Session, after: list[Callable[[], None]]) -> None:
            body = input_360.NameIn(period_no=skps.ANNUAL, nips=nips)
            input_360.name_pemberi(s, skp_id, body, actor=self.penilai(self.owner[skp_id]), now=when)
            named = s.execute(
                select(col(Input360.id), col(Input360.pemberi_id)).where(col(Input360.skp_id) == skp_id)
            ).all()

            def record() -> None:
                self.ledger.input_360.update({"skps": 1, "named": len(named)})
                for input_id, pemberi in named:
                    if self.rng.random() < 0.8:
                        t = when + timedelta(hours=self.rng.uniform(1, 20))
                        self.at(t, "submit_360", self._submit_360(input_id, pemberi, t), skp_id)

            after.append(record)

        return run

    def _submit_360(self, input_id: int, pemberi: int, when: datetime) -> Action:
        def run(s: Session, after: list[Callable[[], None]]) -> None:
            value = input_360.ValueIn(rating=self.rng.choices([HI, OK, LO], weights=[15, 80, 5])[0])
            body = input_360.SubmitIn(ratings=dict.fromkeys(CoreValue, value))
            input_360.submit_input(s, input_id, body, actor=self.people[pemberi].actor, now=when)
            after.append(lambda: self.ledger.input_360.update(["submitted"]))

        return run

    # --- a Plt --------------------------------------------------------------------------------------------------

    def _acting(self) -> Action:
        """From 2 March to 31 May the head of a unit is away: the head of a sibling unit, keeping their own post, is
        Plt by SK and rates the unit's staff meanwhile; when the SK ends they go back to their head."""

        def run(s: Session, after: list[Callable[[], None]]) -> None:
            children: dict[int | None, list[int]] = defaultdict(list)
            for uid, path in self.paths.items():
                children[path[-2] if len(path) > 1 else None].append(uid)
            staff_of: dict[int, list[int]] = defaultdict(list)
            for pid, person in self.people.items():
                if person.penilai_id is not None and pid in self.skp_of:
                    staff_of[person.penilai_id].append(pid)
            candidates = [
                (uid, sibling)
                for uids in children.values()
                for uid in sorted(uids)
                for sibling in sorted(uids)
                if sibling != uid
                and not children.get(uid)
                and self.units[uid][1] is not None
                and self.units[sibling][1] is not None
                and len(staff_of[self.units[uid][1] or 0]) >= 2
            ]
            if not candidates:
                return
            unit_id, sibling = self.rng.choice(candidates)
            code, head = self.units[unit_id]
            official = self.units[sibling][1]
            assert head is not None
            assert official is not None
            y = self.year
            inp = acting.ActingIn(
                nip=self.people[official].nip,
                kind=ActingKind.PLT,
                start=date(y, 3, 2),
                until=date(y, 5, 31),
                sk_number=f"821.2/{unit_id}/BKPSDM/{y}",
            )
            change = acting.register(s, code, inp, actor=HR, now=self._now)
            staff = staff_of[head]
            moved = sorted(
                s.scalars(
                    select(col(Skp.pegawai_id)).where(
                        col(Skp.cycle_id) == self.ledger.cycle_id,
                        col(Skp.penilai_id) == official,
                        col(Skp.pegawai_id).in_(staff),
                    )
                )
            )

            def record() -> None:
                self.acting_penilai = dict.fromkeys(moved, official)
                self.ledger.acting = {
                    "unit": code,
                    "official": self.people[official].nip,
                    "head": self.people[head].nip,
                    "staff": len(staff),
                    "moved": len(moved),
                    "reassigned": change.reassigned,
                    "rated_by_official": 0,
                }
                self.ledger.actions.update(["register"])

            after.append(record)

        return run

    # --- status periods -------------------------------------------------------------------------------------------

    def _statuses_starting(self) -> Action:
        """On 1 July a few staff start CLTN: their SKP closes for the months served and their penilai assesses it."""

        def run(s: Session, after: list[Callable[[], None]]) -> None:
            monitored = dict(self._monitored(s))
            ready = [self.skp_of[pid] for pid in self.leaves if self.skp_of.get(pid) in monitored]
            for i, skp_id in enumerate(self.rng.sample(ready, min(len(ready), max(1, self.n // 2000)))):
                when = self._now + timedelta(minutes=i)
                self.at(when, "status_starts", self._leave(skp_id, i, when), skp_id)

        return run

    def _leave(self, skp_id: int, i: int, when: datetime) -> Action:
        def run(s: Session, after: list[Callable[[], None]]) -> None:
            pid = self.owner[skp_id]
            y = self.year
            inp = StatusIn(
                status=PegawaiStatus.CLTN,
                starts=date(y, 7, 1),
                until=date(y + 2, 6, 30),
                sk_number=f"851/{i + 1}/BKPSDM/{y}",
            )
            done = status.set_status(s, self.people[pid].nip, inp, actor=HR, now=when)
            assessed = None
            if skp_id in done.closed_skp_ids:
                ratings = TriggerInput(rating_hasil_kerja=OK, rating_perilaku=OK)
                assessed = skps.fire(s, skp_id, "assess", actor=self.penilai(pid), now=when, inp=ratings)
            predikat = assessed.predikat if assessed else None

            def record() -> None:
                self.ledger.statuses.append(
                    {
                        "nip": self.people[pid].nip,
                        "status": inp.status.value,
                        "kind": "starting",
                        "closed": done.closed_skp_ids,
                        "drafted": done.new_skp_ids,
                    }
                )
                self.ledger.actions.update(["close_for_status"])
                if predikat is not None:
                    self.ledger.actions.update(["assess"])
                    self.ledger.predikat[skp_id] = predikat
                    self.ledger.done[DeadlineKey.ANNUAL_ASSESSMENT.value][skp_id] = when

            after.append(record)

        return run

    def _status_ends(self, pid: int, inp: StatusIn, when: datetime) -> Action:
        """HR records the end of a tugas belajar (14 October): an SKP is drafted from the next day and planned."""

        def run(s: Session, after: list[Callable[[], None]]) -> None:
            ended = replace(inp, until=date(self.year, 10, 14))
            done = status.set_status(s, self.people[pid].nip, ended, actor=HR, now=when)

            def record() -> None:
                entry = next(e for e in self.ledger.statuses if e["nip"] == self.people[pid].nip)
                entry["closed"], entry["drafted"] = done.closed_skp_ids, done.new_skp_ids
                for new in done.new_skp_ids:
                    self.skp_of[pid] = new
                    self.owner[new] = pid
                    t = when + timedelta(days=22)  # back from study, slow to plan: the agreement reminder reaches them
                    self.at(t, "plan", self._plan(pid, False, t), new)

            after.append(record)

        return run

    # --- assessment, objections, follow-up ------------------------------------------------------------------------

    def _assessment(self) -> Action:
        """Annual capaian per unit, then a rating plan per unit: most units keep to the curve, some do not."""

        def run(s: Session, after: list[Callable[[], None]]) -> None:
            levels = [CapaianLevel.ISTIMEWA, CapaianLevel.BAIK, CapaianLevel.BUTUH_PERBAIKAN]
            level_of: dict[int, CapaianLevel] = {}
            for i, unit_id in enumerate(sorted(self.units)):
                level_of[unit_id] = self.rng.choices(levels, weights=[12, 83, 5])[0]
                when = self._now + timedelta(seconds=i % 3600)
                self.at(when, "set_capaian", self._capaian(unit_id, 0, level_of[unit_id], when), unit=unit_id)
            members: dict[int, list[tuple[int, int]]] = defaultdict(list)
            fixed: dict[int, Counter[Predikat]] = defaultdict(Counter)
            for skp_id, pid, unit_id, state, predikat in s.execute(
                select(col(Skp.id), col(Skp.pegawai_id), col(Skp.unit_id), col(Skp.state), col(Skp.predikat))
                .where(col(Skp.cycle_id) == self.ledger.cycle_id)
                .order_by(col(Skp.id))
            ):
                if state in ("monitored", "adjusted"):
                    members[unit_id].append((skp_id, pid))
                elif predikat:
                    fixed[unit_id][Predikat(predikat)] += 1
            start = self._now + timedelta(hours=2)
            due = due_date(self.policy, DeadlineKey.ANNUAL_ASSESSMENT, cycle_year=self.year, tz=ZONE)
            for unit_id in sorted(members):
                ratings = self.rating_plan(level_of[unit_id], members[unit_id], fixed[unit_id])
                for skp_id, (hk, pk) in ratings.items():
                    r = self.rng.random()
                    if r < 0.86:
                        when = start + (due - start) * self.rng.uniform(0.05, 0.98)
                    elif r < 0.99:
                        when = due + timedelta(days=self.rng.uniform(0.5, 20))  # late: notice, escalation, HR
                    else:
                        continue  # never assessed this season
                    self.at(when, "assess", self._assess(skp_id, hk, pk, when), skp_id)

        return run

    def rating_plan(
        self, level: CapaianLevel, members: list[tuple[int, int]], fixed: Counter[Predikat]
    ) -> dict[int, tuple[Rating | None, Rating]]:
        """Ratings for a unit's SKPs. Unit heads' rating hasil kerja is the unit's capaian; the others are drawn and,
        in most units, repaired until the predikat counts keep to the curve for the unit's level."""
        policy = self.policy
        plan: dict[int, tuple[Rating | None, Rating]] = {}
        got: dict[int, Predikat] = {}
        for skp_id, pid in members:
            if self.people[pid].heads:
                hk = rating_for_unit_head(policy, level)
                pk = self.rng.choices([HI, OK, LO], weights=[10, 85, 5])[0]
                plan[skp_id] = (None, pk)
                got[skp_id] = kuadran_predikat(policy, hk, pk)
            else:
                hk = self.rng.choices([HI, OK, LO], weights=[20, 70, 10])[0]
                pk = self.rng.choices([HI, OK, LO], weights=[15, 80, 5])[0]
                plan[skp_id] = (hk, pk)
                got[skp_id] = kuadran_predikat(policy, hk, pk)
        movable = [skp_id for skp_id, (hk, _) in plan.items() if hk is not None]
        if self.rng.random() < 0.12 or not movable:
            return plan  # this unit's raters ignore the curve
        n = len(members) + sum(fixed.values())
        for _ in range(3 * n):
            counts = Counter(got.values()) + fixed
            broken = [
                lim
                for lim in limits(policy, level, n)
                if lim.applies and not lim.min <= sum(counts[p] for p in lim.constraint.predikat) <= lim.max
            ]
            if not broken:
                break
            lim = broken[0]
            group = list(lim.constraint.predikat)
            inside = sum(counts[p] for p in group)
            if inside < lim.min:
                pick = [i for i in movable if got[i] not in group]
                target = group[0]
            else:
                pick = [i for i in movable if got[i] in group]
                target = next(
                    p for p in (Predikat.BAIK, Predikat.SANGAT_BAIK, Predikat.BUTUH_PERBAIKAN) if p not in group
                )
            if not pick:
                break
            chosen = self.rng.choice(pick)
            got[chosen] = target
            plan[chosen] = self.ratings_for(target)
        return plan

    def ratings_for(self, target: Predikat) -> tuple[Rating, Rating]:
        for hk in (OK, HI, LO):
            for pk in (OK, HI, LO):
                if kuadran_predikat(self.policy, hk, pk) is target:
                    return hk, pk
        raise ValueError(f"no ratings give {target}")

    def _assess(self, skp_id: int, hk: Rating | None, pk: Rating, when: datetime) -> Action:
        def run(s: Session, after: list[Callable[[], None]]) -> None:
            pid = self.owner[skp_id]
            inp = TriggerInput(rating_hasil_kerja=hk, rating_perilaku=pk)
            view = skps.fire(s, skp_id, "assess", actor=self.penilai(pid), now=when, inp=inp)
            predikat = view.predikat or ""

            def record() -> None:
                self.ledger.actions.update(["assess"])
                self.ledger.predikat[skp_id] = predikat
                self.ledger.done[DeadlineKey.ANNUAL_ASSESSMENT.value][skp_id] = when
                share = 0.2 if predikat in BELOW_BAIK else 0.01
                if self.rng.random() < share:
                    filed = when + timedelta(days=self.rng.uniform(1, 12))
                    self.at(filed, "file_objection", self._object(skp_id, filed), skp_id)

            after.append(record)

        return run

    def _object(self, skp_id: int, when: datetime) -> Action:
        def run(s: Session, after: list[Callable[[], None]]) -> None:
            pid = self.owner[skp_id]
            filed = objections.file(s, skp_id, "Penilaian tidak sesuai capaian", actor=self.people[pid].actor, now=when)
            r = self.rng.random()
            days = self.rng.uniform(2, 13) if r < 0.75 else self.rng.uniform(15, 24)
            decided = when + timedelta(days=days)
            changed = self.rng.random() < 0.25

            def record() -> None:
                self.ledger.actions.update(["file"])
                self.at(decided, "decide", self._decide(skp_id, filed.id, changed, decided), skp_id)

            after.append(record)

        return run

    def _decide(self, skp_id: int, keberatan_id: int, changed: bool, when: datetime) -> Action:
        def run(s: Session, after: list[Callable[[], None]]) -> None:
            pid = self.owner[skp_id]
            actor = self.atasan_penilai(pid)
            if changed:
                hk = None if self.people[pid].heads else OK
                view = objections.decide(
                    s,
                    skp_id,
                    "changed",
                    "Bukti dukung menunjukkan capaian sesuai",
                    rating_hasil_kerja=hk,
                    rating_perilaku=OK,
                    actor=actor,
                    now=when,
                )
            else:
                view = objections.decide(s, skp_id, "rejected", "Penilaian sesuai bukti", actor=actor, now=when)
            predikat = view.predikat

            def record() -> None:
                self.ledger.actions.update(["decide"])
                self.ledger.done[DeadlineKey.KEBERATAN_DECISION.value][keberatan_id] = when
                if predikat:
                    self.ledger.predikat[skp_id] = predikat

            after.append(record)

        return run

    def _coaching(self, case_id: int, skp_id: int, when: datetime) -> Action:
        def run(s: Session, after: list[Callable[[], None]]) -> None:
            pid = self.owner[skp_id]
            inp = TriggerInput(when=when + timedelta(days=7))
            followups.fire_case(s, case_id, "schedule", inp, actor=self.penilai(pid), now=when)

            def record() -> None:
                self.ledger.actions.update(["schedule"])
                self.ledger.done[DeadlineKey.COACHING_SCHEDULE.value][case_id] = when

            after.append(record)

        return run

    def schedule_coaching(self, now: datetime) -> None:
        with reading(self.engine) as s:
            new = s.execute(
                select(col(FollowUpCase.id), col(FollowUpCase.skp_id))
                .where(col(FollowUpCase.id) > self.seen_cases, col(FollowUpCase.kind) == "COACHING")
                .order_by(col(FollowUpCase.id))
            ).all()
            last = s.scalar(select(func.max(col(FollowUpCase.id)))) or 0
        self.seen_cases = max(self.seen_cases, last)
        for case_id, skp_id in new:
            r = self.rng.random()
            if r < 0.8:
                when = now + timedelta(days=self.rng.uniform(1, 25))
            elif r < 0.92:
                when = now + timedelta(days=self.rng.uniform(32, 44))  # late: notice, escalation
            else:
                continue  # never scheduled: HR is flagged
            self.at(when, "schedule", self._coaching(case_id, skp_id, when), skp_id)

    # --- performing ---------------------------------------------------------------------------------------------

    _now: datetime

    def perform_until(self, until: datetime) -> None:
        """Perform every action due by `until` in time order, `chunk` per transaction (see `_perform_chunk` for
        what a refusal costs)."""
        while self.queue and self.queue[0].at <= until:
            if self.queue[0].alone:
                item = heapq.heappop(self.queue)
                self._now = item.at
                effects: list[Callable[[], None]] = []
                started = wallclock.perf_counter()
                with self.sessions() as s:  # no transaction until the action uses it: workflows bring their own
                    item.run(s, effects)
                    s.commit()
                self.ledger.seconds[item.name] += wallclock.perf_counter() - started
                for effect in effects:
                    effect()
                continue
            batch: list[_Due] = []
            while self.queue and self.queue[0].at <= until and not self.queue[0].alone and len(batch) < self.chunk:
                batch.append(heapq.heappop(self.queue))
            self._perform(batch)

    def _perform(self, batch: list[_Due]) -> None:
        started = wallclock.perf_counter()
        try:
            self._perform_chunk(batch)
        finally:
            self.ledger.seconds["use cases"] += wallclock.perf_counter() - started

    def _perform_chunk(self, batch: list[_Due]) -> None:
        """One transaction for the chunk. Kinds of action refused before run in a savepoint of their own, so a refusal
        rolls back that action alone, as if it had had its own transaction; a refusal of any other kind rolls the
        chunk back, marks its kind, and the chunk is performed again with a savepoint per action."""
        effects: list[Callable[[], None]] = []
        planned = dict(self.first_rhk)  # what a chunk rolled back must not leave behind: RHK ids it created
        try:
            with unit_of_work(self.engine) as s:
                self._warm(s, batch)
                for item in batch:
                    if item.name in self.refusable:
                        self._guarded(s, item, effects)
                        continue
                    self._now = item.at
                    try:
                        self._call(item, s, effects)
                    except SkpflowError:
                        self.refusable.add(item.name)
                        raise
        except SkpflowError:
            effects = []
            self.first_rhk = planned
            with unit_of_work(self.engine) as s:
                self._warm(s, batch)
                for item in batch:
                    self._guarded(s, item, effects)
        for effect in effects:
            effect()

    def _guarded(self, s: Session, item: _Due, effects: list[Callable[[], None]]) -> None:
        mine: list[Callable[[], None]] = []
        self._now = item.at
        prior = self.first_rhk.get(item.skp_id) if item.skp_id is not None else None
        try:
            with s.begin_nested():
                self._call(item, s, mine)
        except SkpflowError as exc:
            if item.skp_id is not None:  # the savepoint's RHK are gone; an RHK committed before it stands
                if prior is None:
                    self.first_rhk.pop(item.skp_id, None)
                else:
                    self.first_rhk[item.skp_id] = prior
            reason = str(exc)
            effects.append(lambda: self._refused(item, reason))
            return
        effects += mine

    def _call(self, item: _Due, s: Session, effects: list[Callable[[], None]]) -> None:
        """One use-case call of a chunk, timed and its statements counted by action (the per-call cost B4 reports;
        a call rolled back with its chunk counts again when the chunk is performed again)."""
        started, sent = wallclock.perf_counter(), self.statements
        try:
            item.run(s, effects)
        finally:
            self.ledger.calls[item.name] += 1
            self.ledger.call_seconds[item.name] += wallclock.perf_counter() - started
            self.ledger.call_statements[item.name] += self.statements - sent

    def _count_statement(self, *_: Any) -> None:
        self.statements += 1

    def _refused(self, item: _Due, reason: str) -> None:
        self.ledger.refused[item.name] += 1
        if len(self.ledger.refusals) < 50:
            self.ledger.refusals.append(f"{item.name} SKP {item.skp_id}: {reason}")

    def _warm(self, s: Session, batch: list[_Due]) -> None:
        """Load what the chunk's use cases will read into the session, and hold it there (the identity map keeps
        only what is referenced), so their lookups by id are answered without a query."""
        skp_ids = {i.skp_id for i in batch if i.skp_id is not None}
        unit_ids = {i.unit_id for i in batch if i.unit_id is not None}
        if not skp_ids and not unit_ids:
            return
        cycle = s.get_one(Cycle, self.ledger.cycle_id)
        held: list[Any] = [cycle, s.get(PolicyVersion, cycle.policy_version_id)]
        rows = s.scalars(select(Skp).where(col(Skp.id).in_(skp_ids))).all() if skp_ids else []
        unit_ids |= {r.unit_id for r in rows}
        units = {u for unit_id in unit_ids for u in self.paths[unit_id]}  # and those above: standings, pimpinan
        held += s.scalars(select(Unit).where(col(Unit.id).in_(units))).all()
        held += rows
        viewed = {i.skp_id for i in batch if i.name not in WITHOUT_PEOPLE}
        people = {p for r in rows if r.id in viewed for p in (r.pegawai_id, r.penilai_id) if p is not None}
        if people:
            held += s.scalars(select(Pegawai).where(col(Pegawai.id).in_(people))).all()
        # the others' notices name them too: their names and addresses alone (`notices` takes them from the session)
        named = {p for r in rows if r.id not in viewed for p in (r.pegawai_id, r.penilai_id) if p is not None} - people
        if named:
            held += s.scalars(
                select(Pegawai)
                .where(col(Pegawai.id).in_(named))
                .options(load_only(Pegawai.name, Pegawai.nip, Pegawai.email))  # type: ignore[arg-type]
            ).all()
        s.info["held"] = held
        version = {r.id: r.version for r in rows if r.id is not None}
        for skp_id, head in audit.heads(s, "skp", list(version)).items():  # what their next events link to
            audit.remember_head(s, "skp", skp_id, version[skp_id], head)

    # --- the workflows ------------------------------------------------------------------------------------------

    def timed(self, name: str, ctx: runs.RunContext) -> dict[str, Any]:
        started = wallclock.perf_counter()
        try:
            return runs.run(name, ctx)
        finally:
            self.ledger.seconds[name] += wallclock.perf_counter() - started

    def workflows(self, as_of: datetime) -> None:
        self._now = as_of
        state = self.cycle_state()
        if state == "monitoring":
            self.timed("open-period", self.context(as_of))
        if state in ("assessing", "following_up"):
            dispatched = self.timed("dispatch-follow-up", self.context(as_of))
            for c in dispatched["cycles"]:
                self.ledger.cases.update(c["cases"])
            self.schedule_coaching(as_of)
        report = self.timed("enforce-deadlines", self.context(as_of))
        for c in report["cycles"]:
            for name, key in c["by_key"].items():
                self.ledger.deadline_steps += key["steps"]
                self.ledger.notified.update(key["notified"])
                self.ledger.auto_actions.update(key["auto_actions"])
                self.ledger.contract_cases.update(key.get("opened") or {})
                if name == DeadlineKey.FEEDBACK.value:
                    self.ledger.dialog["steps"] += key["steps"]
                    self.ledger.dialog_notified.update(key["notified"])
        self._answer_nudges(as_of)
        ended = (report.get("acting") or {}).get("ended", 0)
        if ended and self.acting_penilai:  # the Plt's SK is over: its unit's staff are rated by their head again
            self.ledger.acting["reassigned"] += report["acting"]["reassigned"]
            self.acting_penilai = {}
        delivered = self.timed("deliver-notifications", self.context(as_of))
        self.ledger.delivered += delivered["sent"]

    def cycle_state(self) -> str:
        with reading(self.engine) as s:
            return s.get_one(Cycle, self.ledger.cycle_id).state

    def snapshot(self, at: datetime) -> None:
        with reading(self.engine) as s:
            rows = s.execute(
                select(col(Skp.state), func.count())
                .where(col(Skp.cycle_id) == self.ledger.cycle_id)
                .group_by(Skp.state)
            ).all()
        month = (at.astimezone(ZONE) - timedelta(days=1)).date()
        self.ledger.snapshots[f"{month:%Y-%m}"] = dict(sorted((state, n) for state, n in rows))

    def finish(self, at: datetime) -> None:
        self.workflows(at)
        self._now = at
        self.ledger.close_assessment = self.timed("close-assessment", self.context(at))
        try:
            with unit_of_work(self.engine) as s:
                cycles.fire(s, self.ledger.cycle_id, "close", actor=HR, now=at)
            self.ledger.actions.update(["close"])
        except SkpflowError as exc:
            self.ledger.cycle_not_closed = str(exc)
        self.ledger.cycle_state = self.cycle_state()
