"""The rehearsal's report writer and venv relocation (the sessions themselves run in CI).

The rehearsal shares docs/benchmarks.md with the benchmark suite, so it may only ever rewrite
the text between its own markers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.deploy_config import load_service
from scripts.rehearsal import END_MARKER, START_MARKER, write_benchmarks


def section(body: str) -> str:
    return f"{START_MARKER}\n{body}\n{END_MARKER}\n"


def test_section_is_replaced_and_the_rest_is_kept(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nlatency table\n\n" + section("old") + "\n## Accuracy\nkept\n")
    write_benchmarks(section("new"), doc)
    text = doc.read_text()
    assert "old" not in text
    assert text.count(START_MARKER) == 1
    assert text.startswith("# Benchmarks\n\nlatency table\n\n" + section("new"))
    assert text.endswith(section("new") + "\n## Accuracy\nkept\n")


def test_section_is_appended_when_missing(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nother figures\n")
    write_benchmarks(section("first"), doc)
    assert doc.read_text() == "# Benchmarks\n\nother figures\n\n" + section("first")


@pytest.mark.parametrize(
    ("builder", "image_venv"), [("nixpacks", "/opt/venv"), ("railpack", "/app/.venv")]
)
def test_replay_moves_only_the_image_venv(tmp_path: Path, builder: str, image_venv: str) -> None:
    backend = load_service("backend", builder)
    moved = backend.with_venv(tmp_path / "venv")
    assert image_venv not in " ".join([*moved.install_cmds, *moved.paths])
    assert moved.variables["UV_PROJECT_ENVIRONMENT"] == str(tmp_path / "venv")
    assert moved.paths[0] == str(tmp_path / "venv" / "bin")
    assert moved.start_cmd == backend.start_cmd
    assert moved.pre_deploy_cmds == backend.pre_deploy_cmds
    assert [c.replace(str(tmp_path / "venv"), image_venv) for c in moved.install_cmds] == (
        backend.install_cmds
    )
