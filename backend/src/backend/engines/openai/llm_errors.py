"""What a person reads when the model server says no: its own words, trimmed, and what to change.

A refusal that trying again cannot fix (a context window too small, a chat template, a format
the server does not take, a wrong key or model) says which setting or server option to change;
"try again" appears only where waiting can help (rate limits, an overloaded server). Bodies
are cut to a few hundred characters and scrubbed of anything that looks like a key.
"""

from __future__ import annotations

import json
import re

from backend.core.config import Settings
from backend.engines.base import LlmFailed

BODY_CHARS = 300
_SECRETS = re.compile(r"(sk-[A-Za-z0-9_\-]{8,}|Bearer\s+\S+|api[_-]?key\S*\s*[:=]\s*\S+)", re.I)
_CONTEXT = re.compile(r"context (size|length|window)|n_ctx|too many tokens|maximum context", re.I)
_TRACEBACK = re.compile(r'Traceback \(most recent call last\)|\s+File "')
_TEMPLATE = re.compile(r"roles must alternate|chat template|system role", re.I)


def server_words(body: str, settings: Settings) -> str:
    """The server's message (``error.message`` of a JSON body, else the text), trimmed."""
    text = body
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error", data.get("detail", data))
        if isinstance(error, dict):
            error = error.get("message", error)
        text = error if isinstance(error, str) else json.dumps(error)
    key = settings.openai_api_key
    if key is not None and key.get_secret_value():
        text = text.replace(key.get_secret_value(), "[key]")
    text = _SECRETS.sub("[redacted]", " ".join(text.split()))
    text = _TRACEBACK.split(text, maxsplit=1)[0].strip()  # the server's own stack, not its words
    return text if len(text) <= BODY_CHARS else text[: BODY_CHARS - 1] + "…"


def refused(status: int, body: str, settings: Settings, *, format_mode: str) -> LlmFailed:
    """An HTTP refusal that is final: the server's words and the change that would help."""
    said = server_words(body, settings)
    quoted = f'The model server answered HTTP {status}: "{said}".' if said else ""
    if status in {401, 403}:
        hint = "Check OPENAI_API_KEY: the model server refused it."
    elif status == 404:
        hint = "Check OPENAI_MODEL and OPENAI_BASE_URL: the server does not know that model."
    elif _CONTEXT.search(said):
        hint = (
            "The prompt does not fit the model's context window: increase the server's "
            "context size (llama.cpp: --ctx-size, at least 4096), or switch off tables the "
            "question does not need."
        )
    elif _TEMPLATE.search(said):
        hint = (
            "The model's chat template refused the conversation: set "
            "OPENAI_FOLD_SYSTEM_PROMPT=true, or start a new conversation."
        )
    elif format_mode != "none" and re.search(r"response_format|json_schema|schema", said, re.I):
        hint = (
            f"This server does not take the {format_mode} response format: set "
            "OPENAI_STRUCTURED_OUTPUT=auto (or json_object, or none)."
        )
    else:
        hint = "This is a setting or server problem; trying again will not help."
    return LlmFailed(f"{quoted} {hint}".strip())


def unavailable(status: int | None, tries: int, waited: float) -> LlmFailed:
    """Transient trouble that outlasted the retries and the question's budget."""
    over = f"{tries} tries over {waited:.1f} s"
    if status == 429:
        return LlmFailed(
            f"The language model is rate-limiting us right now ({over}); please retry in a minute."
        )
    if status is None:
        return LlmFailed(f"The language model could not be reached ({over}); please try again.")
    return LlmFailed(
        f"The language model server is unavailable (HTTP {status}, {over}); "
        "please try again in a minute."
    )


def too_slow(call_waited: float, question_waited: float, settings: Settings) -> LlmFailed:
    """A timeout is final: the wait is reported as it was, with the limits that ended it."""
    if call_waited < 0.05:
        what = f"The question's time for the language model ran out after {question_waited:.1f} s"
    else:
        overall = f" ({question_waited:.1f} s for this question in all)"
        what = f"The language model did not finish within {call_waited:.1f} s" + (
            overall if question_waited - call_waited > 1 else ""
        )
    return LlmFailed(
        f"{what}; the limits are "
        f"OPENAI_TIMEOUT_SECONDS={settings.openai_timeout_seconds:g} per call and "
        f"LLM_BUDGET_SECONDS={settings.llm_budget_seconds:g} per question. A faster model "
        "or server, or a simpler question, would help."
    )


def cut_off(limit: int, setting: str) -> LlmFailed:
    return LlmFailed(
        f"The model's answer was cut off at {limit} tokens ({setting}) before it was complete; "
        f"raise {setting} or use a model that answers more concisely."
    )
