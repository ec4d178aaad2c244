"""The load client, run in a process of its own: an open-loop, fixed-rate mixed workload over HTTP (httpx, a
thread pool), writing every request's outcome as one JSON line for the checks to replay against the database.

    python -m tests.reliability.load CONFIG.json HISTORY.jsonl

Pegawai plan their SKP, penilai cascade, return and agree it and give feedback, HR reads lists, distributions
and the audit trail, an admin runs the deadline sweep, and a share of requests fire a trigger the state or the
role does not allow (to check that refusals write nothing). At most one request per SKP is in flight, so each
SKP's history is a sequence the checks can compare with its audit chain.
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

WRONG = {  # a trigger the state does not allow, per known state
    "drafted": ["agree", "monitor", "reagree", "assess"],
    "cascaded": ["cascade", "reagree", "adjust"],
    "agreed": ["cascade", "agree", "return"],
}
MIXED = {"write": 0.55, "wrong": 0.08, "read": 0.35, "sweep": 0.02}
WRITES = {"write": 0.9, "wrong": 0.1, "read": 0.0, "sweep": 0.0}


@dataclass
class SkpModel:
    skp_id: int
    nip: str
    penilai: str
    intervenes: int
    state: str = "unknown"
    planned: bool = False
    busy: bool = False


@dataclass
class Load:
    base: str
    tokens: dict[str, str]
    skps: list[SkpModel]
    cycle_id: int
    units: list[str]
    rng: random.Random
    history: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: float = field(default_factory=time.monotonic)

    def headers(self, ref: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[ref]}"}

    def take(self) -> SkpModel | None:
        with self.lock:
            idle = [s for s in self.skps if not s.busy and s.state != "agreed"]
            if not idle:
                return None
            chosen = self.rng.choice(idle)
            chosen.busy = True
            return chosen

    def call(self, client: httpx.Client, op: str, method: str, url: str, ref: str, **kw: Any) -> dict[str, Any]:
        t0 = time.monotonic()
        row: dict[str, Any] = {"t": round(t0 - self.started, 3), "op": op, "actor": ref, "method": method, "url": url}
        try:
            answer = client.request(method, self.base + url, headers=self.headers(ref), **kw)
            row["status"] = answer.status_code
            if answer.status_code == 503:
                row["retry_after"] = answer.headers.get("retry-after")
            if answer.headers.get("content-type", "").startswith("application/json"):
                body = answer.json()
                if isinstance(body, dict):
                    row["state"], row["version"] = body.get("state"), body.get("version")
        except httpx.HTTPError as exc:
            row["status"], row["error"] = 0, type(exc).__name__
        row["ms"] = round((time.monotonic() - t0) * 1000, 1)
        with self.lock:
            self.history.append(row)
        return row

    def write(self, client: httpx.Client, skp: SkpModel, wrong: bool) -> None:
        if skp.state == "unknown":  # after an outcome we cannot know (503, connection cut): read it back
            got = self.call(client, "read_skp", "GET", f"/skps/{skp.skp_id}", f"pegawai:{skp.penilai}")
            if got["status"] == 200:
                skp.state, skp.planned = got["state"], False
            return
        penilai = f"pegawai:{skp.penilai}"
        if wrong:
            if self.rng.random() < 0.5:
                trigger = self.rng.choice(WRONG[skp.state])
                row = self.call(client, "wrong", "POST", f"/skps/{skp.skp_id}/transitions/{trigger}", penilai, json={})
            else:  # the pegawai may not cascade their own SKP
                row = self.call(
                    client, "wrong", "POST", f"/skps/{skp.skp_id}/transitions/cascade", f"pegawai:{skp.nip}", json={}
                )
            row.update(skp=skp.skp_id, trigger="-", write=True)
            if row["status"] < 300 or row["status"] >= 500:
                skp.state = "unknown"
            return
        if skp.state == "drafted" and not skp.planned:
            body = _plan(skp.intervenes, self.rng)
            row = self.call(client, "plan", "PUT", f"/skps/{skp.skp_id}/plan", f"pegawai:{skp.nip}", json=body)
            row.update(skp=skp.skp_id, trigger="plan", write=True)
            skp.planned = row["status"] == 200 or skp.planned
        elif skp.state == "drafted":
            row = self.call(client, "transition", "POST", f"/skps/{skp.skp_id}/transitions/cascade", penilai, json={})
            row.update(skp=skp.skp_id, trigger="cascade", write=True)
        elif self.rng.random() < 0.15:
            row = self.call(client, "transition", "POST", f"/skps/{skp.skp_id}/transitions/agree", penilai, json={})
            row.update(skp=skp.skp_id, trigger="agree", write=True)
        else:
            body = {"note": "Mohon perbaiki indikator"}
            row = self.call(client, "transition", "POST", f"/skps/{skp.skp_id}/transitions/return", penilai, json=body)
            row.update(skp=skp.skp_id, trigger="return", write=True)
            if row["status"] == 200:
                skp.planned = False
        if row["status"] in {200, 201}:
            skp.state = row.get("state") or skp.state
        elif row["status"] == 0 or row["status"] >= 500:
            skp.state = "unknown"

    def read(self, client: httpx.Client) -> None:
        pick = self.rng.random()
        if pick < 0.4:
            state = self.rng.choice(["drafted", "cascaded", "agreed"])
            self.call(client, "hr_list", "GET", f"/skps?cycle_id={self.cycle_id}&state={state}&limit=50", "user:root")
        elif pick < 0.6:
            unit = self.rng.choice(self.units)
            self.call(
                client, "hr_distribution", "GET", f"/units/{unit}/distribution?cycle_id={self.cycle_id}", "user:root"
            )
        elif pick < 0.75:
            self.call(client, "hr_audit", "GET", "/audit?entity_type=skp&limit=50", "user:root")
        else:
            skp = self.rng.choice(self.skps)
            self.call(client, "pegawai_read", "GET", f"/skps/{skp.skp_id}", f"pegawai:{skp.nip}")

    def one(self, client: httpx.Client, mix: dict[str, float]) -> None:
        kind = self.rng.choices(list(mix), weights=list(mix.values()))[0]
        if kind == "sweep":
            body = {"cycle_id": self.cycle_id}
            self.call(client, "sweep", "POST", "/workflows/enforce-deadlines/run", "user:root", json=body)
            return
        if kind == "read":
            self.read(client)
            return
        skp = self.take()
        if skp is None:
            self.read(client)
            return
        try:
            self.write(client, skp, wrong=kind == "wrong")
        finally:
            with self.lock:
                skp.busy = False


def _plan(intervenes: int, rng: random.Random) -> dict[str, Any]:
    target = rng.randint(50, 100)
    return {
        "rhk": [
            {
                "jenis": "UTAMA",
                "text": f"Layanan administrasi tertib ({target})",
                "intervensi_rhk_id": intervenes,
                "cascade": "DIRECT",
                "indikator": [{"text": "Dokumen selesai", "aspek": "KUANTITAS", "target": target, "satuan": "dokumen"}],
            }
        ],
        "propose": True,
    }


def run(config: dict[str, Any]) -> list[dict[str, Any]]:
    rng = random.Random(config.get("seed", 1))
    # each SKP's state is read back before its first write: an earlier load on the same service may have moved it
    skps = [SkpModel(s["skp_id"], s["nip"], s["penilai_nip"], s["intervenes"]) for s in config["staff"]]
    load = Load(config["base"], config["tokens"], skps, config["cycle_id"], config["units"], rng)
    mix = WRITES if config.get("mode") == "writes" else MIXED
    rate, duration = float(config["rate"]), float(config["duration"])
    with (
        httpx.Client(timeout=config.get("timeout", 10)) as client,
        ThreadPoolExecutor(config.get("workers", 24)) as pool,
    ):
        load.started = time.monotonic()
        for i in range(int(rate * duration)):
            delay = load.started + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(load.one, client, mix)
    return load.history


def main() -> None:
    config = json.loads(Path(sys.argv[1]).read_text())
    history = run(config)
    with Path(sys.argv[2]).open("w") as out:
        for row in history:
            out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
