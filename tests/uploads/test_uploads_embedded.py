"""Uploads on embedded defaults (no DATABASE_URL): one read-only SQLite file per upload.

Contract: the same HTTP API as on PostgreSQL; the upload's tables live in
``DATA_DIR/uploads/<id>.sqlite``, which is removed with the upload, and a refused file leaves no
file behind.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest
from devkit.processes import backend_command, run_service
from devkit.users import register

from tests.uploads.files import BAD_FILES, TOTALS, sales_csv, sales_xlsx

pytestmark = pytest.mark.slow


def test_uploads_round_trip_in_sqlite_files(work_dir: Path) -> None:
    env = {"RATE_LIMIT_PER_MINUTE": "0", "RATE_LIMIT_USER_PER_MINUTE": "0"}
    with (
        run_service(
            backend_command(), env=env, health_path="/api/health", log_dir=work_dir, timeout=120
        ) as app,
        httpx.Client(base_url=app.base_url, timeout=60.0) as api,
    ):
        owner, stranger = register(api), register(api)
        made = api.post(
            "/api/uploads", files={"file": ("sales.csv", sales_csv())}, headers=owner.headers
        )
        assert made.status_code == 201, made.text
        upload_id = made.json()["id"]
        assert made.json()["dialect"] == "sqlite"
        stored = work_dir / "data" / "uploads" / f"{upload_id}.sqlite"
        with sqlite3.connect(f"file:{stored}?mode=ro", uri=True) as conn:
            declared = {row[1]: row[2] for row in conn.execute("PRAGMA table_info(sales)")}
        assert declared == {
            "region": "TEXT",
            "amount": "FLOAT",
            "sold_on": "DATE",
            "paid": "BOOLEAN",
            "store_code": "TEXT",
        }

        body = {"question": "Total amount by region", "connection_id": upload_id}
        answer = api.post("/api/query", json=body, headers=owner.headers)
        assert answer.status_code == 200, answer.text
        assert sorted(answer.json()["rows"]) == TOTALS
        assert api.post("/api/query", json=body, headers=stranger.headers).status_code == 404
        write = api.post(
            "/api/query",
            json={"sql": "DELETE FROM sales", "connection_id": upload_id},
            headers=owner.headers,
        )
        assert write.status_code == 400, write.text

        book = api.post(
            "/api/uploads", files={"file": ("book.xlsx", sales_xlsx())}, headers=owner.headers
        )
        assert sorted(t["name"] for t in book.json()["tables"]) == ["sales", "targets"]

        for file_name, data, _ in BAD_FILES:
            refused = api.post(
                "/api/uploads", files={"file": (file_name, data)}, headers=owner.headers
            )
            assert refused.status_code == 422, (file_name, refused.text)
        files = sorted(path.name for path in stored.parent.iterdir())
        assert files == sorted([f"{upload_id}.sqlite", f"{book.json()['id']}.sqlite"])

        deleted = api.delete(f"/api/connections/{upload_id}", headers=owner.headers)
        assert deleted.status_code == 204
        assert not stored.exists()
        with sqlite3.connect(stored.parent.parent / "app.sqlite") as conn:
            assert conn.execute("SELECT count(*) FROM uploads").fetchone() == (1,)
