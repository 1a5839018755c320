"""Railpack files: Railpack's own config types, and the builds deploy/services.toml declares.

Contract: Railpack's config types, restated from railwayapp/railpack ``core/config/config.go``
(commit d73b660: Config, DeployConfig, StepConfig), ``core/plan/step.go`` (84486f3: Step, whose
``name`` the schema drops), ``core/plan/layer.go`` (3fa38c8: the four input forms) and the
command and cache shapes of ``docs/src/content/docs/config/file.mdx`` (20d8032); ``cli/schema.go``
(4a89a66) generates the published schema from these same types. Railpack reads the file named
by ``RAILPACK_CONFIG_FILE`` relative to the build root (file.mdx), and its Python provider
(``core/providers/python/python.go``, 97c3f70) would otherwise run ``uv sync`` for the
workspace root — which has no dependencies — and find no start command.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from scripts.deploy_config import load_source, railpack_commands, read_json
from tests.delivery.conftest import REPO_ROOT
from tests.delivery.schema_check import (
    ArrayOf,
    Enum,
    Matches,
    Object,
    OneOf,
    TableOf,
    problems,
)

STRINGS = ArrayOf(str)
FILTER = {"include": STRINGS, "exclude": STRINGS}
LAYER = OneOf(
    (
        Object({"step": str, **FILTER}, frozenset({"step"})),
        Object({"image": str, **FILTER}, frozenset({"image"})),
        Object({"local": bool, **FILTER}, frozenset({"local"})),
        Matches(r"\.|\.\.\.|\$[A-Za-z0-9:_-]+"),
    )
)
COMMAND = OneOf(
    (
        str,
        Object({"cmd": str, "customName": str}, frozenset({"cmd"})),
        Object({"path": str}, frozenset({"path"})),
        Object({"image": str, "src": str, "dest": str}, frozenset({"src", "dest"})),
        Object(
            {"path": str, "name": str, "mode": int, "customName": str},
            frozenset({"path", "name"}),
        ),
    )
)
STEP = {
    "inputs": ArrayOf(LAYER),
    "commands": ArrayOf(COMMAND),
    "secrets": STRINGS,
    "assets": TableOf(str),
    "variables": TableOf(str),
    "caches": STRINGS,
    "deployOutputs": ArrayOf(FILTER),
}
PROVIDERS = frozenset(
    [
        "php",
        "golang",
        "java",
        "rust",
        "ruby",
        "elixir",
        "python",
        "deno",
        "dotnet",
        "node",
        "gleam",
        "cpp",
        "staticfile",
        "shell",
    ]
)
RAILPACK: dict[str, Any] = {
    "$schema": str,
    "provider": Enum(PROVIDERS),
    "buildAptPackages": STRINGS,
    "steps": TableOf(STEP),
    "deploy": {
        "aptPackages": STRINGS,
        "base": LAYER,
        "inputs": ArrayOf(LAYER),
        "startCommand": str,
        "variables": TableOf(str),
        "paths": STRINGS,
    },
    "packages": TableOf(str),
    "caches": TableOf(
        Object(
            {"directory": str, "type": Enum(frozenset({"shared", "locked"}))},
            frozenset({"directory"}),
        )
    ),
    "secrets": STRINGS,
}

SOURCE = load_source()
SPECS = list(SOURCE.services.values())


def railpack_file(name: str) -> dict[str, Any]:
    return read_json(REPO_ROOT / SOURCE.services[name].railpack_config)


@pytest.mark.parametrize("name", SOURCE.services)
def test_railpack_file_matches_railpacks_config_types(name: str) -> None:
    assert problems(railpack_file(name), RAILPACK, "railpack") == []


def test_checker_rejects_what_railpack_would_not_read() -> None:
    bad = {
        "provider": "uv",
        "steps": {"install": {"commands": [{"run": "x"}], "inputs": ["app"]}},
        "deploy": {"startCmd": "python app.py"},
        "caches": {"uv": {"type": "shared"}},
    }
    found = problems(bad, RAILPACK, "railpack")
    assert len(found) == 5, found
    assert "railpack.deploy.startCmd: not a documented key" in found
    assert "railpack.caches.uv.directory: missing" in found


@pytest.mark.parametrize("name", SOURCE.services)
def test_railpack_build_installs_only_the_service_and_starts_it(name: str) -> None:
    spec, config = SOURCE.services[name], railpack_file(name)
    assert config["provider"] == "python"
    assert config["packages"]["python"] == (REPO_ROOT / ".python-version").read_text().strip()
    ci_uv = re.search(r'"uv==([0-9.]+)"', (REPO_ROOT / ".ci" / "run").read_text())
    assert ci_uv
    assert config["packages"]["uv"] == ci_uv.group(1)
    # Both uv steps are replaced: the provider's build step would otherwise sync the workspace
    # root (no dependencies) and empty the virtualenv again.
    for step in ("install", "build"):
        shell, _ = railpack_commands(config["steps"][step])
        assert shell == [spec.install], step
    assert config["deploy"]["startCommand"] == spec.start
    assert config["deploy"]["variables"] == spec.image_variables
    assert "/app/.venv/bin" in config["deploy"]["paths"]


def test_each_service_names_its_own_railpack_file_and_none_sits_at_the_root() -> None:
    """A service without RAILPACK_CONFIG_FILE fails to start instead of building the other."""
    assert not (REPO_ROOT / "railpack.json").exists()
    files = {spec.variables["RAILPACK_CONFIG_FILE"] for spec in SPECS}
    assert files == {spec.railpack_config for spec in SPECS}
    assert len(files) == len(SPECS)
    for spec in SPECS:
        assert Path(spec.railpack_config).parts[0] == spec.name
