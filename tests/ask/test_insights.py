"""Insights come from the data itself: extremes, shares, spread and trend, phrased carefully,
from a summary that never carries more than a few rows."""

from __future__ import annotations

from backend.engines.commentary import SAMPLE_ROWS, data_commentary, summarize


def test_groups_give_extremes_share_and_spread() -> None:
    rows = [["debt", 600], ["card", 300], ["car", 100]]
    summary = summarize(["purpose", "loan_count"], rows, row_count=3, truncated=False)
    insights, recommendations = data_commentary(summary)
    assert "Highest loan count: debt (600)." in insights  # data values keep their spelling
    assert "Lowest loan count: car (100)." in insights
    assert any("debt accounts for 60.0% of the total" in line for line in insights)
    assert any("6.0× the lowest" in line for line in insights)
    assert 1 <= len(recommendations) <= 3
    assert all(not line.startswith(("You must", "Always")) for line in recommendations)


def test_time_series_give_the_trend() -> None:
    rows = [["2023-01", 100], ["2023-02", 150], ["2023-03", 120]]
    insights, _ = data_commentary(summarize(["month", "total"], rows, row_count=3, truncated=False))
    assert insights[0] == "Total rose from 100 (2023-01) to 120 (2023-03), 20.0% up."
    assert "The peak was 150 in 2023-02; the low 100 in 2023-01." in insights


def test_numeric_keys_and_blank_labels_still_read_well() -> None:
    rows: list[list[float | None]] = [[36, 11.03], [60, 13.63], [None, 9.5]]
    insights, _ = data_commentary(
        summarize(["term", "avg_rate_pct"], rows, row_count=3, truncated=False)
    )
    assert "Highest average rate (%): 60 (13.63)." in insights
    assert "Lowest average rate (%): (blank) (9.50)." in insights


def test_summaries_stay_small_and_say_when_rows_were_cut() -> None:
    rows = [[i, i * 2] for i in range(1000)]
    summary = summarize(["id", "value"], rows, row_count=1000, truncated=True)
    assert len(summary["rows"]) == SAMPLE_ROWS
    assert summary["columns"][1] == {
        "name": "value", "nulls": 0, "kind": "number", "min": 0, "max": 1998, "mean": 999.0,
        "sum": 999000.0,
    }  # fmt: skip
    insights, _ = data_commentary(summary)
    assert insights[0].startswith("Only the first 1,000 rows are shown")


def test_empty_results_say_so() -> None:
    insights, recommendations = data_commentary(
        summarize(["grade"], [], row_count=0, truncated=False)
    )
    assert insights == ["The query returned no rows."]
    assert "filters" in recommendations[0]


def test_numbers_read_as_the_table_shows_them() -> None:
    """Contract: with the answer's column formats, insights write money, percentages and units
    exactly as the table's cells do (``frontend.formatting.cell_text``)."""
    from backend.ask.presentation import formats
    from frontend.formatting import cell_text

    rows = [["small_business", 19363.4123], ["vacation", 6919.97]]
    columns = ["purpose", "avg_loan_amount"]
    shown = formats(columns, rows, "SELECT purpose, AVG(loan_amount) AS avg_loan_amount FROM l")
    insights, _ = data_commentary(
        summarize(columns, rows, row_count=2, truncated=False, formats=shown)
    )
    table_cell = cell_text(19363.4123, shown[1])
    assert table_cell == "$19,363.41"
    assert f"Highest average loan amount: small_business ({table_cell})." in insights

    rates = [["A", 5.25], ["G", 31.5]]
    rate_formats = formats(["grade", "default_rate_pct"], rates, None)
    lines, _ = data_commentary(
        summarize(
            ["grade", "default_rate_pct"], rates, row_count=2, truncated=False, formats=rate_formats
        )
    )
    assert "Highest default rate (%): G (31.50%)." in lines
