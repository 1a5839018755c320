"""The Connections tab: pick the kind of database (PostgreSQL, MySQL/MariaDB) and add it by URL
or .env file, or upload a spreadsheet (CSV, Excel, Parquet) that becomes tables; test, choose
the tables the assistant may use, delete (after a confirmation)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
from contract.connections import Connection, SslMode

from frontend.api_client import BackendClient
from frontend.errors import BackendError, friendly_message
from frontend.plain_text import markdown_text
from frontend.session import Session, after_error, call_signed_in, signed_in
from frontend.shell import Shell

MAX_ENV_BYTES = 64 * 1024
SSL_MODES: list[tuple[str, str]] = [
    ("require (recommended)", "require"),
    ("prefer", "prefer"),
    ("disable (local only)", "disable"),
]
SIGN_IN_FIRST = "⚠ Sign in to manage your own databases."
UPLOAD_TYPES = [".csv", ".tsv", ".txt", ".xlsx", ".parquet"]


@dataclass(frozen=True)
class Kind:
    """A kind of database the page offers: how its URL looks and what its .env file holds.

    The backend reads the kind from the URL itself; the choice only shows the right example.
    """

    label: str
    example_url: str
    env_hint: str
    dialect: str  # as the API names it


KINDS: tuple[Kind, ...] = (
    Kind(
        "PostgreSQL",
        "postgresql://user:password@host:5432/dbname",
        "DATABASE_URL or PGHOST, PGUSER… is read from it",
        "postgres",
    ),
    Kind(
        "MySQL / MariaDB",
        "mysql://user:password@host:3306/dbname",
        "DATABASE_URL or MYSQL_HOST, MYSQL_USER… is read from it",
        "mysql",
    ),
)


def kind_named(label: str | None) -> Kind:
    return next((kind for kind in KINDS if kind.label == label), KINDS[0])


def dialect_label(dialect: str) -> str:
    return next((kind.label for kind in KINDS if kind.dialect == dialect), dialect)


def kind_fields(label: str | None) -> tuple[Any, Any]:
    """The URL box and the .env upload, showing ``label``'s example and variables."""
    kind = kind_named(label)
    return (
        gr.Textbox(placeholder=kind.example_url),
        gr.File(label=f"…or upload a .env file ({kind.env_hint})"),
    )


def read_env_file(path: str | None) -> str | None:
    """The uploaded .env text, refused when it is too big to be a settings file."""
    if not path:
        return None
    data = Path(path).read_bytes()
    if len(data) > MAX_ENV_BYTES:
        raise BackendError("invalid_input", "The .env file is larger than 64 KB.", 422)
    return data.decode("utf-8", errors="replace")


def test_source(
    client: BackendClient,
    session: Session,
    url: str,
    env_path: str | None,
    ssl_mode: SslMode,
) -> tuple[str, Session]:
    if not signed_in(session):
        return SIGN_IN_FIRST, session
    try:
        env_text = read_env_file(env_path)
        outcome, session = call_signed_in(
            client,
            session,
            lambda who: client.test_connection(who, url=url, env_text=env_text, ssl_mode=ssl_mode),
        )
    except BackendError as error:
        return f"⚠ {friendly_message(error)}", after_error(session, error)
    tables = f"{dialect_label(outcome.dialect)}, {outcome.table_count} tables"
    return f"✓ Connected to {outcome.display_url} ({tables}).", session


def tables_update(connection: Connection | None, *, select_all: bool = False) -> Any:
    """The table picker for ``connection``: every table listed, the enabled ones ticked (or
    all of them, for "Select all"; saving is a separate step)."""
    if connection is None:
        return gr.CheckboxGroup(choices=[], value=[])
    names = [table.name for table in connection.tables]
    enabled = [table.name for table in connection.tables if table.enabled or select_all]
    return gr.CheckboxGroup(choices=names, value=enabled)


def list_choices(client: BackendClient, session: Session) -> tuple[list[tuple[str, str]], Session]:
    connections, session = call_signed_in(client, session, client.list_connections)
    return [(f"{item.name} · {item.display_url}", item.id) for item in connections], session


