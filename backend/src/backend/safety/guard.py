"""The SQL guard: only one side-effect-free SELECT over enabled tables may reach a database.

The first of several layers (the executor adds a READ ONLY transaction, a server-side cursor that
only accepts a query, a time limit and, for the demo, a role that cannot write). The rules are
allowlists, never blocklists: a statement shape, a function or a table that is not known to be
safe is refused. The text that runs is regenerated from the checked syntax tree without comments,
so nothing the parser did not see (a comment or quoting trick the database reads differently)
can reach the database.

One module on purpose (about 400 lines): the allowlists and every check that reads them are
reviewed together, top to bottom, as the one place that decides what may run.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Collection
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp
from sqlglot.tokenizer_core import TokenType

from backend.core.bounded import BoundedCache
from backend.core.config import SQL_CHARS_CEILING
from backend.core.dialects import Dialect
from backend.core.errors import ServiceUnavailable
from backend.safety.errors import SqlRefused, TableDisabled

if TYPE_CHECKING:
    from backend.targets.target import QueryTarget

__all__ = [
    "MYSQL_FUNCTIONS",
    "SAFE_FUNCTIONS",
    "SqlRefused",
    "TableDisabled",
    "check_for_target",
    "check_sql",
    "checked_tree",
]

MAX_TABLES_NAMED = 12  # an unknown table's message lists this many usable ones (helps a repair)

# sqlglot warns when it falls back to a raw "Command"; the guard refuses those anyway.
logging.getLogger("sqlglot").setLevel(logging.ERROR)

# Schemas a table may be qualified with when the target names none of its own.
# On MySQL none: a qualified name reaches another database of the same server.
_DEFAULT_SCHEMAS: dict[str, set[str]] = {
    Dialect.POSTGRES: {"public"},
    Dialect.SQLITE: {"main"},
    Dialect.MYSQL: set(),
}
_CATALOG_SCHEMAS = {
    "pg_catalog", "information_schema", "pg_toast", "mysql", "performance_schema", "sys"
}  # fmt: skip

# Side-effect-free functions. Typed sqlglot functions are named by their class key (``count``,
# ``timestamptrunc``); functions sqlglot does not model are named as written (lower-case).
SAFE_FUNCTIONS = frozenset(
    {
        # aggregates
        "count", "sum", "avg", "min", "max", "stddev", "stddevpop", "stddevsamp", "stddev_pop",
        "stddev_samp", "variance", "variancepop", "var_pop", "var_samp", "median", "mode",
        "percentilecont", "percentiledisc", "percentile", "corr", "covarpop", "covarsamp",
        "covar_pop", "covar_samp", "regrslope", "regr_slope", "regr_intercept", "regr_r2",
        "arrayagg", "groupconcat", "string_agg", "logicaland", "logicalor", "every", "bool_and",
        "bool_or", "total", "countif", "approxdistinct", "anyvalue", "jsonarrayagg",
        # windows
        "rownumber", "rank", "denserank", "percentrank", "cumedist", "ntile", "lag", "lead",
        "firstvalue", "lastvalue", "nthvalue",
        # conditionals and casts
        "case", "if", "iif", "coalesce", "nullif", "ifnull", "greatest", "least", "cast",
        "trycast", "exists", "num_nulls", "num_nonnulls", "typeof",
        # numbers
        "abs", "ceil", "floor", "round", "trunc", "sign", "sqrt", "cbrt", "pow", "exp", "ln",
        "log", "log10", "log2", "mod", "div", "pi", "degrees", "radians", "widthbucket", "rand",
        "gcd", "lcm", "tonumber", "sin", "cos", "tan", "asin", "acos", "atan", "atan2",
        # text
        "lower", "upper", "length", "char_length", "character_length", "octet_length",
        "substring", "trim", "ltrim", "rtrim", "btrim", "replace", "concat", "concatws", "left",
        "right", "pad", "lpad", "rpad", "strposition", "initcap", "splitpart", "reverse",
        "translate", "startswith", "regexplike", "regexpreplace", "regexpextract",
        "regexp_matches", "regexp_split_to_array", "ascii", "chr", "unicode", "hex", "md5",
        "printf", "quote", "instr", "substr", "like", "glob",
        "stringtoarray", "arraytostring", "arraysize", "cardinality", "array", "unnest",
        "explode",
        # dates and times
        "timestamptrunc", "datetrunc", "date_trunc", "datebin", "extract", "date_part",
        "timetostr", "strtodate", "strtotime", "unixtotime", "timestrtotime", "tsordstotimestamp",
        "tsordstodate", "currentdate", "currenttime", "currenttimestamp", "localtimestamp",
        "localtime", "now", "age", "make_date", "make_timestamp", "make_interval", "date",
        "datetime", "time", "julianday", "unixepoch", "strftime", "datediff", "dateadd",
        "datesub", "justifydays", "justifyhours", "justifyinterval", "isfinite", "to_char",
        "to_date", "to_timestamp", "timestampdiff", "yearofdate", "monthofdate", "year",
        "month", "day", "quarter", "week", "dayofweek", "dayofmonth", "dayofyear",
        # json (reads only)
        "jsonextract", "jsonextractscalar", "jsonbextract", "jsonbextractscalar",
        "json_extract_path_text", "jsonobject", "json_build_object", "jsonb_build_object",
        "to_json", "to_jsonb", "row_to_json", "json_agg", "jsonb_agg", "jsonarray",
    }
)  # fmt: skip

# MySQL/MariaDB's own list. Separate, because a name that is not one of the server's built-ins
# resolves to a stored function of the user's database (which may sleep, lock or write), and
# several names above are built-ins only in PostgreSQL or SQLite. Left out on purpose: SLEEP,
# BENCHMARK, GET_LOCK/RELEASE_LOCK/IS_*_LOCK, LOAD_FILE, MASTER_POS_WAIT, LAST_INSERT_ID(x),
# NEXTVAL/SETVAL, REPEAT/SPACE (memory), DATABASE(), USER(), VERSION(), CONNECTION_ID() (the
# session, not data), EXTRACTVALUE/UPDATEXML, NAME_CONST, JSON_TABLE and any UDF.
MYSQL_FUNCTIONS = frozenset(
    {
        # aggregates
        "count", "sum", "avg", "min", "max", "stddev", "stddevpop", "stddevsamp", "stddev_pop",
        "stddev_samp", "std", "variance", "variancepop", "var_pop", "var_samp", "groupconcat",
        "anyvalue", "jsonarrayagg", "jsonobjectagg",
        # windows
        "rownumber", "rank", "denserank", "percentrank", "cumedist", "ntile", "lag", "lead",
        "firstvalue", "lastvalue", "nthvalue",
        # conditionals and casts
        "case", "if", "coalesce", "nullif", "ifnull", "greatest", "least", "cast", "exists",
        # numbers
        "abs", "ceil", "floor", "round", "trunc", "sign", "sqrt", "pow", "exp", "ln", "log",
        "log10", "log2", "mod", "pi", "degrees", "radians", "rand", "sin", "cos", "tan", "asin",
        "acos", "atan", "atan2", "numbertostr",
        # text
        "lower", "upper", "length", "char_length", "character_length", "octet_length",
        "substring", "substr", "mid", "trim", "ltrim", "rtrim", "replace", "concat", "concatws",
        "left", "right", "pad", "strposition", "locate", "instr", "reverse", "regexplike",
        "regexpreplace", "regexpextract", "ascii", "chr", "hex", "md5", "like", "substringindex",
        "field", "elt", "strcmp", "json_unquote", "jsonextract", "jsonextractscalar",
        "jsonobject", "jsonarray",
        # dates and times
        "timetostr", "time_format", "strtodate", "strtotime", "unixtotime", "timestrtotime",
        "tsordstotimestamp", "tsordstodate", "currentdate", "currenttime", "currenttimestamp",
        "now", "localtimestamp", "localtime", "date", "time", "datediff", "dateadd", "datesub",
        "timestampdiff", "timestampadd", "extract", "year", "month", "day", "quarter", "week",
        "weekofyear", "yearweek", "weekday", "dayofweek", "dayofmonth", "dayofyear", "dayname",
        "monthname", "lastday", "hour", "minute", "second", "unix_timestamp", "makedate",
        "to_days", "period_diff",
    }
)  # fmt: skip

# Statement kinds a person recognises, for the refusal message.
_WRITE_WORDS: tuple[tuple[type[exp.Expr], str], ...] = (
    (exp.Insert, "INSERT (it adds rows)"),
    (exp.Update, "UPDATE (it changes rows)"),
    (exp.Delete, "DELETE (it removes rows)"),
    (exp.Merge, "MERGE (it changes rows)"),
    (exp.Copy, "COPY (it reads or writes files)"),
    (exp.Create, "CREATE (it changes the schema)"),
    (exp.Drop, "DROP (it removes objects)"),
    (exp.Alter, "ALTER (it changes the schema)"),
    (exp.TruncateTable, "TRUNCATE (it removes rows)"),
    (exp.Into, "SELECT … INTO (it creates a table)"),
    (exp.Lock, "FOR UPDATE/SHARE (it locks rows)"),
    (exp.Set, "SET (it changes session settings)"),
    (exp.Pragma, "PRAGMA (it changes database settings)"),
    (exp.Transaction, "a transaction command"),
    (exp.Commit, "COMMIT"),
    (exp.Rollback, "ROLLBACK"),
    (exp.Attach, "ATTACH (it opens another database)"),
    (exp.Detach, "DETACH"),
    (exp.Grant, "GRANT (it changes permissions)"),
    (exp.Revoke, "REVOKE (it changes permissions)"),
    (exp.Use, "USE (it switches databases)"),
    (exp.Kill, "KILL"),
    (exp.Execute, "EXECUTE"),
    (exp.Declare, "DECLARE"),
    (exp.Analyze, "ANALYZE"),
    (exp.Comment, "COMMENT (it changes the schema)"),
    (exp.LoadData, "LOAD DATA (it reads files)"),
    (exp.Cache, "CACHE"),
    (exp.Refresh, "REFRESH"),
    (exp.Command, "a command"),
)
_FORBIDDEN_NODES = (*(kind for kind, _ in _WRITE_WORDS), exp.DML, exp.DDL)
_QUERY_ROOTS = (exp.Select, exp.SetOperation, exp.Subquery)


# Parsing is pure-Python CPU work under the GIL: a few checks at once keep the event loop (and
# health checks) responsive however many long queries arrive; tokens bound each parse's cost.
MAX_SQL_TOKENS = 4000
PARALLEL_CHECKS = 2
_CHECK_SLOTS = threading.BoundedSemaphore(PARALLEL_CHECKS)
_CHECK_WAIT_SECONDS = 10.0


class GuardBusy(ServiceUnavailable):
    code = "busy"


# A verdict depends only on the text and the tables it may name, so a question asked again (the
# demo's examples, a re-run from history, every replay of a conversation) is not parsed again.
# Only accepted texts are kept, and only short ones, which bounds the memory held.
VERDICT_CACHE_SIZE = 1024
CACHED_SQL_CHARS = 4000
_VERDICTS: BoundedCache[tuple[object, ...], str] = BoundedCache(VERDICT_CACHE_SIZE)
# The checked tree of each recent regenerated text, for the steps after the guard that read the
# query's structure (column formats), so the same SQL is never parsed twice on one question.
TREE_CACHE_SIZE = 64
_TREES: BoundedCache[str, exp.Expr] = BoundedCache(TREE_CACHE_SIZE)


def check_sql(
    sql: str,
    *,
    dialect: str,
    enabled_tables: Collection[str] | None,
    all_tables: Collection[str],
    db_schema: str | None = None,
) -> str:
    """Return the single read-only SELECT to run, regenerated from its checked syntax tree.

    ``all_tables`` are the tables the database has (from introspection); ``enabled_tables`` the
    ones the user allows (None: all of them); ``db_schema`` the schema a table may be
    qualified with. Raises ``SqlRefused`` or ``TableDisabled``.
    """
    try:
        read = Dialect(dialect)
    except ValueError:
        raise SqlRefused(f"Queries on {dialect} databases are not supported.") from None
    enabled = None if enabled_tables is None else frozenset(enabled_tables)
    key = (sql, read, enabled, frozenset(all_tables), db_schema)
    cacheable = len(sql) <= CACHED_SQL_CHARS
    if cacheable and (known := _VERDICTS.get(key)) is not None:
        return known
    checked, tree = _check_uncached(sql, read, enabled, all_tables, db_schema)
    if cacheable:
        _VERDICTS.put(key, checked)
        _TREES.put(checked, tree)
    return checked


def checked_tree(sql: str) -> exp.Expr | None:
    """The syntax tree the guard last regenerated ``sql`` from, if it produced that text lately.

    Shared with every later reader of the same text: read it, never change it.
    """
    return _TREES.get(sql)


def _check_uncached(
    sql: str,
    read: Dialect,
    enabled_tables: Collection[str] | None,
    all_tables: Collection[str],
    db_schema: str | None,
) -> tuple[str, exp.Expr]:
    _check_text(sql)
    if not _CHECK_SLOTS.acquire(timeout=_CHECK_WAIT_SECONDS):
        raise GuardBusy("Many queries are being checked right now; please retry in a moment.")
    try:
        _check_size(sql, read)
        tree = _parse_single(sql, read)
        _check_shape(tree, read)
        _check_functions(tree, read)
        _check_tables(tree, read, enabled_tables, all_tables, db_schema)
        try:
            return tree.sql(dialect=read, comments=False), tree
        except Exception:  # a generator failure must refuse, never run something unchecked
            raise SqlRefused("This SQL could not be prepared safely; please simplify it.") from None
    finally:
        _CHECK_SLOTS.release()


def _check_size(sql: str, read: str) -> None:
    try:
        tokens = sqlglot.Dialect.get_or_raise(read).tokenize(sql)
    except Exception as error:  # an untokenizable text is a refusal, never a crash
        first = str(error).splitlines()[0] if str(error) else "it could not be read"
        raise SqlRefused(f"The SQL could not be read: {first[:200]}") from None
    if len(tokens) > MAX_SQL_TOKENS:
        raise SqlRefused(
            f"The SQL has more than {MAX_SQL_TOKENS:,} words and symbols; please simplify it."
        )
    if any(token.token_type == TokenType.HINT for token in tokens) or any(
        comment.lstrip().startswith(("!", "+")) for token in tokens for comment in token.comments
    ):
        # Plain comments never reach the database. Hints would (they can lift the time limit,
        # SET_VAR any setting), and executable comments are meant to run: both are refused.
        raise SqlRefused(
            "Executable comments (/*! … */) and optimizer hints (/*+ … */) are not allowed."
        )


def check_for_target(sql: str, target: QueryTarget) -> str:
    """``check_sql`` with the dialect, tables and schema of the database the SQL will run on."""
    return check_sql(
        sql,
        dialect=target.dialect,
        enabled_tables=target.enabled_tables,
        all_tables=[table.name for table in target.schema_info.tables],
        db_schema=target.db_schema,
    )


def _check_text(sql: str) -> None:
    if not sql or not sql.strip():
        raise SqlRefused("The SQL is empty.")
    if len(sql) > SQL_CHARS_CEILING:
        raise SqlRefused(f"The SQL is longer than {SQL_CHARS_CEILING:,} characters.")
    for char in sql:
        if char in "\t\n\r":
            continue
        if unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co"}:
            raise SqlRefused(
                f"The SQL contains an invisible or control character (U+{ord(char):04X}); "
                "please retype it."
            )


def _parse_single(sql: str, read: str) -> exp.Expr:
    try:
        statements = [s for s in sqlglot.parse(sql, read=read) if s is not None]
    except RecursionError:
        raise SqlRefused("The SQL is nested too deeply to check.") from None
    except Exception as error:  # any parser failure is a refusal, never a crash
        first = str(error).splitlines()[0] if str(error) else "it could not be parsed"
        raise SqlRefused(f"The SQL could not be read: {first[:200]}") from None
    if not statements:
        raise SqlRefused("The SQL is empty.")
    if len(statements) > 1:
        raise SqlRefused(
            f"Only one statement can run at a time; this SQL has {len(statements)}. "
            "Remove the extra statements (separated by ';')."
        )
    return statements[0]


def _describe(node: exp.Expr) -> str:
    for kind, words in _WRITE_WORDS:
        if isinstance(node, kind):
            if isinstance(node, exp.Command):
                return f"the command {str(node.this).upper()!r}"
            return words
    return f"a {node.key.upper()} statement"


def _check_shape(tree: exp.Expr, dialect: str) -> None:
    if not isinstance(tree, _QUERY_ROOTS):
        raise SqlRefused(f"Only read-only SELECT queries can run; this SQL is {_describe(tree)}.")
    for node in tree.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            raise SqlRefused(
                f"Only read-only SELECT queries can run; this SQL contains {_describe(node)}."
            )
        if isinstance(node, exp.Hint):
            raise SqlRefused("Optimizer hints (/*+ … */) are not allowed.")
        if isinstance(node, exp.Placeholder | exp.Parameter | exp.SessionParameter):
            raise SqlRefused("Query parameters and session variables are not supported.")
        if isinstance(node, exp.DataType) and _is_unsafe_type(node):
            raise SqlRefused(f"Casting to the type {node.sql()} is not allowed.")
        if isinstance(node, exp.Operator) and _is_foreign_operator(node):
            raise SqlRefused(
                f"OPERATOR({node.args.get('operator')}) is not allowed: only built-in "
                "operators (pg_catalog) can be named."
            )
        if isinstance(node, exp.Column) and _is_session_word(node, dialect):
            raise SqlRefused(
                f"'{node.name}' reads the database session, not data; it is not allowed."
            )


# Unquoted, PostgreSQL reads these as the session's identity, never as a column. MySQL reads
# them as columns (its session functions need brackets, and are not allowed).
_SESSION_WORDS = frozenset(
    {"user", "current_user", "session_user", "current_role", "system_user", "current_catalog",
     "current_schema"}
)  # fmt: skip


def _is_session_word(node: exp.Column, dialect: str) -> bool:
    ident = node.this
    return (
        dialect != Dialect.MYSQL
        and not node.table
        and isinstance(ident, exp.Identifier)
        and not ident.quoted
        and ident.name.lower() in _SESSION_WORDS
    )


def _is_foreign_operator(node: exp.Operator) -> bool:
    """``OPERATOR(schema.op)`` runs a function; only pg_catalog's (or unqualified) are built in."""
    name = str(node.args.get("operator") or "")
    return "." in name and name.split(".", 1)[0].strip('"').lower() != "pg_catalog"


