"""The question words every database shares: English and SQL keywords, as canonical phrases.

Each phrase maps to a keyword kind (what the reader does with it) and an argument (the time
unit, the ordering direction, the column an adjective measures).
"""

from __future__ import annotations

from typing import Literal

from backend.engines.offline.words import canonical

KeywordKind = Literal[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "rate",
    "share",
    "volume",
    "group",
    "top",
    "bottom",
    "most",
    "least",
    "gt",
    "gte",
    "lt",
    "lte",
    "eq",
    "between",
    "time",
    "since",
    "before",
    "after",
    "which",
    "or",
    "not",
    "distinct",
    "compare",
    "order",
    "asc",
    "desc",
    "noise",
    "adjective",
    "than_adjective",
    "everything",
]

# Keyword phrases (canonical words) → (kind, argument).
KEYWORDS: dict[tuple[str, ...], tuple[KeywordKind, str]] = {}


def _kw(kind: KeywordKind, *phrases: str, arg: str = "") -> None:
    for phrase in phrases:
        KEYWORDS[tuple(canonical(w) for w in phrase.split())] = (kind, arg)


_kw("count", "how many", "number of", "count", "count of", "# of", "total number of")
_kw("distinct", "distinct", "unique", "different")
_kw("sum", "total", "sum", "sum of", "combined")
_kw("avg", "average", "avg", "mean", "typical")
_kw("min", "minimum", "min", "smallest", "lowest")
_kw("max", "maximum", "max", "largest", "highest", "biggest", "greatest")
_kw("rate", "rate", "ratio", "percentage", "percent", "%", "proportion", "fraction")
_kw("share", "share", "share of", "breakdown", "distribution", "split", "mix")
_kw("volume", "volume")
_kw(
    "group",
    "by",
    "per",
    "for each",
    "for every",
    "each",
    "grouped by",
    "broken down by",
    "split by",
    "across",
)
_kw("top", "top")
_kw("bottom", "bottom")
_kw("most", "most", "the most", "most common", "the most common", "most frequent")
_kw("least", "fewest", "least", "the least", "the fewest")
_kw(
    "gt",
    "over",
    "above",
    "more than",
    "greater than",
    "exceeding",
    "larger than",
    "higher than",
    "bigger than",
)
_kw("gte", "at least", "or more", "minimum of", "no less than", "not less than")
_kw("lt", "under", "below", "less than", "fewer than", "lower than", "smaller than")
_kw("lte", "at most", "or less", "maximum of", "up to", "no more than", "not more than")
_kw("between", "between")
_kw("eq", "equal to", "exactly", "equals")
_kw("since", "since")
_kw("since", "or after", "or later", "and after", "and later", arg="widen")
_kw("before", "or before", "or earlier", "and before", "and earlier", arg="widen")
_kw("before", "before", "prior to")
_kw("after", "after")
_kw("which", "which", "what", "who")
_kw("or", "or")
_kw("not", "not", "excluding", "except", "other than", "without")
_kw("order", "ordered by", "sorted by", "sort by", "in order of", "ranked by")
_kw("order", "sort", "sorted", arg="verb")
_kw("order", "in alphabetical order of", "alphabetically by", "alphabetical order of", arg="asc")
_kw("asc", "in alphabetical order", "alphabetically", "alphabetical order")
_kw("order", "in descending order of", "descending order of", "in decreasing order of", arg="desc")
_kw("order", "in ascending order of", "ascending order of", "in increasing order of", arg="asc")
_kw("asc", "ascending", "in ascending order", "increasing", "in increasing order")
_kw("desc", "in reverse alphabetical order", "reverse alphabetical order", "reversed", "reverse")
_kw("desc", "in reversed lexicographical order", "reversed lexicographical order")
_kw("asc", "in lexicographical order", "lexicographically", "lexicographical order")
# English adjectives of a measure: "the oldest singer" is the row with the highest age, "taller
# than 200" a height over 200; they apply only when a named table has that one column.
for _word, _column, _direction in (
    ("oldest", "age", "desc"), ("eldest", "age", "desc"), ("youngest", "age", "asc"),
    ("tallest", "height", "desc"), ("shortest", "height", "asc"),
    ("heaviest", "weight", "desc"), ("lightest", "weight", "asc"), ("longest", "length", "desc"),
    ("most recent", "date", "desc"), ("most recently", "date", "desc"), ("latest", "date", "desc"),
    ("newest", "date", "desc"), ("earliest", "date", "asc"),
):  # fmt: skip
    _kw("adjective", _word, "the " + _word, arg=f"{_column}:{_direction}")
for _word, _column, _op in (
    ("older", "age", "gt"), ("younger", "age", "lt"), ("taller", "height", "gt"),
    ("shorter", "height", "lt"), ("heavier", "weight", "gt"), ("lighter", "weight", "lt"),
    ("longer", "length", "gt"),
):  # fmt: skip
    _kw("than_adjective", _word + " than", arg=f"{_column}:{_op}")
_kw("desc", "descending", "in descending order", "decreasing", "in decreasing order")
_kw("everything", "all the information about", "all information about", "all the details of")
_kw("everything", "all the information of", "all the details about", "all details of")
_kw("noise", "across all", "across all the", "in total", "all together", "altogether")
_kw("compare", "vs", "versus", "compared to", "compared with", "compare", "against")
for _unit, _words in {
    "day": "daily, day, days, per day, by day",
    "week": "weekly, week, weeks",
    "month": "monthly, month, months, over time",
    "quarter": "quarterly, quarter, quarters",
    "year": "yearly, year, years, annually, year over year",
}.items():
    _kw("time", *(w.strip() for w in _words.split(",")), arg=_unit)
