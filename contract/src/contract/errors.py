"""The one error body every route answers with: ``{"error": code, "detail": sentence, ...}``."""

from __future__ import annotations

from pydantic import ConfigDict

from contract.base import ApiModel


class ErrorBody(ApiModel):
    """``error`` is a stable code; ``detail`` a sentence written for people. Some errors carry
    more fields (``tables`` for table_disabled, ``remaining``/``limit``/``signup`` for
    quota_exceeded)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    error: str
    detail: str
