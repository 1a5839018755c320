"""Cells as people read them, from the backend's column hints (contract: ``ColumnFormat`` —
kind, unit, decimals — decides the text; the raw value is never changed)."""

from __future__ import annotations

import pytest
from contract.ask import ColumnFormat
from frontend.formatting import cell_text


def _fmt(kind: str, unit: str | None = None, decimals: int = 2) -> ColumnFormat:
    return ColumnFormat.model_validate(
        {"name": "x", "label": "X", "kind": kind, "unit": unit, "decimals": decimals}
    )


@pytest.mark.parametrize(
    ("value", "fmt", "text"),
    [
        (16562.666, _fmt("currency", "$"), "$16,562.67"),
        (-1200.5, _fmt("currency", "€"), "-€1,200.50"),
        (12.3456, _fmt("percent", "%"), "12.35%"),
        (1234567, _fmt("count", decimals=0), "1,234,567"),
        (3.5, _fmt("number", "kg"), "3.50 kg"),
        (3.5, _fmt("number"), "3.50"),
        ("2023-05-01T00:00:00", _fmt("date"), "2023-05-01"),
        (None, _fmt("currency", "$"), ""),
        ("<b>bold</b>", _fmt("text"), "<b>bold</b>"),  # text as it is; escaped where rendered
    ],
)
def test_cell_text(value: object, fmt: ColumnFormat, text: str) -> None:
    assert cell_text(value, fmt) == text
