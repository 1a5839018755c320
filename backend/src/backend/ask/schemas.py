"""The body of ``POST /api/query`` and the question as the pipeline takes it (the answer's
shape lives in the shared contract)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic.config import JsonDict

from backend.core.config import QUESTION_CHARS_CEILING, SQL_CHARS_CEILING, Settings
from backend.core.errors import InvalidInput
from backend.targets.target import DEMO_TARGET

ID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

_EXACTLY_ONE: JsonDict = {
    "oneOf": [
        {
            "required": ["question"],
            "properties": {"question": {"type": "string"}, "sql": {"type": "null"}},
        },
        {
            "required": ["sql"],
            "properties": {"sql": {"type": "string"}, "question": {"type": "null"}},
        },
    ]
}


class QueryBody(BaseModel):
    """Exactly one of ``question`` and ``sql``. Lengths beyond what any setting allows are
    refused here; the configured limits (MAX_QUESTION_CHARS, MAX_SQL_CHARS) by the service."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_EXACTLY_ONE)

    question: Annotated[str, StringConstraints(max_length=QUESTION_CHARS_CEILING)] | None = None
    sql: Annotated[str, StringConstraints(max_length=SQL_CHARS_CEILING)] | None = None
    connection_id: Annotated[str, StringConstraints(pattern=rf"^demo$|{ID_PATTERN}")] = "demo"
    conversation_id: Annotated[str, StringConstraints(pattern=ID_PATTERN)] | None = None


@dataclass(frozen=True)
class AskInput:
    question: str | None
    sql: str | None
    connection_id: str = DEMO_TARGET
    conversation_id: str | None = None
    # A re-run's original question: the stored SQL runs as given, and the answer and its
    # history row still say what was asked.
    asked_as: str | None = None

    @property
    def shown_question(self) -> str | None:
        return self.question if self.question is not None else self.asked_as


def validate_input(settings: Settings, payload: AskInput) -> AskInput:
    """Exactly one of question/SQL, non-blank, within the configured lengths."""
    question = payload.question.strip() if payload.question is not None else None
    sql = payload.sql.strip() if payload.sql is not None else None
    if (question is None) == (sql is None):
        raise InvalidInput("Send either a question or SQL to run, not both and not neither.")
    if question is not None:
        if not question:
            raise InvalidInput("The question is empty.")
        if len(question) > settings.max_question_chars:
            raise InvalidInput(
                f"The question is longer than {settings.max_question_chars:,} characters; "
                "please shorten it."
            )
    if sql is not None:
        if not sql:
            raise InvalidInput("The SQL is empty.")
        if len(sql) > settings.max_sql_chars:
            raise InvalidInput(
                f"The SQL is longer than {settings.max_sql_chars:,} characters; please shorten it."
            )
    return AskInput(question, sql, payload.connection_id, payload.conversation_id, payload.asked_as)
