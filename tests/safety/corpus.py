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

# MySQL and MariaDB: the same families, in their spelling, plus what only they have (user
# variables, SELECT … INTO OUTFILE, LOCK TABLES, HANDLER, executable comments, GET_LOCK…).
MYSQL_ATTACKS: dict[str, str] = {
    # several statements
    "select then drop": "SELECT 1; DROP TABLE canary",
    "select then delete": "SELECT * FROM loans; DELETE FROM canary",
    "commit escapes the read-only transaction": "COMMIT; DELETE FROM canary",
    "comment hides the separator": "SELECT 1 -- harmless\n; DELETE FROM canary",
    "hash comment hides the separator": "SELECT 1 # harmless\n; DELETE FROM canary",
    "block comment then statement": "SELECT 1 /* ; */ ; DELETE FROM canary",
    # plain writes and schema changes
    "delete": "DELETE FROM canary",
    "update": "UPDATE canary SET amount = 0",
    "insert": "INSERT INTO canary VALUES (99, 'x', 0)",
    "insert select": "INSERT INTO canary SELECT 100, 'y', 1",
    "replace": "REPLACE INTO canary VALUES (1, 'x', 0)",
    "insert on duplicate key": (
        "INSERT INTO canary VALUES (1, 'x', 0) ON DUPLICATE KEY UPDATE amount = 0"
    ),
    "multi-table delete": "DELETE c FROM canary c JOIN loans l ON l.loan_id = c.id",
    "truncate": "TRUNCATE canary",
    "drop": "DROP TABLE canary",
    "rename": "RENAME TABLE canary TO stolen",
    "alter": "ALTER TABLE canary ADD COLUMN x int",
    "create table as": "CREATE TABLE stolen AS SELECT * FROM loans",
    "create temporary table": "CREATE TEMPORARY TABLE stolen AS SELECT * FROM canary",
    "create sequence": "CREATE SEQUENCE stolen_seq",
    "create function": (
        "CREATE FUNCTION f() RETURNS int DETERMINISTIC RETURN (SELECT COUNT(*) FROM canary)"
    ),
    "create event": "CREATE EVENT e ON SCHEDULE EVERY 1 SECOND DO DELETE FROM canary",
    "grant": "GRANT ALL ON *.* TO 'x'@'%'",
    "create user": "CREATE USER 'x'@'%' IDENTIFIED BY 'y'",
    "optimize": "OPTIMIZE TABLE canary",
    "flush": "FLUSH TABLES",
    "load data": "LOAD DATA INFILE '/etc/passwd' INTO TABLE canary",
    "load data local": "LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE canary",
    # writing to files and variables from a SELECT
    "into outfile": "SELECT * FROM canary INTO OUTFILE '/tmp/canary.txt'",
    "into dumpfile": "SELECT name FROM canary LIMIT 1 INTO DUMPFILE '/tmp/canary.bin'",
    "into outfile before from": "SELECT * INTO OUTFILE '/tmp/canary2.txt' FROM canary",
    "into a user variable": "SELECT amount INTO @stolen FROM canary LIMIT 1",
    "user variable assignment": "SELECT @x := amount FROM canary",
    "user variable in where": "SELECT * FROM loans WHERE (@n := @n + 1) > 0",
    "user variable read": "SELECT @x",
    "system variable": "SELECT @@secure_file_priv",
    "set user variable": "SET @x = 1",
    "set session variable": "SET SESSION transaction_read_only = 0",
    "set tx_read_only off": "SET SESSION tx_read_only = 0",
    "set statement for": "SET STATEMENT max_statement_time = 0 FOR SELECT SLEEP(600)",
    "set transaction read write": "SET TRANSACTION READ WRITE",
    # locking
    "for update": "SELECT * FROM canary FOR UPDATE",
    "for update nowait": "SELECT * FROM canary FOR UPDATE NOWAIT",
    "for share": "SELECT * FROM canary FOR SHARE",
    "lock in share mode": "SELECT * FROM canary LOCK IN SHARE MODE",
    "lock tables": "LOCK TABLES canary WRITE",
    "unlock tables": "UNLOCK TABLES",
    "handler open": "HANDLER canary OPEN",
    "get_lock": "SELECT GET_LOCK('eaa', 10)",
    "release_lock": "SELECT RELEASE_LOCK('eaa')",
    "is_free_lock": "SELECT IS_FREE_LOCK('eaa')",
    # side effects through functions
    "sleep": "SELECT SLEEP(600)",
    "sleep in where": "SELECT * FROM loans WHERE SLEEP(600) = 0",
    "quoted sleep": "SELECT `SLEEP`(600)",
    "executable comment sleep": "SELECT 1 /*!50000 , SLEEP(600) */",
    "executable comment delete": "SELECT 1 /*! ; DELETE FROM canary */",
    "optimizer hint lifting the time limit": (
        "SELECT /*+ MAX_EXECUTION_TIME(100000000) */ COUNT(*) FROM loans a, loans b"
    ),
    "optimizer hint setting a variable": (
        "SELECT /*+ SET_VAR(max_statement_time = 0) */ COUNT(*) FROM loans a, loans b"
    ),
    "benchmark": "SELECT BENCHMARK(100000000, MD5('x'))",
    "load_file": "SELECT LOAD_FILE('/etc/passwd')",
    "load_file hex path": "SELECT LOAD_FILE(0x2f6574632f706173737764)",
    "master_pos_wait": "SELECT MASTER_POS_WAIT('log', 1, 600)",
    "last_insert_id with a value": "SELECT LAST_INSERT_ID(5)",
    "nextval": "SELECT NEXTVAL(stolen_seq)",
    "next value for": "SELECT NEXT VALUE FOR stolen_seq",
    "setval": "SELECT SETVAL(stolen_seq, 1)",
    "session identity": "SELECT USER(), DATABASE(), VERSION()",
    "connection_id": "SELECT CONNECTION_ID()",
    "extractvalue error leak": "SELECT EXTRACTVALUE(1, CONCAT(0x7e, (SELECT name FROM canary)))",
    "updatexml": "SELECT UPDATEXML(1, '/a', 'b')",
    "sys_eval udf": "SELECT sys_eval('id')",
    "qualified stored function": "SELECT shop.cleanup()",
    "stored function by name": "SELECT cleanup()",
    "json_table": "SELECT * FROM JSON_TABLE('[1]', '$[*]' COLUMNS (x INT PATH '$')) j",
    # procedural and utility statements
    "do": "DO SLEEP(600)",
    "call": "CALL cleanup()",
    "prepare": "PREPARE p FROM 'DELETE FROM canary'",
    "execute": "EXECUTE p",
    "start transaction": "START TRANSACTION",
    "begin": "BEGIN",
    "xa start": "XA START 'x'",
    "kill": "KILL 1",
    "shutdown": "SHUTDOWN",
    "install plugin": "INSTALL PLUGIN x SONAME 'x.so'",
    "use": "USE mysql",
    "show": "SHOW GRANTS",
    "show processlist": "SHOW PROCESSLIST",
    "explain": "EXPLAIN SELECT * FROM canary",
    "describe": "DESCRIBE canary",
    "analyze table": "ANALYZE TABLE canary",
    "values statement": "VALUES ROW(1)",
    # system catalogs and other databases
    "information_schema": "SELECT * FROM information_schema.tables",
    "mysql.user": "SELECT authentication_string FROM mysql.user",
    "performance_schema": "SELECT * FROM performance_schema.threads",
    "sys schema": "SELECT * FROM sys.processlist",
    "other database": "SELECT * FROM other_db.secrets",
    "catalog in a subquery": ("SELECT * FROM loans WHERE grade IN (SELECT user FROM mysql.user)"),
    "app table": "SELECT * FROM users",
    "case-different table": "SELECT * FROM CANARY",
    # quoting and unicode tricks
    "backslash escape then statement": "SELECT '\\''; DELETE FROM canary; -- '",
    "double-quoted string then statement": 'SELECT "a"; DELETE FROM canary',
    "backtick identifier with semicolon": "SELECT 1 AS `;`; DELETE FROM canary",
    "zero width space": "SELECT 1;\u200b DELETE FROM canary",
    "null byte": "SELECT 1\x00; DELETE FROM canary",
    "homoglyph function": "SELECT SL\u0415EP(600)",
    "parameters": "SELECT * FROM loans WHERE loan_id = ?",
    # resource exhaustion on a shared server
    "repeat memory bomb": "SELECT REPEAT('x', 1000000000)",
    "space memory bomb": "SELECT SPACE(1000000000)",
    "lpad memory bomb": "SELECT LPAD('x', 1000000000, 'y')",
    "lpad computed width": "SELECT RPAD(grade, loan_id, 'x') FROM loans",
    "empty": "   ",
    "only a comment": "-- nothing here",
}

