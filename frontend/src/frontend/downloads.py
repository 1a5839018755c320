"""Files handed to the visitor (CSV exports): written on demand into one private, short-lived
folder per process, never kept per user."""

from __future__ import annotations

import csv
import functools
import io
import tempfile
import time
from pathlib import Path
from typing import Any

from contract.ask import Answer

from frontend.api_client import BackendClient
from frontend.plain_text import spreadsheet_safe
from frontend.session import Session, call_signed_in, signed_in

KEEP_SECONDS = 3600


def csv_text(columns: list[str], rows: list[list[Any]]) -> str:
    """The shown rows as CSV, every text cell (header too) safe to open in a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([spreadsheet_safe(name) for name in columns])
    writer.writerows([spreadsheet_safe(value) for value in row] for row in rows)
    return buffer.getvalue()


@functools.cache
def folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="eaa-csv-"))


def _write(name: str, content: bytes) -> str:
    cutoff = time.time() - KEEP_SECONDS
    for old in folder().glob("*.csv"):  # Gradio serves its own copy; ours are short-lived
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    path = folder() / name
    path.write_bytes(content)
    return str(path)


def answer_csv(client: BackendClient, session: Session, answer: Answer) -> tuple[str, Session]:
    """Path of the answer as CSV, made now (when the visitor asked for it): the backend's full,
    guarded export when signed in; else the rows shown (an anonymous demo question has no
    history to export from)."""
    if signed_in(session):
        content, session = call_signed_in(
            client, session, lambda who: client.history_csv(who, answer.id)
        )
    else:
        content = csv_text(answer.columns, answer.rows).encode()
    return _write(f"result-{answer.id}.csv", content), session