def save_source(
    client: BackendClient,
    session: Session,
    name: str,
    url: str,
    env_path: str | None,
    ssl_mode: SslMode,
) -> tuple[str, Connection | None, Session]:
    if not signed_in(session):
        return SIGN_IN_FIRST, None, session
    if not (name or "").strip():
        return "⚠ Give the connection a name.", None, session
    try:
        env_text = read_env_file(env_path)
        created, session = call_signed_in(
            client,
            session,
            lambda who: client.create_connection(
                who, name=name.strip(), url=url, env_text=env_text, ssl_mode=ssl_mode
            ),
        )
    except BackendError as error:
        return f"⚠ {friendly_message(error)}", None, after_error(session, error)
    saved = f"✓ Saved **{markdown_text(created.name)}** with {len(created.tables)} tables."
    return saved, created, session


def describe_upload(connection: Connection) -> str:
    """The tables an uploaded file became, as Markdown; every name is shown as plain text."""
    lines = [f"✓ **{markdown_text(connection.name)}** became {len(connection.tables)} table(s):"]
    for table in connection.tables:
        rows = "" if table.row_estimate is None else f" ({table.row_estimate:,} rows)"
        lines.append(f"- {markdown_text(table.name)}{rows}")
    return "\n".join(lines)


def upload_source(
    client: BackendClient, session: Session, name: str, path: str | None
) -> tuple[str, Connection | None, Session]:
    if not signed_in(session):
        return SIGN_IN_FIRST, None, session
    if not path:
        return "⚠ Choose a CSV, Excel (.xlsx) or Parquet file first.", None, session
    label = (name or "").strip() or None
    try:
        created, session = call_signed_in(
            client, session, lambda who: client.upload_file(who, path, name=label)
        )
    except BackendError as error:
        # The reason may quote the file's own sheet or column names: shown as text.
        return f"⚠ {markdown_text(friendly_message(error))}", None, after_error(session, error)
    return describe_upload(created), created, session