def _is_unsafe_type(node: exp.DataType) -> bool:
    """User-defined types run their own input code; reg* types look into the system catalog."""
    if node.this == exp.DataType.Type.USERDEFINED:
        return True
    return str(node.this).upper().startswith("REG")


def _function_name(node: exp.Func) -> str:
    return node.name.lower() if isinstance(node, exp.Anonymous) else node.key


def _check_functions(tree: exp.Expr, dialect: str) -> None:
    allowed = MYSQL_FUNCTIONS if dialect == Dialect.MYSQL else SAFE_FUNCTIONS
    for node in tree.find_all(exp.Func):
        if isinstance(node, exp.Connector | exp.Binary | exp.Unary):
            continue  # AND, OR and other built-in operators that sqlglot models as functions
        name = _function_name(node)
        if isinstance(node.parent, exp.Dot) and node.arg_key == "expression":
            raise SqlRefused(
                f"Schema-qualified function calls are not allowed ({node.parent.sql()[:80]})."
            )
        if name not in allowed:
            shown = node.name if isinstance(node, exp.Anonymous) else _written_name(node, dialect)
            raise SqlRefused(
                f"The function {shown.lower()}() is not allowed: only side-effect-free "
                "functions for reading and summarising data can be used."
            )
        if isinstance(node, exp.Anonymous):
            _unquote_function(node, dialect)
        if isinstance(node, exp.Pad):
            _check_bounded(node.args.get("expression"), "lpad()/rpad()")


