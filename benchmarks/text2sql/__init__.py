"""Text-to-SQL evaluation: a question engine on Spider-format databases, scored by execution.

``python -m benchmarks.text2sql --dataset DIR`` (``nox -s eval``). Each database is opened as a
read-only SQLite target and every question goes the product's own way — introspection, the
engine, the SQL guard, the read-only executor — so the figures describe what a user would get.
"""
