"""Many clients fire conflicting triggers at the same SKPs at the same instant: per SKP and version exactly one
wins, and the history read back over HTTP is a single sequence with every winner once and nothing else."""

from __future__ import annotations

import random
import threading
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.reliability import report
from tests.reliability.conftest import Stack
from tests.reliability.load import _plan
from tests.reliability.world import StaffSkp, build, token

pytestmark = [pytest.mark.xdist_group("reliability"), pytest.mark.postgres]


def _race(base: str, shots: list[tuple[str, str, dict[str, Any], dict[str, str]]]) -> list[dict[str, Any]]:
    """Fire every shot (url, who, body, headers) from its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(shots))
    out: list[dict[str, Any]] = [{} for _ in shots]

    def fire(i: int, url: str, ref: str, body: dict[str, Any], headers: dict[str, str]) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            barrier.wait()
            answer = client.post(url, json=body, headers=headers)
            data = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
            out[i] = {"status": answer.status_code, "url": url, "by": ref, "version": data.get("version")}

    threads = [threading.Thread(target=fire, args=(i, *shot)) for i, shot in enumerate(shots)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_conflicting_triggers_one_winner_per_version(stack: Stack, size: dict[str, Any]) -> None:
    world = build(stack.db, units=1, staff=size["race_skps"], code="KAB-RACE", base=500_000)
    skps = world.staff
    tokens = {ref: token(ref) for s in skps for ref in (f"pegawai:{s.nip}", f"pegawai:{s.penilai_nip}")}
    tokens["user:root"] = token("user:root")
    base = stack.service.base
    clients = size["race_clients"]

    def auth(ref: str, version: int | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {tokens[ref]}"}
        if version is not None:
            headers["If-Match"] = f'"{version}"'
        return headers

    def current(s: StaffSkp) -> dict[str, Any]:
        answer = httpx.get(f"{base}/skps/{s.skp_id}", headers=auth(f"pegawai:{s.penilai_nip}"), timeout=30)
        return dict(answer.json())

    winners: Counter[tuple[int, int]] = Counter()  # (skp, version raced from) → 2xx answers
    fired = statuses = 0
    status_counts: Counter[int] = Counter()
    won: dict[int, list[tuple[int, str, str]]] = {s.skp_id: [] for s in skps}  # skp → (version, trigger, by)
    planned = 0
    # rounds: plan, race to cascade, race agree against return; returned SKPs go round again
    for _ in range(size["race_rounds"]):
        todo = [s for s in skps if current(s)["state"] == "drafted"]
        if not todo:
            break
        for s in todo:
            answer = httpx.put(
                f"{base}/skps/{s.skp_id}/plan",
                json=_plan(s.intervenes, random.Random(s.skp_id)),
                headers=auth(f"pegawai:{s.nip}"),
                timeout=30,
            )
            assert answer.status_code == 200, answer.text
            won[s.skp_id].append((answer.json()["version"], "plan", f"pegawai:{s.nip}"))
            planned += 1
        for step in ("cascade", "decide"):
            shots: list[tuple[str, str, dict[str, Any], dict[str, str]]] = []
            raced_from: dict[int, int] = {}
            for s in todo:
                version = current(s)["version"]
                raced_from[s.skp_id] = version
                penilai = f"pegawai:{s.penilai_nip}"
                for k in range(clients):
                    with_version = version if k % 2 == 0 else None  # half send If-Match, half do not
                    if step == "cascade":
                        ref = penilai if k % 3 else "user:root"  # the penilai and HR both cascade
                        shots.append((f"/skps/{s.skp_id}/transitions/cascade", ref, {}, auth(ref, with_version)))
                    elif k % 2 == 0:
                        shots.append((f"/skps/{s.skp_id}/transitions/agree", penilai, {}, auth(penilai, with_version)))
                    else:
                        body = {"note": "Perbaiki target"}
                        shots.append(
                            (f"/skps/{s.skp_id}/transitions/return", penilai, body, auth(penilai, with_version))
                        )
            results = _race(base, shots)
            fired += len(results)
            for r in results:
                status_counts[r["status"]] += 1
                skp_id = int(r["url"].split("/")[2])
                if 200 <= r["status"] < 300:
                    winners[(skp_id, raced_from[skp_id])] += 1
                    won[skp_id].append((r["version"], r["url"].rsplit("/", 1)[1], r["by"]))
    statuses = sum(n for code, n in status_counts.items() if code >= 500)

    # the history read back: each SKP's chain over HTTP, in order
    lost: list[str] = []
    extra: list[str] = []
    for s in skps:
        answer = httpx.get(
            f"{base}/audit",
            params={"entity_type": "skp", "entity_id": s.skp_id, "limit": 1000},
            headers=auth("user:root"),
            timeout=30,
        )
        chain = answer.json()["items"]
        seqs = [e["seq"] for e in chain]
        if seqs != list(range(1, len(seqs) + 1)):
            extra.append(f"skp {s.skp_id}: chain seqs {seqs}")
        recorded = {(e["seq"], e["trigger"], e["actor"]) for e in chain if e["seq"] > 1}
        acknowledged = set(won[s.skp_id])
        lost += [f"skp {s.skp_id}: {w} acknowledged, not recorded" for w in acknowledged - recorded]
        extra += [f"skp {s.skp_id}: {e} recorded, acknowledged by nobody" for e in recorded - acknowledged]
    double = {k: n for k, n in winners.items() if n != 1}
    races = len(winners)
    report.record(
        "concurrency",
        f"{clients} clients at once per SKP and version, {len(skps)} SKPs: cascade (penilai and HR), then agree "
        "against return; half with If-Match, half without",
        f"{fired} conflicting requests in {races} races: {sum(winners.values())} won, "
        f"{dict(sorted(status_counts.items()))}; {len(double)} races with other than one winner; each chain read "
        "back over HTTP is contiguous and equals the acknowledged writes",
        f"{len(lost)} lost, {len(extra)} duplicated or unacknowledged",
        requests=fired + planned,
        races=races,
        errors_5xx=statuses,
    )
    assert statuses == 0, status_counts
    assert not double, double
    assert not lost and not extra, (lost[:5], extra[:5])
    assert races >= len(skps) * 2
