"""What a result says, computed from the data itself.

``summarize`` reduces a result to a compact description (column statistics, a few rows and
the headline facts of the main series) that is small enough to send to a language model and
to keep with the history. ``data_commentary`` writes insights and careful recommendations
from that summary alone, for the offline engine and as the fallback when a model fails.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from contract.ask import ColumnFormat

SAMPLE_ROWS = 5
_TIME_LABEL = re.compile(r"^(19|20)\d\d(-(Q[1-4]|W\d\d|\d\d(-\d\d)?))?$")
_TIME_NAMES = {"day", "week", "month", "quarter", "year", "date"}
_ADDITIVE = re.compile(r"(_count$|^total_|^count|^n$|^num)")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _round(value: float) -> float:
    return round(value, 4) if abs(value) < 100 else round(value, 2)


def _column_stats(name: str, values: list[Any]) -> dict[str, Any]:
    present = [v for v in values if v is not None]
    stats: dict[str, Any] = {"name": name, "nulls": len(values) - len(present)}
    numbers = [float(v) for v in present if _is_number(v)]
    if present and len(numbers) == len(present):
        stats.update(
            kind="number",
            min=_round(min(numbers)),
            max=_round(max(numbers)),
            mean=_round(sum(numbers) / len(numbers)),
            sum=_round(sum(numbers)),
        )
    else:
        distinct = {str(v) for v in present}
        stats.update(kind="text", distinct=len(distinct))
    return stats


def summarize(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    row_count: int,
    truncated: bool,
    formats: Sequence[ColumnFormat] = (),
) -> dict[str, Any]:
    """A compact, JSON-ready description of a result (never all of its rows).

    Numeric columns shown as money, percentages or with a unit carry that ``display``, so the
    insights write their numbers as the table shows them."""
    stats = [_column_stats(name, [row[i] for row in rows]) for i, name in enumerate(columns)]
    shown = {fmt.name: fmt for fmt in formats if fmt.unit}
    for column in stats:
        fmt = shown.get(column["name"])
        if fmt is not None and column.get("kind") == "number":
            column["display"] = {"kind": fmt.kind, "unit": fmt.unit, "decimals": fmt.decimals}
    summary: dict[str, Any] = {
        "row_count": row_count,
        "truncated": truncated,
        "columns": stats,
        "rows": [list(row) for row in rows[:SAMPLE_ROWS]],
    }
    series = _main_series(columns, rows, stats)
    if series:
        summary["series"] = series
    return summary


def _main_series(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], stats: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Headline facts of the first label column against the first numeric measure."""
    label = next((i for i, s in enumerate(stats) if s["kind"] == "text"), None)
    if label is None and len(columns) > 1 and rows:
        # A numeric key in front ("term" 36/60, a year) labels the rows when each is distinct.
        keys = [row[0] for row in rows]
        if columns[0].lower() in _TIME_NAMES or len(set(keys)) == len(keys):
            label = 0
    value = next((i for i, s in enumerate(stats) if s["kind"] == "number" and i != label), None)
    if label is None or value is None:
        return None
    pairs = [(_label_text(row[label]), float(row[value])) for row in rows if _is_number(row[value])]
    if not pairs:
        return None
    largest = max(pairs, key=lambda p: p[1])
    smallest = min(pairs, key=lambda p: p[1])
    total = sum(v for _, v in pairs)
    is_time = columns[label].lower() in _TIME_NAMES or all(_TIME_LABEL.match(p[0]) for p in pairs)
    series: dict[str, Any] = {
        "label": columns[label],
        "value": columns[value],
        "groups": len(pairs),
        "largest": [largest[0], _round(largest[1])],
        "smallest": [smallest[0], _round(smallest[1])],
        "additive": bool(_ADDITIVE.search(columns[value].lower())),
        "time": is_time,
    }
    if "display" in stats[value]:
        series["display"] = stats[value]["display"]
    if series["additive"] and total > 0:
        series["largest_share_pct"] = round(100 * largest[1] / total, 1)
    if smallest[1] > 0:
        series["spread_ratio"] = round(largest[1] / smallest[1], 2)
    if is_time and len(pairs) >= 2:
        ordered = sorted(pairs)
        first, last = ordered[0], ordered[-1]
        series["first"] = [first[0], _round(first[1])]
        series["last"] = [last[0], _round(last[1])]
        if first[1]:
            series["change_pct"] = round(100 * (last[1] - first[1]) / abs(first[1]), 1)
    return series


