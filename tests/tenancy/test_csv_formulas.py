"""The CSV export neutralises every cell a spreadsheet would run as a formula, header included.

Contract: ``GET /api/history/{id}/csv`` (services.history): a text cell — or column name —
whose first non-blank character is ``= + - @`` (or their full-width forms), or that starts
with a tab or line break, gets a leading ``'``; numbers stay numbers. Real backend process,
real PostgreSQL demo data.
"""

from __future__ import annotations

import csv
import io

import httpx

from tests.tenancy.conftest import bearer, register

CELLS = ["=1+1", " =2+2", "\n=3+3", "\uff1d4+4", "@SUM(A1)", "\t-5"]
SQL = (
    "SELECT '=1+1' AS \"=HYPERLINK(1)\", ' =2+2' AS b, chr(10) || '=3+3' AS c, "
    "'\uff1d4+4' AS d, '@SUM(A1)' AS e, chr(9) || '-5' AS f, -7 AS g, 'plain' AS h"
)


def test_header_and_cells_are_neutralised(api: httpx.Client) -> None:
    user = register(api)
    asked = api.post("/api/query", json={"sql": SQL}, headers=bearer(user))
    assert asked.status_code == 200, asked.text
    exported = api.get(f"/api/history/{asked.json()['id']}/csv", headers=bearer(user))
    assert exported.status_code == 200, exported.text
    header, row = list(csv.reader(io.StringIO(exported.text)))
    assert header[0] == "'=HYPERLINK(1)"
    assert header[1:] == ["b", "c", "d", "e", "f", "g", "h"]
    assert row[:6] == ["'" + cell for cell in CELLS]
    assert row[6:] == ["-7", "plain"]
