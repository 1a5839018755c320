"""The signed-in user's history: list, feedback, re-run and CSV export (thin; rules in
``history.service``)."""

from __future__ import annotations

from typing import Annotated, Literal

from contract.ask import Answer
from contract.history import HistoryPage
from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from backend.api.deps import CurrentPrincipal, CurrentUser, DbSession, ServicesDep
from backend.api.errors import documented
from backend.ask.router import ASK_ERRORS
from backend.ask.service import ask, services_for
from backend.history import service

router = APIRouter(prefix="/history", tags=["history"])

SIGNED_IN = documented(e401="unauthorized / invalid_token: sign in first")
ITEM = documented(
    e401="unauthorized / invalid_token: sign in first",
    e404="not_found: no such history item for this account",
)


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


@router.post("/{item_id}/rerun", response_model=Answer, responses=ASK_ERRORS)
def rerun(
    item_id: str, user: CurrentUser, principal: CurrentPrincipal, services: ServicesDep
) -> Answer:
    """The stored SQL, asked again through the same pipeline as ``POST /api/query``."""
    payload = service.rerun_input(services.sessions, user.user_id, item_id)
    return ask(services_for(services), principal, payload)


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
