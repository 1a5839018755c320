"""The History tab: the signed-in user's past questions, paged; picking one opens its answer in
the Workspace (as it was shown, with today's rows), where Re-run asks it again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gradio as gr
from contract.ask import Answer
from contract.history import HistoryItem, HistoryPage

from frontend.api_client import BackendClient, Identity
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
) -> tuple[dict[str, Any], str, int, list[HistoryItem], Session]:
    """(table, label, page shown, its items, session); signed-out visitors get a hint."""
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
    if listing.items:
        label += " · pick one to open its answer"
    data = {"headers": HEADERS, "data": history_rows(listing)}
    return data, label, listing.page, listing.items, session


def opened_note(item: HistoryItem) -> str:
    """What the status line says of a past answer (its steps' times are not today's)."""
    asked = item.created_at.replace("T", " ")[:16]
    return f"Saved answer, asked {asked} · the table shows today's data · Re-run to ask again"


def build(
    client: BackendClient,
    shell: Shell,
    tab: gr.Tab,
    view: ResultView,
    asked: tuple[gr.Textbox, gr.Dropdown],
) -> None:
    """The tab's table and paging; a picked row opens in ``view``, its question and database
    put back in the Workspace's ``asked`` (question box, database picker)."""
    question, connection = asked
    page = gr.State(1)
    items = gr.State([])  # the HistoryItems of the page shown, in the table's order
    with gr.Row():
        refresh = gr.Button("↻ Refresh", size="sm", elem_id="history-refresh")
        previous_page = gr.Button("◀ Newer", size="sm", elem_id="history-prev")
        label = gr.Markdown(elem_id="history-label")
        next_page = gr.Button("Older ▶", size="sm", elem_id="history-next")
    table = gr.Dataframe(
        headers=HEADERS, interactive=False, max_height=520, wrap=True, elem_id="history"
    )

    def show(session: Session | None, shown: int, step: int) -> Any:
        data, text, current, listed, session = load_page(client, session, shown + step)
        expired = session.get("notice") == EXPIRED_NOTICE
        nav = gr.Tabs(selected=TAB_SIGNIN) if expired else gr.skip()
        return data, text, current, listed, session, nav

    outputs = [table, label, page, items, shell.session, shell.tabs]
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

    def open_item(
        session: Session, listed: list[HistoryItem], picked: gr.SelectData
    ) -> Iterator[dict[Any, Any]]:
        """The picked row's answer in the Workspace, on its database, in its conversation."""
        row = picked.index[0] if isinstance(picked.index, list | tuple) else picked.index
        if not isinstance(row, int) or not 0 <= row < len(listed):
            yield {shell.session: session}
            return
        item = listed[row]
        yield {
            shell.session: session,
            shell.tabs: gr.Tabs(selected=TAB_WORKSPACE),
            question: item.question or "",
            connection: item.connection_id,
            view.sql: item.sql or "",
        }
        if item.status != "ok":
            where = " — its SQL is under Show SQL" if item.sql else ""
            yield view.cleared(shell, session) | {
                view.message: f"⚠ This question got no answer{where}; edit it and ask again.",
                view.sql_panel: gr.Accordion(open=bool(item.sql)),
                view.table: {"headers": [], "data": []},
                view.page_label: "",
                view.result: None,
            }
            return

        def call(who: Identity) -> Answer:
            return client.history_answer(who, item.id)

        yield from view.run(client, shell, session, call, opened_note(item))

    event = table.select(
        open_item,
        inputs=[shell.session, items],
        outputs=[*view.outputs(shell), question, connection],
        api_visibility="private",
    )
    shell.changes_session(event)