MYSQL_ALLOWED: dict[str, str] = {
    "default rate by grade": (
        "SELECT grade, AVG(CASE WHEN is_default THEN 1.0 ELSE 0 END) AS default_rate "
        "FROM loans GROUP BY grade ORDER BY grade"
    ),
    "top states by average amount": (
        "SELECT b.state, AVG(l.loan_amount) AS avg_amount FROM `loans` l "
        "JOIN `borrowers` b ON b.borrower_id = l.borrower_id "
        "GROUP BY b.state ORDER BY avg_amount DESC LIMIT 10"
    ),
    "monthly volume 2023": (
        "SELECT DATE_FORMAT(issue_date, '%Y-%m') AS month, COUNT(*) AS loans, "
        "SUM(loan_amount) AS volume FROM loans "
        "WHERE issue_date >= '2023-01-01' AND issue_date < '2024-01-01' "
        "GROUP BY month ORDER BY month"
    ),
    "year and quarter functions": (
        "SELECT YEAR(issue_date) AS y, QUARTER(issue_date) AS q, COUNT(*) FROM loans "
        "GROUP BY y, q ORDER BY y, q"
    ),
    "date arithmetic": (
        "SELECT COUNT(*) FROM loans WHERE issue_date >= DATE_SUB(CURDATE(), INTERVAL 12 MONTH) "
        "AND DATEDIFF(CURDATE(), issue_date) > 30"
    ),
    "ifnull, if and group_concat": (
        "SELECT IFNULL(b.emp_length, 'unknown') AS emp, IF(l.term = 60, 'long', 'short') AS t, "
        "GROUP_CONCAT(DISTINCT l.grade ORDER BY l.grade SEPARATOR ',') AS grades "
        "FROM loans l JOIN borrowers b ON b.borrower_id = l.borrower_id GROUP BY emp, t"
    ),
    "cte and window": (
        "WITH g AS (SELECT grade, AVG(interest_rate) AS r FROM loans GROUP BY grade) "
        "SELECT grade, r, RANK() OVER (ORDER BY r DESC) AS rnk FROM g"
    ),
    "union": "SELECT grade FROM loans WHERE term = 36 UNION SELECT grade FROM loans",
    "exists subquery": (
        "SELECT COUNT(*) FROM borrowers b WHERE EXISTS "
        "(SELECT 1 FROM loans l WHERE l.borrower_id = b.borrower_id AND l.is_default)"
    ),
    "comment is dropped": "SELECT COUNT(*) FROM loans -- how many?",
    "string with a semicolon and a backslash": (
        "SELECT COUNT(*) FROM loans WHERE purpose <> 'a;b\\\\c' AND purpose <> 'it\\'s'"
    ),
    "like with percent": "SELECT COUNT(*) FROM loans WHERE loan_status LIKE 'Late%'",
    "limit with offset": "SELECT loan_id FROM loans ORDER BY loan_id LIMIT 5 OFFSET 10",
}
