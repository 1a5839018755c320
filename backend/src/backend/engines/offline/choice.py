"""Which column a word names: the table said after it, a table the question names, or none.

Equally good columns of tables the question does not name are ambiguous and refused, unless
exactly one is the column's whole name ("region_id" is not "region" + "id"); "the oldest"
picks the one age (or birth) column of a named table.
"""

from __future__ import annotations

from backend.engines.offline.linking import ColumnRef, Item
from backend.engines.offline.plan import NUMERIC, TIME
from backend.engines.offline.state import ReaderState, label_column
from backend.engines.offline.words import name_words

# Words that end many columns' names: alone, they do not say which table's column is meant.
_GENERIC_COLUMN_WORDS = frozenset({"name", "id", "code", "type", "number", "date", "title"})


class ColumnChoice(ReaderState):
    def _choose(self, item: Item) -> ColumnRef:
        """The column a word names: of the table said right after ("name of the breed"), else
        of a table the question names; equally good columns of unnamed tables are ambiguous."""
        refs = item.columns
        after = self._table_after()
        for ref in refs:
            if ref.table == after:
                return ref
        if after is not None:
            return self._of_other_table(item, after)
        named = [ref for ref in refs if ref.table in self.named]
        if named:
            return named[0]
        generic = set(name_words(item.text)) <= _GENERIC_COLUMN_WORDS
        if item.partial and generic:  # "names" for TV_Channel.series_name, no table named
            self.ambiguous.append(
                f"'{item.text}' only partly matches {refs[0].table}.{refs[0].column.name}"
            )
        tied = {ref.table for ref in refs[: item.tied]}
        spelled = [
            r for r in refs[: item.tied] if name_words(r.column.name) == name_words(item.text)
        ]
        if len(tied) > 1 and len(spelled) == 1:  # "region_id": the column, not regions + id
            return spelled[0]
        if len(tied) > 1:
            self.ambiguous.append(
                f"'{item.text}' could be "
                + " or ".join(f"{r.table}.{r.column.name}" for r in refs[: item.tied])
            )
        return refs[0]

    def _of_other_table(self, item: Item, table: str) -> ColumnRef:
        """ "names of the cartoons": the table's own label, or a column of a table it points
        at ("names of poker players" → people.Name); else not guessed."""
        label = label_column(self.schema, table)
        if label is not None and "name" in name_words(item.text):
            return label
        info = self.schema.table(table)
        parents = {fk.ref_table for fk in info.foreign_keys} if info else set()
        above = [ref for ref in item.columns if ref.table in parents]
        if len({ref.table for ref in above}) == 1:
            self.of_table = table
            return above[0]
        self.ambiguous.append(f"'{item.text}' is not a column of {table}")
        return item.columns[0]

    def _table_after(self) -> str | None:
        """ "age of the singers": the table named right after a column by "of"."""
        k = 1
        nxt = self.peek(k)
        if nxt is None or nxt.text.lower() not in ("of", "for"):
            return None
        while (nxt := self.peek(k)) is not None and nxt.kind == "filler":
            k += 1
        return nxt.table if nxt is not None and nxt.kind == "table" else None

    def _date_column(self) -> ColumnRef | None:
        """ "the most recent treatment": the one date column of the tables named."""
        tables = self.named | {ref.table for ref in self.listed}
        dates = [
            ColumnRef(t.name, c)
            for t in self.schema.tables
            if t.name in tables
            for c in t.columns
            if c.kind in TIME
        ]
        return dates[0] if len(dates) == 1 else None

    def _birth_column(self) -> ColumnRef | None:
        """Age's stand-in: the one birth year or date column of the tables named."""
        tables = self.named | {ref.table for ref in self.listed}
        births = [
            ColumnRef(t.name, c)
            for t in self.schema.tables
            if t.name in tables
            for c in t.columns
            if {"birth", "born", "birthdate"} & set(name_words(c.name))
        ]
        usable = [r for r in births if r.column.kind in NUMERIC | TIME]
        return usable[0] if len(usable) == 1 else None

    def _order_by_adjective(self, arg: str, words: str) -> None:
        """ "the oldest singer": the row with the highest ``age`` of a named table (or the
        earliest birth when there is no age column at all)."""
        column_word, direction = arg.split(":")
        found = self._date_column() if column_word == "date" else self._measure_column(column_word)
        tables = self.named | {ref.table for ref in self.listed}
        has_word = any(
            name_words(c.name) == (column_word,)
            for t in self.schema.tables
            if t.name in tables
            for c in t.columns
        )
        if found is None and column_word == "age" and not has_word:
            found = self._birth_column()  # a text age column is not replaced by another
            direction = "asc" if direction == "desc" else "desc"
        if found is None or self.measures or self.pending_agg:
            self.unknown.append(words)
            return
        if self.order_column is None:
            self.order_column = found
            self.argmax = True
            self.limit = 1
        self.order_dir = self.order_dir or direction
