"""Questions on a MySQL/MariaDB database: both engines write MySQL, and the answers are the
demo's, row for row.

Contracts: the offline engine answers every documented demo question on a MariaDB copy of the
demo with the rows of the hand-written MySQL SQL, which are the rows PostgreSQL gives; the
OpenAI engine (through the official client, against the local stand-in) is told to write
MySQL, and the MySQL it returns (backticks, DATE_FORMAT) is checked and run on the server.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import sqlglot
from backend.demo.catalogue import EXAMPLE_QUESTIONS
from backend.engines.base import Request
from backend.engines.offline.engine import OfflineEngine
from backend.safety.executor import run_readonly
from backend.targets.target import DEMO_TARGET, QueryTarget
from devkit.demo_answers import EXPECTED, normalise
from devkit.fake_openai import FakeOpenAI, insights_answer, sql_answer
from sqlalchemy.orm import Session, sessionmaker

from tests.ask.test_offline_acceptance import hand_rows, offline_rows
from tests.ask.test_openai_contract import ask_demo, services_for, settings_for, system_prompt


@pytest.mark.parametrize("question", EXAMPLE_QUESTIONS)
def test_offline_answers_on_mariadb_match_postgres(
    demo_mysql: QueryTarget, demo_postgres: QueryTarget, question: str
) -> None:
    ordered = EXPECTED[question][1]
    on_postgres = normalise(hand_rows(demo_postgres, question), ordered)
    assert on_postgres
    assert normalise(hand_rows(demo_mysql, question), ordered) == on_postgres
    assert normalise(offline_rows(demo_mysql, question), ordered) == on_postgres


@pytest.mark.parametrize(
    "question",
    ["Monthly loan volume in 2023", "Quarterly loan volume in 2022", "Top 10 states by average "
     "loan amount"],
)  # fmt: skip
def test_offline_sql_is_written_in_mysql(demo_mysql: QueryTarget, question: str) -> None:
    draft = OfflineEngine().draft(
        Request(question, demo_mysql.enabled_schema(), demo_mysql.dialect, None)
    )
    assert "`loans`" in draft.sql
    assert '"' not in draft.sql
    assert "DECIMAL(65, 10)" in draft.sql or "DATE_FORMAT" in draft.sql
    assert "TO_CHAR" not in draft.sql.upper()
    assert "STRFTIME" not in draft.sql.upper()
    sqlglot.parse_one(draft.sql, read="mysql")


YEARLY = (
    "SELECT DATE_FORMAT(`issue_date`, '%Y') AS `year`, COUNT(*) AS `loans` "
    "FROM `loans` GROUP BY `year` ORDER BY `year`"
)


def test_openai_engine_is_told_mysql_and_its_mysql_runs(
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    app_sessions: sessionmaker[Session],
    demo_mysql: QueryTarget,
    demo_postgres: QueryTarget,
) -> None:
    fake_openai.script(
        sql_answer(YEARLY, explanation="Counts loans per year."),
        insights_answer(["2023 has the most loans."], []),
    )
    settings = settings_for(fake_openai, tmp_path)
    as_demo = replace(demo_mysql, key=DEMO_TARGET)  # served where the demo is (no app rows)
    answer = ask_demo(services_for(settings, app_sessions, as_demo), "Loans per year?")

    prompt = system_prompt(fake_openai.chat_requests()[0])
    assert "read-only MySQL SELECT" in prompt
    assert "backticks" in prompt
    assert "`loans`" in answer["sql"]
    assert "DATE_FORMAT" in answer["sql"]
    yearly = "SELECT to_char(issue_date, 'YYYY'), COUNT(*) FROM loans GROUP BY 1 ORDER BY 1"
    on_postgres = run_readonly(demo_postgres, yearly, row_cap=100, timeout_seconds=15).rows
    assert normalise(answer["rows"], True) == normalise(on_postgres, True)
