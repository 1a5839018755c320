"""The question workspace: ask (typed or spoken), see SQL, table, chart and insights.

Handlers are plain functions of the client and their inputs; ``build`` only wires them.
Per-visitor data lives in gr.State / the browser session, never in module globals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr
from contract.ask import DEMO_CONNECTION, Answer, Examples
from contract.plans import Limits

from frontend.api_client import BackendClient, Identity
from frontend.errors import BackendError, friendly_message
from frontend.plain_text import markdown_text
from frontend.session import Session, after_error, anonymous, call_signed_in, signed_in
from frontend.shell import TAB_SIGNIN, Shell
from frontend.views.account import DEMO_CHOICE
from frontend.views.result import DOWNLOAD_ID, AskRequest, ResultView, table_page


def signup_pitch(limits: Limits | None) -> str:
    monthly = f"{limits.free_monthly_quota} questions a month" if limits else "more questions"
    return (
        f"### Enjoyed your free question?\nCreate a free account for {monthly}, your own "
        "databases, history and CSV exports."
    )


def examples_panel(examples: Examples) -> str:
    database = examples.database
    tables = "\n".join(
        f"- **{table.name}** — {table.description or ', '.join(table.columns[:8])}"
        for table in database.tables
    )
    return f"**{database.name}** — {database.description}\n\n{tables}"


def load_examples(client: BackendClient) -> tuple[list[str], str]:
    """Example questions and the demo info panel; a friendly line if the backend can't say."""
    try:
        examples = client.examples()
    except BackendError as error:
        return [], markdown_text(friendly_message(error))
    return examples.questions, examples_panel(examples)


def has_text(session: Session, text: str | None, *_: Any) -> bool:
    """Whether the box holds something to send (the inputs of an ask, from the session on)."""
    return bool((text or "").strip())


def transcribe(
    client: BackendClient, session: Session, audio_path: str | None, question: str
) -> tuple[str, str, Session]:
    """Recorded audio → text in the question box (or the box unchanged plus a message)."""
    if not audio_path:
        return question, "", session
    if not signed_in(session):
        return question, "Sign in to use voice input — or type your question.", session
    try:
        text, session = call_signed_in(
            client, session, lambda who: client.transcribe(who, audio_path)
        )
    except BackendError as error:
        return question, friendly_message(error), after_error(session, error)
    return text, "Transcribed — check the text, then press Analyze.", session


def send_feedback(
    client: BackendClient, session: Session, answer: Answer | None, value: int
) -> tuple[str, Session]:
    if not signed_in(session):
        return "Sign in to rate answers.", session
    if answer is None:
        return "Ask a question first.", session
    try:
        _, session = call_signed_in(
            client, session, lambda who: client.feedback(who, answer.id, value)
        )
    except BackendError as error:
        return markdown_text(friendly_message(error)), after_error(session, error)
    return ("Thanks — feedback saved." if value else "Feedback cleared."), session


def enable_tables(
    client: BackendClient, session: Session, connection_id: str, tables: tuple[str, ...]
) -> Session:
    """Switch ``tables`` on for the connection, keeping the ones already enabled."""

    def switch_on(who: Identity) -> None:
        connection = client.get_connection(who, connection_id)
        enabled = {table.name for table in connection.tables if table.enabled} | set(tables)
        client.set_enabled_tables(who, connection_id, sorted(enabled))

    _, session = call_signed_in(client, session, switch_on)
    return session


@dataclass(frozen=True)
class WorkspacePage:
    view: ResultView
    connection: gr.Dropdown
    question: gr.Textbox  # its length limit comes from the backend's plans on page load
    pitch: gr.Markdown


