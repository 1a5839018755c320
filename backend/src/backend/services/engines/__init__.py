"""Question engines behind one interface (``base.Engine``): offline and OpenAI."""

from __future__ import annotations

from backend.core.config import Settings
from backend.services.engines.base import Engine


def build_engine(settings: Settings) -> Engine:
    """The OpenAI engine when a key is set, the offline engine otherwise."""
    if settings.llm_enabled:
        from backend.services.engines.openai_engine import OpenAIEngine

        return OpenAIEngine(settings)
    from backend.services.engines.offline.engine import OfflineEngine

    return OfflineEngine()
