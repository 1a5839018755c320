"""Acceptance of the offline engine: every documented demo question returns the same rows as
SQL written by hand, on the embedded SQLite demo and on the demo loaded into real PostgreSQL.

The hand-written SQL is deliberately phrased differently from the engine's (e.g. the default
rate counts the status values, the engine may use ``is_default``), so agreement is evidence
of a right answer, not of the same text.
"""

from __future__ import annotations

from typing import Any

import pytest
from backend.ask.charts import validate_chart
from backend.demo.catalogue import EXAMPLE_QUESTIONS
from backend.engines.base import Request
from backend.engines.offline.engine import OfflineEngine
from backend.safety.executor import run_readonly
from backend.safety.guard import check_for_target
from backend.targets.target import QueryTarget
from devkit.demo_answers import EXPECTED, normalise


def offline_rows(target: QueryTarget, question: str) -> list[list[Any]]:
    draft = OfflineEngine().draft(
        Request(question, target.enabled_schema(), target.dialect, target.db_schema)
    )
    checked = check_for_target(draft.sql, target)
    return run_readonly(target, checked, row_cap=5000, timeout_seconds=15).rows


def hand_rows(target: QueryTarget, question: str) -> list[list[Any]]:
    sql = EXPECTED[question][0](target.dialect)
    return run_readonly(target, sql, row_cap=5000, timeout_seconds=15).rows


def test_every_documented_example_has_hand_written_sql() -> None:
    assert set(EXAMPLE_QUESTIONS) == set(EXPECTED)
    assert len(EXAMPLE_QUESTIONS) >= 12


@pytest.mark.parametrize("question", EXAMPLE_QUESTIONS)
def test_offline_matches_hand_written_sql_on_sqlite(
    demo_sqlite: QueryTarget, question: str
) -> None:
    ordered = EXPECTED[question][1]
    expected = normalise(hand_rows(demo_sqlite, question), ordered)
    assert expected, "the hand-written query must return rows for the comparison to mean much"
    assert normalise(offline_rows(demo_sqlite, question), ordered) == expected


@pytest.mark.parametrize("question", EXAMPLE_QUESTIONS)
def test_offline_matches_hand_written_sql_on_postgres(
    demo_postgres: QueryTarget, question: str
) -> None:
    ordered = EXPECTED[question][1]
    expected = normalise(hand_rows(demo_postgres, question), ordered)
    assert expected
    assert normalise(offline_rows(demo_postgres, question), ordered) == expected


@pytest.mark.parametrize("question", EXAMPLE_QUESTIONS)
def test_offline_chart_choices_fit_their_results(demo_sqlite: QueryTarget, question: str) -> None:
    """The engine's own chart spec survives validation against the columns it produced."""
    draft = OfflineEngine().draft(
        Request(question, demo_sqlite.enabled_schema(), demo_sqlite.dialect)
    )
    columns = run_readonly(demo_sqlite, draft.sql, row_cap=5, timeout_seconds=15).columns
    if draft.chart is None:
        assert len(columns) == 1 or question.startswith("How many loans are")
        return
    kept = validate_chart(draft.chart, columns).model_dump(exclude={"order"})
    assert kept == draft.chart
    assert draft.explanation.endswith(".")
