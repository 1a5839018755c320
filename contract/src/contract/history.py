"""The signed-in user's past questions."""

from __future__ import annotations

from typing import Literal

from contract.ask import Chart
from contract.base import ApiModel


class HistoryItem(ApiModel):
    id: str
    question: str | None
    sql: str | None
    row_count: int
    truncated: bool
    status: Literal["ok", "error"]
    created_at: str
    connection_id: str
    conversation_id: str | None
    chart: Chart | None
    feedback: Literal[1, -1, 0]


class HistoryPage(ApiModel):
    items: list[HistoryItem]
    page: int
    page_size: int
    total: int
