"""The question workspace: ask (typed or spoken), see SQL, table, chart and insights.

Handlers are plain functions of the client and their inputs; ``build`` only wires them.
Per-visitor data lives in gr.State / the browser session, never in module globals.
"""

from __future__ import annotations

import csv
import functools
import io
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from frontend.api_client import BackendClient, Examples, Identity, QueryResult, Quota, Timings
from frontend.charts import ChartSpecError, build_figure
from frontend.errors import BackendError, friendly_message
from frontend.plain_text import markdown_text, spreadsheet_safe
from frontend.session import Session, after_error, anonymous, call_signed_in, signed_in
from frontend.shell import TAB_SIGNIN, Shell

PAGE_SIZE = 25
DEMO_CONNECTION = "demo"
DEMO_CHOICE = ("Demo: loans database", DEMO_CONNECTION)
_STEPS = (("SQL", "sql_ms"), ("Run", "run_ms"), ("Chart", "chart_ms"), ("Insights", "insights_ms"))
CSV_KEEP_SECONDS = 3600

Call = Callable[[Identity], QueryResult]


# --- plain handlers ---------------------------------------------------------------------
def progress_line(done: int, timings: Timings | None = None) -> str:
    """One line per run: finished steps with the backend's timing, the current one pending."""
    parts = []
    for index, (label, field) in enumerate(_STEPS):
        if index < done:
            took = f" {getattr(timings, field):.0f} ms" if timings else ""
            parts.append(f"✓ {label}{took}")
        elif index == done:
            parts.append(f"▸ {label}…")
        else:
            parts.append(f"○ {label}")
    if done >= len(_STEPS) and timings:
        parts.append(f"total {timings.total_ms:.0f} ms")
    return " · ".join(parts)


def quota_text(quota: Quota, *, is_signed_in: bool) -> str:
    if quota.remaining is None:
        return ""
    if not is_signed_in:
        if quota.remaining <= 0:
            return "You've used your free demo question — sign up free for 100 a month."
        return f"{quota.remaining} free demo question left — no account needed."
    plural = "" if quota.remaining == 1 else "s"
    return f"{quota.remaining} question{plural} left this month"


def table_page(result: dict[str, Any] | None, page: int) -> tuple[dict[str, Any], str, int]:
    """Rows of ``page`` (1-based, clamped) as Dataframe data, a label, and the page shown."""
    if not result:
        return {"headers": [], "data": []}, "", 1
    rows = result["rows"]
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(1, page), pages)
    start = (page - 1) * PAGE_SIZE
    label = (
        f"Rows {start + 1}–{min(start + PAGE_SIZE, len(rows))} of {len(rows)} · page {page}/{pages}"
        if rows
        else "No rows matched."
    )
    return {"headers": result["columns"], "data": rows[start : start + PAGE_SIZE]}, label, page


def truncation_notice(result: QueryResult) -> str:
    if not result.truncated:
        return ""
    cap = result.row_cap or len(result.rows)
    return (
        f"⚠ Showing the first {cap:,} rows — the result was cut at the row cap. "
        "Add a filter or an aggregate to see everything."
    )


def insights_markdown(result: QueryResult) -> str:
    """Our headings around the model's and the data's text, which is shown as plain text."""
    lines = [markdown_text(result.explanation)] if result.explanation else []
    if result.insights:
        lines += ["### Insights", *[f"- {markdown_text(item)}" for item in result.insights]]
    if result.recommendations:
        lines += [
            "### Recommendations",
            *[f"- {markdown_text(item)}" for item in result.recommendations],
        ]
    return "\n".join(lines)


def chart_for(result: QueryResult) -> tuple[Any, str]:
    """The figure, or None plus a short note when the spec can't be drawn from this result."""
    spec = result.chart.model_dump() if result.chart else None
    try:
        return build_figure(spec, result.columns, result.rows), ""
    except ChartSpecError as error:
        return None, f"No chart for this result ({error})."


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


def connection_choices(
    client: BackendClient, session: Session
) -> tuple[list[tuple[str, str]], Session]:
    """The demo database, plus the signed-in user's own connections (and the session)."""
    if not signed_in(session):
        return [DEMO_CHOICE], session
    try:
        connections, session = call_signed_in(client, session, client.list_connections)
    except BackendError as error:
        return [DEMO_CHOICE], after_error(session, error)
    own = [(f"{item.name} ({item.dialect})", item.id) for item in connections]
    return [DEMO_CHOICE, *own], session


