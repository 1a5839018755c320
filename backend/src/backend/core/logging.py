"""Structured logs: JSON lines in production, readable console lines in development.

Everything (our loggers, uvicorn, SQLAlchemy, libraries using ``logging``) goes through one
structlog pipeline, so every line carries the request id bound by the middleware and passes the
secret redactor last, after exceptions have been turned into text.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

import structlog

from backend.core.config import Environment, Settings

REDACTED = "[REDACTED]"

# Field names whose values are secrets whatever they contain.
_SECRET_KEY = re.compile(
    r"pass(word|wd)?|secret|token(?!s)|api[_-]?key|authorization|cookie|encryption[_-]?key|credential",
    re.IGNORECASE,
)
# Secrets recognisable by shape inside free text, each (pattern, case-insensitive); the optional
# ``head`` group is kept.
_SHAPES = (
    # scheme://user:password@host  ->  scheme://user:[REDACTED]@host
    (r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*:)[^\s@/]+(?=@)", False),
    (r"(?P<head>\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}", True),
    (r"(?P<head>password\s*[=:]\s*)(?!\[REDACTED\])[^\s&;,'\"@]+", True),
    (r"\bsk-[A-Za-z0-9_-]{16,}", False),
    (r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*", False),
    (r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----", False),
)
_PATTERNS = tuple(re.compile(p, re.IGNORECASE if i else 0) for p, i in _SHAPES)
# Text no shape can match holds none of these: nearly every log value, which is then let
# through after one scan instead of six regular expressions.
_SHAPE_MARK = re.compile(r"://|bearer|basic|password|sk-|eyJ|-----BEGIN", re.IGNORECASE)


def _keep_head(match: re.Match[str]) -> str:
    return (match.groupdict().get("head") or "") + REDACTED


@functools.lru_cache(maxsize=512)
def _is_secret_key(key: str) -> bool:
    """Field names repeat on every line: each is looked at once."""
    return bool(_SECRET_KEY.search(key))


class SecretRedactor:
    """A structlog processor removing secrets from every value of an event, recursively.

    ``known`` are the configured secret values (API keys, encryption keys): they are replaced
    wherever they appear, even in text with no recognisable shape.
    """

    def __init__(self, known: Iterable[str] = ()) -> None:
        self._known = sorted({k for k in known if len(k) >= 6}, key=len, reverse=True)

    def redact_text(self, text: str) -> str:
        for secret in self._known:
            if secret in text:
                text = text.replace(secret, REDACTED)
        if _SHAPE_MARK.search(text) is None:
            return text
        for pattern in _PATTERNS:
            text = pattern.sub(_keep_head, text)
        return text

    def _clean(self, value: Any) -> Any:
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, str):
            return self.redact_text(value)
        if isinstance(value, Mapping):
            return {k: REDACTED if self._is_secret(k) else self._clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple | set):
            return [self._clean(item) for item in value]
        return self.redact_text(str(value))

    @staticmethod
    def _is_secret(key: object) -> bool:
        return isinstance(key, str) and _is_secret_key(key)

    def __call__(
        self, _: Any, __: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        for key, value in list(event_dict.items()):
            if key.startswith("_"):
                continue
            event_dict[key] = REDACTED if _is_secret_key(key) else self._clean(value)
        return event_dict


def configured_secrets(settings: Settings) -> list[str]:
    """The secret values the settings hold, each encryption key on its own."""
    values = []
    for secret in (settings.openai_api_key, settings.supabase_anon_key, settings.encryption_key):
        if secret is not None:
            raw = secret.get_secret_value()
            values.append(raw)
            values.extend(part.strip() for part in raw.split(",") if part.strip())
    if settings.database_url:
        from sqlalchemy.engine import make_url

        password = make_url(settings.database_url).password
        if password:
            values.append(str(password))
    return values


def build_formatter(settings: Settings, *, json: bool) -> structlog.stdlib.ProcessorFormatter:
    shared = _shared_processors()
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=False, exception_formatter=_plain)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            SecretRedactor(configured_secrets(settings)),
            renderer,
        ],
    )


def _plain(sio: Any, exc_info: Any) -> None:
    """Exceptions are already text (formatted before redaction); nothing to add."""


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def configure_logging(settings: Settings, *, stream: Any = None) -> None:
    """Route structlog and the standard library (uvicorn included) through one handler."""
    json = settings.app_env is Environment.PRODUCTION
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(build_formatter(settings, json=json))
    # No line shows the caller's file and line, thread or process: skip gathering them for
    # every record (the logging HOWTO's "Optimization"; the access log writes one per request).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.value)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "gunicorn.error"):
        named = logging.getLogger(name)
        named.handlers.clear()
        named.propagate = True
    # Our access log replaces uvicorn's (it has the request id and user).
    logging.getLogger("uvicorn.access").disabled = True
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