def _fmt(value: float, display: Mapping[str, Any] | None = None) -> str:
    """A number as the table shows it: with its currency, percent sign or unit if it has one."""
    if display is None:
        if value == int(value) and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:,.2f}"
    number = f"{abs(value):,.{int(display.get('decimals', 2))}f}"
    sign, unit = ("-" if value < 0 else ""), str(display.get("unit") or "")
    if display.get("kind") == "currency":
        return f"{sign}{unit}{number}"
    if display.get("kind") == "percent":
        return f"{sign}{number}%"
    return f"{sign}{number} {unit}"


def _label_text(value: object) -> str:
    return "(blank)" if value is None else str(value)


_WORDS = (("avg_", "average_"), ("_pct", " (%)"), ("min_", "minimum_"), ("max_", "maximum_"))


def pretty(name: str) -> str:
    """A column name for people: ``avg_default_rate_pct`` → "average default rate (%)"."""
    for short, long in _WORDS:
        name = name.replace(short, long)
    return name.replace("_", " ")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def data_commentary(summary: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Insights and 1–3 carefully phrased recommendations from ``summarize``'s output."""
    insights: list[str] = []
    recommendations: list[str] = []
    row_count = int(summary.get("row_count", 0))
    if row_count == 0:
        return (
            ["The query returned no rows."],
            ["Check the filters: the values asked for may not occur in this data."],
        )
    if summary.get("truncated"):
        insights.append(f"Only the first {row_count:,} rows are shown; the result was cut off.")
    series = summary.get("series")
    if series:
        _series_insights(series, insights, recommendations)
    else:
        for column in summary.get("columns", []):
            shown = column.get("display")
            if column.get("kind") == "number" and row_count == 1:
                insights.append(
                    _sentence(f"{pretty(column['name'])}: {_fmt(column['max'], shown)}.")
                )
            elif column.get("kind") == "number":
                insights.append(
                    _sentence(
                        f"{pretty(column['name'])} ranges from {_fmt(column['min'], shown)} to "
                        f"{_fmt(column['max'], shown)} (mean {_fmt(column['mean'], shown)}) "
                        f"over {row_count:,} rows."
                    )
                )
            if len(insights) >= 3:
                break
    if not recommendations:
        recommendations.append(
            "Treat these figures as a starting point: break them down further before deciding."
        )
    return insights or [f"The query returned {row_count:,} rows."], recommendations[:3]


def _series_insights(
    series: dict[str, Any], insights: list[str], recommendations: list[str]
) -> None:
    label, value = series["label"], pretty(series["value"])
    subject = _sentence(value)  # the column name opens these sentences; data values never do
    shown = series.get("display")
    (top_name, top_value), (low_name, low_value) = series["largest"], series["smallest"]
    if series.get("time") and "change_pct" in series:
        first, last, change = series["first"], series["last"], series["change_pct"]
        direction = "rose" if change > 0 else "fell" if change < 0 else "held steady"
        insights.append(
            f"{subject} {direction} from {_fmt(first[1], shown)} ({first[0]}) to "
            f"{_fmt(last[1], shown)} ({last[0]}), {abs(change):.1f}% "
            f"{'up' if change >= 0 else 'down'}."
        )
        insights.append(
            f"The peak was {_fmt(top_value, shown)} in {top_name}; "
            f"the low {_fmt(low_value, shown)} in {low_name}."
        )
        recommendations.append(
            f"Look into what drove the {'growth' if change >= 0 else 'decline'} around "
            f"{top_name if change >= 0 else low_name} before extrapolating the trend."
        )
        return
    if series["groups"] == 1:
        insights.append(f"{subject} for {top_name}: {_fmt(top_value, shown)}.")
        return
    insights.append(f"Highest {value}: {top_name} ({_fmt(top_value, shown)}).")
    insights.append(f"Lowest {value}: {low_name} ({_fmt(low_value, shown)}).")
    if "largest_share_pct" in series:
        insights.append(
            f"{top_name} accounts for {series['largest_share_pct']}% of the total across "
            f"{series['groups']} {pretty(label)} groups."
        )
    ratio = series.get("spread_ratio")
    if ratio and ratio >= 1.5:
        insights.append(
            f"The highest is {ratio}× the lowest: a wide spread across {pretty(label)}."
        )
        recommendations.append(
            f"It may be worth reviewing why {top_name} and {low_name} differ so much "
            "before changing policy for either."
        )
    elif ratio:
        insights.append(f"Values are fairly even across {pretty(label)} (at most {ratio}× apart).")
    if series.get("largest_share_pct", 0) >= 50:
        recommendations.append(
            f"Much depends on {top_name}; consider whether that concentration is intended."
        )
