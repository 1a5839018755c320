"""Every backend error class mapped to one friendly sentence, in one place.

The page only ever shows ``friendly_message(error)``; raw bodies and tracebacks never reach it.
"""

from __future__ import annotations

from typing import Any


class BackendError(Exception):
    """The backend answered with an error, or could not be reached (``code == "backend_down"``)."""

    def __init__(
        self,
        code: str,
        detail: str,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.status = status
        self.extra = extra or {}
        # Set when the call refreshed the sign-in before failing: the old refresh token is
        # spent, so the page must keep these new tokens (see session.after_error).
        self.refreshed_session: dict[str, Any] | None = None

    @property
    def wants_signup(self) -> bool:
        """An anonymous visitor used the free question: the page offers sign-up instead."""
        return self.code in {"quota_exceeded", "signup_required"} and bool(
            self.extra.get("signup", self.code == "signup_required")
        )

    @property
    def session_expired(self) -> bool:
        return self.code in {"unauthorized", "session_expired"}


SESSION_EXPIRED = "Your session has expired. Please sign in again."

# {detail} is the backend's own sentence, written for people (contracts: 4xx detail).
_MESSAGES: dict[str, str] = {
    "invalid_input": "Please check your input: {detail}",
    "sql_refused": "That SQL can't run here: {detail} Only a single read-only SELECT is allowed.",
    "unanswerable": "I couldn't answer that from this database: {detail} "
    "Try rephrasing it, or start from one of the example questions.",
    "database_unreachable": "The database isn't answering right now (we tried several times). "
    "Please try again in a minute.",
    "llm_failed": "The AI service couldn't produce an answer this time. Please try again.",
    "voice_unavailable": "Voice input needs an OpenAI API key on the server. "
    "Please type your question instead.",
    "unauthorized": SESSION_EXPIRED,
    "session_expired": SESSION_EXPIRED,
    "invalid_credentials": "That email and password don't match an account.",
    "conflict": "{detail}",
    "not_found": "That item no longer exists (or belongs to another account).",
    "forbidden": "You don't have access to that.",
    "signup_required": "Create a free account to use your own databases.",
    "backend_down": "The analytics service is not reachable right now. "
    "Please try again in a moment.",
    "server_error": "Something went wrong on our side. Please try again.",
    "cancelled": "Stopped. Nothing was charged for this question.",
    "stream_lost": "The connection to the analytics service was lost, so the question was "
    "stopped. Please ask again.",
}


def friendly_message(error: BackendError) -> str:
    """The one sentence a person sees for ``error``."""
    if error.code == "quota_exceeded":
        if error.wants_signup:
            return (
                "That was your free question. Sign up free to keep asking — "
                "100 questions a month on the demo data or your own database."
            )
        return "You've used all your questions for this month. They renew on the 1st."
    if error.code == "table_disabled":
        tables = ", ".join(str(name) for name in error.extra.get("tables", [])) or "a table"
        return (
            f"This question needs {tables}, which is switched off for this connection. "
            "Enable it in the Connections tab and ask again."
        )
    if error.code == "rate_limited":
        wait = error.extra.get("retry_after")
        pause = f" about {wait} seconds" if wait else " a moment"
        return f"Too many attempts. Please wait{pause} and try again."
    template = _MESSAGES.get(error.code)
    if template is None:
        template = _MESSAGES["server_error"] if (error.status or 500) >= 500 else "{detail}"
    return template.format(detail=error.detail.strip()).strip()
