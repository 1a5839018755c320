"""Known ways text-to-SQL tools have been made to write, lock, sleep or read files.

Each entry is SQL a model (or a person editing the SQL) might send. Sources: the guard bypasses
recorded for peer products (a SELECT prefix check, keyword blocklists over top-level tokens, "any
statement is a SELECT"), PostgreSQL and SQLite features that write from inside a query, and
comment, quoting and unicode tricks. Table names refer to the demo (``loans``, ``borrowers``) and
the canary table the end-to-end test watches.
"""

from __future__ import annotations

POSTGRES_ATTACKS: dict[str, str] = {
    # several statements
    "select then drop": "SELECT 1; DROP TABLE canary",
    "select then delete": "SELECT * FROM loans; DELETE FROM canary",
    "select then update": "SELECT 1;UPDATE canary SET amount = 0",
    "commit escapes the read-only transaction": "COMMIT; DELETE FROM canary",
    "newline separated": "SELECT 1\n;\nTRUNCATE canary",
    "comment hides the separator": "SELECT 1 -- harmless\n; DELETE FROM canary",
    "block comment then statement": "SELECT 1 /* ; */ ; DELETE FROM canary",
    # plain writes and schema changes
    "delete": "DELETE FROM canary",
    "update": "UPDATE canary SET amount = 0",
    "insert": "INSERT INTO canary VALUES (99, 'x', 0)",
    "insert select": "INSERT INTO canary SELECT 100, 'y', 1",
    "merge": (
        "MERGE INTO canary c USING (SELECT 1 AS id) s ON c.id = s.id WHEN MATCHED THEN DELETE"
    ),
    "truncate": "TRUNCATE canary",
    "drop": "DROP TABLE canary",
    "alter": "ALTER TABLE canary ADD COLUMN x int",
    "create table as": "CREATE TABLE stolen AS SELECT * FROM loans",
    "create function": (
        "CREATE FUNCTION f() RETURNS int AS $$ DELETE FROM canary RETURNING 1 $$ LANGUAGE sql"
    ),
    "grant": "GRANT ALL ON canary TO PUBLIC",
    "vacuum": "VACUUM canary",
    "lock table": "LOCK TABLE canary IN ACCESS EXCLUSIVE MODE",
    # data-modifying CTEs (passed Dataherald's top-level blocklist)
    "delete in cte": "WITH d AS (DELETE FROM canary RETURNING *) SELECT * FROM d",
    "update in cte": "WITH u AS (UPDATE canary SET amount = 0 RETURNING *) SELECT count(*) FROM u",
    "insert in cte": "WITH i AS (INSERT INTO canary VALUES (7, 'z', 7) RETURNING id) SELECT 1",
    "nested cte delete": (
        "WITH a AS (SELECT 1), b AS (WITH c AS (DELETE FROM canary RETURNING *) "
        "SELECT * FROM c) SELECT * FROM b"
    ),
    "cte delete in subquery": (
        "SELECT * FROM (WITH d AS (DELETE FROM canary RETURNING id) SELECT id FROM d) s"
    ),
    # SELECT INTO and locking clauses (passed the parent project's prefix check)
    "select into": "SELECT * INTO stolen FROM canary",
    "select into temp": "SELECT * INTO TEMP stolen FROM canary",
    "for update": "SELECT * FROM canary FOR UPDATE",
    "for share": "SELECT * FROM canary FOR SHARE",
    "for no key update": "SELECT * FROM canary FOR NO KEY UPDATE",
    "for update skip locked": "SELECT id FROM canary FOR UPDATE SKIP LOCKED",
    # side effects through functions
    "pg_sleep": "SELECT pg_sleep(600)",
    "pg_sleep in where": "SELECT * FROM loans WHERE pg_sleep(600) IS NOT NULL",
    "pg_sleep_for": "SELECT pg_sleep_for('10 minutes')",
    "qualified pg_sleep": "SELECT pg_catalog.pg_sleep(600)",
    "quoted pg_sleep": 'SELECT "pg_sleep"(600)',
    "pg_read_file": "SELECT pg_read_file('/etc/passwd')",
    "pg_read_binary_file": "SELECT pg_read_binary_file('postgresql.conf')",
    "pg_ls_dir": "SELECT * FROM pg_ls_dir('.')",
    "lo_import": "SELECT lo_import('/etc/passwd')",
    "lo_export": "SELECT lo_export(1, '/tmp/x')",
    "dblink": "SELECT * FROM dblink('dbname=postgres', 'DELETE FROM canary') AS t(x text)",
    "dblink_exec": "SELECT dblink_exec('DELETE FROM canary')",
    "set_config role": "SELECT set_config('role', 'postgres', false)",
    "set_config read only off": "SELECT set_config('transaction_read_only', 'off', true)",
    "nextval": "SELECT nextval('some_seq')",
    "setval": "SELECT setval('some_seq', 1)",
    "pg_terminate_backend": "SELECT pg_terminate_backend(pid) FROM pg_stat_activity",
    "pg_cancel_backend": "SELECT pg_cancel_backend(1)",
    "pg_advisory_lock": "SELECT pg_advisory_lock(1)",
    "pg_notify": "SELECT pg_notify('c', 'x')",
    "query_to_xml runs sql": (
        "SELECT query_to_xml('DELETE FROM canary RETURNING 1', true, true, '')"
    ),
    "current_setting": "SELECT current_setting('data_directory')",
    "pg_reload_conf": "SELECT pg_reload_conf()",
    "txid_current writes": "SELECT txid_current()",
    "user function in schema": "SELECT public.lower(name) FROM canary",
    "copy to file": "COPY canary TO '/tmp/canary.csv'",
    "copy to program": "COPY (SELECT 1) TO PROGRAM 'id'",
    "copy from": "COPY canary FROM '/etc/passwd'",
    # procedural and utility statements
    "do block": "DO $$ BEGIN DELETE FROM canary; END $$",
    "call": "CALL cleanup()",
    "set role": "SET ROLE postgres",
    "set session": "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
    "set transaction": "SET TRANSACTION READ WRITE",
    "reset role": "RESET ROLE",
    "begin": "BEGIN",
    "prepare": "PREPARE p AS DELETE FROM canary",
    "execute": "EXECUTE p",
    "explain analyze delete": "EXPLAIN ANALYZE DELETE FROM canary",
    "listen": "LISTEN c",
    "refresh": "REFRESH MATERIALIZED VIEW mv",
    "declare cursor": "DECLARE c CURSOR FOR SELECT 1",
    "comment on": "COMMENT ON TABLE canary IS 'x'",
    # system catalogs
    "pg_class": "SELECT relname FROM pg_class",
    "pg_catalog qualified": "SELECT * FROM pg_catalog.pg_roles",
    "pg_shadow": "SELECT passwd FROM pg_shadow",
    "pg_authid": "SELECT rolpassword FROM pg_authid",
    "information_schema": "SELECT * FROM information_schema.tables",
    "pg_stat_activity": "SELECT query FROM pg_stat_activity",
    "catalog in a subquery": "SELECT * FROM loans WHERE grade IN (SELECT relname FROM pg_class)",
    "catalog in a cte": "WITH x AS (SELECT * FROM pg_user) SELECT * FROM x",
    "regclass cast": "SELECT 'canary'::regclass",
    "other schema": "SELECT * FROM public.alembic_version",
    "three part name": "SELECT * FROM postgres.public.users",
    # the app's own tables are not part of the demo
    "app table": "SELECT * FROM users",
    "app sessions": "SELECT * FROM auth_sessions",
    # comment, quoting and unicode tricks
    "nested comment hiding a statement": "SELECT 1 /* /* */ ; DELETE FROM canary; /* */",
    "dollar quote": "SELECT $x$;$x$; DELETE FROM canary",
    "e-string escape": "SELECT E'\\''; DELETE FROM canary; --'",
    "quoted identifier with semicolon": 'SELECT 1 AS ";"; DELETE FROM canary',
    "zero width space": "SELECT 1;\u200b DELETE FROM canary",
    "zero width inside keyword": "DEL\u200bETE FROM canary",
    "right-to-left override": "SELECT '\u202e' ; DELETE FROM canary",
    "null byte": "SELECT 1\x00; DELETE FROM canary",
    "fullwidth semicolon": "SELECT 1\uff1b DELETE FROM canary",
    "homoglyph function": "SELECT pg_sl\u0435ep(600)",
    "lowercase mixed": "sElEcT 1; dElEtE fRoM canary",
    "cte shadow then real table": (
        "SELECT * FROM (WITH users AS (SELECT 1) SELECT * FROM users) s, users"
    ),
    "self-reference is the real table": "WITH users AS (SELECT * FROM users) SELECT * FROM users",
    "parameters": "SELECT * FROM loans WHERE loan_id = $1",
    # resource exhaustion on a shared server
    "repeat memory bomb": "SELECT repeat('x', 1000000000)",
    "lpad memory bomb": "SELECT lpad('x', 1000000000, 'y')",
    "lpad computed width": "SELECT rpad(grade, loan_id) FROM loans",
    "generate_series flood": "SELECT array_agg(g) FROM generate_series(1, 1000000000) g",
    # a quoted upper-case name is a different (user-made) function in PostgreSQL
    "quoted upper-case function": 'SELECT "AGE"(issue_date) FROM loans',
    "empty": "   ",
    "only a comment": "-- nothing here",
}

