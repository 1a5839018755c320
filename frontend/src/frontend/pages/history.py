"""The History tab: the signed-in user's past questions, paged, each re-runnable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gradio as gr
from contract.history import HistoryPage

from frontend.api_client import BackendClient
from frontend.errors import BackendError, friendly_message
from frontend.session import (
    EXPIRED_NOTICE,
    Session,
    after_error,
    anonymous,
    call_signed_in,
    signed_in,
)
from frontend.shell import TAB_SIGNIN, TAB_WORKSPACE, Shell
from frontend.views.result import ResultView

PAGE_SIZE = 10
HEADERS = ["When", "Question", "Rows", "Status", "Feedback"]
_FEEDBACK = {1: "▲", -1: "▼"}


def history_rows(page: HistoryPage) -> list[list[Any]]:
    return [
        [
            item.created_at.replace("T", " ")[:16],
            item.question or (item.sql or "")[:80],
            item.row_count if item.row_count is not None else "",
            item.status + (" (truncated)" if item.truncated else ""),
            _FEEDBACK.get(item.feedback or 0, ""),
        ]
        for item in page.items
    ]


def load_page(
    client: BackendClient, session: Session | None, page: int
) -> tuple[dict[str, Any], str, int, list[tuple[str, str]], Session]:
    """(table, label, page shown, re-run choices, session); signed-out visitors get a hint."""
    empty = {"headers": HEADERS, "data": []}
    if not signed_in(session):
        return empty, "Sign in to keep a history of your questions.", 1, [], anonymous(session)
    page = max(1, page)
    try:
        listing, session = call_signed_in(
            client, session, lambda who: client.history(who, page=page, page_size=PAGE_SIZE)
        )
    except BackendError as error:
        return empty, f"⚠ {friendly_message(error)}", page, [], after_error(session, error)
    pages = max(1, -(-listing.total // PAGE_SIZE))
    label = f"{listing.total} questions · page {listing.page}/{pages}"
    choices = [
        (f"{item.created_at[:16]} · {item.question or 'SQL'}", str(item.id))
        for item in listing.items
    ]
    return (
        {"headers": HEADERS, "data": history_rows(listing)},
        label,
        listing.page,
        choices,
        session,
    )


def build(client: BackendClient, shell: Shell, view: ResultView, tab: gr.Tab) -> None:
    page = gr.State(1)
    with gr.Row():
        refresh = gr.Button("↻ Refresh", size="sm", elem_id="history-refresh")
        previous_page = gr.Button("◀ Newer", size="sm", elem_id="history-prev")
        label = gr.Markdown(elem_id="history-label")
        next_page = gr.Button("Older ▶", size="sm", elem_id="history-next")
    table = gr.Dataframe(
        headers=HEADERS, interactive=False, max_height=520, wrap=True, elem_id="history"
    )
    with gr.Row():
        item = gr.Dropdown(
            choices=[], label="Pick a question to re-run", scale=4, elem_id="history-item"
        )
        rerun = gr.Button("Re-run", variant="primary", scale=1, elem_id="history-rerun")

    def show(session: Session | None, shown: int, step: int) -> Any:
        data, text, current, choices, session = load_page(client, session, shown + step)
        expired = session.get("notice") == EXPIRED_NOTICE
        nav = gr.Tabs(selected=TAB_SIGNIN) if expired else gr.skip()
        return data, text, current, gr.Dropdown(choices=choices, value=None), session, nav

    outputs = [table, label, page, item, shell.session, shell.tabs]
    for trigger, step, name in (
        (refresh.click, 0, "history"),
        (previous_page.click, -1, "history_newer"),
        (next_page.click, 1, "history_older"),
    ):
        shell.changes_session(
            trigger(
                lambda session, shown, step=step: show(session, shown, step),
                inputs=[shell.session, page],
                outputs=outputs,
                api_name=name,
            )
        )
    shell.changes_session(
        tab.select(
            lambda session: show(session, 1, 0),
            inputs=shell.session,
            outputs=outputs,
            api_visibility="private",
        )
    )

    def rerun_item(session: Session, history_id: str | None) -> Iterator[dict[Any, Any]]:
        if not history_id:
            yield {view.message: "⚠ Pick a question from the list first.", shell.session: session}
            return
        yield {shell.tabs: gr.Tabs(selected=TAB_WORKSPACE), shell.session: session}
        yield from view.run(client, shell, session, lambda who: client.rerun(who, history_id))

    view.wire(rerun.click, shell, rerun_item, [shell.session, item], "rerun")
