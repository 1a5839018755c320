"""The schema as a language model sees it: enabled tables only, inside a token budget.

Small schemas go in whole. On large ones, tables and columns are ranked by how much they share
with the question (names and sampled values); tables linked by a foreign key to a relevant one
are kept too, since answers often need the join. Keys, types and a few sampled values of
low-cardinality columns are included, because they are what stops a model from inventing
columns or spelling values wrong.
"""

from __future__ import annotations

from backend.engines.offline.words import name_words, tokenize
from backend.targets.schema_info import ColumnInfo, SchemaInfo, TableInfo

CHARS_PER_TOKEN = 4
DEFAULT_BUDGET_TOKENS = 3000
MAX_SAMPLES = 8


def estimate_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


def _column_line(table: TableInfo, column: ColumnInfo, shown: set[str]) -> str:
    parts = [f"  {column.name} {column.raw_type or column.kind}"]
    if column.primary_key:
        parts.append("PK")
    for fk in table.foreign_keys:
        if column.name in fk.columns and fk.ref_table in shown:  # never point at a disabled table
            ref = fk.ref_columns[fk.columns.index(column.name)]
            parts.append(f"-> {fk.ref_table}.{ref}")
    if column.samples:
        values = ", ".join(repr(v) for v in column.samples[:MAX_SAMPLES])
        parts.append(f"values: {values}")
    return " ".join(parts)


def _table_header(table: TableInfo, db_schema: str | None) -> str:
    name = f"{db_schema}.{table.name}" if db_schema else table.name
    rows = f" (~{table.row_estimate:,} rows)" if table.row_estimate is not None else ""
    return f"TABLE {name}{rows}"


def _column_score(column: ColumnInfo, words: set[str]) -> int:
    score = 2 * len(words & set(name_words(column.name)))
    for sample in column.samples:
        if set(name_words(sample)) & words:
            score += 1
    return score


def _table_score(table: TableInfo, words: set[str]) -> int:
    own = 3 * len(words & set(name_words(table.name)))
    return own + sum(_column_score(c, words) for c in table.columns)


def _render(
    table: TableInfo, columns: list[ColumnInfo], db_schema: str | None, shown: set[str]
) -> str:
    lines = [_table_header(table, db_schema)]
    lines += [_column_line(table, c, shown) for c in columns]
    if len(columns) < len(table.columns):
        lines.append(f"  ... {len(table.columns) - len(columns)} more columns not shown")
    return "\n".join(lines)


def _key_or_relevant(table: TableInfo, words: set[str]) -> list[ColumnInfo]:
    fk_columns = {c for fk in table.foreign_keys for c in fk.columns}
    return [
        c
        for c in table.columns
        if c.primary_key or c.name in fk_columns or _column_score(c, words) > 0
    ]


def build_context(
    schema: SchemaInfo,
    question: str,
    *,
    db_schema: str | None = None,
    budget_tokens: int = DEFAULT_BUDGET_TOKENS,
) -> str:
    """Describe ``schema`` (already restricted to enabled tables) for ``question``."""
    shown = {t.name for t in schema.tables}
    whole = "\n\n".join(_render(t, list(t.columns), db_schema, shown) for t in schema.tables)
    if estimate_tokens(whole) <= budget_tokens:
        return whole
    words = {token.word for token in tokenize(question)}
    scores = {t.name: _table_score(t, words) for t in schema.tables}
    relevant = {name for name, score in scores.items() if score > 0}
    for table in schema.tables:  # foreign-key neighbours of relevant tables come along
        for fk in table.foreign_keys:
            if table.name in relevant and scores.get(fk.ref_table, 0) == 0:
                scores[fk.ref_table] = 1
            if fk.ref_table in relevant and scores[table.name] == 0:
                scores[table.name] = 1
    ranked = sorted(schema.tables, key=lambda t: (-scores[t.name], t.name))
    blocks: list[str] = []
    used = 0
    for table in ranked:
        if scores[table.name] == 0 and blocks:
            break
        for columns in (list(table.columns), _key_or_relevant(table, words)):
            block = _render(table, columns, db_schema, shown)
            cost = estimate_tokens(block) + 1
            if used + cost <= budget_tokens:
                blocks.append(block)
                used += cost
                break
    left_out = len(schema.tables) - len(blocks)
    if left_out:
        blocks.append(f"({left_out} less relevant tables not shown)")
    return "\n\n".join(blocks)