SQLITE_ATTACKS: dict[str, str] = {
    "select then drop": "SELECT 1; DROP TABLE loans",
    "delete": "DELETE FROM loans",
    "update": "UPDATE loans SET loan_amount = 0",
    "insert": "INSERT INTO loans (loan_id) VALUES (-1)",
    "replace": "REPLACE INTO loans (loan_id) VALUES (1)",
    "delete in cte": "WITH d AS (DELETE FROM loans RETURNING *) SELECT * FROM d",
    "attach": "ATTACH DATABASE '/tmp/evil.db' AS evil",
    "detach": "DETACH DATABASE main",
    "pragma write": "PRAGMA writable_schema = 1",
    "pragma query_only off": "PRAGMA query_only = OFF",
    "pragma read": "PRAGMA table_info(loans)",
    "pragma table function": "SELECT * FROM pragma_table_info('loans')",
    "vacuum into": "VACUUM INTO '/tmp/copy.db'",
    "load_extension": "SELECT load_extension('/tmp/evil.so')",
    "readfile": "SELECT readfile('/etc/passwd')",
    "writefile": "SELECT writefile('/tmp/x', 'y')",
    "sqlite_master": "SELECT sql FROM sqlite_master",
    "sqlite_schema": "SELECT * FROM sqlite_schema",
    "sqlite_sequence": "SELECT * FROM sqlite_sequence",
    "create": "CREATE TABLE stolen AS SELECT * FROM loans",
    "drop": "DROP TABLE loans",
    "begin immediate": "BEGIN IMMEDIATE",
    "reindex": "REINDEX",
    "analyze": "ANALYZE",
    "randomblob flood": "SELECT zeroblob(1000000000)",
    "other schema": "SELECT * FROM temp.loans",
    "comment hides the separator": "SELECT 1 -- x\n; DELETE FROM loans",
    "app table": "SELECT * FROM users",
}

