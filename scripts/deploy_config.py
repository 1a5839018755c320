"""The deploy configuration as data: the source of truth and what each builder will run from it.

``deploy/services.toml`` holds every per-service deploy setting once. The builders' own files
(``nixpacks.toml``, ``backend/railpack.json`` ...) are read here as the platform would read
them, so the smoke and rehearsal sessions replay each builder's real commands and the delivery
tests hold every file to the source of truth. ``python -m scripts.deploy_config`` rewrites the
settings table in docs/deploy.md from the source of truth.
"""

from __future__ import annotations

import json
import sys
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
SOURCE = REPO_ROOT / "deploy" / "services.toml"
DEPLOY_DOC = REPO_ROOT / "docs" / "deploy.md"
TABLE_START = "<!-- deploy-settings:start -->"
TABLE_END = "<!-- deploy-settings:end -->"

BUILDERS = ("nixpacks", "railpack")
# Where each builder keeps the service's virtualenv inside the image: Nixpacks' /opt/venv (on
# its PATH), Railpack's VENV_PATH (railwayapp/railpack core/providers/python/python.go).
IMAGE_VENV = {"nixpacks": "/opt/venv", "railpack": "/app/.venv"}
# What Railpack's Python provider sets for its uv steps (InstallUv in python.go, commit
# 97c3f70); the file's own variables come on top.
RAILPACK_UV_ENV = {
    "UV_COMPILE_BYTECODE": "1",
    "UV_LINK_MODE": "copy",
    "UV_PYTHON_DOWNLOADS": "never",
}


def read_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@dataclass(frozen=True)
class ServiceSpec:
    """One service's deploy settings, as declared in deploy/services.toml."""

    name: str
    nixpacks_config: str
    railpack_config: str
    railway_config: str
    install: str
    pre_deploy: list[str]
    start: str
    health_path: str
    health_timeout_seconds: int
    restart_policy: str
    restart_max_retries: int
    overlap_seconds: int
    draining_seconds: int
    vcpu: float
    memory_mb: int
    watch_patterns: list[str]
    by_hand: list[str]
    image_variables: dict[str, str]
    variables: dict[str, str]

    def config_file(self, builder: str) -> str:
        return self.nixpacks_config if builder == "nixpacks" else self.railpack_config

    def release_settings(self) -> dict[str, int | str]:
        """Health and restart settings, spelled as Railway's deploy keys (the railway.toml
        ``[deploy]`` table and the IaC file both use them)."""
        return {
            "healthcheckPath": self.health_path,
            "healthcheckTimeout": self.health_timeout_seconds,
            "restartPolicyType": self.restart_policy,
            "restartPolicyMaxRetries": self.restart_max_retries,
            "overlapSeconds": self.overlap_seconds,
            "drainingSeconds": self.draining_seconds,
        }


@dataclass(frozen=True)
class Source:
    postgres_service: str
    postgres_image: str
    postgres_major: int
    services: dict[str, ServiceSpec]


def load_source(path: Path = SOURCE) -> Source:
    data = read_toml(path)
    services = {name: ServiceSpec(name=name, **fields) for name, fields in data["services"].items()}
    postgres = data["postgres"]
    return Source(postgres["service"], postgres["image"], int(postgres["major"]), services)


@dataclass(frozen=True)
class ServiceDeploy:
    """One service's build, release and run steps for one builder, as the platform runs them.

    Build steps and the start command come from the builder's own file; release and health
    settings from the source of truth (Railway applies them from the IaC or railway.toml).
    """

    name: str
    builder: str
    config_file: Path
    variables: dict[str, str]
    paths: list[str]
    install_cmds: list[str]
    pre_deploy_cmds: list[str]
    start_cmd: str
    health_path: str
    health_timeout_seconds: int
    draining_seconds: int
    overlap_seconds: int
    # What the builder itself provides before the install commands (Railpack's `packages`,
    # installed by mise); Nixpacks installs its uv inside its own install commands.
    packages: dict[str, str]
    python_version: str

    @property
    def venv(self) -> str:
        return self.variables["UV_PROJECT_ENVIRONMENT"]

    def with_venv(self, venv: Path) -> ServiceDeploy:
        """The same steps with the image's virtualenv moved to ``venv`` (for replays)."""
        image = self.venv

        def move(text: str) -> str:
            return text.replace(image, str(venv))

        return replace(
            self,
            variables={key: move(value) for key, value in self.variables.items()},
            paths=[move(path) for path in self.paths],
            install_cmds=[move(cmd) for cmd in self.install_cmds],
            pre_deploy_cmds=[move(cmd) for cmd in self.pre_deploy_cmds],
            start_cmd=move(self.start_cmd),
        )


@dataclass(frozen=True)
class _Steps:
    variables: dict[str, str]
    paths: list[str]
    install_cmds: list[str]
    start_cmd: str
    packages: dict[str, str]
    python_version: str


