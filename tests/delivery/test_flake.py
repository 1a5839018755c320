"""The Nix flake: syntax, an offline-consistent lock on a real nixpkgs pin, and evaluation.

Debian's Nix 2.8 cannot evaluate real nixpkgs (it needs Nix >= 2.18) and the tests run offline,
so the outputs are evaluated against ``stub-nixpkgs`` through ``--override-input``; the lock
itself is checked without any override, which proves that ``original`` matches the flake's URL
(otherwise Nix would try to re-lock over the network and fail).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.delivery.conftest import REPO_ROOT, require_tool

FEATURES = ["--extra-experimental-features", "nix-command flakes"]
SYSTEMS = ["x86_64-linux", "aarch64-linux", "x86_64-darwin", "aarch64-darwin"]
PIN = {
    "owner": "NixOS",
    "repo": "nixpkgs",
    "rev": "74cc63f702f7d60a557e152a57b40fb1fd0f72ac",
    "narHash": "sha256-0XnckG4ZhBmAsYa9mLuEIFowBG0fDGPLHduQGsbMS4A=",
    "lastModified": 1783549019,
    "type": "github",
}


@pytest.fixture(scope="module")
def nix() -> str:
    return require_tool("nix", "install Debian's nix-bin (.ci/run does)")


@pytest.fixture(scope="module")
def flake_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy outside git: Nix ignores untracked files of a git checkout."""
    target = tmp_path_factory.mktemp("flake")
    for name in ("flake.nix", "flake.lock"):
        shutil.copy(REPO_ROOT / name, target / name)
    return target


@pytest.fixture(scope="module")
def stub_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("stub")
    shutil.copy(Path(__file__).with_name("stub-nixpkgs") / "flake.nix", target / "flake.nix")
    return target


def run_nix(nix: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [nix, *FEATURES, *args], cwd=cwd, capture_output=True, text=True, timeout=240, check=False
    )


def all_systems(nix: str) -> list[str]:
    """Newer Nix (CI's) shows and checks only the host system unless asked; 2.8 knows no flag."""
    version = subprocess.run([nix, "--version"], capture_output=True, text=True, check=True)
    found = re.search(r"(\d+)\.(\d+)", version.stdout)
    assert found, version.stdout
    return ["--all-systems"] if (int(found[1]), int(found[2])) >= (2, 13) else []


def evaluate(nix: str, flake_dir: Path, stub_dir: Path, *args: str) -> str:
    result = run_nix(nix, *args, "--override-input", "nixpkgs", f"path:{stub_dir}", cwd=flake_dir)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_flake_parses() -> None:
    tool = require_tool("nix-instantiate", "install Debian's nix-bin (.ci/run does)")
    result = subprocess.run(
        [tool, "--parse", str(REPO_ROOT / "flake.nix")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_lock_pins_the_real_nixos_26_05_revision() -> None:
    lock = json.loads((REPO_ROOT / "flake.lock").read_text())
    assert lock["version"] == 7
    assert lock["nodes"]["root"] == {"inputs": {"nixpkgs": "nixpkgs"}}
    assert lock["nodes"]["nixpkgs"]["locked"] == PIN
    assert lock["nodes"]["nixpkgs"]["original"] == {
        "owner": "NixOS",
        "ref": "nixos-26.05",
        "repo": "nixpkgs",
        "type": "github",
    }
    assert 'github:NixOS/nixpkgs/nixos-26.05"' in (REPO_ROOT / "flake.nix").read_text()


def test_lock_is_consistent_offline(nix: str, flake_dir: Path) -> None:
    result = run_nix(
        nix,
        "--offline",
        "flake",
        "metadata",
        "--no-update-lock-file",
        f"path:{flake_dir}",
        cwd=flake_dir,
    )
    assert result.returncode == 0, result.stderr
    assert f"github:NixOS/nixpkgs/{PIN['rev']}" in result.stdout


def test_flake_shows_shells_checks_and_formatter_for_every_system(
    nix: str, flake_dir: Path, stub_dir: Path
) -> None:
    shown = evaluate(
        nix, flake_dir, stub_dir, "flake", "show", "--json", *all_systems(nix), f"path:{flake_dir}"
    )
    outputs = json.loads(shown)
    for system in SYSTEMS:
        assert set(outputs["devShells"][system]) == {"default", "deploy"}
        assert set(outputs["checks"][system]) == {"lint", "tests"}
        assert system in outputs["formatter"]
    original = (flake_dir / "flake.lock").read_text()
    assert original == (REPO_ROOT / "flake.lock").read_text(), "an override must not re-lock"


def test_dev_shell_pins_python_uv_postgres_mariadb_and_node(
    nix: str, flake_dir: Path, stub_dir: Path
) -> None:
    shell = f"path:{flake_dir}#devShells.x86_64-linux.default"
    packages = json.loads(evaluate(nix, flake_dir, stub_dir, "eval", "--json", f"{shell}.packages"))
    names = {Path(item).name.split("-", 1)[1] for item in packages}
    assert names == {
        "python3-3.11-stub",
        "uv-stub",
        "nox-stub",
        "ruff-stub",
        "postgresql-18-stub",
        "libpq-stub",
        "mariadb-stub",
        "actionlint-stub",
        "nodejs-stub",
    }
    assert evaluate(nix, flake_dir, stub_dir, "eval", "--raw", f"{shell}.UV_PYTHON").endswith(
        "python3-3.11-stub/bin/python3.11"
    )
    assert evaluate(nix, flake_dir, stub_dir, "eval", "--raw", f"{shell}.UV_PYTHON_DOWNLOADS") == (
        "never"
    )
    assert evaluate(nix, flake_dir, stub_dir, "eval", "--raw", f"{shell}.PG_BINDIR").endswith(
        "postgresql-18-stub/bin"
    )
    assert "zlib-stub/lib" in evaluate(
        nix, flake_dir, stub_dir, "eval", "--raw", f"{shell}.LD_LIBRARY_PATH"
    )
    darwin = f"path:{flake_dir}#devShells.aarch64-darwin.default"
    assert (
        evaluate(
            nix, flake_dir, stub_dir, "eval", "--json", darwin, "--apply", "s: s ? LD_LIBRARY_PATH"
        ).strip()
        == "false"
    )


def test_deploy_shell_holds_only_the_deploy_clis(nix: str, flake_dir: Path, stub_dir: Path) -> None:
    shell = f"path:{flake_dir}#devShells.x86_64-linux.deploy.packages"
    packages = json.loads(evaluate(nix, flake_dir, stub_dir, "eval", "--json", shell))
    assert sorted(Path(item).name.split("-", 1)[1] for item in packages) == [
        "nixpacks-stub",
        "railway-stub",
    ]


def test_flake_check_evaluates(nix: str, flake_dir: Path, stub_dir: Path) -> None:
    evaluate(
        nix,
        flake_dir,
        stub_dir,
        "flake",
        "check",
        "--no-build",
        *all_systems(nix),
        f"path:{flake_dir}",
    )
