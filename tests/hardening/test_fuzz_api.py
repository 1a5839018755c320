"""Schemathesis fuzzes every operation of the running backend's OpenAPI schema: no 5xx, ever.

Contract: whatever a client sends — valid, odd or malformed per the published schema — the
backend answers 2xx/3xx/4xx with the JSON error shape, never a server error, and every answer
is one the document promises (status code, content type and body schema). Each operation is
fuzzed anonymously and signed in (a user registered through the API; if a generated request
signs that user out or deletes them, a fresh one takes over so later cases stay signed in).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import schemathesis
from devkit.keys import new_encryption_key
from devkit.processes import RunningProcess, backend_command, run_service
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from psycopg import sql
from schemathesis import checks

from tests.conftest import with_database
from tests.hardening.conftest import PEAK_MEMORY_MB, backend_env, peak_memory_mb, record_peak

EXAMPLES = 25
CONTRACT_CHECKS = [
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@dataclass
class Fuzzed:
    backend: RunningProcess
    token: str

    def sign_up(self) -> None:
        response = httpx.post(
            self.backend.base_url + "/api/auth/register",
            json={
                "email": f"fuzz-{uuid.uuid4().hex[:10]}@example.com",
                "password": "fuzzing pw 12",
            },
        )
        response.raise_for_status()
        self.token = response.json()["access_token"]


@pytest.fixture(scope="module")
def fuzzed(
    pg_admin_url: str, pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzed]:
    """One backend for the module on its own database, limits raised so fuzzing is not throttled."""
    name = f"fuzz_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(pg_template)
            )
        )
    work: Path = tmp_path_factory.mktemp("fuzz")
    env = backend_env(
        with_database(pg_admin_url, name),
        work,
        new_encryption_key(),
        RATE_LIMIT_PER_MINUTE="1000000",
        RATE_LIMIT_USER_PER_MINUTE="1000000",
        FREE_MONTHLY_QUOTA="1000000",
        ANONYMOUS_FREE_QUESTIONS="1000000",
        LOG_LEVEL="WARNING",
    )
    with run_service(backend_command(), env=env, health_path="/api/health", log_dir=work) as b:
        state = Fuzzed(b, token="")
        state.sign_up()
        yield state
        peak = peak_memory_mb(b)
        if peak is not None:
            record_peak("test_fuzz_api", peak)
            assert peak < PEAK_MEMORY_MB, f"backend peaked at {peak:.0f} MB"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="module")
def operations(fuzzed: Fuzzed) -> list[Any]:
    schema = schemathesis.openapi.from_url(fuzzed.backend.base_url + "/api/openapi.json")
    found = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(found) >= 20, "the schema should list every endpoint of the API"
    return found


def _call(case: Any, fuzzed: Fuzzed, signed_in: bool) -> str | None:
    """Send one generated request; describe it when the answer breaks the contract."""
    headers = (
        {"Authorization": f"Bearer {fuzzed.token}"}
        if signed_in
        else {"X-Anonymous-ID": "fuzzing-visitor-01"}
    )
    response = case.call(base_url=fuzzed.backend.base_url, headers=headers, timeout=30)
    ended_session = case.path in {"/api/auth/me", "/api/auth/logout"} and case.method != "GET"
    if signed_in and ended_session and response.status_code < 300:
        fuzzed.sign_up()  # the case ended this user's session or account
    where = f"{case.method} {case.formatted_path} query={case.query!r} body={case.body!r:.300}"
    if response.status_code >= 500:
        return f"{where} -> {response.status_code}: {response.text[:300]}"
    if response.status_code >= 400 and "error" not in response.json():
        return f"{where} -> {response.status_code} without 'error'"
    try:
        case.validate_response(response, checks=CONTRACT_CHECKS)
    except (AssertionError, ExceptionGroup) as failure:  # one failure, or a group of them
        return f"{where} -> {response.status_code} breaks the document: {str(failure)[:400]}"
    return None


def _fuzz(operation: Any, mode: str, fuzzed: Fuzzed, signed_in: bool) -> tuple[int, list[str]]:
    """Generated requests sent to one operation, and the broken answers among them."""
    strategy = operation.as_strategy(generation_mode=schemathesis.GenerationMode(mode))
    problems: list[str] = []
    sent = 0

    @FUZZ_SETTINGS
    @given(case=strategy)
    def fuzz(case: Any) -> None:
        nonlocal sent
        sent += 1
        problem = _call(case, fuzzed, signed_in)
        if problem:
            problems.append(problem)

    try:
        fuzz()
    except Unsatisfiable:
        # Negative mode only: an operation with nothing to get wrong (no parameters, no body)
        # has no invalid request to generate.
        assert mode == "negative", operation.path
    return sent, problems


@pytest.mark.parametrize("mode", ["positive", "negative"])
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_no_generated_request_causes_a_server_error(
    operations: list[Any], fuzzed: Fuzzed, signed_in: bool, mode: str
) -> None:
    problems: list[str] = []
    exercised = 0
    for operation in operations:
        sent, found = _fuzz(operation, mode, fuzzed, signed_in)
        exercised += sent > 0
        problems += found
    assert not problems, "\n".join(problems)
    # Every operation was exercised (in negative mode, every one that takes input).
    assert exercised >= (len(operations) if mode == "positive" else 10)
