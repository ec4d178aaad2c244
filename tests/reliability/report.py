"""The figures the reliability suite measures, kept as JSON while it runs and rendered to docs/reliability.md."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FULL = os.environ.get("SKPFLOW_RELIABILITY", "short").lower() == "full"
FIGURES = ROOT / "var" / "reliability" / ("figures-full.json" if FULL else "figures-short.json")
REPORT = ROOT / "docs" / "reliability.md" if FULL else ROOT / "var" / "reliability" / "reliability-short.md"

SECTIONS = {
    "load": "Load and soak",
    "faults": "Faults",
    "concurrency": "Concurrency",
    "hostile": "Hostile input",
    "security": "Security",
}


def reset() -> None:
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps({"started": datetime.now(UTC).isoformat(timespec="seconds"), "rows": []}))


def record(section: str, item: str, outcome: str, lost: str, **figures: Any) -> None:
    """One row of the report: what was done, what happened, what was lost (should be: nothing), and numbers."""
    data: dict[str, Any] = json.loads(FIGURES.read_text()) if FIGURES.exists() else {"started": "?", "rows": []}
    data["rows"].append({"section": section, "item": item, "outcome": outcome, "lost": lost, "figures": figures})
    FIGURES.write_text(json.dumps(data, indent=1))


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def render() -> str:
    data = json.loads(FIGURES.read_text())
    mode = "full (`make reliability`)" if FULL else "short (inside `make test`)"
    lines = [
        "# Reliability and security figures",
        "",
        f"Written by `tests/reliability/` from one run: mode {mode}, started {data['started']}, "
        f"finished {datetime.now(UTC).isoformat(timespec='seconds')}, on {platform.machine()} with "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL 15 (a throw-away cluster the "
        "suite starts with initdb). The service runs as a real `skpflow serve` (uvicorn) subprocess; the load "
        "client is `tests/reliability/load.py`, an open-loop fixed-rate httpx client in a process of its own. "
        "Each history is checked after the fact against the audit chains (`tests/reliability/history.py`): "
        "every acknowledged write must be in its SKP's chain once and in order, every refused one absent; "
        "an outcome the client could not know (503 or a cut connection) may be either.",
        "",
    ]
    for key, title in SECTIONS.items():
        rows = [r for r in data["rows"] if r["section"] == key]
        if not rows:
            continue
        lines += [f"## {title}", "", "| check | what happened | lost | figures |", "|---|---|---|---|"]
        for r in rows:
            figures = ", ".join(f"{k} {v}" for k, v in r["figures"].items())
            lines.append(f"| {_cell(r['item'])} | {_cell(r['outcome'])} | {_cell(r['lost'])} | {_cell(figures)} |")
        lines.append("")
    return "\n".join(lines)


def write() -> Path:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(render())
    return REPORT
