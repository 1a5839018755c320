"""The result view shared by the Workspace and History tabs: steps, SQL, table, chart, insights
and the CSV download. Handlers are plain functions of the client and their inputs.

The CSV is made only when the visitor clicks Download (one more run of the SQL on their
database, through the backend's guarded export), never in advance.

A question from the Workspace is streamed (``stream``): SQL, table, chart and insights appear
as the backend finishes each, each step with its own time, and Stop ends it. A past answer
opened from History, and its Re-run, are one call each (``run``). All end in the same drawing
of the whole answer.

Gradio rebuilds every output an update leaves out (a new component and its config, about a
millisecond each), so a streamed question's updates name only the answer's own parts: the
controls around it (Stop, Download, Show SQL, the sign-up and enable prompts) are set by one
event before the stream and one after it, from how it ended (``Ending``), and steps arriving
close together are sent as one update.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, replace
from typing import Any

import gradio as gr
from contract.ask import Answer, Timings
from contract.ask_events import AskEvent

from frontend.api_client import BackendClient, Identity, QuestionStream
from frontend.charts import ChartSpecError, build_figure, plot_data
from frontend.downloads import answer_csv
from frontend.errors import BackendError, friendly_message
from frontend.formatting import formats_of, single_number, table_value
from frontend.plain_text import markdown_text
from frontend.session import Session, after_error, call_signed_in, identity, signed_in
from frontend.shell import TAB_SIGNIN, Shell
from frontend.views.account import quota_text
from frontend.views.live import LiveAnswer

PAGE_SIZE = 25
# Steps that are shown the moment they arrive; insight text in between at most this often.
_SHOWN_AT_ONCE = frozenset({"accepted", "sql", "repair", "rows", "chart"})
REFRESH_SECONDS = 0.25
_STEPS = (("SQL", "sql_ms"), ("Run", "run_ms"), ("Chart", "chart_ms"), ("Insights", "insights_ms"))
DOWNLOAD_ID = "csv-file"

Call = Callable[[Identity], Answer]
Open = Callable[[Identity], QuestionStream]


@dataclass(frozen=True)
class Ending:
    """How a run ended, for the controls around the answer (``ResultView.controls``)."""

    answered: bool = False  # an answer is shown: Download offered
    sql_open: bool = False  # it came from edited SQL: "Show SQL" stays open
    rerun: bool = False  # it is a past answer: Re-run offered
    signup: bool = False  # refused for want of an account
    enable_label: str = ""  # refused over disabled tables: the button that enables them
    to_signin: bool = False  # the session expired


@dataclass(frozen=True)
class AskRequest:
    """What was asked, where: kept so a refusal over disabled tables can enable them and ask
    again."""

    field: str  # "question" or "sql"
    text: str
    connection_id: str
    conversation_id: str | None = None
    tables: tuple[str, ...] = ()

    def open(self, client: BackendClient) -> Open:
        return lambda who: client.query_stream(
            who,
            connection_id=self.connection_id,
            conversation_id=self.conversation_id,
            **{self.field: self.text},
        )


def progress_line(done: int, timings: Timings | None = None) -> str:
    """One line per run: finished steps with the backend's timing, the current one pending."""
    parts = []
    for index, (label, name) in enumerate(_STEPS):
        if index < done:
            took = f" {getattr(timings, name):.0f} ms" if timings else ""
            parts.append(f"✓ {label}{took}")
        elif index == done:
            parts.append(f"▸ {label}…")
        else:
            parts.append(f"○ {label}")
    if done >= len(_STEPS) and timings:
        parts.append(f"total {timings.total_ms:.0f} ms")
    return " · ".join(parts)


