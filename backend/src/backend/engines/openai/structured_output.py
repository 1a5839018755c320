"""How the answer's JSON shape is asked for, and the fallback for servers that refuse a way.

OpenAI and llama.cpp's ``llama-server`` take ``{"type": "json_schema", ...}``; llama-cpp-python's
server refuses it (HTTP 500 naming ``response_format``) but takes ``{"type": "json_object",
"schema": ...}``; some servers take only plain ``json_object`` or nothing. In ``auto`` the
engine walks down that ladder when a refusal names the response format and remembers, per
endpoint and model, the first way that worked. The prompt always describes the JSON too, and
pydantic validation of the reply stays the real check whatever the server enforced.
"""

from __future__ import annotations

import re
import threading
from typing import Any, Literal

from backend.core.config import Settings, StructuredOutput

Mode = Literal["json_schema", "json_object_schema", "json_object", "none"]
LADDER: tuple[Mode, ...] = ("json_schema", "json_object_schema", "json_object", "none")
_FIXED: dict[StructuredOutput, tuple[Mode, ...]] = {
    StructuredOutput.JSON_SCHEMA: ("json_schema",),
    StructuredOutput.JSON_OBJECT: ("json_object_schema", "json_object"),
    StructuredOutput.NONE: ("none",),
}
# What a refusal of the response format says (llama-cpp-python, vLLM, OpenAI, Ollama).
_NAMES_FORMAT = re.compile(r"response_format|json_schema|json schema|\bschema\b|grammar", re.I)

_remembered: dict[str, Mode] = {}
_lock = threading.Lock()


def endpoint_key(settings: Settings) -> str:
    return f"{settings.openai_base_url or 'openai'}|{settings.openai_model}"


def modes_to_try(settings: Settings) -> tuple[Mode, ...]:
    """The configured mode alone, or (auto) the ladder from the mode that last worked."""
    fixed = _FIXED.get(settings.openai_structured_output)
    if fixed is not None:
        return fixed
    with _lock:
        start = _remembered.get(endpoint_key(settings), LADDER[0])
    return LADDER[LADDER.index(start) :]


def remember(settings: Settings, mode: Mode) -> None:
    if settings.openai_structured_output is StructuredOutput.AUTO:
        with _lock:
            _remembered[endpoint_key(settings)] = mode


def forget_all() -> None:
    """Start every endpoint from the top of the ladder again (a fresh process does)."""
    with _lock:
        _remembered.clear()


def names_the_format(status: int, body: str) -> bool:
    """True for an HTTP refusal that is about the response format (worth the next mode)."""
    return (
        400 <= status < 600
        and status not in {401, 403, 404, 429}
        and bool(_NAMES_FORMAT.search(body))
    )


def response_format(mode: Mode, name: str, schema: dict[str, Any]) -> dict[str, Any] | None:
    """The request's ``response_format`` for ``mode`` (None: leave the field out)."""
    if mode == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": name, "strict": True, "schema": schema},
        }
    if mode == "json_object_schema":
        return {"type": "json_object", "schema": schema}
    if mode == "json_object":
        return {"type": "json_object"}
    return None
