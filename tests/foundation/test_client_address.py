"""Per-address limits key on the visitor: X-Forwarded-For counts only from trusted peers.

In production every browser request reaches the backend through the frontend, which forwards
the visitor's address; without that, all anonymous visitors would share the frontend's one
free question. From any other peer the header is ignored, so forging it gains nothing.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from devkit.processes import backend_command, run_service

QUESTION = {"question": "How many loans per purpose?"}


def _ask_as(base_url: str, address: str) -> int:
    response = httpx.post(
        base_url + "/api/query", json=QUESTION, headers={"X-Forwarded-For": address}
    )
    return response.status_code


def test_trusted_peer_forwards_each_visitors_address(work_dir: Path) -> None:
    with run_service(
        backend_command(), env={}, health_path="/api/health", log_dir=work_dir
    ) as backend:
        first = _ask_as(backend.base_url, "203.0.113.10")
        second = _ask_as(backend.base_url, "203.0.113.11")
        again = _ask_as(backend.base_url, "203.0.113.10")
    assert (first, second, again) == (200, 200, 402)


def test_forged_header_from_an_untrusted_peer_is_ignored(work_dir: Path) -> None:
    with run_service(
        backend_command(),
        env={"FORWARDED_ALLOW_IPS": "10.9.9.9"},
        health_path="/api/health",
        log_dir=work_dir,
        timeout=60,
    ) as backend:
        first = _ask_as(backend.base_url, "203.0.113.10")
        forged = _ask_as(backend.base_url, "203.0.113.11")
    assert (first, forged) == (200, 402)
