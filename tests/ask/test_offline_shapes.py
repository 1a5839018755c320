"""The offline engine's question shapes on a hand-made schema it was never tuned on.

Contract (issue: precision first): each shape it promises gives the same rows as SQL written
by hand; each reading it cannot be sure of (fan-out, negation across tables, a column two
tables share) is refused with a message naming the cause, never answered.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from backend.core.dialects import Dialect
from backend.engines.base import Request, Unanswerable
from backend.engines.offline.engine import OfflineEngine
from backend.engines.offline.vocabulary import Vocabulary
from backend.safety.executor import run_readonly
from backend.safety.guard import check_for_target
from backend.targets.introspect import introspect
from backend.targets.target import QueryTarget
from devkit.demo_answers import normalise
from sqlalchemy import create_engine

from tests.ask.test_offline_acceptance import offline_rows

LIBRARY_DDL = """
CREATE TABLE authors (author_id INTEGER PRIMARY KEY, name TEXT NOT NULL,
    country TEXT NOT NULL, born_year INTEGER NOT NULL);
CREATE TABLE books (book_id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES authors (author_id),
    title TEXT NOT NULL, genre TEXT NOT NULL, pages INTEGER NOT NULL, price NUMERIC NOT NULL,
    country TEXT NOT NULL);
INSERT INTO authors VALUES (1, 'Ada', 'France', 1950), (2, 'Ben', 'Japan', 1962),
    (3, 'Cleo', 'France', 1971), (4, 'Dan', 'Chile', 1980), (5, 'Eve', 'Peru', 1991);
INSERT INTO books VALUES
    (1, 1, 'Tide', 'fantasy', 320, 12.5, 'France'), (2, 1, 'Stone', 'history', 410, 20, 'Japan'),
    (3, 2, 'Lamp', 'fantasy', 150, 8, 'Japan'), (4, 3, 'Road', 'crime', 280, 15, 'Chile'),
    (5, 3, 'Salt', 'fantasy', 505, 30, 'France'), (6, 4, 'Wren', 'crime', 90, 5.5, 'Chile');
"""


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QueryTarget]:
    path: Path = tmp_path_factory.mktemp("library") / "library.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript(LIBRARY_DDL)
    engine = create_engine(f"sqlite:///{path}")
    yield QueryTarget(
        "library", engine, Dialect.SQLITE, None, introspect(engine, dialect=Dialect.SQLITE), None
    )
    engine.dispose()


ANSWERED: dict[str, tuple[str, bool]] = {
    "What are the names of all authors?": ("SELECT name FROM authors", False),
    "What is the average, minimum and maximum price of all books?": (
        "SELECT AVG(price), MIN(price), MAX(price) FROM books",
        False,
    ),
    "What is the title of the book with the highest price?": (
        "SELECT title FROM books ORDER BY price DESC LIMIT 1",
        True,
    ),
    "List the titles of books sorted by pages in descending order.": (
        "SELECT title FROM books ORDER BY pages DESC",
        True,
    ),
    "How many books have more than 300 pages?": (
        "SELECT COUNT(*) FROM books WHERE pages > 300",
        False,
    ),
    "Show the distinct genres of books.": ("SELECT DISTINCT genre FROM books", False),
    "What is the average price of books for each genre?": (
        "SELECT genre, AVG(price) FROM books GROUP BY genre",
        False,
    ),
    "How many authors are there in total?": ("SELECT COUNT(*) FROM authors", False),
    "What is the genre of the book 'Tide'?": (
        "SELECT genre FROM books WHERE title = 'Tide'",
        False,
    ),
    "What is the name of the oldest author?": (
        "SELECT name FROM authors ORDER BY born_year LIMIT 1",
        True,
    ),
    "What are the titles of books with a price above the average?": (
        "SELECT title FROM books WHERE price > (SELECT AVG(price) FROM books)",
        False,
    ),
    "What are the names of authors without any books?": (
        "SELECT name FROM authors WHERE author_id NOT IN (SELECT author_id FROM books)",
        False,
    ),
    "What are the names of authors who have fantasy books?": (
        "SELECT name FROM authors WHERE author_id IN "
        "(SELECT author_id FROM books WHERE genre = 'fantasy')",
        False,
    ),
    "How many authors have any books?": (
        "SELECT COUNT(*) FROM authors WHERE author_id IN (SELECT author_id FROM books)",
        False,
    ),
    "Show the names of authors and the total price of their books.": (
        "SELECT a.author_id, a.name, SUM(b.price) FROM books b "
        "JOIN authors a ON a.author_id = b.author_id GROUP BY a.author_id, a.name",
        False,
    ),
    "Which genres have at least two books?": (
        "SELECT genre, COUNT(*) FROM books GROUP BY genre HAVING COUNT(*) >= 2",
        False,
    ),
    "What is the total price of books whose authors are from Japan?": (
        "SELECT SUM(b.price) FROM books b JOIN authors a ON a.author_id = b.author_id "
        "WHERE a.country = 'Japan'",
        False,
    ),
}


@pytest.mark.parametrize("question", ANSWERED)
def test_promised_shapes_match_hand_written_sql(library: QueryTarget, question: str) -> None:
    sql, ordered = ANSWERED[question]
    expected = run_readonly(library, sql, row_cap=100, timeout_seconds=5).rows
    assert expected
    assert normalise(offline_rows(library, question), ordered) == normalise(expected, ordered)


REFUSED: dict[str, str] = {
    # An author with three fantasy books would count three times in the average.
    "What is the average born year of authors with fantasy books?": "repeat rows",
    "How many authors not fantasy?": "negations across tables",
    "What are the names of authors without any books with price over 10?": "belong inside",
    "Average price by country": "which column is meant",
    "What is the number of pages?": "'number of pages'",
    "What is the genre of the book 'Moonlight'?": "'Moonlight'",
}


@pytest.mark.parametrize("question", REFUSED)
def test_unsure_readings_are_refused_with_the_reason(library: QueryTarget, question: str) -> None:
    with pytest.raises(Unanswerable) as caught:
        offline_rows(library, question)
    assert REFUSED[question] in caught.value.detail


def test_a_databases_own_words_apply_to_it_alone(tmp_path: Path) -> None:
    """The demo's vocabulary ("California" for 'CA') is data of the demo: another database
    with the same codes gets no such reading unless it carries the words itself."""
    path = tmp_path / "shops.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE shops (shop_id INTEGER PRIMARY KEY, state TEXT NOT NULL);"
            "INSERT INTO shops VALUES (1, 'CA'), (2, 'CA'), (3, 'NY');"
        )
    engine = create_engine(f"sqlite:///{path}")
    target = QueryTarget(
        "shops", engine, Dialect.SQLITE, None, introspect(engine, dialect=Dialect.SQLITE), None
    )
    question = "How many shops in California?"
    request = Request(question, target.enabled_schema(), Dialect.SQLITE)
    with pytest.raises(Unanswerable, match="'California'"):
        OfflineEngine().draft(request)
    own = Vocabulary.from_mappings({}, {"shops.state": {"california": ("CA",)}})
    sql = check_for_target(OfflineEngine(own).draft(request).sql, target)
    assert run_readonly(target, sql, row_cap=10, timeout_seconds=5).rows == [[2]]
    engine.dispose()
