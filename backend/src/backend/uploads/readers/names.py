"""Identifiers for tables and columns made from file, sheet and header names.

Lower-case ASCII letters, digits and underscores only, starting with a letter and at most 63
characters (PostgreSQL's limit): whatever a header says (quotes, SQL, HTML, emoji), the name the
database and the engines see is a plain word, and the engines link question words to it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_IDENTIFIER = 63
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def identifier(text: str, fallback: str) -> str:
    """``text`` as a safe identifier, or ``fallback`` when nothing of it survives."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    word = _NOT_WORD.sub("_", ascii_text.lower()).strip("_")
    if not word:
        word = fallback
    if not word[0].isalpha():
        word = f"{fallback.rstrip('_0123456789') or 'c'}_{word}"
    return word[:MAX_IDENTIFIER].rstrip("_")


def unique_identifiers(texts: Iterable[str], fallback: str) -> list[str]:
    """One identifier per text, numbered (``_2``, ``_3``) where two would collide."""
    taken: set[str] = set()
    names = []
    for position, text in enumerate(texts, start=1):
        base = identifier(text, f"{fallback}_{position}")
        name, n = base, 1
        while name in taken:
            n += 1
            suffix = f"_{n}"
            name = base[: MAX_IDENTIFIER - len(suffix)] + suffix
        taken.add(name)
        names.append(name)
    return names


def stem(file_name: str) -> str:
    """The file's name without folders or extension (``Q3 sales.csv`` → ``Q3 sales``)."""
    base = re.split(r"[\\/]", file_name)[-1]
    return base.rsplit(".", 1)[0] if "." in base else base
