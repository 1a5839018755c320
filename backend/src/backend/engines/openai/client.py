"""One way to build the official OpenAI client from settings (imported lazily: it is slow)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from backend.core.config import Settings

if TYPE_CHECKING:
    from openai import OpenAI


def make_client(settings: Settings) -> OpenAI:
    """Timeout from settings; no retries of its own (``llm_call.with_retries`` decides them)."""
    from openai import OpenAI

    key = settings.openai_api_key
    base_url = settings.openai_base_url
    return OpenAI(
        api_key=key.get_secret_value() if key else None,
        base_url=str(base_url) if base_url else None,
        timeout=settings.openai_timeout_seconds,
        max_retries=0,
    )
