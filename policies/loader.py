"""Load, derive, fingerprint and compare policies: presets, instansi overlays, content hashes, diffs."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from policies.schema import Policy

PRESETS = Path(__file__).resolve().parent / "presets"
OVERLAY_KEYS = frozenset({"name", "version", "description", "base", "overrides"})
_PRESET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]*$")


class PolicyError(ValueError):
    """A policy document is invalid; `problems` lists each one as 'path: message'."""

    def __init__(self, problems: list[str], source: str | None = None) -> None:
        self.problems = tuple(problems)
        self.source = source
        where = f" ({source})" if source else ""
        super().__init__(f"invalid policy{where}:\n" + "\n".join(f"- {p}" for p in self.problems))


@dataclass(frozen=True)
class PolicyChange:
    """One setting that differs between two policies, by dotted path."""

    path: str
    old: Any
    new: Any


def available_presets() -> list[str]:
    return sorted(p.stem for p in PRESETS.glob("*.yaml"))


def load_preset(name: str) -> Policy:
    """Load a preset shipped in policies/presets by name (the file stem)."""
    path = PRESETS / f"{name}.yaml"
    if not _PRESET_NAME.match(name) or not path.is_file():
        raise PolicyError([f"base: unknown preset {name!r}; presets: {', '.join(available_presets())}"])
    policy = policy_from_dict(_read_yaml(path), _no_base, source=str(path))
    if policy.name != name:
        raise PolicyError([f"name: preset file {name}.yaml declares name {policy.name!r}"], str(path))
    return policy


def load_policy_file(path: str | Path) -> Policy:
    """Load a full policy or an overlay; an overlay's base is a preset name or a YAML file beside it."""
    return _load_file(Path(path).resolve(), frozenset())


def _load_file(path: Path, seen: frozenset[Path]) -> Policy:
    if path in seen:
        raise PolicyError([f"base: cycle through {path}"], str(path))

    def resolve(base: str) -> Policy:
        if base.endswith((".yaml", ".yml")):
            return _load_file((path.parent / base).resolve(), seen | {path})
        return load_preset(base)

    return policy_from_dict(_read_yaml(path), resolve, source=str(path))


def policy_from_dict(
    data: Mapping[str, Any], resolve_base: Callable[[str], Policy] | None = None, *, source: str | None = None
) -> Policy:
    """Validate a full policy, or merge an overlay ({name, version, description?, base, overrides}) onto its base."""
    if "overrides" in data:
        data = _apply_overlay(data, resolve_base or _no_base, source)
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError([_problem(dict(e)) for e in exc.errors()], source) from exc


def _apply_overlay(
    data: Mapping[str, Any], resolve_base: Callable[[str], Policy], source: str | None
) -> dict[str, Any]:
    problems = [f"{key}: not allowed in an overlay" for key in sorted(set(data) - OVERLAY_KEYS)]
    problems += [f"{key}: required in an overlay" for key in ("name", "version", "base") if not data.get(key)]
    overrides = data.get("overrides")
    if not isinstance(overrides, Mapping):
        problems.append("overrides: must be a mapping")
        overrides = {}
    else:
        # Identity is set at the overlay's top level, never smuggled in through overrides.
        problems += [
            f"overrides.{key}: set it at the top level"
            for key in ("name", "version", "description", "base")
            if key in overrides
        ]
    if problems:
        raise PolicyError(problems, source)
    base = resolve_base(str(data["base"]))
    merged = merge(base.model_dump(mode="json"), overrides)
    merged.update(
        name=data["name"],
        version=str(data["version"]),
        description=data.get("description", base.description),
        base=base.name,
    )
    return merged


def merge(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge: mappings merge recursively; lists and scalars replace."""
    merged = dict(base)
    for key, value in overrides.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = merge(current, value)
        else:
            merged[key] = value
    return merged


def content_hash(policy: Policy) -> str:
    """sha256 of the canonical JSON of the policy (sorted keys, no whitespace, ISO dates)."""
    canonical = json.dumps(policy.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def diff(old: Policy, new: Policy) -> list[PolicyChange]:
    """Every leaf that differs, by dotted path; lists compare as a whole."""
    changes: list[PolicyChange] = []
    _diff(old.model_dump(mode="json"), new.model_dump(mode="json"), "", changes)
    return changes


def _diff(old: Any, new: Any, path: str, out: list[PolicyChange]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            _diff(old.get(key), new.get(key), f"{path}.{key}" if path else str(key), out)
    elif old != new:
        out.append(PolicyChange(path, old, new))


def _read_yaml(path: Path) -> Mapping[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError([f"file: cannot read ({exc.strerror})"], str(path)) from exc
    except yaml.YAMLError as exc:
        raise PolicyError([f"yaml: {exc}"], str(path)) from exc
    if not isinstance(data, Mapping):
        raise PolicyError(["document: must be a mapping"], str(path))
    return data


def _no_base(name: str) -> Policy:
    raise PolicyError([f"base: cannot resolve {name!r} here; pass resolve_base"])


def _problem(error: Mapping[str, Any]) -> str:
    path = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{path}: {message}" if path else message
