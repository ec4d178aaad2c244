"""The policy editor's form, generated from the policy schema: one field per setting of a resolved policy, typed
by its JSON schema (enums as choices, numbers, yes/no, lists as comma-separated text), and back again: the form's
values rebuilt into a document, and the overrides against the base (only what differs; lists replace whole)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policies.schema import Policy

META_KEYS = ("name", "version", "base", "description")  # asked separately, not settings
SEP = "/"


@dataclass(frozen=True)
class Field:
    path: tuple[str | int, ...]
    kind: str  # bool, int, float, str, enum, list-int, list-float, list-str, none
    value: str
    options: tuple[str, ...] = ()
    description: str = ""

    @property
    def name(self) -> str:
        return "f" + SEP + SEP.join(str(p) for p in self.path)

    @property
    def id(self) -> str:
        return "p-" + "-".join(str(p) for p in self.path)

    @property
    def label(self) -> str:
        return " › ".join(str(p) for p in self.path)

    @property
    def section(self) -> str:
        return str(self.path[0])


def schema() -> dict[str, Any]:
    return Policy.model_json_schema()


def _resolve(node: Mapping[str, Any], defs: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        node = defs[str(node["$ref"]).rsplit("/", 1)[-1]]
    return node


def _options(node: Mapping[str, Any], defs: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    node = _resolve(node, defs)
    alternatives = node.get("anyOf") or node.get("oneOf")
    if alternatives:
        return [o for a in alternatives for o in _options(a, defs)]
    return [node]


def _child(node: Mapping[str, Any], key: str | int, defs: Mapping[str, Any]) -> Mapping[str, Any]:
    for option in _options(node, defs):
        if isinstance(key, int):
            items = option.get("items")
            prefix = option.get("prefixItems")
            if isinstance(items, Mapping):
                return items
            if isinstance(prefix, list) and key < len(prefix):
                return dict(prefix[key])
            continue
        properties = option.get("properties", {})
        if key in properties:
            return dict(properties[key])
        extra = option.get("additionalProperties")
        if isinstance(extra, Mapping):
            return extra
    return {}


def _enum(node: Mapping[str, Any], defs: Mapping[str, Any]) -> tuple[str, ...]:
    values: list[str] = []
    for option in _options(node, defs):
        values += [str(v) for v in option.get("enum", ())]
        if "const" in option:
            values.append(str(option["const"]))
    return tuple(dict.fromkeys(values))


def _description(node: Mapping[str, Any], defs: Mapping[str, Any]) -> str:
    for option in [node, *_options(node, defs)]:
        if option.get("description"):
            return str(option["description"])
    return ""


def fields(document: Mapping[str, Any]) -> list[Field]:
    """One field per leaf setting of the document, in document order."""
    root = schema()
    defs = root.get("$defs", {})
    out: list[Field] = []

    def walk(value: Any, node: Mapping[str, Any], path: tuple[str | int, ...]) -> None:
        if isinstance(value, Mapping):
            for key, sub in value.items():
                walk(sub, _child(node, key, defs), (*path, key))
            return
        if isinstance(value, list) and any(isinstance(v, Mapping | list) for v in value):
            for i, sub in enumerate(value):
                walk(sub, _child(node, i, defs), (*path, i))
            return
        description = _description(node, defs)
        if isinstance(value, list):
            kinds = {type(v) for v in value}
            kind = "list-int" if kinds == {int} else "list-float" if kinds <= {int, float} and kinds else "list-str"
            out.append(Field(path, kind, ", ".join(str(v) for v in value), description=description))
        elif isinstance(value, bool):
            out.append(Field(path, "bool", "true" if value else "false", ("true", "false"), description))
        elif isinstance(value, int):
            out.append(Field(path, "int", str(value), description=description))
        elif isinstance(value, float):
            out.append(Field(path, "float", repr(value), description=description))
        elif value is None:
            out.append(Field(path, "none", "", _enum(node, defs), description))
        else:
            choices = _enum(node, defs)
            out.append(Field(path, "enum" if choices else "str", str(value), choices, description))

    for key, value in document.items():
        if key not in META_KEYS:
            walk(value, _child(root, key, defs), (key,))
    return out


def _parse(kind: str, raw: str) -> Any:
    """The form's text as the setting's value; a value that does not parse stays text, for the schema to refuse."""
    text = raw.strip()
    try:
        if kind == "bool":
            return text == "true"
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "none":
            return text or None
        if kind.startswith("list-"):
            items = [x.strip() for x in text.split(",") if x.strip()]
            return (
                [int(x) for x in items]
                if kind == "list-int"
                else [float(x) for x in items]
                if kind == "list-float"
                else items
            )
    except ValueError:
        return text
    return text


def rebuild(document: Mapping[str, Any], submitted: Mapping[str, str]) -> dict[str, Any]:
    """A copy of the document with each field's submitted value (fields not submitted keep theirs)."""
    new: dict[str, Any] = _copy(document)
    for f in fields(document):
        if f.name not in submitted:
            continue
        target: Any = new
        for step in f.path[:-1]:
            target = target[step]
        target[f.path[-1]] = _parse(f.kind, submitted[f.name])
    return new


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def overrides(base: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Only what differs from the base, nested as an overlay wants it; lists replace whole."""
    out: dict[str, Any] = {}
    for key, value in new.items():
        if key in META_KEYS:
            continue
        old = base.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping):
            inner = overrides(old, value)
            if inner:
                out[key] = inner
        elif value != old:
            out[key] = value
    return out