def build(client: BackendClient, shell: Shell) -> WorkspacePage:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=320):
            question = gr.Textbox(
                label="Your question",
                placeholder="e.g. What is the default rate by grade?",
                lines=2,
                max_lines=6,
                elem_id="question",
            )
            with gr.Row():
                connection = gr.Dropdown(
                    choices=[DEMO_CHOICE],
                    value=DEMO_CONNECTION,
                    label="Database",
                    # The backend authorises the id; this keeps a connection added a moment
                    # ago (before the list refreshed, or in another tab) usable.
                    allow_custom_value=True,
                    scale=3,
                    elem_id="connection",
                )
                analyze = gr.Button("Analyze", variant="primary", scale=1, elem_id="analyze")
                stop = gr.Button("Stop", variant="stop", scale=1, visible=False, elem_id="stop")
            audio = gr.Audio(
                sources=["microphone"], type="filepath", label="Or say it", elem_id="mic"
            )
            quota = gr.Markdown(elem_id="quota")
        # Open until a question is asked, then folded: on a phone the answer comes next.
        with (
            gr.Column(scale=2, min_width=280),
            gr.Accordion("Example questions", open=True, elem_id="examples-panel") as tips,
        ):
            examples = gr.Dropdown(
                choices=[], label="Pick one to ask", show_label=False, elem_id="examples"
            )
            with gr.Accordion("About the demo data", open=False):
                info = gr.Markdown(elem_id="demo-info")
    message = gr.Markdown(elem_id="message")
    with gr.Column(visible=False, elem_id="signup-prompt") as signup:
        pitch = gr.Markdown(signup_pitch(None))
        signup_button = gr.Button("Sign up free", variant="primary", elem_id="signup-cta")
    enable = gr.Button(visible=False, variant="primary", elem_id="enable-tables")
    # The answer first: its number or headline (above the steps' times, so that on a phone it
    # is on the first screen) and the chart, then the table, then the SQL.
    headline = gr.HTML(elem_id="headline")
    status = gr.Markdown(elem_id="run-status")
    chart = gr.Plot(label="Chart", elem_id="chart")
    notice = gr.Markdown(elem_id="truncated")
    table = gr.Dataframe(label="Result", interactive=False, max_height=480, elem_id="result")
    with gr.Row():
        previous_page = gr.Button("◀ Previous", size="sm", elem_id="prev-page")
        page_label = gr.Markdown(elem_id="page-label")
        next_page = gr.Button("Next ▶", size="sm", elem_id="next-page")
        download = gr.Button("Download CSV", size="sm", visible=False, elem_id="csv")
        csv_file = gr.DownloadButton("CSV", elem_id=DOWNLOAD_ID)
    insights = gr.Markdown(elem_id="insights")
    with gr.Row():
        thumbs_up = gr.Button("▲ Helpful", size="sm", elem_id="thumbs-up")
        thumbs_down = gr.Button("▼ Not helpful", size="sm", elem_id="thumbs-down")
        rerun = gr.Button("↻ Re-run", size="sm", visible=False, elem_id="rerun")
    with gr.Accordion("Show SQL", open=False, elem_id="sql-panel") as sql_panel:
        sql = gr.Code(
            language="sql",
            label="SQL (editable)",
            interactive=True,
            wrap_lines=True,
            elem_id="sql",
        )
        columns = gr.Markdown(elem_id="sql-columns")
        with gr.Row():
            run_sql = gr.Button("Run edited SQL", elem_id="run-sql")
            new_conversation = gr.Button("New conversation", elem_id="new-conversation")
    result = gr.State(None)
    page = gr.State(1)
    conversation = gr.State(None)
    pending = gr.State(None)
    ending = gr.State(None)
    running = gr.State(None)

    view = ResultView(
        status, message, sql, columns, table, page_label, notice, chart, insights, headline,
        csv_file, quota, signup, enable, download, sql_panel, result, page, conversation,
        pending, ending, stop, running, rerun, tips,
    )  # fmt: skip

    query_inputs = [shell.session, question, connection, conversation]
    sql_inputs = [shell.session, sql, connection, conversation]

    def asker(field: str, empty: str) -> Callable[..., Iterator[dict[Any, Any]]]:
        """A handler sending the box's text as ``field`` ("question" or "sql")."""

        def handler(
            session: Session, text: str, target: str, conversation_id: str | None
        ) -> Iterator[dict[Any, Any]]:
            if not has_text(session, text):
                yield {message: f"⚠ {empty}", shell.session: session, ending: None}
                return
            request = AskRequest(field, text, target, conversation_id)
            yield from view.stream(client, shell, session, request)

        return handler

    ask = asker("question", "Type or say a question first.")
    run_edited = asker("sql", "There is no SQL to run yet.")
    view.wire(analyze.click, shell, ask, query_inputs, "analyze", has_text)
    view.wire(question.submit, shell, ask, query_inputs, None, has_text)
    view.wire(run_sql.click, shell, run_edited, sql_inputs, "run_sql", has_text)
    view.wire_download(client, shell)
    view.wire_stop(client, shell)
    view.wire_rerun(client, shell)

    def enable_and_retry(session: Session, request: AskRequest | None) -> Iterator[dict[Any, Any]]:
        if request is None:
            yield {message: "⚠ Nothing to retry.", shell.session: session, ending: None}
            return
        try:
            session = enable_tables(client, session, request.connection_id, request.tables)
        except BackendError as error:
            yield view.failure(shell, session, error)
            return
        yield from view.stream(client, shell, session, request)

    view.wire(
        enable.click,
        shell,
        enable_and_retry,
        [shell.session, pending],
        "enable_tables",
        lambda session, request: request is not None,
    )

    for button, step, name in ((previous_page, -1, "previous_page"), (next_page, 1, "next_page")):
        button.click(
            lambda current, shown, step=step: table_page(current, shown + step),
            inputs=[result, page],
            outputs=[table, page_label, page],
            api_name=name,
        )

    new_conversation.click(
        lambda: (None, "New conversation started — the next question starts fresh."),
        outputs=[conversation, message],
        api_name="new_conversation",
    )
    audio.stop_recording(
        lambda session, path, text: transcribe(client, session, path, text),
        inputs=[shell.session, audio, question],
        outputs=[question, message, shell.session],
        api_name="transcribe",
    )
    for button, value, name in ((thumbs_up, 1, "thumbs_up"), (thumbs_down, -1, "thumbs_down")):
        button.click(
            lambda session, current, value=value: send_feedback(client, session, current, value),
            inputs=[shell.session, result],
            outputs=[message, shell.session],
            api_name=name,
        )
    examples.input(
        lambda picked: picked, inputs=examples, outputs=question, api_visibility="private"
    )
    signup_button.click(
        lambda: gr.Tabs(selected=TAB_SIGNIN), outputs=shell.tabs, api_visibility="private"
    )

    def on_load(session: Session | None) -> Any:
        questions, panel = load_examples(client)
        session = (
            session if signed_in(session) else anonymous(session, (session or {}).get("notice", ""))
        )
        return gr.Dropdown(choices=questions, value=None), panel, session

    shell.changes_account(
        shell.app.load(
            on_load, inputs=shell.session, outputs=[examples, info, shell.session], api_name="init"
        )
    )
    return WorkspacePage(view, connection, question, pitch)
