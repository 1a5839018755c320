"""Read linked items into plan parts: measures, groups, filters, ordering and a limit.

The reader understands the common analytics shapes (count/sum/avg/min/max, rates and shares,
group by, top/bottom N, value and number filters, time buckets and year filters). Anything it
cannot place is collected and reported by its words, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from backend.services.engines.base import Unanswerable
from backend.services.engines.offline.linking import ColumnRef, Item, KeywordKind, lexicon_for
from backend.services.engines.offline.plan import (
    AGGREGATES,
    NUMERIC,
    TIME,
    Filter,
    FilterOp,
    Group,
    Measure,
    Parts,
    TimeUnit,
)
from backend.services.engines.offline.words import name_words
from backend.services.schema_info import SchemaInfo

_MEASURE_WORDS = {"count", "sum", "avg", "min", "max", "rate", "share", "volume", "distinct"}
_COMPARISONS: tuple[KeywordKind, ...] = ("gt", "gte", "lt", "lte", "between", "eq")


@dataclass
class _Reader:
    items: list[Item]
    schema: SchemaInfo
    pos: int = 0
    unknown: list[str] = field(default_factory=list)
    not_numeric: list[str] = field(default_factory=list)  # "average grade"
    tables: list[str] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    bare: list[str] = field(default_factory=list)
    dangling: list[str] = field(default_factory=list)
    volume: bool = False
    limit: int | None = None
    descending: bool = True
    ranked: bool = False
    order_column: ColumnRef | None = None
    pending_agg: tuple[str, str] | None = None  # (func, words)
    pending_group: bool = False
    pending_rate: str | None = None
    pending_cmp: tuple[str, str] | None = None  # (op, words)
    pending_time_cmp: str | None = None
    expect_limit: bool = False
    expect_group: bool = False
    negate: bool = False
    subject_column: ColumnRef | None = None  # the column just named, for "amount over 20000"
    date_hint: ColumnRef | None = None  # "issued in 2023": the date column a verb points at
    compare: bool = False  # "A vs B": show the compared values side by side

    def peek(self, offset: int = 0) -> Item | None:
        index = self.pos + offset
        return self.items[index] if 0 <= index < len(self.items) else None

    def is_kw(self, item: Item | None, *kinds: KeywordKind) -> bool:
        return item is not None and item.kind == "keyword" and item.keyword in kinds

    def rate_follows_values(self, offset: int) -> int | None:
        """If values (joined by "or") start at ``offset`` and a rate word follows, its offset."""
        k = offset
        while True:
            item = self.peek(k)
            if item is None or item.kind != "value":
                return None
            k += 1
            if self.is_kw(self.peek(k), "or"):
                k += 1
                continue
            if self.is_kw(self.peek(k), "rate", "share"):
                return k
            return None

    def measure_follows(self) -> bool:
        nxt = self.peek(1)
        if nxt is None:
            return False
        if nxt.kind == "keyword" and nxt.keyword in _MEASURE_WORDS:
            return True
        return self.rate_follows_values(1) is not None

    def read(self) -> Parts:
        while self.pos < len(self.items):
            item = self.items[self.pos]
            handler = getattr(self, f"_on_{item.kind}")
            handler(item)
            self.pos += 1
        self._close()
        if self.unknown:
            raise Unanswerable(self._unmapped_message())
        if self.not_numeric:
            words = ", ".join(f"'{w}'" for w in self.not_numeric)
            raise Unanswerable(f"I cannot compute {words}: that column holds text, not numbers.")
        return Parts(
            tables=tuple(dict.fromkeys(self.tables)),
            measures=tuple(self.measures),
            volume=self.volume,
            groups=tuple(self.groups),
            filters=tuple(self.filters),
            limit=self.limit,
            descending=self.descending,
            ranked=self.ranked,
            order_column=self.order_column,
            bare_numeric=tuple(self.bare),
            dangling=tuple(self.dangling),
        )

    def _unmapped_message(self) -> str:
        lexicon = lexicon_for(self.schema)
        unknown = list(dict.fromkeys(self.unknown))
        words = ", ".join(f"'{w}'" for w in unknown)
        hints = [f"'{w}' → '{hint}'" for w in unknown if (hint := lexicon.closest(w))]
        return (
            f"I could not link {words} to any table, column or value of this database. "
            + (f"Did you mean: {', '.join(hints)}? " if hints else "")
            + "Rephrase using the names of its tables and columns, or write the SQL yourself."
        )

    def _close(self) -> None:
        if self.date_hint is not None:
            hint = self.date_hint
            self.groups = [
                replace(g, column=hint) if g.unit and not g.column else g for g in self.groups
            ]
            self.filters = [
                replace(f, column=hint) if f.op == "year" and not f.column else f
                for f in self.filters
            ]
        if self.compare:
            grouped = {g.column for g in self.groups}
            for item in self.filters:
                if item.op == "in" and len(item.values) > 1 and item.column not in grouped:
                    self.groups.append(Group(item.column))
        if self.pending_agg is not None:
            func, words = self.pending_agg
            if func in ("count", "distinct"):
                self.measures.append(Measure("count"))
            else:
                self.dangling.append(words)
        if self.pending_rate is not None:
            self.dangling.append(self.pending_rate)
        if self.pending_cmp is not None:
            self.dangling.append(self.pending_cmp[1])

    # -- handlers, one per item kind ---------------------------------------------------------

    def _on_filler(self, item: Item) -> None:
        return

    def _on_unknown(self, item: Item) -> None:
        self.unknown.append(item.text)

    def _on_table(self, item: Item) -> None:
        assert item.table is not None
        counting = self.pending_agg is not None and self.pending_agg[0] in ("count", "distinct")
        label = _label_column(self.schema, item.table)
        if (self.pending_group or self.expect_group) and not counting and label is not None:
            # "top 3 products by quantity": rank the products by their name.
            self.groups.append(Group(label))
            self.pending_group = self.expect_group = False
            return
        self.tables.append(item.table)
        if counting:
            self.measures.append(Measure("count"))
            self.pending_agg = None
        elif self.pending_group:
            self.unknown.append(item.text)

    def _on_year(self, item: Item) -> None:
        assert item.number is not None
        year = item.number
        if self.expect_limit:
            self._on_number(item)
            return
        if self.pending_time_cmp is not None:
            bounds = {"since": (year, 0.0), "after": (year + 1, 0.0), "before": (0.0, year)}
            self.filters.append(Filter(None, "year", bounds[self.pending_time_cmp]))
            self.pending_time_cmp = None
            return
        if self.pending_cmp is not None and self.pending_cmp[0] == "between":
            self.pending_cmp = None
        previous = next((f for f in self.filters if f.op == "year"), None)
        if previous is None:
            self.filters.append(Filter(None, "year", (year, year + 1)))
            return
        # "between 2020 and 2022", "in 2022 and 2023": one range covering every year named.
        self.filters.remove(previous)
        low = min(float(previous.values[0]), year)
        high = max(float(previous.values[1]), year + 1)
        self.filters.append(Filter(None, "year", (low, high)))

    def _on_number(self, item: Item) -> None:
        assert item.number is not None
        if self.expect_limit or self.is_kw(self.peek(1), "max", "min", "top", "most", "least"):
            if item.number != int(item.number) or item.number < 1:
                self.unknown.append(item.text)
            self.limit = int(item.number)
            self.expect_limit = False
            self.ranked = True
            self.expect_group = True
            return
        if self.pending_cmp is None:
            self.unknown.append(item.text)
            return
        op, words = self.pending_cmp
        self.pending_cmp = None
        if op != "between":
            mapped: FilterOp = "in" if op == "eq" else op  # type: ignore[assignment]
            self.filters.append(Filter(self.subject_column, mapped, (item.number,)))
            return
        joiner = self.peek(1)
        skip = 2 if joiner is not None and joiner.text.lower() == "and" else 1
        upper = self.peek(skip)
        if upper is None or upper.kind != "number" or upper.number is None:
            self.unknown.append(words)
            return
        self.filters.append(Filter(self.subject_column, "between", (item.number, upper.number)))
        self.pos += skip

    def _on_value(self, item: Item) -> None:
        ref = item.columns[0]
        if self.pending_rate is not None:
            self._add_rate(ref, item.values, item.text)
            self.pending_rate = None
            return
        rate_at = self.rate_follows_values(0)
        if rate_at is not None:
            values: list[str] = []
            for k in range(rate_at):
                piece = self.peek(k)
                if piece is not None and piece.kind == "value":
                    values.extend(piece.values)
            label = " ".join(
                p.text for k in range(rate_at) if (p := self.peek(k)) and p.kind == "value"
            )
            self._add_rate(ref, tuple(dict.fromkeys(values)), label)
            self.pos += rate_at
            return
        op: FilterOp = "not_in" if self.negate else "in"
        self.negate = False
        for index, existing in enumerate(self.filters):
            if existing.column == ref and existing.op == op:
                merged = tuple(dict.fromkeys((*existing.values, *item.values)))
                self.filters[index] = Filter(ref, op, merged)
                return
        self.filters.append(Filter(ref, op, item.values))

    def _add_rate(self, ref: ColumnRef, values: tuple[str, ...], label: str) -> None:
        self.measures = [m for m in self.measures if m.func != "share"]
        self.measures.append(Measure("rate", ref, values, label))

    def _on_column(self, item: Item) -> None:
        ref = self._choose(item.columns)
        nxt = self.peek(1)
        if (
            nxt is not None
            and nxt.kind == "value"
            and any(c.column == ref.column for c in nxt.columns)
        ):
            return  # "grade A": the column only qualifies the value that follows
        if self.pending_agg is not None:
            func, words = self.pending_agg
            self.pending_agg = None
            if func in AGGREGATES:
                if ref.column.kind not in NUMERIC:
                    self.not_numeric.append(f"{words} {item.text}")
                    return
                self.measures.append(Measure(func, ref))  # type: ignore[arg-type]
                self.subject_column = ref
                return
            self.measures.append(Measure("count_distinct", ref))
            return
        if self.is_kw(nxt, *_COMPARISONS):
            self.subject_column = ref
            return
        if ref.column.kind in TIME:
            if self.pending_group or self.expect_group:
                self.groups.append(Group(ref, "month"))
                self.pending_group = self.expect_group = False
            else:
                self.date_hint = ref
            return
        if ref.column.kind == "boolean":
            if self.is_kw(nxt, "rate", "share"):
                self._add_rate(ref, (), item.text)
                self.pos += 1
            else:
                self.filters.append(Filter(ref, "true", ()))
            return
        if ref.column.kind in NUMERIC and self.pending_group and self.ranked:
            # "top 10 loans by amount" orders rows; "top 10 states by amount" ranks totals.
            self.pending_group = False
            if self.groups:
                self.measures.append(Measure("sum", ref))
            else:
                self.order_column = ref
            return
        if ref.column.kind in NUMERIC and not self.pending_group:
            self.bare.append(item.text)  # a number named without saying how to combine it
            self.subject_column = ref
            return
        # Otherwise a category to group by; "by term" groups by a numeric code, too.
        if self.pending_group or self.expect_group or self._joins_last_group():
            self.groups.append(Group(ref))
            self.pending_group = self.expect_group = False
            return
        self.unknown.append(item.text)

    def _joins_last_group(self) -> bool:
        """ "by grade and term": a column right after "and" that follows a group."""
        before = self.peek(-1)
        earlier = self.peek(-2)
        return (
            bool(self.groups)
            and before is not None
            and before.text.lower() == "and"
            and earlier is not None
            and earlier.kind == "column"
        )

    def _choose(self, refs: tuple[ColumnRef, ...]) -> ColumnRef:
        """Among equally good columns, prefer a table the question names, then the first."""
        for ref in refs:
            if ref.table in self.tables:
                return ref
        return refs[0]

    def _on_keyword(self, item: Item) -> None:
        kind = item.keyword
        if kind in ("count", "distinct"):
            self.pending_agg = (kind, item.text)
            nxt = self.peek(1)
            if nxt is None or nxt.kind == "keyword":
                self.measures.append(Measure("count"))
                self.pending_agg = None
        elif kind in AGGREGATES:
            if self.measure_follows():
                self.ranked = True  # "highest average amount": order by it
                self.descending = kind == "max"
                self.limit = self.limit or (1 if self.expect_group or self.groups else None)
            else:
                self.pending_agg = (str(kind), item.text)
        elif kind == "rate":
            self.pending_rate = item.text
        elif kind == "share":
            self.measures.append(Measure("share"))
            self.pending_rate = None
        elif kind == "volume":
            self.volume = True
        elif kind == "group":
            self.pending_group = not self.measure_follows()
        elif kind == "time":
            unit: TimeUnit = item.arg  # type: ignore[assignment]
            self.groups.append(Group(None, unit))
            self.pending_group = False
        elif kind in ("top", "bottom"):
            self.descending = kind == "top"
            self.ranked = True
            self.expect_limit = True
            self.limit = self.limit or 1
        elif kind in ("most", "least"):
            self.descending = kind == "most"
            self.ranked = True
            self.limit = self.limit or 1
            if not self.measure_follows():
                self.pending_agg = ("count", item.text)
                nxt = self.peek(1)
                if nxt is None or nxt.kind != "table":
                    self.measures.append(Measure("count"))
                    self.pending_agg = None
        elif kind in _COMPARISONS:
            self.pending_cmp = (str(kind), item.text)
        elif kind in ("since", "before", "after"):
            self.pending_time_cmp = kind
        elif kind == "which":
            self.expect_group = True
        elif kind == "not":
            self.negate = True
        elif kind == "compare":
            self.compare = True
        # "or" only joins values, which accumulate anyway.


def _label_column(schema: SchemaInfo, table: str) -> ColumnRef | None:
    """The column that names a row of ``table`` (name, title or label), if it has one."""
    info = schema.table(table)
    for column in info.columns if info else ():
        if column.kind == "text" and {"name", "title", "label"} & set(name_words(column.name)):
            return ColumnRef(table, column)
    return None


def read_parts(items: list[Item], schema: SchemaInfo) -> Parts:
    return _Reader(items, schema).read()
