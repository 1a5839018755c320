"""Health smoke: start each service with the deploy's own start command and wait for health.

Run through ``nox -s smoke``. The command strings come from the deploy config
(``scripts.deploy_config``), so what is smoked is exactly what Railway will run, on embedded
defaults (no keys, no servers). Any failure exits non-zero and prints the service's log.
"""

from __future__ import annotations

import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from devkit.processes import free_port, run_service

from scripts.deploy_config import ServiceDeploy, load_services


def service_env(service: ServiceDeploy, work: Path, backend_url: str) -> dict[str, str]:
    """Runtime variables: the build's, plus what Railway would inject or the operator set."""
    env = dict(service.variables)
    env.update({"DATA_DIR": str(work / "data"), "BACKEND_URL": backend_url})
    return env


def main() -> int:
    services = load_services()
    backend_url = f"http://127.0.0.1:{free_port()}"
    with tempfile.TemporaryDirectory(prefix="eaa-smoke-") as tmp, ExitStack() as stack:
        for service in services:
            work = Path(tmp) / service.name
            work.mkdir()
            port = int(backend_url.rsplit(":", 1)[1]) if service.name == "backend" else None
            started = time.monotonic()
            try:
                running = stack.enter_context(
                    run_service(
                        ["bash", "-c", service.start_cmd],
                        env=service_env(service, work, backend_url),
                        health_path=service.health_path,
                        log_dir=work,
                        timeout=service.health_timeout_seconds,
                        port=port,
                    )
                )
            except RuntimeError as error:
                print(f"SMOKE FAILED: {service.name}: `{service.start_cmd}`\n{error}")
                return 1
            print(
                f"smoke ok: {service.name} `{service.start_cmd}` healthy at "
                f"{running.base_url}{service.health_path} in {time.monotonic() - started:.1f}s"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