def _unquote_function(node: exp.Anonymous, dialect: str) -> None:
    """Write an allowed function's name plainly, so the database resolves the built-in.

    In PostgreSQL ``"AGE"(x)`` names a different (user-made) function than ``age(x)``.
    """
    ident = node.this
    if not isinstance(ident, exp.Identifier) or not ident.quoted:
        return
    raw = str(ident.this)
    if dialect == "postgres" and raw != raw.lower():
        raise SqlRefused(
            f'The function "{raw}" is not a built-in one; write built-in function names '
            "without quotes."
        )
    node.set("this", raw.lower())


# Padding to a huge width allocates that much memory on the database server.
MAX_PAD_WIDTH = 1000


def _check_bounded(width: object, what: str) -> None:
    if not (isinstance(width, exp.Literal) and width.is_int and int(width.this) <= MAX_PAD_WIDTH):
        raise SqlRefused(f"{what} needs a fixed width of at most {MAX_PAD_WIDTH}.")


def _written_name(node: exp.Func, dialect: str) -> str:
    """The function's name as the dialect spells it (sqlglot's class names are internal)."""
    try:
        return node.sql(dialect=dialect).split("(", 1)[0].strip() or node.sql_name()
    except Exception:  # a node that cannot be rendered alone still gets a name
        return node.sql_name()


