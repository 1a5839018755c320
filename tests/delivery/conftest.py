"""Helpers for the delivery tests: repository paths and the rule for missing external tools."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def require_tool(name: str, why: str) -> str:
    """Path of ``name``; missing tools fail under CI (CI installs them) and skip elsewhere."""
    path = shutil.which(name)
    if path:
        return path
    message = f"`{name}` is not installed: {why}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI must provide it; see .ci/run)")
    pytest.skip(message)