def transcribe(
    client: BackendClient, session: Session, audio_path: str | None, question: str
) -> tuple[str, str, Session]:
    """Recorded audio → text in the question box (or the box unchanged plus a message)."""
    if not audio_path:
        return question, "", session
    try:
        text, session = call_signed_in(
            client, session, lambda who: client.transcribe(who, audio_path)
        )
    except BackendError as error:
        return question, friendly_message(error), after_error(session, error)
    return text, "Transcribed — check the text, then press Analyze.", session


def send_feedback(
    client: BackendClient, session: Session, result: dict[str, Any] | None, value: int
) -> tuple[str, Session]:
    if not signed_in(session):
        return "Sign in to rate answers.", session
    if not result:
        return "Ask a question first.", session
    try:
        _, session = call_signed_in(
            client, session, lambda who: client.feedback(who, result["id"], value)
        )
    except BackendError as error:
        return markdown_text(friendly_message(error)), after_error(session, error)
    return ("Thanks — feedback saved." if value else "Feedback cleared."), session


def csv_text(columns: list[str], rows: list[list[Any]]) -> str:
    """The shown rows as CSV, every text cell (header too) safe to open in a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([spreadsheet_safe(name) for name in columns])
    writer.writerows([spreadsheet_safe(value) for value in row] for row in rows)
    return buffer.getvalue()


def csv_file(
    client: BackendClient, session: Session, result: dict[str, Any] | None
) -> tuple[str | None, Session]:
    """Path of a CSV of the result: the backend's full export when signed in, else the shown
    rows (the anonymous demo question has no history to export from)."""
    if not result:
        return None, session
    if signed_in(session):
        content, session = call_signed_in(
            client, session, lambda who: client.history_csv(who, result["id"])
        )
    else:
        content = csv_text(result["columns"], result["rows"]).encode()
    folder = csv_folder()
    cutoff = time.time() - CSV_KEEP_SECONDS
    for old in folder.glob("*.csv"):  # Gradio serves its own copy; ours are short-lived
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    path = folder / f"result-{result['id']}.csv"
    path.write_bytes(content)
    return str(path), session


@functools.cache
def csv_folder() -> Path:
    """One private temporary folder per process for CSV files (no per-user data kept)."""
    return Path(tempfile.mkdtemp(prefix="eaa-csv-"))


def query_call(client: BackendClient, request: dict[str, Any]) -> Call:
    """The backend call for a recorded request (a question or SQL, on one connection)."""
    return lambda who: client.query(
        who,
        connection_id=request["connection_id"],
        conversation_id=request.get("conversation_id"),
        **{request["field"]: request["text"]},
    )


def enable_tables(
    client: BackendClient, session: Session, connection_id: str, tables: list[str]
) -> Session:
    """Switch ``tables`` on for the connection, keeping the ones already enabled."""

    def switch_on(who: Identity) -> None:
        connection = client.get_connection(who, connection_id)
        enabled = {table.name for table in connection.tables if table.enabled} | set(tables)
        client.set_enabled_tables(who, connection_id, sorted(enabled))

    _, session = call_signed_in(client, session, switch_on)
    return session


# --- wiring -----------------------------------------------------------------------------
@dataclass
class ResultView:
    """The components a query result renders into (shared with the History tab's re-run)."""

    status: gr.Markdown
    message: gr.Markdown
    sql: gr.Code
    table: gr.Dataframe
    page_label: gr.Markdown
    notice: gr.Markdown
    chart: gr.Plot
    insights: gr.Markdown
    csv: gr.DownloadButton
    quota: gr.Markdown
    signup: gr.Column
    enable: gr.Button
    result: gr.State
    page: gr.State
    conversation: gr.State
    pending: gr.State

    def outputs(self, shell: Shell) -> list[Any]:
        return [
            self.status,
            self.message,
            self.sql,
            self.table,
            self.page_label,
            self.notice,
            self.chart,
            self.insights,
            self.csv,
            self.quota,
            self.signup,
            self.enable,
            self.result,
            self.page,
            self.conversation,
            self.pending,
            shell.session,
            shell.tabs,
        ]

    def run(
        self,
        client: BackendClient,
        shell: Shell,
        session: Session,
        call: Call,
        request: dict[str, Any] | None = None,
    ) -> Iterator[dict[Any, Any]]:
        """Steps of one query as successive UI updates (SQL → run → chart → insights).

        ``request`` (what was asked, where) lets a refusal over disabled tables offer to
        enable them and ask again."""
        # Every yield names the session: a browser-state output left out of a partial update
        # would be overwritten in the browser by the update marker itself.
        yield {
            shell.session: session,
            self.status: progress_line(0),
            self.message: "",
            self.notice: "",
            self.chart: None,
            self.insights: "",
            self.csv: gr.DownloadButton(value=None, visible=False),
            self.signup: gr.Column(visible=False),
            self.enable: gr.Button(visible=False),
        }
        try:
            result, session = call_signed_in(client, session, call)
        except BackendError as error:
            yield self.failure(shell, session, error, request)
            return
        stored = result.model_dump(mode="json")
        data, label, page = table_page(stored, 1)
        # Each step's update carries everything shown so far: Gradio may skip an intermediate
        # yield when the browser lags behind, and the last one must then still show it all.
        shown: dict[Any, Any] = {
            shell.session: session,
            self.status: progress_line(2, result.timings),
            self.sql: result.sql,
            self.table: data,
            self.page_label: label,
            self.notice: truncation_notice(result),
            self.result: stored,
            self.page: page,
            self.conversation: result.conversation_id,
        }
        yield dict(shown)
        figure, chart_note = chart_for(result)
        shown |= {self.status: progress_line(3, result.timings), self.chart: figure}
        yield dict(shown)
        shown |= {
            self.status: progress_line(4, result.timings),
            self.insights: insights_markdown(result)
            + (f"\n\n_{chart_note}_" if chart_note else ""),
            self.quota: quota_text(result.quota, is_signed_in=signed_in(session)),
        }
        yield dict(shown)

    def wire(
        self,
        client: BackendClient,
        shell: Shell,
        trigger: Callable[..., Any],
        handler: Callable[..., Iterator[dict[Any, Any]]],
        inputs: list[Any],
        api_name: str | None,
    ) -> None:
        """Run ``handler`` into this view, then prepare the CSV download in the background."""

        def prepare_csv(session: Session, current: dict[str, Any] | None) -> Any:
            try:
                path, session = csv_file(client, session, current)
            except BackendError as error:
                hidden = gr.DownloadButton(visible=False)
                message = markdown_text(friendly_message(error))
                return hidden, f"⚠ {message}", after_error(session, error)
            return gr.DownloadButton(value=path, visible=path is not None), gr.skip(), session

        event = trigger(
            handler,
            inputs=inputs,
            outputs=self.outputs(shell),
            api_name=api_name,
            api_visibility="public" if api_name else "private",
        ).then(
            prepare_csv,
            inputs=[shell.session, self.result],
            outputs=[self.csv, self.message, shell.session],
            api_visibility="private",
        )
        shell.changes_session(event)

    def failure(
        self,
        shell: Shell,
        session: Session,
        error: BackendError,
        request: dict[str, Any] | None = None,
    ) -> dict[Any, Any]:
        update: dict[Any, Any] = {
            shell.session: after_error(session, error),
            self.status: "",
            self.message: f"⚠ {markdown_text(friendly_message(error))}",
            self.signup: gr.Column(visible=error.wants_signup),
        }
        tables = [str(name) for name in error.extra.get("tables", [])]
        if error.code == "table_disabled" and tables and request:
            update[self.pending] = {**request, "tables": tables}
            label = f"Enable {', '.join(tables)} and ask again"
            update[self.enable] = gr.Button(label, visible=True)
        if error.session_expired:
            update[shell.tabs] = gr.Tabs(selected=TAB_SIGNIN)
        return update


@dataclass(frozen=True)
class WorkspacePage:
    view: ResultView
    connection: gr.Dropdown


def build(client: BackendClient, shell: Shell) -> WorkspacePage:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=320):
            question = gr.Textbox(
                label="Your question",
                placeholder="e.g. What is the default rate by grade?",
                lines=2,
                max_lines=6,
                max_length=2000,
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
            audio = gr.Audio(
                sources=["microphone"], type="filepath", label="Or say it", elem_id="mic"
            )
            quota = gr.Markdown(elem_id="quota")
        with gr.Column(scale=2, min_width=280):
            examples = gr.Radio(choices=[], label="Example questions", elem_id="examples")
            with gr.Accordion("About the demo data", open=False):
                info = gr.Markdown(elem_id="demo-info")
    status = gr.Markdown(elem_id="run-status")
    message = gr.Markdown(elem_id="message")
    with gr.Column(visible=False, elem_id="signup-prompt") as signup:
        gr.Markdown(
            "### Enjoyed your free question?\nCreate a free account for 100 questions a month, "
            "your own database, history and CSV exports."
        )
        signup_button = gr.Button("Sign up free", variant="primary", elem_id="signup-cta")
    enable = gr.Button(visible=False, variant="primary", elem_id="enable-tables")
    sql = gr.Code(
        language="sql", label="SQL (editable)", interactive=True, wrap_lines=True, elem_id="sql"
    )
    with gr.Row():
        run_sql = gr.Button("Run edited SQL", elem_id="run-sql")
        new_conversation = gr.Button("New conversation", elem_id="new-conversation")
        csv_button = gr.DownloadButton("Download CSV", visible=False, elem_id="csv")
    notice = gr.Markdown(elem_id="truncated")
    table = gr.Dataframe(label="Result", interactive=False, max_height=480, elem_id="result")
    with gr.Row():
        previous_page = gr.Button("◀ Previous", size="sm", elem_id="prev-page")
        page_label = gr.Markdown(elem_id="page-label")
        next_page = gr.Button("Next ▶", size="sm", elem_id="next-page")
    chart = gr.Plot(label="Chart", elem_id="chart")
    insights = gr.Markdown(elem_id="insights")
    with gr.Row():
        thumbs_up = gr.Button("▲ Helpful", size="sm", elem_id="thumbs-up")
        thumbs_down = gr.Button("▼ Not helpful", size="sm", elem_id="thumbs-down")
    result = gr.State(None)
    page = gr.State(1)
    conversation = gr.State(None)
    pending = gr.State(None)

    view = ResultView(
        status, message, sql, table, page_label, notice, chart, insights, csv_button, quota,
        signup, enable, result, page, conversation, pending,
    )  # fmt: skip

    query_inputs = [shell.session, question, connection, conversation]
    sql_inputs = [shell.session, sql, connection, conversation]

    def asker(field: str, empty: str) -> Callable[..., Iterator[dict[Any, Any]]]:
        """A handler sending the box's text as ``field`` ("question" or "sql")."""

        def handler(
            session: Session, text: str, target: str, conversation_id: str | None
        ) -> Iterator[dict[Any, Any]]:
            if not (text or "").strip():
                yield {message: f"⚠ {empty}", shell.session: session}
                return
            request = {
                "field": field,
                "text": text,
                "connection_id": target,
                "conversation_id": conversation_id,
            }
            yield from view.run(client, shell, session, query_call(client, request), request)

        return handler

    ask = asker("question", "Type or say a question first.")
    run_edited = asker("sql", "There is no SQL to run yet.")
    view.wire(client, shell, analyze.click, ask, query_inputs, "analyze")
    view.wire(client, shell, question.submit, ask, query_inputs, None)
    view.wire(client, shell, run_sql.click, run_edited, sql_inputs, "run_sql")

    def enable_and_retry(
        session: Session, request: dict[str, Any] | None
    ) -> Iterator[dict[Any, Any]]:
        if not request:
            yield {message: "⚠ Nothing to retry.", shell.session: session}
            return
        try:
            session = enable_tables(client, session, request["connection_id"], request["tables"])
        except BackendError as error:
            yield view.failure(shell, session, error)
            return
        yield from view.run(client, shell, session, query_call(client, request), request)

    view.wire(
        client, shell, enable.click, enable_and_retry, [shell.session, pending], "enable_tables"
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
        return gr.Radio(choices=questions), panel, session

    shell.changes_session(
        shell.app.load(
            on_load, inputs=shell.session, outputs=[examples, info, shell.session], api_name="init"
        )
    )
    return WorkspacePage(view, connection)
