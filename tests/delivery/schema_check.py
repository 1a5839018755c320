"""A small structural checker for config files, restating a tool's own types as data.

Railway ignores unknown config keys and Railpack's JSON schema is generated at build time from
its Go types (there is no copy to vendor), so the delivery tests restate those types here and
report every unknown key, wrong type and removed key with its path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ArrayOf:
    items: Any


@dataclass(frozen=True)
class TableOf:
    """A table with free-form keys whose values all follow ``values``."""

    values: Any


@dataclass(frozen=True)
class Object:
    """A table with known keys; ``required`` must be present."""

    fields: dict[str, Any]
    required: frozenset[str] = frozenset()


@dataclass(frozen=True)
class OneOf:
    """The value matches at least one of ``options`` (JSON schema ``oneOf``)."""

    options: tuple[Any, ...]


@dataclass(frozen=True)
class Matches:
    pattern: str


@dataclass(frozen=True)
class Enum:
    """One of ``allowed``; values in ``removed`` are reported with why they are gone."""

    allowed: frozenset[str]
    removed: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Removed:
    """A key the tool's documentation no longer has; using it is reported, with the source."""

    why: str


def problems(document: Any, schema: Any, where: str = "") -> list[str]:
    """Every unknown or removed key, wrong type or missing required key in ``document``."""
    if isinstance(schema, dict):
        schema = Object(schema)
    if isinstance(schema, Removed):
        return [f"{where}: removed ({schema.why})"]
    if isinstance(schema, Enum):
        if document in schema.removed:
            return [f"{where}: {document!r} removed ({schema.removed[document]})"]
        return [] if document in schema.allowed else [f"{where}: {document!r} not one of allowed"]
    if isinstance(schema, Matches):
        ok = isinstance(document, str) and re.fullmatch(schema.pattern, document)
        return [] if ok else [f"{where}: {document!r} does not match {schema.pattern}"]
    if isinstance(schema, OneOf):
        attempts = [problems(document, option, where) for option in schema.options]
        return [] if any(not found for found in attempts) else min(attempts, key=len)
    if isinstance(schema, Object):
        if not isinstance(document, dict):
            return [f"{where}: expected a table"]
        found = [f"{where}.{key}: missing" for key in sorted(schema.required - set(document))]
        for key, value in document.items():
            if key not in schema.fields:
                found.append(f"{where}.{key}: not a documented key")
            else:
                found.extend(problems(value, schema.fields[key], f"{where}.{key}"))
        return found
    if isinstance(schema, ArrayOf):
        if not isinstance(document, list):
            return [f"{where}: expected an array"]
        return [
            p for i, x in enumerate(document) for p in problems(x, schema.items, f"{where}[{i}]")
        ]
    if isinstance(schema, TableOf):
        if not isinstance(document, dict):
            return [f"{where}: expected a table"]
        return [p for k, v in document.items() for p in problems(v, schema.values, f"{where}.{k}")]
    if schema is int and isinstance(document, bool):
        return [f"{where}: expected an integer"]
    return [] if isinstance(document, schema) else [f"{where}: expected {schema.__name__}"]
