"""Graceful shutdown of the frontend: SIGTERM closes the Gradio server cleanly with status 0.

Contract: ``python -m frontend`` treats SIGTERM (a deploy replacing it) like Ctrl-C — Gradio
closes its server (stops listening, lets running requests finish) and the process exits 0
instead of being killed by the signal.
"""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
from devkit.processes import free_port, frontend_command, run_service


def test_sigterm_closes_the_frontend_and_exits_zero(work_dir: Path) -> None:
    # The page is served without asking the backend, so an unused address is enough here.
    backend_url = f"http://127.0.0.1:{free_port()}"
    with run_service(
        frontend_command(),
        env={"BACKEND_URL": backend_url, "GRADIO_SERVER_NAME": "127.0.0.1"},
        health_path="/",
        log_dir=work_dir,
    ) as frontend:
        assert httpx.get(frontend.base_url + "/", timeout=10).status_code == 200
        frontend.process.send_signal(signal.SIGTERM)
        exit_code = frontend.process.wait(timeout=30)
        log = frontend.log()

    assert exit_code == 0, log
    assert "closing server" in log
    assert "Traceback" not in log
