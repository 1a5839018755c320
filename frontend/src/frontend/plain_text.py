"""Make text from a user's database, a language model or the backend inert where it is shown.

Such text reaches Markdown panels (insights, messages), chart labels and CSV files. Rendered as
written, a value such as ``<img src=…>`` is fetched by the viewer's browser (a tracking pixel),
``[Your session expired](https://…)`` becomes a convincing link, and Plotly draws ``<a href>``
in a label as a link. So for Markdown every character that starts markup is backslash-escaped
(emphasis, code, links, images, HTML, entities, headings, tables, math, and the ``:``/``@``/
``www.`` of autolinks), as is a list marker at the start; line breaks become spaces. Chart text
has ``&``, ``<`` and ``>`` written as entities, which Plotly shows as the characters themselves.
CSV cells a spreadsheet would run as a formula get a leading quote (``spreadsheet_safe``, the
same rule as the backend's export).
"""

from __future__ import annotations

import html
import re
from typing import Any

_ESCAPES = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]<>!#|~&$:@"})
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
_LIST_START = re.compile(r"^(\s*)([-+]|\d+[.)])")
_WWW = re.compile(r"(?i)\b(www)\.")


def markdown_text(value: object) -> str:
    """``value`` as Markdown that renders exactly as its text, on one line."""
    text = _LINE_BREAKS.sub(" ", str(value)).translate(_ESCAPES)
    text = _LIST_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)
    return _WWW.sub(r"\1\\.", text)


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
