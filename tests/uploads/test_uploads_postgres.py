"""Uploads over HTTP on two real backend replicas sharing one real PostgreSQL.

Contract: ``POST /api/uploads`` (multipart) answers 201 with the connection the file became;
its tables are typed from the values, stored in a schema of their own that only the upload's
read-only role may read, answered by any replica, visible to the owner only, removed with the
upload; files over ``UPLOAD_MAX_BYTES`` answer 413, past the allowance 409, bad files 422, and
a refused upload leaves no schema, role or row behind.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import psycopg
import pytest
from backend.uploads.storage.postgres import role_name, schema_name
from psycopg import sql

from tests.tenancy.conftest import bearer, register
from tests.uploads.conftest import (
    MAX_FILE_BYTES,
    Replicas,
    column_types,
    count_rows,
    leftovers,
    upload_roles,
    upload_schemas,
)
from tests.uploads.files import (
    BAD_FILES,
    TOTALS,
    sales_csv,
    sales_parquet,
    sales_xlsx,
)

pytestmark = pytest.mark.slow


def upload(
    api: httpx.Client, user: dict[str, str], file_name: str, data: bytes, **form: str
) -> httpx.Response:
    return api.post(
        "/api/uploads", files={"file": (file_name, data)}, data=form, headers=bearer(user)
    )


def ask(api: httpx.Client, user: dict[str, str], target: str, **body: str) -> httpx.Response:
    return api.post("/api/query", json={**body, "connection_id": target}, headers=bearer(user))


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_each_format_becomes_typed_tables_another_replica_answers(
    replicas: Replicas, module_pg_url: str
) -> None:
    owner = register(replicas.first)
    csv_upload = created(upload(replicas.first, owner, "Q3 Sales.csv", sales_csv()))
    xlsx_upload = created(upload(replicas.first, owner, "book.xlsx", sales_xlsx(), name="Book"))
    parquet_upload = created(upload(replicas.first, owner, "sales.parquet", sales_parquet()))

    assert csv_upload["upload"]["file_format"] == "csv"
    assert [t["name"] for t in csv_upload["tables"]] == ["q3_sales"]
    assert csv_upload["tables"][0]["row_estimate"] == 5
    assert xlsx_upload["name"] == "Book"
    assert sorted(t["name"] for t in xlsx_upload["tables"]) == ["sales", "targets"]
    assert [t["name"] for t in parquet_upload["tables"]] == ["sales"]

    assert column_types(module_pg_url, schema_name(csv_upload["id"]), "q3_sales") == {
        "region": "text",
        "amount": "numeric",
        "sold_on": "date",
        "paid": "boolean",
        "store_code": "text",  # leading zeros: a code, not a number
    }
    assert column_types(module_pg_url, schema_name(xlsx_upload["id"]), "sales") == {
        "region": "text",
        "amount": "numeric",
        "sold_on": "date",  # Excel dates at midnight
        "units": "bigint",
    }
    assert column_types(module_pg_url, schema_name(parquet_upload["id"]), "sales") == {
        "region": "text",
        "amount": "numeric",
        "sold_on": "date",
        "paid": "boolean",
        "units": "bigint",
    }

    # The second replica never saw these uploads arrive: it reads them from the database.
    listed = replicas.second.get("/api/connections", headers=bearer(owner)).json()["items"]
    assert {item["id"] for item in listed} == {
        csv_upload["id"],
        xlsx_upload["id"],
        parquet_upload["id"],
    }
    # Both sheets have a region: with the targets sheet switched off, 'region' is the sales one.
    narrowed = replicas.second.put(
        f"/api/connections/{xlsx_upload['id']}/tables",
        json={"enabled": ["sales"]},
        headers=bearer(owner),
    )
    assert narrowed.status_code == 200, narrowed.text
    for target in (csv_upload["id"], xlsx_upload["id"], parquet_upload["id"]):
        answer = ask(replicas.second, owner, target, question="Total amount by region")
        assert answer.status_code == 200, answer.text
        assert sorted(answer.json()["rows"]) == TOTALS
    exact = ask(
        replicas.second,
        owner,
        csv_upload["id"],
        sql="SELECT sold_on, paid, store_code FROM q3_sales WHERE amount > 1000",
    )
    assert exact.status_code == 200, exact.text
    assert exact.json()["rows"] == [["2026-02-11", True, "042"]]
    # A re-scan reads the stored tables through the upload's own role: the same tables.
    rescanned = replicas.second.post(
        f"/api/connections/{csv_upload['id']}/scan", headers=bearer(owner)
    )
    assert rescanned.status_code == 200, rescanned.text
    assert rescanned.json()["tables"] == csv_upload["tables"]


def test_only_the_owner_sees_or_queries_an_upload(replicas: Replicas, module_pg_url: str) -> None:
    owner, stranger = register(replicas.first), register(replicas.first)
    mine = created(upload(replicas.first, owner, "sales.csv", sales_csv()))
    theirs = created(upload(replicas.first, stranger, "theirs.csv", sales_csv()))
    path = f"/api/connections/{mine['id']}"
    for api in (replicas.first, replicas.second):
        assert api.get(path, headers=bearer(stranger)).status_code == 404
        assert api.post(path + "/scan", headers=bearer(stranger)).status_code == 404
        put = api.put(path + "/tables", json={"enabled": []}, headers=bearer(stranger))
        assert put.status_code == 404
        listed = api.get("/api/connections", headers=bearer(stranger)).json()["items"]
        assert [item["id"] for item in listed] == [theirs["id"]]
        question = ask(api, stranger, mine["id"], question="Total amount by region")
        assert question.status_code == 404
        anonymous = api.post("/api/query", json={"sql": "SELECT 1", "connection_id": mine["id"]})
        assert anonymous.status_code in (401, 403)
    # Naming the other upload's schema from one's own is refused by the guard ...
    reach = ask(
        replicas.first,
        stranger,
        theirs["id"],
        sql=f"SELECT region FROM {schema_name(mine['id'])}.sales",
    )
    assert reach.status_code == 400, reach.text
    assert reach.json()["error"] == "sql_refused"
    # ... and the database itself would refuse it: each upload's role reads its own schema only.
    with psycopg.connect(module_pg_url) as conn:
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role_name(theirs["id"]))))
        own = conn.execute(
            sql.SQL("SELECT count(*) FROM {}.theirs").format(
                sql.Identifier(schema_name(theirs["id"]))
            )
        ).fetchone()
        assert own == (5,)
        for forbidden in (
            sql.SQL("SELECT count(*) FROM {}.sales").format(
                sql.Identifier(schema_name(mine["id"]))
            ),
            sql.SQL("SELECT count(*) FROM public.users"),
            sql.SQL("SELECT count(*) FROM demo.customers"),
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(forbidden)
            conn.rollback()
            conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role_name(theirs["id"]))))
    assert replicas.first.delete(path, headers=bearer(stranger)).status_code == 404
    assert schema_name(mine["id"]) in upload_schemas(module_pg_url)


def test_deleting_an_upload_removes_its_schema_role_and_rows(
    replicas: Replicas, module_pg_url: str
) -> None:
    owner = register(replicas.first)
    before = leftovers(module_pg_url)
    made = created(upload(replicas.first, owner, "sales.csv", sales_csv()))
    assert ask(replicas.second, owner, made["id"], question="Total amount by region").is_success
    assert schema_name(made["id"]) in upload_schemas(module_pg_url)
    assert role_name(made["id"]) in upload_roles(module_pg_url)

    deleted = replicas.second.delete(f"/api/connections/{made['id']}", headers=bearer(owner))
    assert deleted.status_code == 204, deleted.text
    assert schema_name(made["id"]) not in upload_schemas(module_pg_url)
    assert role_name(made["id"]) not in upload_roles(module_pg_url)
    assert leftovers(module_pg_url) == before
    with psycopg.connect(module_pg_url) as conn:
        history = conn.execute(
            "SELECT count(*) FROM query_history WHERE connection_id = %s", (made["id"],)
        ).fetchone()
    assert history == (0,)
    gone = ask(replicas.first, owner, made["id"], question="Total amount by region")
    assert gone.status_code == 404
    usage = replicas.first.get("/api/uploads/usage", headers=bearer(owner)).json()
    assert usage["used_bytes"] == 0


def test_deleting_the_account_removes_its_uploads_data(
    replicas: Replicas, module_pg_url: str
) -> None:
    owner = register(replicas.first)
    made = created(upload(replicas.first, owner, "sales.csv", sales_csv()))
    deleted = replicas.first.delete("/api/auth/me", headers=bearer(owner))
    assert deleted.status_code == 204, deleted.text
    assert schema_name(made["id"]) not in upload_schemas(module_pg_url)
    assert role_name(made["id"]) not in upload_roles(module_pg_url)


def test_size_limit_and_allowance(replicas: Replicas, module_pg_url: str) -> None:
    owner = register(replicas.first)
    before = leftovers(module_pg_url)
    too_big = b"n\n" + b"1\n" * (MAX_FILE_BYTES // 2 + 1)
    refused = upload(replicas.first, owner, "big.csv", too_big)
    assert refused.status_code == 413, refused.text

    # 9,000 rows: under the file limit, but stored they take more than the 250 KB allowance.
    many = "region,amount\n" + "".join(f"r{n % 50},{n}\n" for n in range(9000))
    assert len(many) < MAX_FILE_BYTES
    over = upload(replicas.first, owner, "many.csv", many.encode())
    assert over.status_code == 409, over.text
    assert over.json()["error"] == "allowance_exceeded"
    assert leftovers(module_pg_url) == before  # loaded, measured, then rolled back

    kept = created(upload(replicas.first, owner, "sales.csv", sales_csv()))
    usage = replicas.second.get("/api/uploads/usage", headers=bearer(owner)).json()
    assert usage["used_bytes"] == kept["upload"]["stored_bytes"] > 0
    assert usage["allowance_bytes"] == 250_000


def test_each_bad_file_is_refused_and_leaves_nothing(
    replicas: Replicas, module_pg_url: str
) -> None:
    owner = register(replicas.first)
    before = leftovers(module_pg_url)
    for file_name, data, reason in BAD_FILES:
        refused = upload(replicas.first, owner, file_name, data)
        assert refused.status_code == 422, (file_name, refused.text)
        assert reason in refused.json()["detail"], (file_name, refused.text)
    assert leftovers(module_pg_url) == before
    assert replicas.first.get("/api/connections", headers=bearer(owner)).json()["items"] == []


def test_hostile_headers_and_values_stay_plain_text(replicas: Replicas, module_pg_url: str) -> None:
    owner = register(replicas.first)
    users = count_rows(module_pg_url, "users")
    values = ["'); DROP TABLE users; --", "<img src=x onerror=alert(1)>", '=HYPERLINK("x")']
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(['x"; DROP TABLE users; --', "<script>alert(1)</script>", "amount"])
    writer.writerows([value, value[::-1], n] for n, value in enumerate(values))
    hostile = out.getvalue()
    file_name = "<i>evil'; DROP TABLE users;--.csv"
    made = created(upload(replicas.first, owner, file_name, hostile.encode()))
    assert [t["name"] for t in made["tables"]] == ["i_evil_drop_table_users"]
    assert made["upload"]["file_name"] == file_name  # shown as given; the frontend shows text
    answer = ask(
        replicas.first, owner, made["id"], sql="SELECT * FROM i_evil_drop_table_users ORDER BY 3"
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["columns"] == ["x_drop_table_users", "script_alert_1_script", "amount"]
    assert [row[:2] for row in answer.json()["rows"]] == [[v, v[::-1]] for v in values]
    assert count_rows(module_pg_url, "users") == users  # still there, every row of it
