"""Question engines behind one interface (``base.Engine``): offline and OpenAI."""

from __future__ import annotations

from backend.core.config import Settings
from backend.engines.base import Engine


def build_engine(settings: Settings) -> Engine:
    """The OpenAI engine when a key is set, the offline engine otherwise."""
    if settings.llm_enabled:
        from backend.engines.openai.engine import OpenAIEngine

        return OpenAIEngine(settings)
    from backend.engines.offline.engine import OfflineEngine

    return OfflineEngine()


class LazyEngine:
    """The app's question engine, built on the first question rather than at start-up.

    Either engine pulls in a large library (sqlglot for the offline SQL builder, the OpenAI
    client), which the health check and sign-in never need. Engines are stateless, so two
    requests racing to build it at once are harmless: one instance wins and is kept.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._engine: Engine | None = None

    def get(self) -> Engine:
        if self._engine is None:
            self._engine = build_engine(self._settings)
        return self._engine
