"""What the SQL guard refuses with, importable without the parser.

The API layer, the executor and the question engines raise or catch these; keeping them apart
from ``sql_guard`` (which loads sqlglot, a large import) lets the app start without the parser.
"""

from __future__ import annotations

from collections.abc import Iterable

from backend.core.errors import AppError


class SqlRefused(AppError):
    status_code = 400
    code = "sql_refused"


class TableDisabled(AppError):
    """The query needs tables that exist but are switched off; the UI offers to enable them."""

    status_code = 409
    code = "table_disabled"

    def __init__(self, tables: Iterable[str]) -> None:
        names = sorted(set(tables))
        listed = ", ".join(names)
        super().__init__(
            f"This query needs the table{'s' if len(names) > 1 else ''} {listed}, which "
            f"{'are' if len(names) > 1 else 'is'} switched off for this database. "
            "Enable it in the connection's table list to use it.",
            extra={"tables": names},
        )