def _nixpacks_steps(file: Path) -> _Steps:
    nixpacks = read_toml(file)
    variables = {key: str(value) for key, value in nixpacks.get("variables", {}).items()}
    return _Steps(
        variables=variables,
        paths=[IMAGE_VENV["nixpacks"] + "/bin"],
        install_cmds=list(nixpacks["phases"]["install"]["cmds"]),
        start_cmd=nixpacks["start"]["cmd"],
        packages={},
        python_version=variables["NIXPACKS_PYTHON_VERSION"],
    )


def railpack_commands(step: dict[str, Any]) -> tuple[list[str], list[str]]:
    """A Railpack step's shell commands and the PATH entries its path commands add."""
    shell, paths = [], []
    for command in step.get("commands", []):
        if isinstance(command, str):
            shell.append(command)
        elif "cmd" in command:
            shell.append(command["cmd"])
        elif set(command) == {"path"}:
            paths.append(command["path"])
    return shell, paths


def _railpack_steps(file: Path) -> _Steps:
    railpack = read_json(file)
    cmds, paths = [], []
    for name in ("install", "build"):  # the Python provider's step order
        shell, added = railpack_commands(railpack["steps"].get(name, {}))
        cmds += shell
        paths += added
    deploy = railpack["deploy"]
    variables = {
        **RAILPACK_UV_ENV,
        **deploy.get("variables", {}),
        "UV_PROJECT_ENVIRONMENT": IMAGE_VENV["railpack"],  # uv's default: the project's .venv
    }
    packages = dict(railpack.get("packages", {}))
    return _Steps(
        variables=variables,
        paths=list(dict.fromkeys([*deploy.get("paths", []), *paths])),
        install_cmds=cmds,
        start_cmd=deploy["startCommand"],
        packages=packages,
        python_version=packages["python"],
    )


def load_service(
    name: str, builder: str = "nixpacks", root: Path = REPO_ROOT, source: Source | None = None
) -> ServiceDeploy:
    spec = (source or load_source(root / "deploy" / "services.toml")).services[name]
    file = root / spec.config_file(builder)
    steps = (_nixpacks_steps if builder == "nixpacks" else _railpack_steps)(file)
    return ServiceDeploy(
        name=name,
        builder=builder,
        config_file=file,
        variables=steps.variables,
        paths=steps.paths,
        install_cmds=steps.install_cmds,
        pre_deploy_cmds=list(spec.pre_deploy),
        start_cmd=steps.start_cmd,
        health_path=spec.health_path,
        health_timeout_seconds=spec.health_timeout_seconds,
        draining_seconds=spec.draining_seconds,
        overlap_seconds=spec.overlap_seconds,
        packages=steps.packages,
        python_version=steps.python_version,
    )


def load_services(builder: str = "nixpacks", root: Path = REPO_ROOT) -> list[ServiceDeploy]:
    """Both services in deploy order: the backend first, since the frontend calls it."""
    source = load_source(root / "deploy" / "services.toml")
    return [load_service(name, builder, root, source) for name in source.services]


def _cell(values: list[str]) -> str:
    return ", ".join(f"`{value}`" for value in values) if values else "—"


def settings_table(source: Source) -> str:
    """The per-service settings table of docs/deploy.md, from the source of truth."""
    backend, frontend = source.services["backend"], source.services["frontend"]

    def row(label: str, show: Any) -> str:
        return f"| {label} | {show(backend)} | {show(frontend)} |"

    rows = [
        "| Setting | backend | frontend |",
        "|---|---|---|",
        row("Railpack file (`RAILPACK_CONFIG_FILE`)", lambda s: f"`{s.railpack_config}`"),
        row("Nixpacks file (`NIXPACKS_CONFIG_FILE`)", lambda s: f"`{s.nixpacks_config}`"),
        row("Config-as-code file (existing services)", lambda s: f"`/{s.railway_config}`"),
        row("Install", lambda s: f"`{s.install}`"),
        row("Pre-deploy command", lambda s: _cell(s.pre_deploy)),
        row("Start command", lambda s: f"`{s.start}`"),
        row(
            "Health check path / timeout",
            lambda s: f"`{s.health_path}`, {s.health_timeout_seconds} s",
        ),
        row(
            "Restart policy",
            lambda s: f"{s.restart_policy}, {s.restart_max_retries} retries",
        ),
        row(
            "Overlap / draining",
            lambda s: f"{s.overlap_seconds} s / {s.draining_seconds} s",
        ),
        row("Resources", lambda s: f"{s.vcpu} vCPU / {s.memory_mb} MB"),
        row("Watch paths", lambda s: _cell(s.watch_patterns)),
        row("Set by hand (secrets)", lambda s: _cell(s.by_hand)),
    ]
    return "\n".join([TABLE_START, *rows, TABLE_END])


def write_table(doc: Path = DEPLOY_DOC) -> bool:
    """Rewrite the table between its markers; True when the file changed."""
    text = doc.read_text()
    head, rest = text.split(TABLE_START, 1)
    tail = rest.split(TABLE_END, 1)[1]
    updated = head + settings_table(load_source()) + tail
    doc.write_text(updated)
    return updated != text


if __name__ == "__main__":
    print("docs/deploy.md updated" if write_table() else "docs/deploy.md already current")
    sys.exit(0)
