"""Rewrite the benchmark section of docs/benchmarks.md; other sections stay as they are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from devkit.processes import REPO_ROOT

from benchmarks.common import Figure

REPORT = REPO_ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def _number(value: float, unit: str) -> str:
    if unit in {"MiB", "ms", "req/s", "questions/s", "%"}:
        text = f"{value:,.1f}"
    elif unit == "s":
        text = f"{value:.2f}"
    else:
        text = f"{value:,.0f}"
    return f"{text} {unit}"


def _row(figure: Figure) -> str:
    baseline = (
        f"{_number(figure.baseline, figure.unit)} ({figure.baseline_name})"
        if figure.baseline is not None
        else "—"
    )
    ratio = f"{figure.ratio:.2f}×" if figure.ratio is not None else "—"
    met = {True: "yes", False: "**no**", None: ""}[figure.met]
    cells = [figure.name, _number(figure.value, figure.unit), baseline, ratio, figure.goal, met]
    return "| " + " | ".join(cells) + " |"


def render(
    figures: Sequence[Figure],
    *,
    imports: Sequence[tuple[str, float]],
    command: str,
    when: dt.datetime,
    machine: str,
    load_failures: dict[str, int],
    through_app_failures: dict[str, int],
) -> str:
    lines = [
        START,
        "## Benchmarks (`nox -s bench`)",
        "",
        f"Measured {when:%Y-%m-%d %H:%M} UTC with `{command}` on {machine}. Every figure sits "
        "next to a baseline measured in the same run; the ratio is figure ÷ baseline. Services "
        "run with the deploy's start commands on loopback against a throwaway PostgreSQL; the "
        "question engine is the offline one unless stated. Peak memory is the kernel's "
        "resident high-water mark (VmHWM).",
        "",
        "| figure | value | baseline (same run) | ratio | goal | met |",
        "|---|---|---|---|---|---|",
        *(_row(figure) for figure in figures),
        "",
        "Load test: `python -m benchmarks.load_test` — anonymous demo users, each with its own "
        "id, asking the documented example questions in turn with no pause, loopback only. "
        f"Failures by kind: {load_failures or 'none'}.",
        "",
        "Through the web app: `python -m benchmarks.frontend_load` — each user a new account, "
        "signed in with its password through the app's `/authenticate` endpoint, asking the same "
        "questions through `/analyze` (gradio_client, one session per user; the app streams "
        "each answer from the backend); the baseline is the same accounts asking the backend "
        "directly (`POST /api/query`) for the same time just before. Failures by kind (the "
        f"message the app showed): {through_app_failures or 'none'}.",
        "",
        "Where the backend's start-up goes: importing `backend.main` "
        "(`python -X importtime`, self time summed per top-level package):",
        "",
        "| package | seconds |",
        "|---|---|",
        *(f"| `{name}` | {seconds:.2f} |" for name, seconds in imports),
        END,
    ]
    return "\n".join(lines)


def write_report(section: str, path: Path = REPORT) -> None:
    """Replace the benchmark section (or append it), keeping every other section intact."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)