def _normalise(identifier: exp.Identifier, dialect: str) -> str:
    # PostgreSQL folds unquoted names to lower case; SQLite compares names ignoring case; MySQL
    # table names are case-sensitive where its files are (Linux), so they are compared as
    # written: never two tables, one enabled, that differ only in case, taken for one another.
    if dialect == "mysql" or (dialect == "postgres" and identifier.quoted):
        return str(identifier.this)
    return str(identifier.this).lower()


def _cte_names(with_: exp.Expr, dialect: str, upto: int | None = None) -> set[str]:
    ctes = list(with_.expressions)[:upto]
    names = set()
    for cte in ctes:
        alias = cte.args.get("alias")
        ident = alias.this if isinstance(alias, exp.TableAlias) else None
        if isinstance(ident, exp.Identifier):
            names.add(_normalise(ident, dialect))
    return names


def _with_of(node: exp.Expr) -> exp.Expr | None:
    found = node.args.get("with_") or node.args.get("with")
    return found if isinstance(found, exp.With) else None


def _is_cte_reference(table: exp.Table, name: str, dialect: str) -> bool:
    """True when ``table`` names a CTE that is in scope at that point (PostgreSQL's rules).

    A CTE is visible in the body of its query and in later CTEs of the same WITH; in its own
    body only when the WITH is RECURSIVE. Anything else with that name is a real table.
    """
    if table.args.get("db") or table.args.get("catalog"):
        return False
    child: exp.Expr = table
    parent = table.parent
    while parent is not None:
        if isinstance(parent, exp.With) and isinstance(child, exp.CTE):
            position = next(i for i, cte in enumerate(parent.expressions) if cte is child)
            upto = position + 1 if parent.args.get("recursive") else position
            if name in _cte_names(parent, dialect, upto):
                return True
        else:
            with_ = _with_of(parent)
            if with_ is not None and with_ is not child and name in _cte_names(with_, dialect):
                return True
        child, parent = parent, parent.parent
    return False


