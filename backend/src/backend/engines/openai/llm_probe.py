"""Is the configured model server fit for the engine? One tiny structured call says.

Used by ``python -m backend check-llm`` (every structured-output mode, on demand) and by
``/api/health`` (the configured mode, cached and refreshed in the background, so the health
check stays fast and never fails because of the model). It reports which modes the server
takes, the latency of the call and, for llama.cpp's server, the context size.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from backend.core.config import Settings, StructuredOutput
from backend.engines.base import LlmFailed
from backend.engines.openai.client import make_client
from backend.engines.openai.llm_call import Budget, CallSpec, complete

PROBE_SECONDS = 15.0
REFRESH_SECONDS = 300.0
_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["ok"],
    "properties": {"ok": {"type": "boolean"}},
}
INSTRUCTION = 'Reply with only this JSON object: {"ok": true}'
_MESSAGES: list[Any] = [
    {"role": "system", "content": INSTRUCTION},
    {"role": "user", "content": "Are you ready?"},
]


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    mode: str | None  # the structured-output mode that answered
    latency_ms: float | None
    context_tokens: int | None
    detail: str
    checked_at: float = field(default_factory=time.time)


def probe(settings: Settings) -> ProbeResult:
    """One call with the configured mode (auto: the fallback ladder) and a 16-token bound."""
    spec = CallSpec("ready", _SCHEMA, 16, "the probe's 16 tokens")
    budget = Budget(min(settings.openai_timeout_seconds, PROBE_SECONDS))
    context = context_tokens(settings)
    started = time.perf_counter()
    try:
        reply = complete(make_client(settings), settings, budget, _MESSAGES, spec)
    except LlmFailed as error:
        return ProbeResult(False, None, None, context, error.detail)
    latency = round((time.perf_counter() - started) * 1000, 1)
    said = "answered" if '"ok"' in reply.content else "answered, but not the JSON asked for"
    return ProbeResult(True, reply.mode, latency, context, said)


def probe_each_mode(settings: Settings) -> dict[str, ProbeResult]:
    """The probe once per fixed structured-output mode (for check-llm's table)."""
    fixed = [mode for mode in StructuredOutput if mode is not StructuredOutput.AUTO]
    return {
        mode.value: probe(settings.model_copy(update={"openai_structured_output": mode}))
        for mode in fixed
    }


def context_tokens(settings: Settings) -> int | None:
    """llama.cpp's ``GET /props`` names the context size; other servers do not say."""
    if settings.openai_base_url is None:
        return None
    import httpx

    root = str(settings.openai_base_url).rstrip("/").removesuffix("/v1")
    try:
        props = httpx.get(f"{root}/props", timeout=2.0).json()
    except (httpx.HTTPError, ValueError):
        return None
    generation = props.get("default_generation_settings", {}) if isinstance(props, dict) else {}
    value = generation.get("n_ctx", props.get("n_ctx") if isinstance(props, dict) else None)
    return value if isinstance(value, int) else None


class LlmHealth:
    """The last probe result; a stale or missing one is refreshed in a background thread."""

    def __init__(self, settings: Settings, *, max_age: float = REFRESH_SECONDS) -> None:
        self._settings = settings
        self._max_age = max_age
        self._result: ProbeResult | None = None
        self._running = False
        self._lock = threading.Lock()

    def current(self) -> ProbeResult | None:
        """Never waits for the model: None until the first probe has finished."""
        with self._lock:
            result = self._result
            stale = result is None or time.time() - result.checked_at > self._max_age
            if stale and not self._running:
                self._running = True
                threading.Thread(target=self._refresh, name="llm-probe", daemon=True).start()
        return result

    def _refresh(self) -> None:
        try:
            result = probe(self._settings)
        except Exception as error:  # the health check must never die of the model
            result = ProbeResult(False, None, None, None, f"probe failed: {type(error).__name__}")
        with self._lock:
            self._result, self._running = result, False
