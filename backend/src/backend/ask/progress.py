"""Where one question reports its steps as they happen, and the token that stops it.

The pipeline (``ask.service``) calls ``Progress.emit`` with ``contract.ask_events`` models as
each step ends; ``POST /api/query`` passes a progress that drops them and uses the returned
answer, ``POST /api/query/stream`` sends them to the client as they come. One pipeline, so
both endpoints check, charge and record exactly alike.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from contract.ask_events import AskEvent, InsightDelta

from backend.core.cancellation import Cancellation

Emit = Callable[[AskEvent], None]
Section = Literal["insights", "recommendations"]


def _drop(_: AskEvent) -> None:
    return None


@dataclass
class Progress:
    emit: Emit = _drop
    question_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    cancellation: Cancellation = field(default_factory=Cancellation)
    started: float = field(default_factory=time.perf_counter)

    def elapsed_ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 2)


@dataclass
class InsightPreview:
    """Turns "the commentary written so far" into ``insight`` deltas.

    Only text that extends what was already sent is sent; an item that changes under what was
    sent (a JSON repair call starts over) stops its preview there: ``done`` has the final text.
    """

    emit: Emit
    _sent: dict[str, list[str]] = field(default_factory=dict)

    def __call__(self, insights: list[str], recommendations: list[str]) -> None:
        sections: tuple[tuple[Section, list[str]], ...] = (
            ("insights", insights),
            ("recommendations", recommendations),
        )
        for section, items in sections:
            sent = self._sent.setdefault(section, [])
            for index, text in enumerate(items):
                if index == len(sent):
                    sent.append("")
                before = sent[index]
                if not text.startswith(before):
                    break
                if len(text) > len(before):
                    sent[index] = text
                    self.emit(InsightDelta(section=section, index=index, delta=text[len(before) :]))
