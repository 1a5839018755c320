"""The language model misbehaves while a real backend process serves questions.

Contract: with the OpenAI stand-in (devkit/src/devkit/fake_openai.py, the real wire format, reached
through the official client inside the backend) answering 429, 503, 500 or too slowly, each
question either succeeds after bounded retries or answers 502 ``llm_failed`` with a message a
person understands, within a bounded time. Only 429 and 502/503/504 are retried: a 500 or a
timeout would fail the same way again. Failed questions do not use up the allowance; the next
question succeeds again without a restart; every answered question is in the history. The
health check reports the model server's readiness without ever waiting for it, and
``python -m backend check-llm`` tells which structured-output modes the server takes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from devkit.fake_openai import Reply, error, insights_answer, running_fake_openai, sql_answer

from tests.hardening.conftest import BackendStarter

SQL = "SELECT grade, COUNT(*) AS loans FROM loans GROUP BY grade ORDER BY grade"
QUESTION = "How many loans per grade?"


def test_rate_limits_errors_and_slowness_fail_clearly_and_recover(
    pg_url: str, start_backend: BackendStarter
) -> None:
    settings = {
        "OPENAI_API_KEY": "fake-key-for-the-local-stand-in",
        "OPENAI_MAX_RETRIES": "2",
        "OPENAI_TIMEOUT_SECONDS": "1",
        "FREE_MONTHLY_QUOTA": "50",
    }
    with (
        running_fake_openai() as fake,
        start_backend(pg_url, OPENAI_BASE_URL=fake.base_url, **settings) as backend,
        httpx.Client(base_url=backend.base_url, timeout=60) as client,
    ):
        registered = client.post(
            "/api/auth/register",
            json={"email": f"llm-{uuid.uuid4().hex[:8]}@example.com", "password": "pw long 12"},
        )
        client.headers["Authorization"] = f"Bearer {registered.json()['access_token']}"

        def ask(*replies: Reply) -> tuple[httpx.Response, int, float]:
            fake.replies.clear()
            fake.script(*replies)
            before, started = len(fake.received), time.monotonic()
            response = client.post("/api/query", json={"question": QUESTION})
            return response, len(fake.received) - before, time.monotonic() - started

        retry_fast = {"retry-after-ms": "50"}
        rate_limited_then_ok = ask(
            error(429, "slow down", **retry_fast),
            error(429, "slow down", **retry_fast),
            sql_answer(SQL),
            insights_answer(["Grade B has the most loans."], ["Look at B first."]),
        )
        always_429 = ask(*[error(429, "slow down", **retry_fast)] * 3)
        always_503 = ask(*[error(503, "loading model", **retry_fast)] * 3)
        always_500 = ask(*[error(500, "boom", **retry_fast)] * 3)
        too_slow = ask(*[Reply(delay=3.0, body=sql_answer(SQL).body)] * 3)
        recovered = ask(sql_answer(SQL), insights_answer(["Fine again."], []))
        me = client.get("/api/auth/me").json()
        history = client.get("/api/history").json()

    ok, calls, _ = rate_limited_then_ok
    assert ok.status_code == 200, ok.text
    assert calls == 4  # two refused tries, the SQL, the insights
    assert ok.json()["insights"] == ["Grade B has the most loans."]

    for response, _calls, seconds in (always_429, always_503, always_500, too_slow):
        assert response.status_code == 502, response.text
        assert response.json()["error"] == "llm_failed"
        assert seconds < 20  # bounded, even for a model that never answers in time
    for transient in (always_429, always_503):
        assert (
            "try again" in transient[0].json()["detail"] or "retry" in transient[0].json()["detail"]
        )
        assert transient[1] == 3  # one try plus OPENAI_MAX_RETRIES, never more
    assert "rate-limiting" in always_429[0].json()["detail"]
    assert "HTTP 503, 3 tries" in always_503[0].json()["detail"]
    assert always_500[1] == too_slow[1] == 1  # trying again cannot help: not retried
    assert 'HTTP 500: "boom"' in always_500[0].json()["detail"]
    assert "try again" not in always_500[0].json()["detail"]
    assert "did not finish within 1.0 s" in too_slow[0].json()["detail"]

    assert recovered[0].status_code == 200, recovered[0].text
    assert recovered[0].json()["rows"] == ok.json()["rows"]
    # Only the two answered questions used the allowance; both are in the history.
    assert me["quota"]["remaining"] == 50 - 2
    answered = [item for item in history["items"] if item["status"] == "ok"]
    assert len(answered) == 2


def test_health_reports_the_model_server_without_waiting_for_it(
    pg_url: str, start_backend: BackendStarter, tmp_path: Path
) -> None:
    with running_fake_openai() as fake:
        fake.reject_json_schema = True  # llama-cpp-python's server
        env = {
            "OPENAI_API_KEY": "fake-key-for-the-local-stand-in",
            "OPENAI_BASE_URL": fake.base_url,
        }
        with (
            start_backend(pg_url, **env) as backend,
            httpx.Client(base_url=backend.base_url, timeout=10) as client,
        ):
            started, health = time.monotonic(), client.get("/api/health")
            first_seconds = time.monotonic() - started
            deadline = time.monotonic() + 15
            while health.json()["llm"]["state"] == "checking" and time.monotonic() < deadline:
                time.sleep(0.2)
                health = client.get("/api/health")
        checked = subprocess.run(
            [sys.executable, "-m", "backend", "check-llm"],
            env={**os.environ, **env, "DATA_DIR": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert first_seconds < 2  # the probe runs in the background
    assert health.status_code == 200
    llm = health.json()["llm"]
    assert llm["state"] == "ok", llm
    assert llm["mode"] == "json_object_schema"  # found by the fallback
    assert llm["latency_ms"] > 0
    assert fake.received == []  # probes never take a question's scripted reply
    assert checked.returncode == 0, checked.stderr
    lines = checked.stdout.splitlines()
    assert any(line.split()[:2] == ["json_schema", "refused"] for line in lines), checked.stdout
    assert any(line.split()[:2] == ["json_object", "ok"] for line in lines), checked.stdout
    assert "answered in json_object_schema mode" in checked.stdout
