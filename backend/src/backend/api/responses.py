"""A response made of a model that was validated when it was built."""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


def model_json(model: BaseModel) -> Response:
    """``model`` as JSON straight from pydantic. FastAPI's response path would dump it, validate
    it again against the route's ``response_model`` and encode it with ``json`` (6 ms for an
    answer of 1,000 rows, 0.7 ms this way); the route keeps ``response_model`` for its docs."""
    return Response(model.model_dump_json(), media_type="application/json")
