"""The signed-in user's history: list, feedback, re-run and CSV export (thin; rules in
services.history)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from backend.api.deps import CurrentUser, DbSession, SettingsDep
from backend.api.routes.query import Answer, QueryBody, query
from backend.core.errors import InvalidInput
from backend.services import history
from backend.services.targets import DEMO_TARGET

router = APIRouter(prefix="/history", tags=["history"])


class Feedback(BaseModel):
    value: Literal[1, -1, 0]


@router.get("")
def list_history(
    user: CurrentUser,
    session: DbSession,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    return history.page(session, str(user.user_id), page=page, page_size=page_size)


@router.put("/{item_id}/feedback", status_code=204)
def feedback(item_id: str, body: Feedback, user: CurrentUser, session: DbSession) -> Response:
    history.set_feedback(session, str(user.user_id), item_id, body.value)
    return Response(status_code=204)


@router.post("/{item_id}/rerun", response_model=Answer)
def rerun(item_id: str, user: CurrentUser, request: Request, session: DbSession) -> Answer:
    """The stored SQL, asked again through the same pipeline as ``POST /api/query``."""
    record = history.owned(session, str(user.user_id), item_id)
    if not record.sql:
        raise InvalidInput("This history item has no SQL to run again.")
    body = QueryBody(
        sql=record.sql,
        connection_id=record.connection_id or DEMO_TARGET,
        conversation_id=record.conversation_id,
    )
    return query(body, user, request)


@router.get(
    "/{item_id}/csv",
    response_class=StreamingResponse,
    responses={200: {"description": "the answer's rows as CSV", "content": {"text/csv": {}}}},
)
def csv_export(
    item_id: str, user: CurrentUser, request: Request, session: DbSession, settings: SettingsDep
) -> StreamingResponse:
    user_id = str(user.user_id)
    targets = history.TargetSource(
        demo=request.app.state.demo.target,
        connection=lambda cid: request.app.state.connections.target(session, user_id, cid),
    )
    lines = history.export_csv(session, settings, targets, user_id, item_id)
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="answer-{item_id[:8]}.csv"'},
    )
