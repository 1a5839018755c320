"""Chat messages in the shape every chat template accepts: roles strictly alternate.

Gemma, Mistral and Llama style templates (llama.cpp and vLLM apply them) refuse a conversation
whose user/assistant roles do not alternate, and some have no system role at all. A turn that
is only SQL (the user edited or re-ran it) therefore becomes a user message, runs of the same
role are merged, and the system prompt can open the first user message instead.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Literal, TypedDict

from backend.engines.base import Turn


class Message(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


def history_messages(turns: Sequence[Turn]) -> list[Message]:
    """Earlier turns: the question as the user's, its SQL as the assistant's JSON answer."""
    messages: list[Message] = []
    for turn in turns:
        if turn.question:
            messages.append({"role": "user", "content": turn.question})
            if turn.sql:
                messages.append({"role": "assistant", "content": json.dumps({"sql": turn.sql})})
        elif turn.sql:
            messages.append({"role": "user", "content": f"I ran this SQL myself:\n{turn.sql}"})
    return messages


def alternate(messages: Sequence[Message], *, fold_system: bool = False) -> list[Message]:
    """One system message at most (first), then user/assistant alternating from a user turn."""
    system = [m["content"] for m in messages if m["role"] == "system"]
    merged: list[Message] = []
    for message in messages:
        if message["role"] == "system":
            continue
        if not merged and message["role"] == "assistant":
            merged.append({"role": "user", "content": "(earlier in this conversation)"})
        if merged and merged[-1]["role"] == message["role"]:
            merged[-1] = {
                "role": message["role"],
                "content": merged[-1]["content"] + "\n\n" + message["content"],
            }
        else:
            merged.append(message)
    if not system:
        return merged
    instructions = "\n\n".join(system)
    if not fold_system:
        return [{"role": "system", "content": instructions}, *merged]
    if merged and merged[0]["role"] == "user":
        first = merged[0]["content"]
        return [{"role": "user", "content": f"{instructions}\n\n{first}"}, *merged[1:]]
    return [{"role": "user", "content": instructions}, *merged]
