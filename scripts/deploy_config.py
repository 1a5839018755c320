"""The deploy configuration as data: what Railway and Nixpacks will run for each service.

``railway.toml`` / ``frontend/railway.toml`` and the ``nixpacks.toml`` each one names are the
single source of truth; the smoke and rehearsal sessions and the delivery tests read them here
instead of repeating any command, so a change to a start command is exercised the same day.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]

# Railway service name -> its config file (the "Railway Config File" set on the service).
RAILWAY_CONFIGS = {"backend": "railway.toml", "frontend": "frontend/railway.toml"}

# Where Nixpacks builds the service's virtualenv inside the image.
IMAGE_VENV = "/opt/venv"


@dataclass(frozen=True)
class ServiceDeploy:
    """One service's build, release and run steps, as the platform would execute them."""

    name: str
    railway_file: Path
    nixpacks_file: Path
    variables: dict[str, str]
    install_cmds: list[str]
    pre_deploy_cmds: list[str]
    start_cmd: str
    health_path: str
    health_timeout_seconds: int
    draining_seconds: int
    overlap_seconds: int
    watch_patterns: list[str]

    def with_venv(self, venv: Path) -> ServiceDeploy:
        """The same steps with the image's ``/opt/venv`` moved to ``venv`` (for replays)."""

        def move(text: str) -> str:
            return text.replace(IMAGE_VENV, str(venv))

        return ServiceDeploy(
            name=self.name,
            railway_file=self.railway_file,
            nixpacks_file=self.nixpacks_file,
            variables={key: move(value) for key, value in self.variables.items()},
            install_cmds=[move(cmd) for cmd in self.install_cmds],
            pre_deploy_cmds=[move(cmd) for cmd in self.pre_deploy_cmds],
            start_cmd=move(self.start_cmd),
            health_path=self.health_path,
            health_timeout_seconds=self.health_timeout_seconds,
            draining_seconds=self.draining_seconds,
            overlap_seconds=self.overlap_seconds,
            watch_patterns=self.watch_patterns,
        )


def read_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def load_service(name: str, root: Path = REPO_ROOT) -> ServiceDeploy:
    railway_file = root / RAILWAY_CONFIGS[name]
    railway = read_toml(railway_file)
    build, deploy = railway.get("build", {}), railway.get("deploy", {})
    nixpacks_file = root / build.get("nixpacksConfigPath", "nixpacks.toml")
    nixpacks = read_toml(nixpacks_file)
    return ServiceDeploy(
        name=name,
        railway_file=railway_file,
        nixpacks_file=nixpacks_file,
        variables={key: str(value) for key, value in nixpacks.get("variables", {}).items()},
        install_cmds=list(nixpacks["phases"]["install"]["cmds"]),
        pre_deploy_cmds=list(deploy.get("preDeployCommand", [])),
        start_cmd=deploy.get("startCommand") or nixpacks["start"]["cmd"],
        health_path=deploy["healthcheckPath"],
        health_timeout_seconds=int(deploy.get("healthcheckTimeout", 300)),
        draining_seconds=int(deploy.get("drainingSeconds", 0)),
        overlap_seconds=int(deploy.get("overlapSeconds", 0)),
        watch_patterns=list(build.get("watchPatterns", [])),
    )


def load_services(root: Path = REPO_ROOT) -> list[ServiceDeploy]:
    """Both services in deploy order: the backend first, since the frontend calls it."""
    return [load_service(name, root) for name in RAILWAY_CONFIGS]
