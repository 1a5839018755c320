"""The benchmark report rewrites only its own section of docs/benchmarks.md.

Contract: ``nox -s bench`` replaces what lies between its markers (or appends the section), and
leaves every other section — such as the deploy rehearsal's — byte for byte as it was.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from benchmarks.common import Figure
from benchmarks.report import END, START, render, write_report

REHEARSAL = "<!-- rehearsal:start -->\n## Deploy rehearsal\n| a | b |\n<!-- rehearsal:end -->"


def _section(value: float) -> str:
    figures = [
        Figure("backend start", value, "s", "minimal FastAPI app", 0.5, "≤ 2×", value <= 1.0),
        Figure("accuracy", 100.0, "%"),
    ]
    return render(
        figures,
        imports=[("sqlalchemy", 0.8)],
        command="nox -s bench",
        when=dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC),
        machine="test machine",
        load_failures={},
        through_app_failures={},
    )


def test_the_section_is_appended_then_replaced_and_the_rest_is_kept(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\n{REHEARSAL}\n\nNotes kept.\n")

    write_report(_section(0.9), doc)
    first = doc.read_text()
    assert first.startswith(f"# Benchmarks\n\n{REHEARSAL}\n\nNotes kept.\n")
    assert "| backend start | 0.90 s | 0.50 s (minimal FastAPI app) | 1.80× | ≤ 2× | yes |" in first

    write_report(_section(1.5), doc)
    second = doc.read_text()
    assert second.count(START) == second.count(END) == 1
    assert "| 3.00× | ≤ 2× | **no** |" in second
    assert "0.90 s" not in second
    assert second.replace(_section(1.5), "") == first.replace(_section(0.9), "")
    assert "2026-01-02 03:04 UTC with `nox -s bench`" in second
