"""The web app forwards each visitor's address to the backend (contract: FORWARDED_ALLOW_IPS on
the backend, TRUSTED_PROXY_HOPS on the frontend), so per-address limits such as the anonymous
free question count per visitor and not per frontend server; an address the browser made up
itself is never believed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from devkit.processes import backend_command, frontend_command, run_service
from gradio_client import Client

from tests.frontend.conftest import anonymous_id
from tests.frontend.test_handlers import DEMO_QUESTION, ask


def _visitor(frontend_url: str, forwarded_for: str) -> Any:
    """A browser session whose request arrives with ``forwarded_for`` (as an edge proxy adds)."""
    return Client(frontend_url + "/", verbose=False, headers={"X-Forwarded-For": forwarded_for})


@pytest.fixture(scope="module", params=[0, 1], ids=["no-proxy", "one-proxy"])
def frontend_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    work = tmp_path_factory.mktemp("visitors")
    with (
        run_service(backend_command(), env={}, health_path="/api/health", log_dir=work) as backend,
        run_service(
            frontend_command(),
            env={
                "BACKEND_URL": backend.base_url,
                "TRUSTED_PROXY_HOPS": str(request.param),
                # The test client is not a trusted proxy: its own header must not count.
                "FORWARDED_ALLOW_IPS": "10.9.9.9",
            },
            health_path="/",
            log_dir=work,
        ) as frontend,
    ):
        yield frontend.base_url


def _free_question_answered(frontend_url: str, address: str) -> bool:
    result = ask(_visitor(frontend_url, address), {"anon_id": anonymous_id()}, DEMO_QUESTION)
    return bool(result.get("sql"))


def test_each_visitor_gets_their_own_free_question_only_behind_a_trusted_proxy(
    frontend_url: str, request: pytest.FixtureRequest
) -> None:
    first = _free_question_answered(frontend_url, "198.51.100.7")
    second = _free_question_answered(frontend_url, "198.51.100.8")
    assert first
    if request.node.callspec.params["frontend_url"] == 1:
        assert second, "a second visitor behind the edge proxy was refused"
    else:
        assert not second, "a browser-written X-Forwarded-For was believed"
