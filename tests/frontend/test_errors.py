"""Each backend error class (contract: {"error", "detail", ...extra}) becomes one friendly
sentence; unknown server failures never show their internals."""

from __future__ import annotations

import pytest
from frontend.errors import BackendError, friendly_message

CASES = [
    (BackendError("invalid_input", "The question is longer than 2000 characters.", 422),
     "Please check your input: The question is longer than 2000 characters."),
    (BackendError("quota_exceeded", "Free question used.", 402, {"remaining": 0, "signup": True}),
     "That was your free question. Sign up free"),
    (BackendError("quota_exceeded", "Monthly quota used.", 402, {"remaining": 0}),
     "used all your questions for this month"),
    (BackendError("sql_refused", "Only SELECT statements can run.", 400),
     "That SQL can't run here: Only SELECT statements can run."),
    (BackendError("table_disabled", "Disabled.", 409, {"tables": ["payments", "fees"]}),
     "needs payments, fees, which is switched off"),
    (BackendError("unanswerable", "I don't know what 'churn' means here.", 422),
     "I couldn't answer that from this database: I don't know what 'churn' means here."),
    (BackendError("database_unreachable", "Lost connection after 3 attempts.", 503),
     "The database isn't answering right now"),
    (BackendError("llm_failed", "Upstream 500.", 502), "The AI service couldn't produce"),
    (BackendError("voice_unavailable", "Voice input needs an OpenAI API key.", 503),
     "Voice input needs an OpenAI API key on the server."),
    (BackendError("unauthorized", "Token expired.", 401), "Your session has expired."),
    (BackendError("rate_limited", "Slow down.", 429, {"retry_after": "900"}),
     "Please wait about 900 seconds"),
    (BackendError("backend_down", "Connection refused."), "not reachable right now"),
    (BackendError("internal", "KeyError: 'secret' at line 3", 500),
     "Something went wrong on our side."),
]  # fmt: skip


@pytest.mark.parametrize(("error", "expected"), CASES, ids=[case[0].code for case in CASES])
def test_every_error_class_has_a_friendly_message(error: BackendError, expected: str) -> None:
    message = friendly_message(error)
    assert expected in message
    assert error.code not in message


def test_a_server_failure_never_shows_its_detail() -> None:
    message = friendly_message(BackendError("boom", "Traceback (most recent call last)", 500))
    assert "Traceback" not in message


def test_only_the_anonymous_quota_error_asks_for_signup() -> None:
    assert BackendError("quota_exceeded", "", 402, {"signup": True}).wants_signup
    assert not BackendError("quota_exceeded", "", 402, {"remaining": 0}).wants_signup
    assert BackendError("signup_required", "", 403).wants_signup
