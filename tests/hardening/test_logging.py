"""Structured logs: the format per environment, LOG_LEVEL, and the secret redactor.

Contract: every log line goes through ``configure_logging``'s pipeline (structlog and the
standard library alike) and no configured secret, credential-bearing URL, bearer token or
password leaves it.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog
from backend.core.config import Settings
from backend.core.logging import REDACTED, SecretRedactor, configure_logging
from devkit.keys import new_encryption_key
from hypothesis import given
from hypothesis import strategies as st

FAKE_OPENAI_KEY = "sk-test-" + "x1y2z3" * 6


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


def _capture(settings: Settings) -> io.StringIO:
    stream = io.StringIO()
    configure_logging(settings, stream=stream)
    return stream


@pytest.mark.usefixtures("restore_logging")
def test_production_logs_are_json_lines_without_secrets() -> None:
    key = new_encryption_key()
    settings = Settings(app_env="production", openai_api_key=FAKE_OPENAI_KEY, encryption_key=key)
    stream = _capture(settings)
    log = structlog.get_logger("backend.test")
    log.info(
        "connecting",
        url="postgresql://alice:hunter2secret@db.example.com:5432/sales",
        headers={"Authorization": "Bearer abcdefghijklmnop", "Accept": "json"},
        api_key=FAKE_OPENAI_KEY,
        note=f"the key is {key} and {FAKE_OPENAI_KEY}",
    )
    try:
        raise RuntimeError(f"could not log in with password={key}")
    except RuntimeError:
        logging.getLogger("uvicorn.error").exception(
            "boom for %s", "postgres://bob:pw1234@h.example.com/db"
        )

    out = stream.getvalue()
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["event"] for e in events] == [
        "connecting",
        "boom for postgres://bob:[REDACTED]@h.example.com/db",
    ]
    first = events[0]
    assert first["url"] == "postgresql://alice:[REDACTED]@db.example.com:5432/sales"
    assert first["headers"] == {"Authorization": REDACTED, "Accept": "json"}
    assert first["api_key"] == REDACTED
    assert first["level"] == "info"
    assert first["logger"] == "backend.test"
    assert "RuntimeError" in events[1]["exception"]
    for secret in (key, FAKE_OPENAI_KEY, "hunter2secret", "abcdefghijklmnop", "pw1234"):
        assert secret not in out


@pytest.mark.usefixtures("restore_logging")
def test_development_logs_are_console_lines_and_log_level_is_honoured() -> None:
    stream = _capture(Settings(app_env="development", log_level="WARNING"))
    structlog.get_logger("backend.test").info("quiet detail")
    logging.getLogger("sqlalchemy").info("quiet library detail")
    structlog.get_logger("backend.test").warning("loud", token="abc-secret-value")

    out = stream.getvalue()
    assert "quiet" not in out
    assert "loud" in out
    assert "abc-secret-value" not in out
    with pytest.raises(json.JSONDecodeError):
        json.loads(out.splitlines()[0])


_secret = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=8, max_size=40)


@given(secret=_secret, before=st.text(max_size=30), after=st.text(max_size=30))
def test_a_configured_secret_never_survives_redaction(secret: str, before: str, after: str) -> None:
    redactor = SecretRedactor([secret])
    event = {"event": before + secret + after, "nested": [{"value": secret}]}
    cleaned = redactor(None, "info", event)
    assert secret not in json.dumps(cleaned)


@given(user=st.from_regex(r"[a-z]{1,10}", fullmatch=True), password=_secret)
def test_passwords_in_urls_never_survive_redaction(user: str, password: str) -> None:
    text = f"failed: postgresql://{user}:{password}@host:5432/db?sslmode=require"
    redacted = SecretRedactor().redact_text(text)
    assert redacted == f"failed: postgresql://{user}:[REDACTED]@host:5432/db?sslmode=require"
