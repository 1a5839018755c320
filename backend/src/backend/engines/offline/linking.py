"""Link the words of a question to keywords, tables, columns and sampled values.

The lexicon is built from the introspected schema (plus the vocabulary a database may carry,
``vocabulary.py``), so any database works: each table, column and low-cardinality value
becomes a phrase of canonical words. The question is then
read left to right, always taking the longest phrase that matches; what matches nothing and
is not a filler word is reported back, never guessed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from backend.engines.offline.phrases import KEYWORDS, KeywordKind
from backend.engines.offline.vocabulary import EMPTY, Vocabulary
from backend.engines.offline.words import (
    STOPWORDS,
    Token,
    canonical,
    is_quoted,
    is_year,
    name_words,
    parse_number,
    plain,
    plain_words,
    singular,
    tokenize,
    unquote,
)
from backend.targets.schema_info import ColumnInfo, SchemaInfo

_MAX_PHRASE = 5
_UNIT_WORDS = frozenset({
    "million", "thousand", "billion", "usd", "dollar", "eur", "percent", "kg", "km", "cm", "mm",
    "lb", "mile", "hour", "minute", "second", "year", "month", "day",
})  # fmt: skip
_COLUMN_LIKE = frozenset({"name", "id", "code", "type", "list", "date", "status", "number"})
_GENERIC_TABLE_WORDS = frozenset({"data", "info", "information", "detail", "record", "table"})
# Joining words a multi-word name may be spoken with: "number of products" → Number_products.
_JOINING = frozenset({"of", "the"})

_DATE_WORDS = frozenset({"date", "at", "on", "time", "timestamp", "day"})


@dataclass(frozen=True)
class ColumnRef:
    table: str
    column: ColumnInfo


@dataclass(frozen=True)
class Item:
    """One linked piece of the question."""

    kind: Literal[
        "keyword", "table", "column", "value", "literal", "number", "year", "filler", "unknown"
    ]
    text: str  # the words as typed
    keyword: KeywordKind | None = None
    arg: str = ""
    table: str | None = None
    columns: tuple[ColumnRef, ...] = ()  # candidates, best first
    tied: int = 1  # how many leading candidates are equally good (the reader must choose)
    partial: bool = False  # the words match only the end of a column's name ("name")
    values: tuple[str, ...] = ()  # sampled values as stored (one word may stand for several)
    number: float | None = None


@dataclass(frozen=True)
class _Entry:
    kind: Literal["table", "column", "value"]
    table: str
    column: ColumnInfo | None
    value: str | None
    strength: int
    plain: tuple[str, ...] = ()  # a value's words without synonyms


class Lexicon:
    """Phrases of one schema: tables, columns (several spellings) and sampled values."""

    def __init__(self, schema: SchemaInfo, vocabulary: Vocabulary = EMPTY) -> None:
        self.schema = schema
        self.vocabulary = vocabulary
        self._phrases: dict[tuple[str, ...], list[_Entry]] = {}
        for table in schema.tables:
            table_words = name_words(table.name)
            self._add(table_words, _Entry("table", table.name, None, None, 3))
            if len(table_words) > 1 and table_words[-1] in _GENERIC_TABLE_WORDS:
                # "cars" for cars_data: the suffix only says it is a table.
                self._add(table_words[:-1], _Entry("table", table.name, None, None, 2))
            elif len(table_words) > 1 and table_words[-1] not in _COLUMN_LIKE:
                # "players" for poker_player: the head noun names the rows.
                self._add(table_words[-1:], _Entry("table", table.name, None, None, 2))
                self._add(table_words[:1], _Entry("table", table.name, None, None, 1))
            for column in table.columns:
                self._add_column(table.name, table_words, column)

    def _add(self, words: tuple[str, ...], entry: _Entry) -> None:
        if words and len(words) <= _MAX_PHRASE:
            self._phrases.setdefault(words, []).append(entry)

    def _add_column(self, table: str, table_words: tuple[str, ...], column: ColumnInfo) -> None:
        words = name_words(column.name)
        self._add(words, _Entry("column", table, column, None, 3))
        self._add(("".join(words),), _Entry("column", table, column, None, 3))
        prefix = table_words[-1:]
        if words[: len(prefix)] == prefix and len(words) > len(prefix):
            self._add(words[len(prefix) :], _Entry("column", table, column, None, 2))
        elif prefix:
            self._add(prefix + words, _Entry("column", table, column, None, 3))
        if column.kind in ("date", "timestamp") and len(words) > 1 and words[-1] in _DATE_WORDS:
            verb = words[0]  # issue_date ← "issued", order_date ← "ordered"
            for form in {verb + "d", verb + "ed"} if verb.endswith("e") else {verb + "ed"}:
                self._add((form,), _Entry("column", table, column, None, 1))
        for alias in self.vocabulary.column_names(table, column.name):
            self._add(name_words(alias), _Entry("column", table, column, None, 3))
        if len(words) > 2 and words[-1] in _UNIT_WORDS:
            # "net worth" for Net_Worth_Millions: the unit is often left unsaid.
            self._add(words[:-1], _Entry("column", table, column, None, 2))
        last = words[-1]
        past = last.endswith("ed") and column.kind not in ("date", "timestamp")
        if len(words) > 1 and last not in STOPWORDS and not last.isdigit() and not past:
            self._add(words[-1:], _Entry("column", table, column, None, 1))
        if len(words) == 2 and words[-1] == "by" and words[0].endswith("ed"):
            # "director" for Directed_by, "producer" for Produced_by: who did it.
            stem = words[0][:-2]
            for agent in {stem + "or", stem + "er", words[0][:-1] + "r"}:
                self._add((agent,), _Entry("column", table, column, None, 2))
        if len(words) == 2 and words[-1] in (_COLUMN_LIKE | {"address"}) - {"id"}:
            # "email" for email_address, "role" for role_code (not "region" for a key region_id).
            self._add(words[:1], _Entry("column", table, column, None, 1))
        if column.kind == "text":
            spelled = {name_words(sample): sample for sample in column.samples}
            for value_words, sample in spelled.items():
                self._add(
                    value_words, _Entry("value", table, column, sample, 1, plain_words(sample))
                )
            for phrase, stored in self.vocabulary.value_words(table, column.name):
                if stored in column.samples:  # only values the column really holds
                    self._add(name_words(phrase), _Entry("value", table, column, stored, 1))

    def candidates(self, words: tuple[str, ...]) -> list[_Entry]:
        return self._phrases.get(words, [])

    def closest(self, word: str) -> str | None:
        """The schema word most like ``word`` (a typo's likely target), for a hint only."""
        known = {w for phrase in self._phrases for w in phrase if len(w) > 3}
        found = difflib.get_close_matches(canonical(word), sorted(known), n=1, cutoff=0.8)
        return found[0] if found else None


@lru_cache(maxsize=64)
def lexicon_for(schema: SchemaInfo, vocabulary: Vocabulary = EMPTY) -> Lexicon:
    return Lexicon(schema, vocabulary)


def _short_value_allowed(token: Token, previous: Item | None, entry: _Entry) -> bool:
    """One- or two-letter values ("A", "CA") count only when typed in capitals mid-sentence,
    or right after their own column ("grade a"), so "a" or "or" are never read as values."""
    after_own_column = (
        previous is not None
        and previous.kind == "column"
        and any(ref.column == entry.column for ref in previous.columns)
    )
    return after_own_column or (token.raw.isupper() and token.position > 0)


def _entry_items(words_text: str, entries: list[_Entry]) -> Item | None:
    best = max(entry.strength for entry in entries)
    top = [entry for entry in entries if entry.strength == best]
    kinds = {entry.kind for entry in top}
    plural = words_text.lower() != singular(words_text.lower())
    if "table" in kinds and (plural or "column" not in kinds):
        # "countries" is the table; "country" the column of the same name.
        return Item("table", words_text, table=next(e.table for e in top if e.kind == "table"))
    if "column" in kinds:
        # Weaker spellings stay as candidates: "name" of the breed may be ``breed_name``.
        floor = min(best, 2)
        ranked = sorted(
            (e for e in entries if e.kind == "column" and e.column and e.strength >= floor),
            key=lambda e: -e.strength,
        )
        refs = tuple(dict.fromkeys(ColumnRef(e.table, e.column) for e in ranked if e.column))
        tied = len({(e.table, e.column) for e in top if e.kind == "column"})
        return Item("column", words_text, columns=refs, tied=tied, partial=best == 1)
    values = [e for e in top if e.kind == "value" and e.column is not None]
    if values:
        first = values[0]
        same = [e for e in values if e.table == first.table and e.column == first.column]
        assert first.column is not None
        found = tuple(dict.fromkeys(e.value for e in same if e.value is not None))
        return Item(
            "value", words_text, columns=(ColumnRef(first.table, first.column),), values=found
        )
    return None


def link(question: str, schema: SchemaInfo, vocabulary: Vocabulary = EMPTY) -> list[Item]:
    """Read ``question`` into linked items, longest phrase first at every position."""
    lexicon = lexicon_for(schema, vocabulary)
    tokens = tokenize(question)
    items: list[Item] = []
    i = 0
    while i < len(tokens):
        item, used = _match_at(tokens, i, lexicon, items[-1] if items else None)
        items.append(item)
        i += used
    return items


def _match_at(
    tokens: list[Token], i: int, lexicon: Lexicon, previous: Item | None
) -> tuple[Item, int]:
    if is_quoted(tokens[i].raw):
        inner = unquote(tokens[i].raw)
        values = [e for e in lexicon.candidates(name_words(inner)) if e.kind == "value"]
        found = _entry_items(inner, values) if values else None
        return found or Item("literal", inner), 1
    if previous is not None and previous.keyword in ("sum", "avg", "min", "max"):
        # "maximum share": after an aggregate a column's own name is the column, not a keyword.
        exact = [e for e in lexicon.candidates((tokens[i].word,)) if e.strength == 3]
        if exact and all(e.kind == "column" for e in exact):
            found = _entry_items(tokens[i].raw, exact)
            if found is not None:
                return found, 1
    for size in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
        window = tokens[i : i + size]
        words = tuple(t.word for t in window)
        text = " ".join(t.raw for t in window)
        said = tuple(plain(t.raw) for t in window)
        entries = [
            e for e in lexicon.candidates(words) if not e.plain or e.plain == said
        ]  # a sampled value matches only as typed, never through a synonym
        if not entries and size > 2 and words[0] not in _JOINING and words[-1] not in _JOINING:
            entries = lexicon.candidates(tuple(w for w in words if w not in _JOINING))
        if size == 1 and len(window[0].raw) <= 2:
            entries = [
                e
                for e in entries
                if e.kind != "value" or _short_value_allowed(window[0], previous, e)
            ]
        schema_item = _entry_items(text, entries) if entries else None
        keyword = KEYWORDS.get(words)
        # Keywords win single-word ties ("total", "count"); longer schema phrases win otherwise.
        if keyword and (schema_item is None or size == 1):
            return Item("keyword", text, keyword=keyword[0], arg=keyword[1]), size
        if schema_item is not None:
            return schema_item, size
    token = tokens[i]
    if is_year(token.raw):
        return Item("year", token.raw, number=float(token.raw)), 1
    number = parse_number(token.raw)
    if number is not None:
        return Item("number", token.raw, number=number), 1
    if token.word in STOPWORDS or token.raw.lower() in STOPWORDS:
        return Item("filler", token.raw), 1
    return Item("unknown", token.raw), 1
