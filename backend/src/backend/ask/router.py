"""Ask a question (or run edited SQL), streamed or not, stop it, and the demo's example
questions (thin; rules in ``ask.service``)."""

from __future__ import annotations

from typing import Annotated

from contract.ask import Answer, ExampleDatabase, Examples, ExampleTable
from fastapi import APIRouter, Path, Response
from sse_starlette import EventSourceResponse

from backend.api.deps import CurrentPrincipal, ServicesDep
from backend.api.errors import documented
from backend.api.responses import model_json
from backend.ask.progress import Progress
from backend.ask.schemas import AskInput, QueryBody
from backend.ask.service import ask, services_for
from backend.ask.streaming import stream_question
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


STREAM_DESCRIPTION = """The same question as `POST /api/query`, answered as `text/event-stream`
while it runs. Refusals before it starts (input, quota, database, rate limits) answer with
their HTTP status and error body as there. Then each step is one event, in order; the
`event:` field names it and `data:` is its JSON (`contract.ask_events`):

- `accepted` `{id}`: it runs; `POST /api/query/{id}/cancel` stops it.
- `sql` `{sql, explanation, took_ms}`: the SQL the engine wrote (or yours) and its reading.
- `repair` `{failed_sql, error}`: the SQL was refused or failed and goes back to the engine
  (another `sql` follows).
- `checked` `{sql}`: the guard passed it; the statement that runs.
- `rows` `{columns, rows, row_count, truncated, formats, took_ms}`: the first rows.
- `chart` `{chart, took_ms}`: what to draw.
- `insight` `{section, index, delta}`: text being written (a preview; `done` has the final).
- `done` `{answer}`: the whole answer, as `POST /api/query` returns it; recorded and charged.
- `error` `{status, body}`: the error `POST /api/query` would answer (`cancelled` once
  stopped: recorded, not charged).

Every event also carries `elapsed_ms` since the question started. Comment lines (`: ping`)
every 15 s keep idle proxies from closing the stream. Closing the stream stops the question."""


@router.post("/query", response_model=Answer, responses=ASK_ERRORS)
def query(body: QueryBody, principal: CurrentPrincipal, services: ServicesDep) -> Response:
    payload = AskInput(body.question, body.sql, body.connection_id, body.conversation_id)
    return model_json(ask(services_for(services), principal, payload))


@router.post(
    "/query/stream",
    response_class=EventSourceResponse,
    description=STREAM_DESCRIPTION,
    responses={200: {"content": {"text/event-stream": {}}}, **ASK_ERRORS},
)
async def query_stream(
    body: QueryBody, principal: CurrentPrincipal, services: ServicesDep
) -> EventSourceResponse:
    payload = AskInput(body.question, body.sql, body.connection_id, body.conversation_id)

    def question(progress: Progress) -> Answer:
        with services.questions.track(principal, progress):
            return ask(services_for(services), principal, payload, progress)

    return await stream_question(question)


QuestionId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


@router.post(
    "/query/{question_id}/cancel",
    status_code=204,
    responses=documented(e404="not_found: no question of yours with this id is running"),
)
def cancel_query(
    question_id: QuestionId, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """Stop a streamed question of the caller's own (its id is in the `accepted` event)."""
    services.questions.cancel(principal, question_id)
    return Response(status_code=204)


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