def table_page(answer: Answer | None, page: int) -> tuple[dict[str, Any], str, int]:
    """Rows of ``page`` (1-based, clamped) as Dataframe data (raw values, formatted display),
    a label, and the page shown."""
    if answer is None:
        return {"headers": [], "data": []}, "", 1
    rows = answer.rows
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(1, page), pages)
    start = (page - 1) * PAGE_SIZE
    label = (
        f"Rows {start + 1}–{min(start + PAGE_SIZE, len(rows))} of {len(rows)} · page {page}/{pages}"
        if rows
        else "No rows matched."
    )
    return table_value(answer, rows[start : start + PAGE_SIZE]), label, page


def truncation_notice(answer: Answer) -> str:
    if not answer.truncated:
        return ""
    return (
        f"⚠ Showing the first {answer.row_cap:,} rows — the result was cut at the row cap. "
        "Add a filter or an aggregate to see everything."
    )


def insights_markdown(answer: Answer) -> str:
    """Our headings around the model's and the data's text, which is shown as plain text."""
    lines = [markdown_text(answer.explanation)] if answer.explanation else []
    if answer.insights:
        lines += ["### Insights", *[f"- {markdown_text(item)}" for item in answer.insights]]
    if answer.recommendations:
        lines += [
            "### Recommendations",
            *[f"- {markdown_text(item)}" for item in answer.recommendations],
        ]
    return "\n".join(lines)


def column_names(answer: Answer) -> str:
    """Each column as the table heads it, beside the SQL alias it comes from (both plain text):
    the table speaks to people, the SQL keeps its own names."""
    pairs = [
        f"{markdown_text(fmt.label)} ← {markdown_text(name)}"
        for name, fmt in zip(answer.columns, formats_of(answer), strict=True)
        if fmt is not None and fmt.label != name
    ]
    return "**Columns:** " + " · ".join(pairs) if pairs else ""


def headline_html(answer: Answer) -> str:
    """The answer's first sentence, as text (it may quote values from the user's data)."""
    sentence = answer.insights[0] if answer.insights else answer.explanation
    return f'<p class="headline">{html.escape(sentence)}</p>' if sentence else ""


def chart_for(answer: Answer) -> tuple[Any, str]:
    """The plot, or None plus a short note when the spec can't be drawn from this result."""
    spec = answer.chart.model_dump() if answer.chart else None
    known = {fmt.name: fmt for fmt in answer.formats}
    try:
        figure = build_figure(spec, answer.columns, answer.rows, known)
    except ChartSpecError as error:
        return None, f"No chart for this result ({error})."
    return (plot_data(figure) if figure is not None else None), ""


