"""Railway and Nixpacks config: documented keys only, and the deploy rules they must encode.

Contract: Railway's config-as-code reference (``[build]``/``[deploy]`` keys and value types)
and Nixpacks' file reference (top level, ``[phases.*]``, ``[start]``), as restated in the
project's checked reference notes. Railway silently ignores unknown keys, so a typo such as
``healthCheckPath`` would deploy without a health check; this test turns it into a failure.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pathspec
import pytest

from scripts.deploy_config import ServiceDeploy, load_service, load_services, read_toml
from tests.delivery.conftest import REPO_ROOT

Schema = dict[str, Any]


@dataclass(frozen=True)
class ArrayOf:
    items: Any


@dataclass(frozen=True)
class TableOf:
    """A table with free-form keys whose values all follow ``values``."""

    values: Any


STRINGS = ArrayOf(str)
TABLE = TableOf(object)

RAILWAY_BUILD: Schema = {
    "builder": {"RAILPACK", "DOCKERFILE", "NIXPACKS"},
    "watchPatterns": STRINGS,
    "buildCommand": str,
    "dockerfilePath": str,
    "railpackVersion": str,
    "nixpacksConfigPath": str,
    "nixpacksPlan": TABLE,
    "nixpacksVersion": str,
}
RAILWAY_DEPLOY: Schema = {
    "startCommand": str,
    "preDeployCommand": STRINGS,
    "healthcheckPath": str,
    "healthcheckTimeout": int,
    "restartPolicyType": {"ON_FAILURE", "ALWAYS", "NEVER"},
    "restartPolicyMaxRetries": int,
    "multiRegionConfig": TABLE,
    "numReplicas": int,
    "overlapSeconds": int,
    "drainingSeconds": int,
    "cronSchedule": str,
    "sleepApplication": bool,
    "region": str,
}
RAILWAY: Schema = {
    "$schema": str,
    "build": RAILWAY_BUILD,
    "deploy": RAILWAY_DEPLOY,
    "environments": TABLE,
}
NIXPACKS_PHASE: Schema = {
    "cmds": STRINGS,
    "nixPkgs": STRINGS,
    "nixLibs": STRINGS,
    "nixOverlays": STRINGS,
    "nixpkgsArchive": str,
    "aptPkgs": STRINGS,
    "dependsOn": STRINGS,
    "cacheDirectories": STRINGS,
    "onlyIncludeFiles": STRINGS,
    "paths": STRINGS,
}
NIXPACKS: Schema = {
    "providers": STRINGS,
    "buildImage": str,
    "variables": TableOf(str),
    "staticAssets": TABLE,
    "phases": TableOf(NIXPACKS_PHASE),
    "start": {"cmd": str, "runImage": str, "onlyIncludeFiles": STRINGS, "user": str},
}


def problems(document: Any, schema: Any, where: str = "") -> list[str]:
    """Every key the reference does not document and every value of the wrong type."""
    if isinstance(schema, set):
        return [] if document in schema else [f"{where}: {document!r} is not one of {schema}"]
    if isinstance(schema, dict):
        if not isinstance(document, dict):
            return [f"{where}: expected a table"]
        found = []
        for key, value in document.items():
            if key not in schema:
                found.append(f"{where}.{key}: not a documented key")
            else:
                found.extend(problems(value, schema[key], f"{where}.{key}"))
        return found
    if isinstance(schema, ArrayOf):
        if not isinstance(document, list):
            return [f"{where}: expected an array"]
        return [
            p for i, x in enumerate(document) for p in problems(x, schema.items, f"{where}[{i}]")
        ]
    if isinstance(schema, TableOf):
        if not isinstance(document, dict):
            return [f"{where}: expected a table"]
        return [p for k, v in document.items() for p in problems(v, schema.values, f"{where}.{k}")]
    if schema is int and isinstance(document, bool):
        return [f"{where}: expected an integer"]
    return [] if isinstance(document, schema) else [f"{where}: expected {schema.__name__}"]


SERVICES = load_services()
BY_NAME = {service.name: service for service in SERVICES}


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_config_files_use_only_documented_keys(service: ServiceDeploy) -> None:
    assert problems(read_toml(service.railway_file), RAILWAY, "railway") == []
    assert problems(read_toml(service.nixpacks_file), NIXPACKS, "nixpacks") == []


def test_validator_rejects_unknown_keys_and_wrong_types() -> None:
    bad = {
        "deploy": {"healthCheckPath": "/", "healthcheckTimeout": "60", "numReplicas": True},
        "build": {"builder": "HEROKU"},
    }
    assert len(problems(bad, RAILWAY)) == 4
    assert problems({"phases": {"install": {"cmd": "x"}}}, NIXPACKS) == [
        ".phases.install.cmd: not a documented key"
    ]


def test_each_service_selects_its_own_build_from_the_repository_root() -> None:
    backend, frontend = BY_NAME["backend"], BY_NAME["frontend"]
    assert backend.railway_file == REPO_ROOT / "railway.toml"
    assert frontend.railway_file == REPO_ROOT / "frontend" / "railway.toml"
    assert backend.nixpacks_file == REPO_ROOT / "nixpacks.toml"
    assert frontend.nixpacks_file == REPO_ROOT / "frontend" / "nixpacks.toml"
    for service in SERVICES:
        assert read_toml(service.railway_file)["build"]["builder"] == "NIXPACKS"


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_build_pins_python_and_uv_and_installs_only_the_service(service: ServiceDeploy) -> None:
    variables = service.variables
    assert (
        variables["NIXPACKS_PYTHON_VERSION"] == (REPO_ROOT / ".python-version").read_text().strip()
    )
    ci_uv = re.search(r'"uv==([0-9.]+)"', (REPO_ROOT / ".ci" / "run").read_text())
    assert ci_uv, "the CI entry point pins uv"
    assert variables["NIXPACKS_UV_VERSION"] == ci_uv.group(1)
    assert variables["UV_PROJECT_ENVIRONMENT"] == "/opt/venv"
    syncs = [cmd for cmd in service.install_cmds if "uv sync" in cmd]
    assert len(syncs) == 1
    assert re.search(rf"uv sync --frozen --no-dev --package {service.name}$", syncs[0])
    assert not any("pip install" in cmd and "uv==" not in cmd for cmd in service.install_cmds)


def test_psycopg_has_libpq_in_the_backend_image() -> None:
    backend = read_toml(BY_NAME["backend"].nixpacks_file)
    assert "postgresql_16.lib" in backend["phases"]["setup"]["nixLibs"]
    lock_backend = (REPO_ROOT / "backend" / "pyproject.toml").read_text()
    assert '"psycopg[binary]' in lock_backend  # the wheel bundles libpq as well


def _exported(package: str) -> set[str]:
    uv = shutil.which("uv")
    assert uv, "uv is needed to read the lock"
    result = subprocess.run(
        [uv, "export", "--frozen", "--no-dev", "--package", package, "--no-hashes"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    names = re.findall(r"^([A-Za-z0-9_.\-]+)==", result.stdout, flags=re.MULTILINE)
    return {name.lower().replace("_", "-") for name in names}


def test_locked_install_sets_keep_the_services_apart() -> None:
    backend, frontend = _exported("backend"), _exported("frontend")
    assert {"fastapi", "sqlalchemy", "psycopg"} <= backend
    assert not {"gradio", "pandas"} & backend
    assert "gradio" in frontend
    assert not {"sqlalchemy", "psycopg", "psycopg-binary", "openai", "supabase"} & frontend


def test_start_commands_exec_the_server_on_all_interfaces() -> None:
    backend, frontend = BY_NAME["backend"], BY_NAME["frontend"]
    assert backend.start_cmd.startswith("exec python -m backend serve")
    assert '--host "${API_HOST:-0.0.0.0}"' in backend.start_cmd
    assert frontend.start_cmd == "exec python -m frontend"
    assert frontend.variables["GRADIO_SERVER_NAME"] == "0.0.0.0"


def test_health_restart_and_draining() -> None:
    backend, frontend = BY_NAME["backend"], BY_NAME["frontend"]
    assert backend.health_path == "/api/health"
    assert frontend.health_path == "/"
    from backend.core.config import Settings

    grace = Settings.model_fields["shutdown_grace_seconds"].default
    assert backend.draining_seconds > grace, "Railway must not SIGKILL before uvicorn drains"
    for service in SERVICES:
        deploy = read_toml(service.railway_file)["deploy"]
        assert deploy["restartPolicyType"] == "ON_FAILURE"
        assert 1 <= deploy["restartPolicyMaxRetries"] <= 10
        assert 0 < service.health_timeout_seconds <= 300
        assert service.overlap_seconds > 0
        assert service.draining_seconds > 0


def test_only_the_backend_migrates_then_loads_the_demo() -> None:
    assert BY_NAME["frontend"].pre_deploy_cmds == []
    (command,) = BY_NAME["backend"].pre_deploy_cmds
    assert command == "python -m backend migrate && python -m backend load-demo"


@pytest.mark.parametrize(
    ("changed", "redeploys"),
    [
        ("frontend/src/frontend/app.py", {"frontend"}),
        ("frontend/railway.toml", {"frontend"}),
        ("frontend/nixpacks.toml", {"frontend"}),
        ("backend/src/backend/main.py", {"backend"}),
        ("railway.toml", {"backend"}),
        ("nixpacks.toml", {"backend"}),
        ("uv.lock", {"backend", "frontend"}),
        ("docs/deploy.md", set()),
        ("tests/delivery/test_flake.py", set()),
    ],
)
def test_watch_patterns_redeploy_only_the_changed_service(
    changed: str, redeploys: set[str]
) -> None:
    """Railway matches gitignore-style globs against repository-root paths."""
    hit = {
        service.name
        for service in SERVICES
        if pathspec.GitIgnoreSpec.from_lines(service.watch_patterns).match_file(changed)
    }
    assert hit == redeploys


def test_no_dockerfile_anywhere() -> None:
    """A Dockerfile in the build root silently wins over Nixpacks."""
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert [path for path in tracked if Path(path).name.lower().startswith("dockerfile")] == []


def test_load_service_reads_a_start_command_override(tmp_path: Path) -> None:
    """A ``startCommand`` in railway.toml wins over Nixpacks' start, as on the platform."""
    (tmp_path / "frontend").mkdir()
    for name in (
        "railway.toml",
        "nixpacks.toml",
        "frontend/railway.toml",
        "frontend/nixpacks.toml",
    ):
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    config = tmp_path / "frontend" / "railway.toml"
    config.write_text(config.read_text().replace("[deploy]", '[deploy]\nstartCommand = "exec x"'))
    assert load_service("frontend", tmp_path).start_cmd == "exec x"
    assert load_service("backend", tmp_path).start_cmd == BY_NAME["backend"].start_cmd
