"""The reader's keyword rules: aggregates and their lists, counts, rankings and superlatives,
groups, comparisons, ordering words and negation."""

from __future__ import annotations

from backend.engines.offline.linking import Item
from backend.engines.offline.plan import (
    AGGREGATES,
    NUMERIC,
    Filter,
    FilterOp,
    Group,
    Measure,
    TimeUnit,
)
from backend.engines.offline.state import COMPARISONS, ReaderState


class KeywordRules(ReaderState):
    def _compare_with_average(self, item: Item) -> None:
        """ "weight below the average (weight)", "older than average": the column against its
        average over the whole table."""
        assert self.pending_cmp is not None
        op, words = self.pending_cmp
        self.pending_cmp = None
        nxt = self.peek(1)
        column = self.subject_column
        if nxt is not None and nxt.kind == "column" and len(nxt.columns) == 1:
            named = nxt.columns[0]
            if column is not None and named != column:
                self.unknown.append(f"{words} {item.text} {nxt.text}")
                return
            column = named
            self.pos += 1
        if column is None or column.column.kind not in NUMERIC or op == "eq":
            self.unknown.append(f"{words} {item.text}")
            return
        self.filters.append(Filter(column, f"{op}_avg", ()))  # type: ignore[arg-type]

    def _widen_year(self, kind: str, words: str) -> None:
        """ "2014 or after": the year just named becomes an open range."""
        year = self.peek(-1)
        last = self.filters[-1] if self.filters else None
        if year is None or year.kind != "year" or last is None or year.number is None:
            self.unknown.append(words)
            return
        self.filters.pop()
        if last.op == "year":
            bounds = (year.number, 0.0) if kind == "since" else (0.0, year.number + 1)
            self.filters.append(Filter(None, "year", bounds))
        elif last.column is not None:
            op: FilterOp = "gte" if kind == "since" else "lte"
            self.filters.append(Filter(last.column, op, (year.number,)))

    def _on_distinct(self, item: Item) -> None:
        if self.pending_agg is not None and self.pending_agg[0] == "count":
            self.pending_agg = ("distinct", f"{self.pending_agg[1]} {item.text}")
        elif self.measures or self.pending_agg is not None:
            self.pending_group = True  # "maximum accelerate for different cylinders"
        else:
            self.distinct = True  # "distinct names of singers"

    def _names_a_numeric_column(self) -> bool:
        """ "number of" right after an aggregate or "different", before a numeric column."""
        before, after = self.peek(-1), self.peek(1)
        said_how = self.pending_agg is not None or self.is_kw(before, "distinct")
        return (
            said_how
            and after is not None
            and after.kind == "column"
            and after.columns[0].column.kind in NUMERIC
        )

    def _another_aggregate_follows(self) -> bool:
        """ "average, minimum and maximum age": a list of aggregates of one column."""
        k, joined = 1, False
        while (nxt := self.peek(k)) is not None and nxt.text.lower() in (",", "and"):
            k, joined = k + 1, True
        nxt = self.peek(k)
        if not self.is_kw(nxt, *AGGREGATES):  # type: ignore[arg-type]
            return False
        current = self.items[self.pos].keyword
        # "highest average amount" ranks; "average, minimum ..." (or "average minimum") lists.
        return joined or current in ("avg", "sum")

    def _argmax_follows(self) -> bool:
        """ "the name of the singer with the highest age", "which stadium has the largest
        capacity": one row, ordered by a column, when something is to be shown."""
        nxt = self.peek(1)
        if nxt is None or nxt.kind != "column" or self.measures or self.pending_agg:
            return False
        if self.groups and self.which_label is None:
            return False
        if any(self.is_kw(later, "group") for later in self.items[self.pos :]):
            return False  # "the maximum net worth ... of each citizenship" is per group
        return bool(self.listed) or self.which_label is not None

    def _on_keyword(self, item: Item) -> None:
        kind = item.keyword
        if kind == "distinct":
            self._on_distinct(item)
        elif kind == "count" and self._names_a_numeric_column():
            return  # "maximum number of final tables made": Final_Table_Made, not a count
        elif kind == "count":
            self.pending_agg = (kind, item.text)
            nxt = self.peek(1)
            if nxt is None or (nxt.kind == "keyword" and nxt.keyword != "distinct"):
                self.measures.append(Measure("count"))
                self.pending_agg = None
        elif kind in AGGREGATES and self._another_aggregate_follows():
            self.agg_list.append(str(kind))
        elif kind in ("max", "min") and self._argmax_follows():
            self.argmax = True
            self.ordering = True
            self.order_dir = "desc" if kind == "max" else "asc"
            self.limit = 1
            if self.which_label is not None and not self.listed:
                self.groups = [g for g in self.groups if g.column != self.which_label]
                self.listed.append(self.which_label)
        elif kind == "avg" and self.pending_cmp is not None and self.pending_cmp[0] != "between":
            self._compare_with_average(item)
        elif kind in AGGREGATES:
            after = self.peek(2)
            count_of_column = (
                self.is_kw(self.peek(1), "count")
                and after is not None
                and after.kind == "column"
                and after.columns[0].column.kind in NUMERIC
            )
            if self.measure_follows() and not count_of_column:
                self.ranked = True  # "highest average amount": order by it
                self.descending = kind == "max"
                grouped = self.expect_group or self.groups or self.listed
                self.limit = self.limit or (1 if grouped else None)
            else:
                self.pending_agg = (str(kind), item.text)
        elif kind == "rate":
            self.pending_rate = item.text
        elif kind == "share":
            self.measures.append(Measure("share"))
            self.pending_rate = None
        elif kind == "volume":
            self.volume = True
        elif kind == "group" and self.sort_verb:
            self.ordering, self.sort_verb = True, False  # "sort ... by age"
        elif kind == "group":
            self.pending_group = not self.measure_follows()
        elif kind == "time":
            nxt = self.peek(1)
            if item.arg == "year" and nxt is not None and nxt.kind in ("year", "value"):
                return  # "in year 2014": the year is a filter, not a grouping
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
        elif kind in COMPARISONS:
            self.pending_cmp = (str(kind), item.text)
        elif kind in ("since", "before") and item.arg == "widen":
            self._widen_year(kind, item.text)  # "in 2014 or after"
        elif kind in ("since", "before", "after"):
            self.pending_time_cmp = kind
        elif kind == "which":
            # "which state ...", "what grade ...": only a name right after asks for a group.
            nxt = self.peek(1)
            self.expect_group = nxt is not None and nxt.kind in ("table", "column")
        elif kind == "not":
            self.negate = True
        elif kind == "compare":
            self.compare = True
        elif kind == "order" and item.arg == "verb":
            self.sort_verb = True
        elif kind == "order":
            self.ordering = True
            self.order_dir = self.order_dir or (item.arg or None)
        elif kind == "everything":
            self.all_columns = True  # "all the information about hiring"
        elif kind == "adjective":
            self.age_order = self.age_order or (item.arg, item.text)
        elif kind == "than_adjective":
            column_word, op = item.arg.split(":")
            found = self._measure_column(column_word)
            if found is None:
                self.unknown.append(item.text)
            else:
                self.subject_column = found  # "taller than 200": height > 200
                self.pending_cmp = (op, item.text)
        elif kind in ("asc", "desc"):
            self.order_dir = kind
        # "or" only joins values, which accumulate anyway.
