"""Whatever words arrive, the offline engine either writes SQL that passes the guard and runs,
or says which words it could not map: never another error (which would be a 500)."""

from __future__ import annotations

from backend.core.dialects import Dialect
from backend.engines.base import Request, Unanswerable
from backend.engines.offline.engine import OfflineEngine
from backend.safety.executor import run_readonly
from backend.safety.guard import check_sql
from backend.targets.target import QueryTarget
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

VOCABULARY = [
    "how", "many", "average", "total", "sum", "max", "min", "highest", "lowest", "top", "bottom",
    "most", "least", "rate", "share", "percentage", "volume", "by", "per", "for", "each", "which",
    "what", "and", "or", "not", "only", "now", "over", "under", "above", "below", "between",
    "since", "before", "after", "in", "monthly", "quarterly", "yearly", "year", "month",
    "quarter", "loans", "loan", "borrowers", "grade", "term", "state", "purpose", "amount",
    "interest", "income", "default", "charged", "off", "paid", "verification", "status", "home",
    "ownership", "employment", "length", "dti", "A", "B", "CA", "NY", "10", "5", "2023", "2019",
    "50k", "20,000", "$100", "1.5m", "the", "of", "is", "'", ";", "--", "DROP", "%", "#", "zebra",
]  # fmt: skip


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(words=st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=9))
def test_any_question_is_answered_or_refused_by_name(
    demo_sqlite: QueryTarget, words: list[str]
) -> None:
    question = " ".join(words)
    refusal: str | None
    try:
        draft = OfflineEngine().draft(
            Request(question, demo_sqlite.enabled_schema(), Dialect.SQLITE, None)
        )
    except Unanswerable as error:
        refusal = error.detail
    else:
        refusal = None
    if refusal is not None:
        assert refusal.startswith(("I could not", "I cannot", "Say how", "'", "No tables"))
        return
    sql = check_sql(
        draft.sql,
        dialect=Dialect.SQLITE,
        enabled_tables=None,
        all_tables=[t.name for t in demo_sqlite.schema_info.tables],
    )
    result = run_readonly(demo_sqlite, sql, row_cap=50, timeout_seconds=15)
    assert result.columns