@dataclass
class ResultView:
    """The components a result renders into."""

    status: gr.Markdown
    message: gr.Markdown
    sql: gr.Code
    columns: gr.Markdown  # under the SQL: each column's heading beside its SQL alias
    table: gr.Dataframe
    page_label: gr.Markdown
    notice: gr.Markdown
    chart: gr.Plot
    insights: gr.Markdown
    headline: gr.HTML  # the answer first: its one number, or its first sentence
    csv: gr.DownloadButton  # hidden by CSS: gets the file made on click, then clicked by script
    quota: gr.Markdown
    signup: gr.Column
    enable: gr.Button
    download: gr.Button
    sql_panel: gr.Accordion  # "Show SQL": open when the answer came from edited SQL
    result: gr.State  # the Answer shown
    page: gr.State
    conversation: gr.State
    pending: gr.State  # the AskRequest a refusal offers to retry
    ending: gr.State  # the Ending of the last streamed run, for the controls drawn after it
    stop: gr.Button | None = None  # shown while a streamed question runs
    running: gr.State | None = None  # the id of the streamed question running now
    rerun: gr.Button | None = None  # shown with an answer opened from History
    examples: gr.Accordion | None = None  # the example questions, folded once one is asked

    def answer_outputs(self, shell: Shell) -> list[Any]:
        """The answer's own parts (a streamed question's updates name only these)."""
        return [
            self.status,
            self.message,
            self.sql,
            self.columns,
            self.table,
            self.page_label,
            self.notice,
            self.chart,
            self.insights,
            self.headline,
            self.quota,
            shell.session,
            self.result,
            self.page,
            self.conversation,
            self.pending,
            self.ending,
            *([self.running] if self.running is not None else []),
        ]

    def control_outputs(self, shell: Shell) -> list[Any]:
        """The controls around the answer, drawn before and after a streamed question."""
        extra = [self.stop, self.rerun, self.examples]
        return [
            self.csv,
            self.signup,
            self.enable,
            self.download,
            self.sql_panel,
            shell.tabs,
            *[part for part in extra if part is not None],
        ]

    def outputs(self, shell: Shell) -> list[Any]:
        return self.answer_outputs(shell) + self.control_outputs(shell)

    def _start(self, shell: Shell, session: Session) -> dict[Any, Any]:
        """What every run begins with: the last answer's parts cleared, the first step shown."""
        return self.cleared(shell, session) | {self.status: progress_line(0)}

    def cleared(self, shell: Shell, session: Session) -> dict[Any, Any]:
        """The last answer's parts and controls cleared (the SQL and the table stay until
        replaced)."""
        # Every yield names the session: a browser-state output left out of a partial update
        # would be overwritten in the browser by the update marker itself.
        return {shell.session: session} | self._cleared_answer() | self._cleared_controls()

    def _cleared_answer(self) -> dict[Any, Any]:
        return {
            self.status: "",
            self.message: "",
            self.notice: "",
            self.chart: None,
            self.insights: "",
            self.headline: "",
        }

    def _cleared_controls(self) -> dict[Any, Any]:
        start: dict[Any, Any] = {
            self.csv: gr.DownloadButton(value=None),
            self.download: gr.Button(visible=False),
            self.signup: gr.Column(visible=False),
            self.enable: gr.Button(visible=False),
        }
        if self.rerun is not None:
            start[self.rerun] = gr.Button(visible=False)
        if self.examples is not None:  # the answer comes up where the examples were
            start[self.examples] = gr.Accordion(open=False)
        return start

    def controls(self, shell: Shell, ending: Ending | None) -> dict[Any, Any]:
        """The controls for a run that ended as ``ending`` (None: it never got to say)."""
        update: dict[Any, Any] = {}
        if self.stop is not None:
            update[self.stop] = gr.Button("Stop", visible=False, interactive=True)
        if ending is None:
            return update
        if ending.answered:
            update[self.download] = gr.Button(visible=True)
            update[self.sql_panel] = gr.Accordion(open=ending.sql_open)
            if ending.rerun and self.rerun is not None:
                update[self.rerun] = gr.Button(visible=True)
            return update
        update[self.signup] = gr.Column(visible=ending.signup)
        if ending.enable_label:
            update[self.enable] = gr.Button(ending.enable_label, visible=True)
        if ending.to_signin:
            update[shell.tabs] = gr.Tabs(selected=TAB_SIGNIN)
        return update

    def _table(self, answer: Answer) -> dict[Any, Any]:
        data, label, page = table_page(answer, 1)
        return {
            self.table: data,
            self.columns: column_names(answer),
            self.page_label: label,
            self.notice: truncation_notice(answer),
            self.page: page,
            self.headline: single_number(answer) or headline_html(answer),
        }

    def _finished(self, shell: Shell, session: Session, answer: Answer) -> dict[Any, Any]:
        """Every part of the whole answer (an API caller gets the last update only: it must
        show it all)."""
        card = single_number(answer)
        figure, chart_note = (None, "") if card else chart_for(answer)
        return {
            shell.session: session,
            self.status: progress_line(4, answer.timings),
            self.sql: answer.sql,
            **self._table(answer),
            self.result: answer,
            self.conversation: answer.conversation_id,
            self.chart: figure,
            self.insights: insights_markdown(answer)
            + (f"\n\n_{chart_note}_" if chart_note else ""),
            self.quota: quota_text(answer.quota, is_signed_in=signed_in(session)),
        }

    def stream(
        self, client: BackendClient, shell: Shell, session: Session, request: AskRequest
    ) -> Iterator[dict[Any, Any]]:
        """One streamed question as successive updates of the answer's parts, each step as it
        arrives (the first event ``wire`` chains cleared the page); a failure (or Stop) keeps what
        was shown and says what went wrong. The last update carries everything shown, for an
        API caller, and the ``Ending``."""
        shown = {shell.session: session} | self._cleared_answer()
        live = LiveAnswer()
        unsent: dict[Any, Any] = {}
        sent_at = time.monotonic()
        try:
            opened, session = call_signed_in(client, session, request.open(client))
            with opened:
                for event in opened:
                    live.apply(event)
                    update = self._step(shell, session, live, event)
                    shown |= update
                    unsent |= update
                    now = time.monotonic()
                    if event.type == "done":  # the last update below carries it
                        continue
                    if event.type in _SHOWN_AT_ONCE or now - sent_at >= REFRESH_SECONDS:
                        yield unsent  # only what changed: a chart is not sent again per word
                        unsent, sent_at = {}, now
        except BackendError as error:
            failed = self.failure(shell, session, error, request)
            if live.question_id is not None:  # it had started: say where it ended
                ending = "stopped" if error.code in {"cancelled", "stream_lost"} else "failed"
                failed[self.status] = f"{progress_line(live.steps_done, live.timings)} · {ending}"
            yield shown | failed | self._idle()
            return
        answered = Ending(answered=live.final is not None, sql_open=request.field == "sql")
        yield shown | self._idle() | {self.ending: answered}

    def _idle(self) -> dict[Any, Any]:
        return {self.running: None} if self.running is not None else {}

    def _step(
        self, shell: Shell, session: Session, live: LiveAnswer, event: AskEvent
    ) -> dict[Any, Any]:
        """The parts ``event`` changed (``done``: the whole answer)."""
        update: dict[Any, Any] = {
            shell.session: session,
            self.status: progress_line(live.steps_done, live.timings),
        }
        answer = live.answer()
        if event.type == "done":
            return update | self._finished(shell, session, answer)
        if event.type == "accepted" and self.running is not None:
            update[self.running] = live.question_id
        elif event.type in {"sql", "checked"}:
            update[self.sql] = live.sql
        elif event.type == "repair":
            update[self.message] = f"Fixing the SQL: {markdown_text(live.repairing)}"
        elif event.type == "rows":
            update |= self._table(answer) | {self.message: ""}
        elif event.type == "chart" and not single_number(answer):
            update[self.chart] = chart_for(answer)[0]
        elif event.type == "insight":
            update[self.insights] = insights_markdown(answer)
        return update

    def wire_stop(self, client: BackendClient, shell: Shell) -> None:
        """Stop: ask the backend to stop the running question (its stream then ends)."""
        if self.stop is None or self.running is None:
            return

        def stop(session: Session, question_id: str | None) -> Any:
            if question_id:
                with suppress(BackendError):  # it had just finished: its stream says how
                    client.cancel_query(identity(session), question_id)
            return gr.Button("Stopping…", interactive=False)

        self.stop.click(
            stop,
            inputs=[shell.session, self.running],
            outputs=[self.stop],
            api_name="stop",
            queue=False,
        )

    def run(
        self, client: BackendClient, shell: Shell, session: Session, call: Call, note: str = ""
    ) -> Iterator[dict[Any, Any]]:
        """One backend call, then the answer drawn with Re-run beside it: a past answer opened
        from History (``note`` says so in place of the steps; nothing was charged, so the
        allowance shown stays) or its re-run."""
        yield self._start(shell, session)
        try:
            answer, session = call_signed_in(client, session, call)
        except BackendError as error:
            failed = self.failure(shell, session, error)
            yield failed | self.controls(shell, failed[self.ending])
            return
        shown = self._finished(shell, session, answer)
        if note:
            shown |= {self.status: note, self.quota: gr.skip()}
        yield shown | self.controls(shell, Ending(answered=True, rerun=True))

    def wire_rerun(self, client: BackendClient, shell: Shell) -> None:
        """Re-run: the answer shown, asked again (its stored SQL, through the whole pipeline)."""
        if self.rerun is None:
            return

        def rerun(session: Session, answer: Answer | None) -> Iterator[dict[Any, Any]]:
            if answer is None or not answer.id:
                yield {
                    self.message: "⚠ Open a question from History first.",
                    shell.session: session,
                }
                return
            yield from self.run(client, shell, session, lambda who: client.rerun(who, answer.id))

        self.wire(self.rerun.click, shell, rerun, [shell.session, self.result], "rerun")

    def wire(
        self,
        trigger: Callable[..., Any],
        shell: Shell,
        handler: Callable[..., Iterator[dict[Any, Any]]],
        inputs: list[Any],
        api_name: str | None,
        starts: Callable[..., bool] | None = None,
    ) -> None:
        """Run ``handler`` into this view: a ``run`` into all of it, or, given ``starts``, a
        ``stream`` into the answer's parts, between the controls drawn for a run starting (when
        ``starts`` says the inputs ask something) and those drawn for its end."""
        api = {"api_name": api_name, "api_visibility": "public" if api_name else "private"}
        if starts is None:
            shell.changes_session(
                trigger(handler, inputs=inputs, outputs=self.outputs(shell), **api)
            )
            return
        controls = self.control_outputs(shell)
        cleared = [*self._cleared_answer(), self.ending]

        def begin(*values: Any) -> Any:
            """The last answer cleared, the first step shown, Stop offered, no ending yet (a
            run cut short by a fault leaves only Stop to hide)."""
            if not starts(*values):
                return gr.skip()
            begun = self._cleared_controls() | self._cleared_answer()
            begun |= {self.status: progress_line(0), self.ending: None}
            if self.stop is not None:
                begun[self.stop] = gr.Button(visible=True)
            return begun

        event = trigger(
            begin,
            inputs=inputs,
            outputs=controls + cleared,
            api_visibility="private",
            queue=False,
        ).then(handler, inputs=inputs, outputs=self.answer_outputs(shell), **api)
        event.then(
            lambda ending: self.controls(shell, ending),
            inputs=self.ending,
            outputs=controls,
            api_visibility="private",
            queue=False,
        )
        shell.changes_session(event)

    def wire_download(self, client: BackendClient, shell: Shell) -> None:
        """Download: make the CSV now, hand it to the hidden file button, and click it."""

        def make_csv(session: Session, answer: Answer | None) -> Any:
            if answer is None:
                return gr.skip(), "⚠ Ask a question first.", session
            try:
                path, session = answer_csv(client, session, answer)
            except BackendError as error:
                message = markdown_text(friendly_message(error))
                return gr.skip(), f"⚠ {message}", after_error(session, error)
            return gr.DownloadButton(value=path), gr.skip(), session

        event = self.download.click(
            make_csv,
            inputs=[shell.session, self.result],
            outputs=[self.csv, self.message, shell.session],
            api_name="download_csv",
        ).then(
            None,
            js=f"() => document.querySelector('#{DOWNLOAD_ID}')?.click()",
            api_visibility="private",
        )
        shell.changes_session(event)

    def failure(
        self,
        shell: Shell,
        session: Session,
        error: BackendError,
        request: AskRequest | None = None,
    ) -> dict[Any, Any]:
        """The answer's parts after ``error``, with its ``Ending`` (what to offer instead)."""
        update: dict[Any, Any] = {
            shell.session: after_error(session, error),
            self.status: "",
            self.message: f"⚠ {markdown_text(friendly_message(error))}",
        }
        tables = tuple(str(name) for name in error.extra.get("tables", []))
        label = ""
        if error.code == "table_disabled" and tables and request:
            update[self.pending] = replace(request, tables=tables)
            label = f"Enable {', '.join(tables)} and ask again"
        update[self.ending] = Ending(
            signup=error.wants_signup, enable_label=label, to_signin=error.session_expired
        )
        return update
