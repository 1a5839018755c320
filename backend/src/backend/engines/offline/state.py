"""The reader's state while it walks a question's items, and the look-ahead it shares.

``reader.py`` walks the items; ``keywords.py`` handles keywords and ``choice.py`` picks the
column a word names. They share this one state, so each stays small.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.engines.offline.linking import ColumnRef, Item
from backend.engines.offline.phrases import KeywordKind
from backend.engines.offline.plan import NUMERIC, Filter, FilterOp, Group, Measure
from backend.engines.offline.words import name_words
from backend.targets.schema_info import SchemaInfo

MEASURE_WORDS = {"count", "sum", "avg", "min", "max", "rate", "share", "volume", "distinct"}
COMPARISONS: tuple[KeywordKind, ...] = ("gt", "gte", "lt", "lte", "between", "eq")


@dataclass
class ReaderState:
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
    listed: list[ColumnRef] = field(default_factory=list)  # "the names and ages of ..."
    agg_list: list[str] = field(default_factory=list)  # "average, minimum and maximum age"
    distinct: bool = False  # "distinct names": list each value once
    ordering: bool = False  # "sorted by": the next column orders the rows
    order_dir: str | None = None  # "ascending" / "descending" said
    argmax: bool = False  # "the name of the X with the highest Y": order by Y, take one
    counted: str | None = None  # the table "how many" counts
    ambiguous: list[str] = field(default_factory=list)  # words with several equal readings
    literal_column: ColumnRef | None = None  # the text column a quoted literal belongs to
    sort_verb: bool = False  # "sort the names by age": "by" names the order column
    without: list[str] = field(default_factory=list)  # tables the rows must have no row in
    with_any: list[str] = field(default_factory=list)  # tables the rows must have a row in
    all_columns: bool = False  # "all the information about ...": every column of the rows
    age_order: tuple[str, str] | None = None  # ("age:desc", "oldest"): the row with the highest age
    having: tuple[str, float, str] | None = None  # (op, number, table): "more than 2 car makers"
    of_table: str | None = None  # "names of poker players": rows of this table are shown
    which_label: ColumnRef | None = None  # "which stadium": its name, grouped or listed

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
        if nxt.kind == "keyword" and nxt.keyword in MEASURE_WORDS:
            return True
        return self.rate_follows_values(1) is not None

    @property
    def named(self) -> set[str]:
        return {item.table for item in self.items if item.kind == "table" and item.table}

    def _measure_column(self, word: str) -> ColumnRef | None:
        """The one numeric column called ``word`` ("age", "height") of the tables named."""
        tables = self.named | {ref.table for ref in self.listed}
        own = [t for t in self.schema.tables if t.name in tables]
        tables |= {fk.ref_table for t in own for fk in t.foreign_keys}  # "players" → people
        found = [
            ColumnRef(t.name, c)
            for t in self.schema.tables
            if t.name in tables
            for c in t.columns
            if name_words(c.name) == (word,)
        ]
        return found[0] if len(found) == 1 and found[0].column.kind in NUMERIC else None

    def _add_in(self, ref: ColumnRef, values: tuple[str | float, ...]) -> None:
        """An equality filter; values of the same column accumulate ("A or B")."""
        op: FilterOp = "not_in" if self.negate else "in"
        self.negate = False
        for index, existing in enumerate(self.filters):
            if existing.column == ref and existing.op == op:
                merged = tuple(dict.fromkeys((*existing.values, *values)))
                self.filters[index] = Filter(ref, op, merged)
                return
        self.filters.append(Filter(ref, op, values))


def label_column(schema: SchemaInfo, table: str) -> ColumnRef | None:
    """The column that names a row of ``table`` (name, title or label), if it has one."""
    info = schema.table(table)
    for column in info.columns if info else ():
        if column.kind == "text" and {"name", "title", "label"} & set(name_words(column.name)):
            return ColumnRef(table, column)
    return None
