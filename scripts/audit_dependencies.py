"""Audit the locked dependency set for known vulnerabilities with pip-audit.

``uv.lock`` is exported with hashes and checked against PyPI's vulnerability data without
installing anything. The audit needs that data online: when PyPI cannot be reached (no network,
or a registry mirror without the per-version JSON API) every package comes back "not found";
this is reported loudly as *not audited* and does not fail the build, while a single known
vulnerability does.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_NETWORK_HINTS = ("ConnectionError", "ConnectTimeout", "ReadTimeout", "Max retries", "resolve")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "requirements.txt"
        report = Path(tmp) / "audit.json"
        subprocess.run(
            [
                "uv",
                "export",
                "--frozen",
                "--all-packages",
                "--no-emit-workspace",
                "--quiet",
                "--format",
                "requirements.txt",
                "--output-file",
                str(requirements),
            ],
            cwd=ROOT,
            check=True,
        )
        audit = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip_audit",
                "--requirement",
                str(requirements),
                "--require-hashes",
                "--disable-pip",
                "--progress-spinner",
                "off",
                "--timeout",
                "15",
                "--format",
                "json",
                "--output",
                str(report),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if not report.exists():
            if any(hint in audit.stderr for hint in _NETWORK_HINTS):
                print("pip-audit: NOT AUDITED - PyPI's vulnerability data is unreachable here.")
                return 0
            print(audit.stderr, file=sys.stderr)
            return audit.returncode or 1
        dependencies = json.loads(report.read_text())["dependencies"]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    for dep in vulnerable:
        ids = ", ".join(v["id"] for v in dep["vulns"])
        print(f"pip-audit: {dep['name']} {dep['version']} has known vulnerabilities: {ids}")
    if vulnerable:
        return 1
    if skipped and len(skipped) == len(dependencies):
        print(
            f"pip-audit: NOT AUDITED - none of the {len(dependencies)} locked packages could be "
            "looked up (no network, or an index without PyPI's JSON API). Run it online."
        )
        return 0
    audited = len(dependencies) - len(skipped)
    print(f"pip-audit: {audited} packages audited, no known vulnerabilities", end="")
    print(f"; {len(skipped)} could not be looked up" if skipped else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
