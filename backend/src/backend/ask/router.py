"""Ask a question (or run edited SQL), and the demo's example questions (thin; rules in
services.ask)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.config import JsonDict

from backend.api.deps import CurrentPrincipal
from backend.ask.service import Asker, AskInput, AskServices, ask
from backend.demo import data as demo_data
from backend.engines.base import Engine
from backend.safety.errors import MAX_SQL_CHARS

router = APIRouter(tags=["ask"])

_ID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
JsonScalar = str | int | float | bool | None


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
    """Exactly one of ``question`` and ``sql``; the configured limits are checked as well."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_EXACTLY_ONE)

    question: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    sql: Annotated[str, StringConstraints(max_length=MAX_SQL_CHARS)] | None = None
    connection_id: Annotated[str, StringConstraints(pattern=rf"^demo$|{_ID}")] = "demo"
    conversation_id: Annotated[str, StringConstraints(pattern=_ID)] | None = None


class Chart(BaseModel):
    type: Literal["bar", "line", "scatter", "pie", "histogram", "none"]
    x: str | None
    y: str | None
    color: str | None
    title: str


class Timings(BaseModel):
    sql_ms: float
    run_ms: float
    chart_ms: float
    insights_ms: float
    total_ms: float


class Tokens(BaseModel):
    prompt: int
    completion: int
    llm_calls: int


class Quota(BaseModel):
    remaining: int | None
    limit: int | None
    period: str


class Answer(BaseModel):
    id: str
    conversation_id: str
    question: str | None
    sql: str
    columns: list[str]
    rows: list[list[JsonScalar]]
    row_count: int
    truncated: bool
    row_cap: int
    chart: Chart | None
    explanation: str
    insights: list[str]
    recommendations: list[str]
    timings: Timings
    tokens: Tokens
    engine: Literal["offline", "openai"]
    quota: Quota


class ExampleTable(BaseModel):
    name: str
    description: str
    columns: list[str]


class ExampleDatabase(BaseModel):
    name: str
    description: str
    tables: list[ExampleTable]


class Examples(BaseModel):
    database: ExampleDatabase
    questions: list[str] = Field(min_length=1)


_ERRORS: dict[int | str, dict[str, str]] = {
    400: {"description": "sql_refused: the SQL is not a single read-only query"},
    402: {"description": "quota_exceeded (anonymous visitors also get signup: true)"},
    403: {"description": "signup_required: anonymous visitors may only use the demo"},
    404: {"description": "not_found: no such connection or conversation for this account"},
    409: {"description": "table_disabled: the query needs tables switched off (see tables)"},
    413: {"description": "payload_too_large: the body exceeds MAX_BODY_BYTES"},
    422: {"description": "invalid_input or unanswerable (the detail names what failed)"},
    502: {"description": "llm_failed: the language model gave no usable answer"},
    503: {"description": "database_unreachable: the database did not answer after retries"},
}


@router.post("/query", response_model=Answer, responses=_ERRORS)
def query(body: QueryBody, principal: CurrentPrincipal, request: Request) -> Answer:
    state = request.app.state
    engine: Engine = state.question_engine.get()
    services = AskServices(
        settings=state.settings,
        sessions=state.sessions,
        demo=state.demo.target,
        connections=getattr(state, "connections", None),
        engine=engine,
    )
    asker = Asker(principal.user_id, principal.anon_id, principal.client_ip)
    payload = AskInput(body.question, body.sql, body.connection_id, body.conversation_id)
    return Answer.model_validate(ask(services, asker, payload))


@router.get("/examples", response_model=Examples)
def examples() -> Examples:
    tables = [
        ExampleTable(
            name=name,
            description=demo_data.TABLE_DESCRIPTIONS.get(name, ""),
            columns=[column.name for column in columns],
        )
        for name, columns in demo_data.TABLES.items()
    ]
    database = ExampleDatabase(
        name=demo_data.DEMO_NAME, description=demo_data.DEMO_DESCRIPTION, tables=tables
    )
    return Examples(database=database, questions=list(demo_data.EXAMPLE_QUESTIONS))
