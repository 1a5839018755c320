"""GitHub Actions workflows: schema-valid, SHA-pinned, least-privilege, zizmor-clean, and gated.

Contracts: GitHub's workflow syntax (check-jsonschema's vendored schema, actionlint where it is
installed), zizmor's offline audits (no finding at all), and the delivery rule that
a commit reaches Railway only from the CI run that tested that same commit.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML ships no type stubs

from tests.delivery.conftest import REPO_ROOT

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
TOOLS = Path(sys.executable).parent


def load(name: str) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    return data


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    """YAML 1.1 reads the key ``on`` as True."""
    value = workflow.get("on", workflow.get(True))
    return value if isinstance(value, dict) else {}


def test_there_are_exactly_the_two_workflows() -> None:
    assert [path.name for path in FILES] == ["ci.yml", "deploy.yml"]


def test_workflows_match_the_vendored_schema() -> None:
    result = subprocess.run(
        [str(TOOLS / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows"]
        + [str(path) for path in FILES],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing() -> None:
    result = subprocess.run(
        [str(TOOLS / "zizmor"), "--offline", "--format", "json", str(WORKFLOWS)],
        capture_output=True,
        text=True,
        check=False,
    )
    findings = json.loads(result.stdout)
    assert isinstance(findings, list), result.stderr
    assert [(f["ident"], f["determinations"]["severity"]) for f in findings] == []


def test_actionlint_accepts_the_workflows() -> None:
    actionlint = shutil.which("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed (it comes with `nix develop`; no offline wheel)")
    result = subprocess.run(
        [actionlint, *map(str, FILES)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize("name", ["ci.yml", "deploy.yml"])
def test_every_action_is_pinned_to_a_full_commit(name: str) -> None:
    uses = [step["uses"] for step in _steps(load(name)) if "uses" in step]
    assert uses, "the workflow uses actions"
    assert [use for use in uses if not PINNED.match(use)] == []
    text = (WORKFLOWS / name).read_text()
    for use in uses:
        assert re.search(re.escape(use) + r" # v\d", text), f"{use} needs its version comment"


@pytest.mark.parametrize("name", ["ci.yml", "deploy.yml"])
def test_permissions_are_least_privilege(name: str) -> None:
    workflow = load(name)
    assert workflow["permissions"] == {}
    for job in workflow["jobs"].values():
        assert job["permissions"] == {"contents": "read"}


@pytest.mark.parametrize("name", ["ci.yml", "deploy.yml"])
def test_checkouts_do_not_keep_the_token(name: str) -> None:
    checkouts = [s for s in _steps(load(name)) if s.get("uses", "").startswith("actions/checkout")]
    assert checkouts
    assert all(step["with"]["persist-credentials"] is False for step in checkouts)


def test_ci_runs_every_session_in_the_flake_on_push_and_pull_request() -> None:
    ci = load("ci.yml")
    assert set(triggers(ci)) == {"push", "pull_request"}
    runs = " ".join(step.get("run", "") for step in _steps(ci))
    assert "nix develop --no-update-lock-file --command nox -s lint tests smoke rehearsal" in runs
    assert any(s.get("uses", "").startswith("actions/cache@") for s in _steps(ci))


def test_ci_evaluates_the_real_nixpkgs() -> None:
    """The offline tests evaluate a stub; GitHub's runner checks the flake on the real pin."""
    runs = " ".join(step.get("run", "") for step in _steps(load("ci.yml")))
    assert "nix flake check --no-build --no-update-lock-file" in runs
    assert "nix eval --no-update-lock-file --raw .#devShells.x86_64-linux.default.drvPath" in runs


def test_deploy_runs_only_after_the_same_runs_checks_passed() -> None:
    """deploy.yml has no trigger of its own; ci.yml calls it after `checks`, on main pushes."""
    deploy = load("deploy.yml")
    assert set(triggers(deploy)) == {"workflow_call"}
    assert not (triggers(deploy).get("workflow_call") or {}).get("secrets"), (
        "RAILWAY_TOKEN is an environment secret, not passed by the caller"
    )
    ci_jobs = load("ci.yml")["jobs"]
    callers = {name: job for name, job in ci_jobs.items() if "deploy.yml" in job.get("uses", "")}
    assert list(callers) == ["deploy"]
    job = callers["deploy"]
    assert job["needs"] == "checks"
    assert job["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert "secrets" not in job
    # `needs` without `always()`/`failure()` only runs when every needed job succeeded.
    assert "always()" not in job["if"]
    assert "failure()" not in job["if"]


def test_deploy_applies_the_iac_then_ships_the_tested_commit_backend_first() -> None:
    (job,) = load("deploy.yml")["jobs"].values()
    assert job["concurrency"] == {"group": "railway-production", "cancel-in-progress": False}
    assert job["environment"]["name"] == "production"
    steps = job["steps"]
    assert steps[0]["with"]["ref"] == "${{ github.sha }}"
    runs = [step.get("run", "") for step in steps]
    cli = ".railway/node_modules/.bin/railway"
    (install,) = [i for i, run in enumerate(runs) if "npm ci" in run]
    assert runs[install].startswith("npm ci --prefix .railway")
    (iac,) = [i for i, run in enumerate(runs) if "config plan" in run]
    assert f"{cli} config plan --detailed-exit-code" in runs[iac]
    assert f"{cli} config apply --yes" in runs[iac]
    assert "--confirm-destructive" not in runs[iac], "a destructive plan must stop the deploy"
    ups = [i for i, run in enumerate(runs) if " up --ci" in run]
    services = [name for i in ups for name in re.findall(r"up --ci --service (\w+)", runs[i])]
    assert services == ["backend", "frontend"]
    assert install < iac < ups[0]
    for i, service in zip(ups, services, strict=True):
        assert 'variable set "COMMIT_SHA=${GITHUB_SHA}"' in runs[i]
        assert f"--service {service} --skip-deploys" in runs[i]
        assert runs[i].index("COMMIT_SHA") < runs[i].index(" up --ci")
    for i in [iac, *ups]:
        assert steps[i]["env"] == {"RAILWAY_TOKEN": "${{ secrets.RAILWAY_TOKEN }}"}
    assert all(cli in runs[i] for i in [iac, *ups]), "the CLI locked in .railway, nothing else"


def test_ci_entry_point_and_workflow_run_the_same_sessions() -> None:
    """.ci/run (this machine's CI) and ci.yml (GitHub's) must not drift apart."""
    script = (REPO_ROOT / ".ci" / "run").read_text()
    local = re.findall(r"^nox -s (\w+)$", script, flags=re.MULTILINE)
    assert local == ["lint", "tests", "smoke", "rehearsal"]
    assert "command -v nix" in script, "nix is installed when missing, for the flake tests"
    runs = " ".join(step.get("run", "") for step in _steps(load("ci.yml")))
    found = re.search(r"nox -s ((?:\w+ ?)+)", runs)
    assert found
    assert found.group(1).split() == local


def test_smoke_and_rehearsal_are_nox_sessions() -> None:
    listed = subprocess.run(
        [str(TOOLS / "nox"), "--list", "--json", "-s", "smoke", "rehearsal"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    sessions = {item["name"]: item["description"] for item in json.loads(listed.stdout)}
    assert set(sessions) == {"smoke", "rehearsal"}
    assert all(sessions.values())
