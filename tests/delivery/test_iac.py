"""Railway infrastructure-as-code: .railway/railway.ts, rendered offline by the SDK, is the source.

Contract: the npm ``railway`` SDK (locked in .railway/package-lock.json) evaluates the file as
``railway config plan`` does (railwayapp/cli ``src/iac/eval.rs``: the SDK's context, the
default export called with it and a project factory). Its project definition — services,
database, build/deploy settings and variables — must say exactly what deploy/services.toml
says. Rendering needs Node and the SDK only: no token, no network.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scripts.deploy_config import ServiceSpec, Source, load_source
from tests.delivery.conftest import REPO_ROOT, require_tool

IAC_DIR = REPO_ROOT / ".railway"
PRESERVE = "<preserve: set by hand in Railway>"
SOURCE = load_source()


def render(file: Path) -> dict[str, Any]:
    """The SDK's project definition for ``file`` (its folder needs the SDK in node_modules)."""
    require_tool("node", "Node runs the SDK that renders .railway/railway.ts")
    tsx = IAC_DIR / "node_modules" / ".bin" / "tsx"
    if not tsx.exists():
        message = "the SDK is not installed: `npm ci --ignore-scripts --prefix .railway`"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message} (the nox tests session runs it)")
        pytest.skip(message)
    result = subprocess.run(
        [str(tsx), str(IAC_DIR / "render.mjs"), str(file), "production"],
        cwd=file.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rendered: dict[str, Any] = json.loads(result.stdout)
    return rendered


def variable_text(value: dict[str, Any]) -> str:
    """A rendered variable as it reads in Railway's variables (reference syntax included)."""
    if value["type"] == "literal":
        return str(value["value"])
    if value["type"] == "reference":
        resource = value["resource"].split(".", 1)[1]
        return "${{" + f"{resource}.{value['output']}" + "}}"
    if value["type"] == "preserve":
        return PRESERVE
    raise AssertionError(f"unexpected variable form {value}")


def declared_service(spec: ServiceSpec) -> dict[str, Any]:
    """What the IaC must declare for one service, built from the source of truth."""
    deploy: dict[str, Any] = {
        "startCommand": spec.start,
        **spec.release_settings(),
        "limitOverride": {
            "containers": {"cpu": spec.vcpu, "memoryBytes": spec.memory_mb * 1024 * 1024}
        },
    }
    if spec.pre_deploy:
        deploy["preDeployCommand"] = spec.pre_deploy
    return {
        "build": {"builder": "RAILPACK", "watchPatterns": spec.watch_patterns},
        "deploy": deploy,
        "variables": {**spec.variables, **dict.fromkeys(spec.by_hand, PRESERVE)},
    }


def rendered_service(node: dict[str, Any]) -> dict[str, Any]:
    return {
        "build": node.get("build"),
        "deploy": node.get("deploy"),
        "variables": {key: variable_text(v) for key, v in node.get("variables", {}).items()},
    }


def differences(definition: dict[str, Any], source: Source) -> list[str]:
    """Every place where the rendered IaC and the source of truth disagree."""
    found = []
    resources = {node["address"]: node for node in definition["resources"]}
    expected = {f"database.{source.postgres_service}"} | {
        f"service.{name}" for name in source.services
    }
    if set(resources) != expected:
        found.append(f"resources {sorted(resources)} != {sorted(expected)}")
    database = resources.get(f"database.{source.postgres_service}", {})
    if database.get("engine") != "postgres" or database.get("image") != source.postgres_image:
        found.append(f"database: {database.get('engine')} {database.get('image')}")
    for name, spec in source.services.items():
        node = resources.get(f"service.{name}", {})
        if "source" in node:
            found.append(f"{name}: has a source; CI deploys it with `railway up`")
        want, got = declared_service(spec), rendered_service(node)
        for part in ("build", "deploy"):
            for key in sorted(set(want[part]) | set(got[part] or {})):
                if want[part].get(key) != (got[part] or {}).get(key):
                    found.append(f"{name}.{part}.{key}: {(got[part] or {}).get(key)!r}")
        for key in sorted(set(want["variables"]) | set(got["variables"])):
            if want["variables"].get(key) != got["variables"].get(key):
                found.append(f"{name}.variables.{key}: {got['variables'].get(key)!r}")
    return found


@pytest.fixture(scope="module")
def definition() -> dict[str, Any]:
    return render(IAC_DIR / "railway.ts")


def test_rendered_iac_equals_the_source_of_truth(definition: dict[str, Any]) -> None:
    assert definition["name"] == "executive-analytics-assistant"
    assert differences(definition, SOURCE) == []


def test_postgres_is_the_sdk_default_image_of_the_declared_major(
    definition: dict[str, Any],
) -> None:
    (database,) = [node for node in definition["resources"] if node["type"] == "database"]
    assert database["name"] == SOURCE.postgres_service
    assert database["image"] == SOURCE.postgres_image
    assert SOURCE.postgres_image.endswith(f":{SOURCE.postgres_major}")


def test_a_drift_in_the_iac_file_is_reported(tmp_path: Path) -> None:
    """The comparison is not vacuous: one changed value in railway.ts is one difference."""
    text = (IAC_DIR / "railway.ts").read_text()
    drifted = text.replace('healthcheck: "/api/health",', 'healthcheck: "/health",', 1)
    drifted = drifted.replace('RAILWAY_DEPLOYMENT_DRAINING_SECONDS: "15",', "", 1)
    assert drifted.count("\n") == text.count("\n")
    (tmp_path / "railway.ts").write_text(drifted)
    (tmp_path / "node_modules").symlink_to(IAC_DIR / "node_modules")
    assert differences(render(tmp_path / "railway.ts"), SOURCE) == [
        "backend.deploy.healthcheckPath: '/health'",
        "frontend.variables.RAILWAY_DEPLOYMENT_DRAINING_SECONDS: None",
    ]


def test_the_sdk_and_the_cli_are_pinned_by_the_lock() -> None:
    """npm ci installs exactly these; the deploy job's CLI is new enough for `railway config`."""
    package = json.loads((IAC_DIR / "package.json").read_text())
    lock = json.loads((IAC_DIR / "package-lock.json").read_text())
    pinned = {**package["dependencies"], **package["devDependencies"]}
    assert set(pinned) == {"railway", "@railway/cli"}
    for name, version in pinned.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} must be an exact version"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
        assert lock["packages"][f"node_modules/{name}"]["integrity"].startswith("sha512-")
    assert int(pinned["railway"].split(".")[0]) == 3
    # railway/iac 3.x refuses CLIs older than 5.42.1 (its compatibility check).
    major, minor, _ = map(int, pinned["@railway/cli"].split("."))
    assert (major, minor) >= (5, 43)


def test_node_modules_stay_out_of_git() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".railway/node_modules/railway/package.json"],
        cwd=REPO_ROOT,
        check=False,
    )
    assert ignored.returncode == 0