# Queries the guard must let through unchanged in meaning (the demo's example questions and the
# shapes analysts write), per dialect.
POSTGRES_ALLOWED: dict[str, str] = {
    "default rate by grade": (
        "SELECT grade, AVG(CASE WHEN is_default THEN 1.0 ELSE 0 END) AS default_rate "
        "FROM loans GROUP BY grade ORDER BY grade"
    ),
    "top states by average amount": (
        "SELECT b.state, AVG(l.loan_amount) AS avg_amount FROM loans l "
        "JOIN borrowers b ON b.borrower_id = l.borrower_id "
        "GROUP BY b.state ORDER BY avg_amount DESC LIMIT 10"
    ),
    "monthly volume 2023": (
        "SELECT date_trunc('month', issue_date) AS month, COUNT(*) AS loans, "
        "SUM(loan_amount) AS volume FROM loans "
        "WHERE issue_date >= DATE '2023-01-01' AND issue_date < DATE '2024-01-01' "
        "GROUP BY 1 ORDER BY 1"
    ),
    "loans per purpose": "SELECT purpose, COUNT(*) FROM loans GROUP BY purpose ORDER BY 2 DESC",
    "cte and window": (
        "WITH g AS (SELECT grade, AVG(interest_rate) AS r FROM loans GROUP BY grade) "
        "SELECT grade, r, RANK() OVER (ORDER BY r DESC) FROM g"
    ),
    "recursive cte": (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) "
        "SELECT i FROM n"
    ),
    "union": "SELECT grade FROM loans WHERE term = 36 UNION SELECT grade FROM loans",
    "qualified with the demo schema": "SELECT COUNT(*) FROM demo.loans",
    "filter and percentile": (
        "SELECT purpose, percentile_cont(0.5) WITHIN GROUP (ORDER BY loan_amount) "
        "FROM loans WHERE loan_status IN ('Charged Off', 'Default') GROUP BY purpose"
    ),
    "extract and casts": (
        "SELECT EXTRACT(YEAR FROM issue_date)::int AS year, ROUND(SUM(loan_amount)::numeric, 2) "
        "FROM loans GROUP BY 1 ORDER BY 1"
    ),
    "exists subquery": (
        "SELECT COUNT(*) FROM borrowers b WHERE EXISTS "
        "(SELECT 1 FROM loans l WHERE l.borrower_id = b.borrower_id AND l.is_default)"
    ),
    "comment is dropped": "SELECT COUNT(*) FROM loans -- how many?",
    "string with a semicolon": "SELECT COUNT(*) FROM loans WHERE purpose <> 'a;b'",
    "like with percent": "SELECT COUNT(*) FROM loans WHERE loan_status LIKE 'Late%'",
}

SQLITE_ALLOWED: dict[str, str] = {
    "default rate by grade": (
        "SELECT grade, AVG(CASE WHEN is_default THEN 1.0 ELSE 0 END) AS default_rate "
        "FROM loans GROUP BY grade ORDER BY grade"
    ),
    "monthly volume 2023": (
        "SELECT strftime('%Y-%m', issue_date) AS month, COUNT(*) AS loans FROM loans "
        "WHERE issue_date >= '2023-01-01' AND issue_date < '2024-01-01' GROUP BY 1 ORDER BY 1"
    ),
    "top states by average amount": (
        "SELECT b.state, AVG(l.loan_amount) AS avg_amount FROM loans l "
        "JOIN borrowers b ON b.borrower_id = l.borrower_id "
        "GROUP BY b.state ORDER BY avg_amount DESC LIMIT 10"
    ),
    "ifnull and group_concat": (
        "SELECT home_ownership, IFNULL(emp_length, 'unknown'), COUNT(*) "
        "FROM loans JOIN borrowers USING (borrower_id) GROUP BY 1, 2"
    ),
    "case-insensitive table name": "SELECT COUNT(*) FROM LOANS",
}
