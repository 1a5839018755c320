"""Make text from a user's database, a language model or the backend inert where it is shown.

Such text reaches Markdown panels (insights, messages), chart labels and CSV files. Rendered as
written, a value such as ``<img src=…>`` is fetched by the viewer's browser (a tracking pixel),
``[Your session expired](https://…)`` becomes a convincing link, and Plotly draws ``<a href>``
in a label as a link. So every ASCII punctuation character is backslash-escaped for Markdown
(CommonMark lets any of them be escaped, and it breaks bare-URL autolinks too), line breaks
become spaces, and chart text has ``&``, ``<`` and ``>`` written as entities, which Plotly shows
as the characters themselves. CSV cells a spreadsheet would run as a formula get a leading
quote (``spreadsheet_safe``, the same rule as the backend's export).
"""

from __future__ import annotations

import html
import re
import string
from typing import Any

_ESCAPES = str.maketrans({ch: "\\" + ch for ch in string.punctuation})
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def markdown_text(value: object) -> str:
    """``value`` as Markdown that renders exactly as its text, on one line."""
    return _LINE_BREAKS.sub(" ", str(value)).translate(_ESCAPES)


def chart_text(value: Any) -> Any:
    """A label or hover value for Plotly: text is shown as text; numbers stay numbers."""
    return html.escape(value, quote=False) if isinstance(value, str) else value


# Spreadsheets run a cell as a formula when its first non-blank character is one of these (the
# full-width forms too); leading spaces and line breaks do not stop them.
_FORMULA_STARTS = tuple("=+-@\uff1d\uff0b\uff0d\uff20")
_BLANKS = " \t\r\n\u00a0\u3000"


def spreadsheet_safe(value: Any) -> Any:
    """A text cell that would start a formula, with a leading quote; other values unchanged."""
    if isinstance(value, str) and (
        value[:1] in ("\t", "\r", "\n") or value.lstrip(_BLANKS).startswith(_FORMULA_STARTS)
    ):
        return "'" + value
    return value
