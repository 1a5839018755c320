"""The ask pipeline itself (services.ask) with the offline engine on the embedded demo: row
caps are reported, never silent; the allowance is taken only for answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from backend.ask.schemas import AskInput
from backend.ask.service import AskServices, ask
from backend.core.config import Settings
from backend.core.errors import QuotaExceeded
from backend.core.principal import Principal
from backend.data.database import make_autocommit_factory
from backend.engines.base import Unanswerable
from backend.engines.offline.engine import OfflineEngine
from backend.targets.target import QueryTarget
from devkit.targets import demo_only
from sqlalchemy.orm import Session, sessionmaker

VISITOR = Principal(user_id=None, anon_id="pipeline-visitor", client_ip="192.0.2.7")


def services(
    tmp_path: Path, sessions: sessionmaker[Session], target: QueryTarget, **kw: int
) -> AskServices:
    settings = Settings.model_validate({"data_dir": tmp_path, **kw})
    autocommit = make_autocommit_factory(sessions.kw["bind"])
    return AskServices(settings, sessions, autocommit, demo_only(target), OfflineEngine())


def test_truncation_is_reported_with_the_cap(
    tmp_path: Path, app_sessions: sessionmaker[Session], demo_sqlite: QueryTarget
) -> None:
    answer = ask(
        services(tmp_path, app_sessions, demo_sqlite, query_row_cap=25),
        VISITOR,
        AskInput(question=None, sql="SELECT loan_id, grade FROM loans"),
    )
    assert answer.truncated is True
    assert answer.row_count == 25
    assert answer.row_cap == 25
    assert len(answer.rows) == 25
    assert any("cut off" in line for line in answer.insights)


def test_only_answers_use_up_the_allowance(
    tmp_path: Path, app_sessions: sessionmaker[Session], demo_sqlite: QueryTarget
) -> None:
    pipeline = services(tmp_path, app_sessions, demo_sqlite, anonymous_free_questions=1)
    with pytest.raises(Unanswerable):
        ask(pipeline, VISITOR, AskInput(question="churn by galaxy", sql=None))
    answer = ask(pipeline, VISITOR, AskInput(question="How many loans?", sql=None))
    assert answer.rows == [[50_000]]
    assert answer.quota.model_dump() == {"remaining": 0, "limit": 1, "period": "lifetime"}
    same_address = Principal(user_id=None, anon_id="another-tab", client_ip=VISITOR.client_ip)
    with pytest.raises(QuotaExceeded) as caught:
        ask(pipeline, same_address, AskInput(question="How many loans?", sql=None))
    assert caught.value.extra["signup"] is True