def _is_system_table(name: str, schema: str | None) -> bool:
    lowered = name.lower()
    return (
        (schema or "").lower() in _CATALOG_SCHEMAS
        or lowered.startswith("pg_")
        or lowered.startswith("sqlite_")
        or lowered.startswith("pragma_")
        or lowered == "information_schema"
    )


def _check_tables(
    tree: exp.Expr,
    dialect: str,
    enabled_tables: Collection[str] | None,
    all_tables: Collection[str],
    db_schema: str | None,
) -> None:
    exact = set(all_tables)
    folded = {t.lower(): t for t in all_tables}
    allowed_schemas = {db_schema.lower()} if db_schema else set(_DEFAULT_SCHEMAS[dialect])
    unknown: list[str] = []
    disabled: list[str] = []
    for table in tree.find_all(exp.Table):
        ident = table.this
        if not isinstance(ident, exp.Identifier):
            continue  # a table function: its name went through the function allowlist
        name = _normalise(ident, dialect)
        schema_ident = table.args.get("db")
        schema = str(schema_ident.this) if isinstance(schema_ident, exp.Identifier) else None
        if _is_system_table(name, schema):
            raise SqlRefused(
                f"System catalogs ({table.sql(dialect=dialect)}) cannot be queried; "
                "ask about the data tables instead."
            )
        if table.args.get("catalog") or (schema and schema.lower() not in allowed_schemas):
            raise SqlRefused(
                f"The table {table.sql(dialect=dialect)} is outside this database's tables."
            )
        if _is_cte_reference(table, name, dialect):
            continue
        exact_names = dialect in ("postgres", "mysql")
        real = (name if name in exact else None) if exact_names else folded.get(name)
        if real is None:
            unknown.append(str(ident.this))
        elif enabled_tables is not None and real not in enabled_tables:
            disabled.append(real)
    if unknown:
        listed = ", ".join(sorted(set(unknown)))
        usable = sorted(t for t in all_tables if enabled_tables is None or t in enabled_tables)
        shown = ", ".join(usable[:MAX_TABLES_NAMED]) + (
            ", …" if len(usable) > MAX_TABLES_NAMED else ""
        )
        hint = f" Tables you can use: {shown}." if usable else ""
        quoted = sorted({f'"{folded[u.lower()]}"' for u in unknown if u.lower() in folded})
        if dialect == "postgres" and quoted:
            hint += f" Names with capitals need double quotes: {', '.join(quoted)}."
        raise SqlRefused(f"Unknown table: {listed}.{hint}")
    if disabled:
        raise TableDisabled(disabled)
