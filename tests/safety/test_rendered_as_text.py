"""Values from a user's database (and what a model writes) are shown as text, never markup.

Contract: the web app's displays — insights and messages (Markdown), chart labels, hovers,
titles and legends (Plotly), and the CSV built for an anonymous visitor — render hostile text
exactly as written: no image the browser fetches, no link, no formula. Markdown is rendered
by a CommonMark renderer with raw HTML enabled (markdown-it), as browsers' renderers do.
"""

from __future__ import annotations

import csv
import io

import pytest
from contract.ask import Answer
from frontend.charts import build_figure
from frontend.downloads import csv_text
from frontend.views.result import column_names, headline_html, insights_markdown
from markdown_it import MarkdownIt

PIXEL = '<img src="http://tracker.example/track.png">'
LINK = "[Your session expired — sign in again](https://evil.example/login)"
HOSTILE = [
    PIXEL,
    LINK,
    "<script>alert(1)</script>",
    "![x](http://tracker.example/p.png)",
    "https://evil.example/bare",
    "**bold** _it_ `code` # not a heading\n# heading\n- item",
    "<https://evil.example/auto>",
]
RENDER = MarkdownIt("commonmark", {"html": True, "linkify": False})


def _html(markdown: str) -> str:
    return str(RENDER.render(markdown))


@pytest.mark.parametrize("value", HOSTILE)
def test_insights_render_data_and_model_text_as_text(value: str) -> None:
    result = Answer.model_validate(
        {
            "id": "1",
            "conversation_id": "c",
            "question": None,
            "sql": "SELECT 1",
            "columns": ["name"],
            "rows": [[value]],
            "row_count": 1,
            "truncated": False,
            "row_cap": 10,
            "chart": None,
            "explanation": f"Top borrower: {value}",
            "insights": [f"The largest is {value}"],
            "recommendations": [value],
            "timings": {},
            "tokens": {},
            "engine": "offline",
            "quota": {},
        }
    )
    headline = headline_html(result)
    assert "<img" not in headline
    assert "<script" not in headline
    rendered = _html(insights_markdown(result))
    assert "<img" not in rendered
    assert "<a " not in rendered
    assert "<script" not in rendered
    assert "<strong>" not in rendered
    assert "<code>" not in rendered
    assert rendered.count("<h3>") == 2  # our own headings stay headings
    assert "Insights" in rendered


@pytest.mark.parametrize("value", HOSTILE)
def test_column_aliases_under_the_sql_render_as_text(value: str) -> None:
    """A column's name comes from the user's SQL or database; its heading is derived from it."""
    result = Answer.model_validate(
        {
            "id": "1", "conversation_id": "c", "question": None, "sql": "SELECT 1",
            "columns": [value], "rows": [[1]], "row_count": 1, "truncated": False,
            "row_cap": 10, "formats": [{"name": value, "label": f"Heading {value}"}],
            "chart": None, "explanation": "", "insights": [], "recommendations": [],
            "timings": {}, "tokens": {}, "engine": "offline", "quota": {},
        }
    )  # fmt: skip
    rendered = _html(column_names(result))
    assert rendered.count("<strong>") == 1  # our own "Columns:" only
    for tag in ("<img", "<a ", "<script", "<code>", "<em>", "<h1>", "<li>"):
        assert tag not in rendered, (tag, rendered)
    assert "←" in rendered


@pytest.mark.parametrize("value", HOSTILE)
def test_a_message_line_renders_as_its_text(value: str) -> None:
    from frontend.plain_text import markdown_text

    rendered = _html(markdown_text(value))
    assert rendered.count("<") == 2  # just <p>…</p>, everything else as entities


def test_chart_labels_hovers_and_titles_are_text() -> None:
    label = '<a href="https://evil.example">click me</a>'
    spec = {"type": "bar", "x": "name", "y": "total", "color": "group", "title": f"<b>{label}</b>"}
    figure = build_figure(spec, ["name", "total", "group"], [[label, 3, "<i>g</i>"]])
    assert figure is not None
    text = figure.to_json()
    assert "<a " not in text
    assert "<b>" not in text
    assert "<i>" not in text
    assert "&lt;a href" in figure.data[0].x[0]
    assert figure.data[0].y[0] == 3
    assert figure.data[0].name == "&lt;i&gt;g&lt;/i&gt;"


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("http://x")', " =1+1", "\n=1+1", "\t=1", "＝1+1", "+1", "-1+2", "@SUM(A1)"]
)
def test_the_anonymous_csv_neutralises_formulas_in_header_and_cells(cell: str) -> None:
    text = csv_text([cell, "ok"], [[cell, 42], ["plain", -5]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "'" + cell
    assert rows[1][0] == "'" + cell
    assert rows[1][1] == "42"
    assert rows[2] == ["plain", "-5"]  # numbers are numbers, not formulas
