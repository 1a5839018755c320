"""The signed-in user's history: list, feedback, open a past answer, re-run and CSV export
(thin; rules in ``history.service`` and ``history.stored``)."""

from __future__ import annotations

from typing import Annotated, Literal

from contract.ask import Answer
from contract.history import HistoryPage
from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from backend.api.deps import CurrentPrincipal, CurrentUser, DbSession, ServicesDep
from backend.api.errors import documented
from backend.api.responses import model_json
from backend.ask.router import ASK_ERRORS
from backend.ask.schemas import ID_PATTERN
from backend.ask.service import ask, services_for
from backend.history import service, stored

router = APIRouter(prefix="/history", tags=["history"])

SIGNED_IN = documented(e401="unauthorized / invalid_token: sign in first")
ITEM = documented(
    e401="unauthorized / invalid_token: sign in first",
    e404="not_found: no such history item for this account",
)


OPEN_ERRORS = documented(
    e400="sql_refused: the stored SQL no longer passes the guard",
    e401="unauthorized / invalid_token: sign in first",
    e404="not_found: no such history item (or its database) for this account",
    e409="table_disabled: the query needs tables switched off since (see tables)",
    e422="invalid_input (not an id, or no answer to open), query_failed or query_timeout",
    e503="database_unreachable or demo_unavailable: retry shortly (see Retry-After)",
)
ItemId = Annotated[str, Path(pattern=ID_PATTERN, description="a history item's id")]


class Feedback(BaseModel):
    value: Literal[1, -1, 0]


@router.get("", response_model=HistoryPage, responses=SIGNED_IN)
def list_history(
    user: CurrentUser,
    session: DbSession,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> HistoryPage:
    return service.page(session, user.user_id, page=page, page_size=page_size)


@router.put("/{item_id}/feedback", status_code=204, responses=ITEM)
def feedback(item_id: str, body: Feedback, user: CurrentUser, session: DbSession) -> Response:
    service.set_feedback(session, user.user_id, item_id, body.value)
    return Response(status_code=204)


@router.get("/{item_id}/answer", response_model=Answer, responses=OPEN_ERRORS)
def open_answer(
    item_id: ItemId, _: CurrentUser, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """A past answer as it was shown (formats, chart, explanation, insights, recommendations)
    with its rows fetched now: the stored SQL runs again read-only, through the same guard.
    Nothing is recorded or charged. Answers from before insights were kept come with the chart
    and formats worked out again and a note instead of insights."""
    return model_json(
        stored.open_answer(
            services.sessions, services.settings, services.targets, principal, item_id
        )
    )


@router.post("/{item_id}/rerun", response_model=Answer, responses=ASK_ERRORS)
def rerun(
    item_id: str, user: CurrentUser, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """The stored SQL, asked again through the same pipeline as ``POST /api/query``."""
    payload = service.rerun_input(services.sessions, user.user_id, item_id)
    return model_json(ask(services_for(services), principal, payload))


@router.get(
    "/{item_id}/csv",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "the answer's rows as CSV"},
        **ASK_ERRORS,
    },
)
def csv_export(
    item_id: str,
    principal: CurrentPrincipal,
    _: CurrentUser,
    session: DbSession,
    services: ServicesDep,
) -> StreamingResponse:
    lines = service.export_csv(session, services.settings, services.targets, principal, item_id)
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="answer-{item_id[:8]}.csv"'},
    )
