"""Read linked items into plan parts: measures, groups, filters, ordering and a limit.

The reader understands the common analytics shapes (count/sum/avg/min/max and lists of them,
rates and shares, group by with HAVING, top/bottom N, listed columns, the row with the highest
value, value, literal and number filters, time buckets and year filters). Anything it cannot
place is collected and reported by its words, never guessed.
"""

from __future__ import annotations

from dataclasses import replace

from backend.engines.base import Unanswerable
from backend.engines.offline.choice import ColumnChoice
from backend.engines.offline.keywords import KeywordRules
from backend.engines.offline.linking import ColumnRef, Item, lexicon_for
from backend.engines.offline.numbers import NumberRules
from backend.engines.offline.plan import (
    AGGREGATES,
    NUMERIC,
    TIME,
    Filter,
    Group,
    Measure,
    Parts,
)
from backend.engines.offline.state import COMPARISONS, label_column
from backend.engines.offline.words import canonical, name_words
from backend.targets.schema_info import SchemaInfo


class _Reader(KeywordRules, NumberRules, ColumnChoice):
    def read(self) -> Parts:
        while self.pos < len(self.items):
            item = self.items[self.pos]
            handler = getattr(self, f"_on_{item.kind}")
            handler(item)
            self.pos += 1
        self._close()
        if self.unknown:
            raise Unanswerable(self._unmapped_message())
        if self.ambiguous:
            raise Unanswerable(
                "I cannot tell which column is meant: " + "; ".join(self.ambiguous) + ". "
                "Name the table too (for example 'the age of the singer')."
            )
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
            columns=tuple(dict.fromkeys(self.listed)),
            distinct=self.distinct,
            counted=(self.having[2] if self.having else None) or self.counted or self.of_table,
            having=self.having[:2] if self.having else None,
            argmax=self.argmax,
            all_columns=self.all_columns,
            without=tuple(self.without),
            with_any=tuple(self.with_any),
        )

    def _unmapped_message(self) -> str:
        lexicon = lexicon_for(self.schema)
        unknown = list(dict.fromkeys(self.unknown))
        words = ", ".join(f"'{w}'" for w in unknown)
        hints = {w: lexicon.closest(w) for w in unknown}
        # A word that is itself a schema word is not a typo: never suggest it for itself.
        typos = [f"'{w}' → '{h}'" for w, h in hints.items() if h and h != canonical(w)]
        return (
            f"I could not link {words} to any table, column or value of this database "
            "in a reading I am sure of. "
            + (f"Did you mean: {', '.join(typos)}? " if typos else "")
            + "Rephrase using the names of its tables and columns, or write the SQL yourself."
        )

    def _close(self) -> None:
        if self.age_order is not None:
            self._order_by_adjective(*self.age_order)
        if self.order_dir is not None:
            self.descending = self.order_dir == "desc"
        elif self.order_column is not None and not self.ranked and not self.argmax:
            self.descending = False  # "sorted by age": ascending unless said otherwise
        if self.order_dir is not None and self.order_column is None and not self.ranked:
            if len(self.listed) == 1:  # "list the earnings in descending order"
                self.order_column = self.listed[0]
                self.ordering = False
            else:
                self.dangling.append(self.order_dir + "ending")
        if self.ordering:
            self.dangling.append("ordered by")
        if self.negate:
            self.dangling.append("not")
        if (
            self.date_hint is not None
            and not any(f.op == "year" for f in self.filters)
            and not any(g.unit for g in self.groups)
        ):
            self.listed.append(self.date_hint)
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
        if self.pending_time_cmp is not None:
            self.dangling.append(self.pending_time_cmp)

    # -- handlers, one per item kind ---------------------------------------------------------

    def _on_filler(self, item: Item) -> None:
        return

    def _on_literal(self, item: Item) -> None:
        """A quoted text: a value of the text column named just before it, or of the label
        column of the table named just before it ("the cartoon 'The Rise of ...'")."""
        before = self.peek(-1)
        if before is not None and before.text.lower() in ("named", "called", "titled"):
            before = self.peek(-2)
        column = self.literal_column
        if column is None and before is not None and before.kind == "table" and before.table:
            column = label_column(self.schema, before.table)
        self.literal_column = None
        if column is None:
            self.unknown.append(f"'{item.text}'")
            return
        stored = item.text
        if column.column.samples:  # every value is known: use its stored spelling, or refuse
            spelled = [v for v in column.column.samples if name_words(v) == name_words(item.text)]
            if not spelled:
                self.unknown.append(f"'{item.text}'")
                return
            stored = spelled[0]
        self._add_in(column, (stored,))

    def _on_unknown(self, item: Item) -> None:
        self.unknown.append(item.text)

    def _on_table(self, item: Item) -> None:
        assert item.table is not None
        if self.negate and not self.pending_agg:
            self.without.append(item.table)  # "stadiums without any concert"
            self.negate = False
            return
        before = self.peek(-1)
        said = before.text.lower() if before is not None else ""
        subject_known = bool(self.tables or self.listed or self.counted)
        related = said in ("any", "some") or (said in ("a", "an") and subject_known)
        if related and not self.pending_agg:
            self.with_any.append(item.table)  # "dogs that went through any treatment"
            return
        counting = self.pending_agg is not None and self.pending_agg[0] in ("count", "distinct")
        label = label_column(self.schema, item.table)
        if (self.pending_group or self.expect_group) and not counting and label is not None:
            # "top 3 products by quantity": rank the products by their name.
            if self.expect_group and not self.pending_group:
                self.which_label = label
            self.groups.append(Group(label))
            self.pending_group = self.expect_group = False
            return
        self.tables.append(item.table)
        if counting:
            if self.pending_agg is not None and self.pending_agg[0] == "distinct":
                self.unknown.append(self.pending_agg[1])  # "different degrees": names or rows?
            self.measures.append(Measure("count"))
            self.counted = self.counted or item.table
            self.pending_agg = None
        elif self.pending_group:
            self.unknown.append(item.text)

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
        earlier = next((p for p in reversed(self.items[: self.pos]) if p.kind == "value"), None)
        between = self.items[self.items.index(earlier) + 1 : self.pos] if earlier else []
        if (
            earlier is not None
            and earlier.columns[0] != ref
            and any(self.is_kw(p, "or") for p in between)
        ):  # "Hawaii or (the state of) Wisconsin", linked to two different columns
            self.ambiguous.append(
                f"'{earlier.text}' and '{item.text}' are values of different columns"
            )
        self._add_in(ref, item.values)

    def _add_rate(self, ref: ColumnRef, values: tuple[str, ...], label: str) -> None:
        self.measures = [m for m in self.measures if m.func != "share"]
        self.measures.append(Measure("rate", ref, values, label))

    def _on_column(self, item: Item) -> None:
        ref = self._choose(item)
        nxt = self.peek(1)
        if self.ordering:
            self.order_column = ref
            self.ordering = False
            return
        if (
            nxt is not None
            and nxt.kind == "value"
            and any(c.column == ref.column for c in nxt.columns)
        ):
            return  # "grade A": the column only qualifies the value that follows
        if nxt is not None and nxt.kind == "literal" and ref.column.kind == "text":
            self.literal_column = ref  # "series name 'Sky Radio'": the literal is its value
            return
        before = self.peek(-1)
        if before is not None and before.kind == "value" and ref in before.columns:
            return  # "the English language": the column names the value before it
        if self.pending_agg is not None:
            func, words = self.pending_agg
            self.pending_agg = None
            if func in AGGREGATES:
                if ref.column.kind not in NUMERIC:
                    self.not_numeric.append(f"{words} {item.text}")
                    return
                for listed in (*self.agg_list, func):
                    self.measures.append(Measure(listed, ref))  # type: ignore[arg-type]
                self.agg_list = []
                self.subject_column = ref
                return
            if func != "distinct":
                # "number of cylinders": rows, or different values? Not guessed.
                self.unknown.append(f"{words} {item.text}")
                return
            self.measures.append(Measure("count_distinct", ref))
            return
        if self.is_kw(nxt, *COMPARISONS) or (
            self.pending_cmp is not None and ref.column.kind in NUMERIC
        ):
            self.subject_column = ref  # "amount over 20000", "above age 20"
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
                # Named after the flag, not the words that found it ("is the default").
                flag = ref.column.name.lower().removeprefix("is_").removeprefix("has_")
                self._add_rate(ref, (), flag.replace("_", " "))
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
            self.listed.append(ref)
            return
        # Otherwise a category to group by; "by term" groups by a numeric code, too.
        if self.pending_group or self.expect_group or self._joins_last_group():
            self.groups.append(Group(ref))
            self.pending_group = self.expect_group = False
            return
        self.listed.append(ref)  # "the names of ...": a column to show

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


def read_parts(items: list[Item], schema: SchemaInfo) -> Parts:
    return _Reader(items, schema).read()
