"""The body of ``POST /api/query``; the answer's shape lives in the shared contract."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic.config import JsonDict

from backend.core.config import QUESTION_CHARS_CEILING, SQL_CHARS_CEILING

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
