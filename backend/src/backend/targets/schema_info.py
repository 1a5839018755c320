"""What the assistant knows about a database: tables, columns, keys, sizes and sample values.

Plain data, serialisable to JSON so it can be cached with a connection and rebuilt without a
database round trip.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ColumnKind = Literal["text", "integer", "number", "date", "timestamp", "boolean", "other"]


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    kind: ColumnKind
    raw_type: str
    nullable: bool = True
    primary_key: bool = False
    # A few distinct values of low-cardinality text columns (for linking words to values).
    samples: tuple[str, ...] = ()
    # The database's own comment on the column (it may name a currency or unit), cut short.
    comment: str | None = None


@dataclass(frozen=True)
class ForeignKeyInfo:
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class TableInfo:
    name: str
    columns: tuple[ColumnInfo, ...]
    foreign_keys: tuple[ForeignKeyInfo, ...] = ()
    row_estimate: int | None = None

    def column(self, name: str) -> ColumnInfo | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class SchemaInfo:
    dialect: str
    tables: tuple[TableInfo, ...] = field(default_factory=tuple)

    def table(self, name: str) -> TableInfo | None:
        return next((t for t in self.tables if t.name == name), None)

    def only(self, names: frozenset[str] | None) -> SchemaInfo:
        """The same schema restricted to ``names`` (None keeps every table)."""
        if names is None:
            return self
        return SchemaInfo(self.dialect, tuple(t for t in self.tables if t.name in names))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SchemaInfo:
        tables = tuple(
            TableInfo(
                name=t["name"],
                columns=tuple(
                    ColumnInfo(**{**c, "samples": tuple(c.get("samples", ()))})
                    for c in t["columns"]
                ),
                foreign_keys=tuple(
                    ForeignKeyInfo(tuple(fk["columns"]), fk["ref_table"], tuple(fk["ref_columns"]))
                    for fk in t.get("foreign_keys", ())
                ),
                row_estimate=t.get("row_estimate"),
            )
            for t in data.get("tables", ())
        )
        return cls(dialect=data["dialect"], tables=tables)
