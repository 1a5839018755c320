"""Words one database's people use that its data spells differently, as data it carries.

The general linker knows only English and SQL. A database may bring its own vocabulary (the
demo does: ``demo/catalogue.py``): other names for a column ("debt to income" for
``loans.dti``) and words for stored values ("California" for ``borrowers.state = 'CA'``,
"default" for a ``loan_status`` of Default or Charged Off). Each entry applies only to the
table and column it names, and a value word only to values that column really holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Vocabulary:
    columns: tuple[tuple[str, str, str], ...] = ()  # (table, column, phrase)
    values: tuple[tuple[str, str, str, str], ...] = ()  # (table, column, phrase, stored value)

    @classmethod
    def from_mappings(
        cls,
        column_names: Mapping[str, tuple[str, ...]],
        value_words: Mapping[str, Mapping[str, tuple[str, ...]]],
    ) -> Vocabulary:
        """From ``{"table.column": phrases}`` and ``{"table.column": {phrase: stored}}``."""
        columns = tuple(
            (*_split(key), phrase) for key, phrases in column_names.items() for phrase in phrases
        )
        values = tuple(
            (*_split(key), phrase, stored)
            for key, words in value_words.items()
            for phrase, stored_values in words.items()
            for stored in stored_values
        )
        return cls(columns, values)

    def column_names(self, table: str, column: str) -> list[str]:
        return [phrase for t, c, phrase in self.columns if (t, c) == (table, column)]

    def value_words(self, table: str, column: str) -> list[tuple[str, str]]:
        return [
            (phrase, stored) for t, c, phrase, stored in self.values if (t, c) == (table, column)
        ]


def _split(key: str) -> tuple[str, str]:
    table, _, column = key.partition(".")
    return table, column


EMPTY = Vocabulary()


@cache
def demo_vocabulary() -> Vocabulary:
    """The vocabulary the demo database carries (its tables only)."""
    from backend.demo import catalogue as demo_data

    return Vocabulary.from_mappings(demo_data.COLUMN_NAMES, demo_data.VALUE_WORDS)
