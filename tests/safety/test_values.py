"""Database values become JSON-safe and capped in UTF-8 bytes, whatever their type.

Contract: safety.executor.values.capped_row — every text cell within ``cell_cap`` bytes (plus
the "…" that marks a cut), the row's size counted as the UTF-8 bytes kept (8 per other value),
``cut`` exactly when a text was longer than the cap, and the row accepted by strict JSON.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from decimal import Decimal

from backend.safety.executor.values import capped_row, json_value
from hypothesis import given
from hypothesis import strategies as st

ELLIPSIS = "…"

database_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.datetimes(),
    st.dates(),
    st.times(),
    st.timedeltas(),
    st.binary(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@given(st.lists(database_values, max_size=12), st.integers(min_value=1, max_value=24))
def test_a_row_is_json_safe_and_capped_in_bytes(raw: list[object], cap: int) -> None:
    row, size, cut = capped_row(raw, cap)

    json.dumps(row, allow_nan=False)  # raises on NaN, infinity or a non-JSON type
    assert len(row) == len(raw)
    expected_size, expected_cut = 0, False
    for original, cell in zip(raw, row, strict=True):
        shown = json_value(original)
        if not isinstance(shown, str):
            assert cell == shown
            expected_size += 8
            continue
        encoded = shown.encode()
        if len(encoded) > cap:
            expected_cut = True
            assert isinstance(cell, str)
            assert cell.endswith(ELLIPSIS)
            kept = cell.removesuffix(ELLIPSIS)
            assert shown.startswith(kept)
            assert len(kept.encode()) <= cap
            expected_size += cap
        else:
            assert cell == shown
            expected_size += len(encoded)
    assert (size, cut) == (expected_size, expected_cut)


class Grade(enum.IntEnum):
    A = 1


class Label(str):
    """A ``str`` subclass, as a driver's custom loader could return."""


def test_subclasses_are_converted_and_capped_like_their_base_type() -> None:
    row, size, cut = capped_row([Grade.A, Label("é" * 10), Decimal("1.5")], cell_cap=4)

    assert row[0] == 1
    assert row[2] == 1.5
    assert row[1] == "éé" + ELLIPSIS  # 2 bytes a character: two fit in the 4-byte cap
    assert (size, cut) == (8 + 4 + 8, True)


def test_values_a_person_reads_the_same_way() -> None:
    assert json_value(dt.datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05"
    assert json_value(dt.timedelta(hours=1)) == "1:00:00"
    assert json_value(b"\x00\xff") == "AP8="
    assert json_value(float("nan")) is None
    assert json_value(Decimal("Infinity")) is None
    assert json_value(["a", 1]) == '["a", 1]'
