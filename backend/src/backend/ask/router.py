"""Ask a question (or run edited SQL), and the demo's example questions (thin; rules in
``ask.service``)."""

from __future__ import annotations

from contract.ask import Answer, ExampleDatabase, Examples, ExampleTable
from fastapi import APIRouter

from backend.api.deps import CurrentPrincipal, ServicesDep
from backend.api.errors import documented
from backend.ask.schemas import AskInput, QueryBody
from backend.ask.service import ask, services_for
from backend.demo import catalogue

router = APIRouter(tags=["ask"])

ASK_ERRORS = documented(
    e400="sql_refused: the SQL is not a single read-only query",
    e401="unauthorized / invalid_token: the bearer token is not valid",
    e402="quota_exceeded (anonymous visitors also get signup: true)",
    e403="signup_required: anonymous visitors may only use the demo",
    e404="not_found: no such connection or conversation for this account",
    e409="table_disabled: the query needs tables switched off (see tables)",
    e413="payload_too_large: the body exceeds MAX_BODY_BYTES",
    e422="invalid_input, unanswerable, query_failed or query_timeout (the detail says which)",
    e502="llm_failed: the language model gave no usable answer",
    e503="database_unreachable or demo_unavailable: retry shortly (see Retry-After)",
)


@router.post("/query", response_model=Answer, responses=ASK_ERRORS)
def query(body: QueryBody, principal: CurrentPrincipal, services: ServicesDep) -> Answer:
    payload = AskInput(body.question, body.sql, body.connection_id, body.conversation_id)
    return ask(services_for(services), principal, payload)


@router.get("/examples", response_model=Examples)
def examples() -> Examples:
    tables = [
        ExampleTable(
            name=name,
            description=catalogue.TABLE_DESCRIPTIONS.get(name, ""),
            columns=[column.name for column in columns],
        )
        for name, columns in catalogue.TABLES.items()
    ]
    database = ExampleDatabase(
        name=catalogue.DEMO_NAME, description=catalogue.DEMO_DESCRIPTION, tables=tables
    )
    return Examples(database=database, questions=list(catalogue.EXAMPLE_QUESTIONS))
