"""Words of a question: tokens, singular forms, abbreviations, numbers and keywords.

Schema names are abbreviated in many ways (``loan_amnt``, ``annual_inc``, ``issue_d``); both
sides go through the same ``canonical`` form so "loan amount" meets ``loan_amnt``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUOTED = r"\"[^\"]{1,80}\"|“[^”]{1,80}”|(?<!\w)'[^']{1,80}'(?!\w)|"
_TOKEN = re.compile(_QUOTED + r"\$?\d(?:[\d,]*\d)?(?:\.\d+)?[km]?%?|[^\W\d_][^\W_]*(?:'s\b)?|%|#|,")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

# Abbreviations seen in real schemas, mapped to the word people say.
ABBREVIATIONS = {
    "amnt": "amount",
    "amt": "amount",
    "int": "interest",
    "inc": "income",
    "emp": "employment",
    "len": "length",
    "qty": "quantity",
    "num": "number",
    "no": "number",
    "cnt": "count",
    "pct": "percent",
    "desc": "description",
    "addr": "address",
    "d": "date",
    "dt": "date",
    "yr": "year",
    "mo": "month",
    "cust": "customer",
    "prod": "product",
    "cat": "category",
    "dob": "birthdate",
    "sal": "salary",
    "rev": "revenue",
}

# Words with the same meaning for linking (both sides canonical).
SYNONYMS = {
    "salary": "income",
    "earnings": "income",
    "ownership": "ownership",
    "sale": "order",
    "purchase": "order",
    "client": "customer",
    "item": "product",
    "region": "state",
    "cost": "price",
    "store": "shop",
}

STOPWORDS = frozenset({
    ",", "a", "across", "all", "also", "among", "an", "and", "are", "as", "at", "be", "been",
    "between", "but", "by", "data", "database", "dataset", "did", "display", "do", "does", "each",
    "entire", "find", "for", "from", "get", "give", "had", "has", "have", "how", "i", "in",
    "instead", "is", "it", "its", "just", "like", "list", "me", "my", "now", "of", "on", "only",
    "our", "over", "overall", "per", "please", "return", "s", "same", "show", "table", "tell",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "time",
    "to", "value", "values", "was", "we", "were", "what", "which", "who", "whole",
    "whose", "with", "within", "you", "your", "change", "changed", "trend", "trended",
    "evolve", "evolved", "look", "being", "currently", "his", "her", "every", "any", "listed",
    "exist", "exists", "occur", "occurred", "happen", "happened", "made", "produced", "given",
    "available", "recorded", "compute", "calculate", "determine", "provide", "come", "where",
    "either", "play", "playing", "played", "perform", "performed", "use", "used", "using",
    "showed", "shown", "produce", "receive", "received", "share", "shared", "create",
    "created", "design", "designed", "sell", "sells", "sold", "having",
    "enrolled", "registered", "hired", "working", "works", "owns", "own", "got", "holds", "hold",
    "including", "together", "corresponding", "along", "both", "ever", "some", "taken", "took",
    "attended", "offers", "offer", "offered", "operate", "operated", "operating", "live",
    "lives", "living", "lived", "gone", "went", "through", "done", "caused", "lost", "ended",
    "up",
})  # fmt: skip

_IRREGULAR = {
    "people": "person",
    "men": "man",
    "women": "woman",
    "children": "child",
    "data": "data",
}
_KEEP = ("ss", "us", "is", "ous")
_SHORT_KEEP = frozenset({"has", "was", "his", "its", "yes", "gas", "bus", "plus", "ass", "les"})


def singular(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) == 3 and word.endswith("s") and word not in _SHORT_KEEP:
        return word[:-1]  # "ids" → "id"
    if len(word) <= 3 or word.endswith(_KEEP):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "uses")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def canonical(word: str) -> str:
    """Lower-case, singular, abbreviation-expanded and synonym-folded form of one word."""
    base = plain(word)
    return SYNONYMS.get(base, base)


def plain(word: str) -> str:
    """``canonical`` without synonyms: values must be said as stored ("cost" is not "Price")."""
    base = singular(word.lower().removesuffix("'s"))
    return ABBREVIATIONS.get(base, base)


def plain_words(name: str) -> tuple[str, ...]:
    return tuple(plain(w) for w in re.split(r"[\W_]+", _CAMEL.sub(" ", name)) if w)


def name_words(name: str) -> tuple[str, ...]:
    """Canonical words of an identifier or value: ``loan_amnt`` → (loan, amount)."""
    spaced = _CAMEL.sub(" ", name)
    return tuple(canonical(w) for w in re.split(r"[\W_]+", spaced) if w)


@dataclass(frozen=True)
class Token:
    raw: str  # as typed
    word: str  # canonical form used for matching
    position: int


def is_quoted(raw: str) -> bool:
    return len(raw) > 2 and raw[0] in "\"'“"


def unquote(raw: str) -> str:
    return raw[1:-1].strip()


def tokenize(text: str) -> list[Token]:
    tokens = []
    for position, match in enumerate(_TOKEN.finditer(text)):
        raw = match.group(0)
        if is_quoted(raw):
            word = raw  # a literal the user quoted: matched as a whole, never split
        elif raw[0].isdigit() or raw[0] == "$":
            word = raw.lower()
        else:
            word = canonical(raw)
        tokens.append(Token(raw, word, position))
    return tokens


_NUMBER = re.compile(r"^\$?(\d[\d,]*(?:\.\d+)?)([km]?)%?$")


_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twenty": 20, "hundred": 100,
}  # fmt: skip


def parse_number(raw: str) -> float | None:
    """``20000``, ``20,000``, ``$50k``, ``1.5m``, ``two`` → a number; anything else → None."""
    if raw.lower() in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[raw.lower()])
    match = _NUMBER.match(raw.lower())
    if not match:
        return None
    value = float(match.group(1).replace(",", ""))
    return value * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2)]


def is_year(raw: str) -> bool:
    return bool(re.fullmatch(r"(19|20)\d\d", raw))
