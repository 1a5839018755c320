"""The reader's rules for numbers and years: limits, comparisons, HAVING bounds and years.

"top 5", "more than 4 cylinders", "countries with more than 2 car makers", "two or more",
"between 10k and 20k", "in 2023", "since 2020", "birth year 1948 or 1949".
"""

from __future__ import annotations

from backend.engines.offline.linking import Item
from backend.engines.offline.plan import NUMERIC, Filter, FilterOp
from backend.engines.offline.state import ReaderState
from backend.engines.offline.words import name_words


class NumberRules(ReaderState):
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
        named = self.subject_column
        if named is not None and "year" in name_words(named.column.name) and not self.pending_cmp:
            self._add_in(named, (year,))  # "birth year is 1948 or 1949"
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
        following = self.peek(1)
        if (
            self.pending_cmp is None
            and self.is_kw(following, "gte", "lte")
            and following is not None
            and following.text.lower().startswith("or ")
        ):
            self.pending_cmp = (str(following.keyword), following.text)  # "two or more"
            self.pos += 1
            following = self.peek(1)
        if (
            self.pending_cmp is not None
            and self.pending_cmp[0] in ("gt", "gte", "lt", "lte", "eq")
            and following is not None
            and following.kind == "table"
            and following.table is not None
            and self.having is None
        ):
            # "countries with more than 2 car makers": a condition on a count per group.
            self.having = (self.pending_cmp[0], item.number, following.table)
            self.tables.append(following.table)
            self.pending_cmp = None
            self.pos += 1
            return
        if (
            self.pending_cmp is not None
            and self.pending_cmp[0] != "between"
            and following is not None
            and following.kind == "column"
            and len(following.columns) == 1
            and following.columns[0].column.kind in NUMERIC
        ):
            self.subject_column = following.columns[0]  # "more than 4 cylinders"
            self.pos += 1
        if (
            self.pending_cmp is None
            and following is not None
            and following.kind == "column"
            and len(following.columns) == 1
            and following.columns[0].column.kind in NUMERIC
        ):
            self._add_in(following.columns[0], (item.number,))  # "with 8 cylinders"
            self.pos += 1
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
