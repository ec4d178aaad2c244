"""Lifecycle diagrams drawn from the transition tables: Mermaid text and Graphviz SVG."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from states.lifecycle import Lifecycle


def _label(lc: Lifecycle[Any, Any], trigger: str, source: Any, dest: Any) -> str:
    row = next(r for r in lc.rows if (r.trigger, r.source, r.dest) == (trigger, source, dest))
    roles = "/".join(sorted(r.value for r in row.roles))
    return f"{trigger} [{roles}]"


def mermaid(lc: Lifecycle[Any, Any]) -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {lc.initial.value}"]
    lines += [f"    {r.source.value} --> {r.dest.value}: {_label(lc, r.trigger, r.source, r.dest)}" for r in lc.rows]
    lines += [f"    {s.value} --> [*]" for s in lc.all_states if not lc.rows_from(s)]
    return "\n".join(lines) + "\n"


def dot(lc: Lifecycle[Any, Any]) -> str:
    lines = [
        f'digraph "{lc.name}" {{',
        '  rankdir=TB; node [shape=box, style="rounded", fontname="Helvetica"]; edge [fontname="Helvetica", '
        "fontsize=10];",
        '  start [shape=point, width=0.15]; start -> "' + lc.initial.value + '";',
    ]
    for s in lc.all_states:
        peripheries = 2 if not lc.rows_from(s) else 1
        lines.append(f'  "{s.value}" [peripheries={peripheries}];')
    for r in lc.rows:
        guards = ("\\n" + ", ".join(r.guards)) if r.guards else ""
        lines.append(
            f'  "{r.source.value}" -> "{r.dest.value}" [label="{_label(lc, r.trigger, r.source, r.dest)}{guards}"];'
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def graphviz_binary() -> str | None:
    """The system's `dot`, else the `graphviz-pure` port installed beside this Python."""
    found = shutil.which("dot")
    if found:
        return found
    beside = Path(sys.executable).parent / "graphviz-pure"
    return str(beside) if beside.exists() else shutil.which("graphviz-pure")


def svg(lc: Lifecycle[Any, Any]) -> bytes:
    binary = graphviz_binary()
    if binary is None:
        raise RuntimeError("no Graphviz renderer: install graphviz (dot) or the graphviz-pure package")
    done = subprocess.run([binary, "-Tsvg"], input=dot(lc).encode(), capture_output=True, check=True, timeout=60)
    return done.stdout