def build(client: BackendClient, shell: Shell, tab: gr.Tab) -> None:
    message = gr.Markdown(elem_id="connections-message")
    with gr.Accordion("Add a database", open=True):
        kind = gr.Radio(
            choices=[k.label for k in KINDS],
            value=KINDS[0].label,
            label="Kind",
            elem_id="conn-kind",
        )
        name = gr.Textbox(label="Name", max_length=80, elem_id="conn-name")
        url = gr.Textbox(
            label="Database URL",
            placeholder=KINDS[0].example_url,
            type="password",
            max_length=2000,
            elem_id="conn-url",
        )
        env_file = gr.File(
            label=f"…or upload a .env file ({KINDS[0].env_hint})",
            file_types=[".env", ".txt"],
            type="filepath",
            elem_id="conn-env",
        )
        ssl_mode = gr.Radio(choices=SSL_MODES, value="require", label="SSL mode")
        with gr.Row():
            test = gr.Button("Test connection", elem_id="conn-test")
            save = gr.Button("Save", variant="primary", elem_id="conn-save")
    with gr.Accordion("Upload a file", open=False):
        gr.Markdown(
            "A CSV, Excel (.xlsx) or Parquet file becomes tables you can ask about: one per "
            "file, or one per sheet of a workbook. Only you can see them; deleting the upload "
            "deletes its data."
        )
        upload_name = gr.Textbox(label="Name (optional)", max_length=80, elem_id="upload-name")
        upload_path = gr.File(
            label="Spreadsheet", file_types=UPLOAD_TYPES, type="filepath", elem_id="upload-file"
        )
        upload = gr.Button("Upload", variant="primary", elem_id="upload-save")
    with gr.Accordion("Your databases", open=True):
        picked = gr.Dropdown(choices=[], label="Connection", elem_id="conn-picked")
        tables = gr.CheckboxGroup(choices=[], label="Tables the assistant may use")
        with gr.Row():
            select_all = gr.Button("Select all", size="sm")
            select_none = gr.Button("Deselect all", size="sm")
            save_tables = gr.Button("Save tables", variant="primary", size="sm")
            rescan = gr.Button("Re-scan schema", size="sm")
        delete = gr.Button("Delete connection…", variant="stop", size="sm", elem_id="conn-delete")
        with gr.Row(visible=False) as confirm_row:
            gr.Markdown("Delete this connection and everything tied to it (history included)?")
            confirm = gr.Button("Yes, delete", variant="stop", elem_id="conn-confirm")
            cancel = gr.Button("Cancel")

    def refresh(session: Session) -> Any:
        if not signed_in(session):
            return gr.Dropdown(choices=[], value=None), tables_update(None), SIGN_IN_FIRST, session
        try:
            choices, session = list_choices(client, session)
        except BackendError as error:
            session = after_error(session, error)
            return gr.Dropdown(choices=[]), tables_update(None), friendly_message(error), session
        return gr.Dropdown(choices=choices, value=None), tables_update(None), "", session

    listing = [picked, tables, message, shell.session]
    shell.changes_session(
        tab.select(refresh, inputs=shell.session, outputs=listing, api_name="connections")
    )

    kind.change(kind_fields, inputs=kind, outputs=[url, env_file], api_name="connection_kind")

    test.click(
        lambda session, link, path, mode: test_source(client, session, link, path, mode),
        inputs=[shell.session, url, env_file, ssl_mode],
        outputs=[message, shell.session],
        api_name="test_connection",
    )

    def show_created(text: str, created: Connection | None, session: Session) -> Any:
        """The outcome, and the new connection picked with its tables (when there is one)."""
        if created is None:
            return text, gr.skip(), gr.skip(), session
        try:
            choices, session = list_choices(client, session)
        except BackendError as error:
            return text, gr.skip(), tables_update(created), after_error(session, error)
        picker = gr.Dropdown(choices=choices, value=created.id)
        return text, picker, tables_update(created), session

    def save_and_list(session: Session, label: str, link: str, path: str | None, mode: Any) -> Any:
        text, picker, picked_tables, session = show_created(
            *save_source(client, session, label, link, path, mode)
        )
        return text, picker, picked_tables, "", session

    shell.changes_account(
        save.click(
            save_and_list,
            inputs=[shell.session, name, url, env_file, ssl_mode],
            outputs=[message, picked, tables, url, shell.session],
            api_name="save_connection",
        )
    )

    shell.changes_account(
        upload.click(
            lambda session, label, path: show_created(*upload_source(client, session, label, path)),
            inputs=[shell.session, upload_name, upload_path],
            outputs=[message, picked, tables, shell.session],
            api_name="upload_file",
        )
    )

    def act(session: Session, connection_id: str | None, action: str, enabled: list[str]) -> Any:
        """Load / save tables / re-scan / delete the picked connection."""
        if not connection_id:
            return "⚠ Pick a connection first.", gr.skip(), gr.skip(), session
        try:
            if action == "delete":
                _, session = call_signed_in(
                    client, session, lambda who: client.delete_connection(who, connection_id)
                )
                choices, session = list_choices(client, session)
                return (
                    "Connection deleted.",
                    gr.Dropdown(choices=choices, value=None),
                    tables_update(None),
                    session,
                )
            calls = {
                "load": lambda who: client.get_connection(who, connection_id),
                "all": lambda who: client.get_connection(who, connection_id),
                "tables": lambda who: client.set_enabled_tables(who, connection_id, enabled),
                "scan": lambda who: client.scan_connection(who, connection_id),
            }
            connection, session = call_signed_in(client, session, calls[action])
        except BackendError as error:
            failed = f"⚠ {friendly_message(error)}"
            return failed, gr.skip(), gr.skip(), after_error(session, error)
        done = {"tables": "✓ Tables saved.", "scan": "✓ Schema re-scanned."}
        return (
            done.get(action, ""),
            gr.skip(),
            tables_update(connection, select_all=action == "all"),
            session,
        )

    for trigger, action, name_ in (
        (picked.input, "load", "connection_tables"),
        (select_all.click, "all", "select_all_tables"),
        (save_tables.click, "tables", "save_tables"),
        (rescan.click, "scan", "rescan"),
        (confirm.click, "delete", "delete_connection"),
    ):
        event = trigger(
            lambda session, connection_id, enabled, action=action: act(
                session, connection_id, action, enabled
            ),
            inputs=[shell.session, picked, tables],
            outputs=[message, picked, tables, shell.session],
            api_name=name_,
        )
        if action == "delete":
            shell.changes_account(
                event.then(
                    lambda: gr.Row(visible=False), outputs=confirm_row, api_visibility="private"
                )
            )

    select_none.click(lambda: gr.CheckboxGroup(value=[]), outputs=tables, api_visibility="private")
    delete.click(lambda: gr.Row(visible=True), outputs=confirm_row, api_visibility="private")
    cancel.click(lambda: gr.Row(visible=False), outputs=confirm_row, api_visibility="private")
