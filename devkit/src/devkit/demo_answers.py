"""The documented demo questions with SQL written by hand, and how to compare results.

The hand-written SQL is deliberately phrased differently from the engine's (e.g. the default
rate counts the status values, the engine may use ``is_default``), so agreement is evidence of
a right answer, not of the same text. The acceptance tests and the pipeline benchmark use it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

MONTH = {
    "sqlite": "strftime('%Y-%m', issue_date)",
    "postgres": "to_char(issue_date, 'YYYY-MM')",
    "mysql": "DATE_FORMAT(issue_date, '%Y-%m')",
}
YEAR = {
    "sqlite": "strftime('%Y', issue_date)",
    "postgres": "to_char(issue_date, 'YYYY')",
    "mysql": "CAST(YEAR(issue_date) AS CHAR)",
}
QUARTER = {
    "sqlite": "strftime('%Y', issue_date) || '-Q' || "
    "((CAST(strftime('%m', issue_date) AS INTEGER) + 2) / 3)",
    "postgres": "to_char(issue_date, 'YYYY\"-Q\"Q')",
    "mysql": "CONCAT(YEAR(issue_date), '-Q', QUARTER(issue_date))",
}
DEFAULTED = "loan_status IN ('Charged Off', 'Default')"

# question → (hand-written SQL for a dialect, whether the order of rows is part of the answer)
EXPECTED: dict[str, tuple[Any, bool]] = {
    "What is the default rate by grade?": (
        lambda d: (
            f"SELECT grade, ROUND(100.0 * SUM(CASE WHEN {DEFAULTED} THEN 1 ELSE 0 END)"
            " / COUNT(*), 2) FROM loans GROUP BY grade"
        ),
        False,
    ),
    "Top 10 states by average loan amount": (
        lambda d: (
            "SELECT b.state, ROUND(AVG(l.loan_amount), 2) AS avg_amount FROM loans l "
            "JOIN borrowers b ON b.borrower_id = l.borrower_id GROUP BY b.state "
            "ORDER BY avg_amount DESC, b.state LIMIT 10"
        ),
        True,
    ),
    "Monthly loan volume in 2023": (
        lambda d: (
            f"SELECT {MONTH[d]} AS m, COUNT(*), SUM(loan_amount) FROM loans "
            "WHERE issue_date BETWEEN '2023-01-01' AND '2023-12-31' GROUP BY m ORDER BY m"
        ),
        True,
    ),
    "How many loans per purpose?": (
        lambda d: "SELECT purpose, COUNT(*) FROM loans GROUP BY purpose",
        False,
    ),
    "What is the average interest rate by grade?": (
        lambda d: "SELECT grade, ROUND(AVG(interest_rate), 2) FROM loans GROUP BY grade",
        False,
    ),
    "Total loan amount by year": (
        lambda d: f"SELECT {YEAR[d]} AS y, SUM(loan_amount) FROM loans GROUP BY y ORDER BY y",
        True,
    ),
    "How many loans are charged off?": (
        lambda d: "SELECT COUNT(*) FROM loans WHERE loan_status = 'Charged Off'",
        False,
    ),
    "Average annual income by home ownership": (
        lambda d: (
            "SELECT home_ownership, ROUND(AVG(annual_income), 2) FROM borrowers "
            "GROUP BY home_ownership"
        ),
        False,
    ),
    "Default rate by term": (
        lambda d: (
            f"SELECT term, ROUND(100.0 * SUM(CASE WHEN {DEFAULTED} THEN 1 ELSE 0 END)"
            " / COUNT(*), 2) FROM loans GROUP BY term"
        ),
        False,
    ),
    "Average debt-to-income ratio by grade": (
        lambda d: "SELECT grade, ROUND(AVG(dti), 2) FROM loans GROUP BY grade",
        False,
    ),
    "Top 5 purposes by total loan amount": (
        lambda d: (
            "SELECT purpose, SUM(loan_amount) AS total FROM loans GROUP BY purpose "
            "ORDER BY total DESC LIMIT 5"
        ),
        True,
    ),
    "How many loans per verification status?": (
        lambda d: "SELECT verification_status, COUNT(*) FROM loans GROUP BY verification_status",
        False,
    ),
    "Quarterly loan volume in 2022": (
        lambda d: (
            f"SELECT {QUARTER[d]} AS q, COUNT(*), SUM(loan_amount) FROM loans "
            "WHERE issue_date >= '2022-01-01' AND issue_date < '2023-01-01' GROUP BY q ORDER BY q"
        ),
        True,
    ),
    "Average loan amount by employment length": (
        lambda d: (
            "SELECT b.emp_length, ROUND(AVG(l.loan_amount), 2) FROM loans l "
            "JOIN borrowers b ON b.borrower_id = l.borrower_id GROUP BY b.emp_length"
        ),
        False,
    ),
}


def normalise(rows: list[list[Any]], ordered: bool) -> list[tuple[str, ...]]:
    """Numbers to two decimals (SQLite sums floats, PostgreSQL numerics), then text."""

    def cell(value: Any) -> str:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return f"{float(value):.2f}"
        return str(value)

    result = [tuple(cell(v) for v in row) for row in rows]
    return result if ordered else sorted(result)
