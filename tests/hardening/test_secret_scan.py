"""No credential is committed: every file git tracks (or would add) is scanned for secrets.

Contract: private keys, AWS access keys, OpenAI ``sk-`` keys, JWTs and passwords inside URLs
never appear in the repository. The only exceptions are clearly fake placeholders (``<password>``,
``${VAR}``, ``{password}``, ``****``, marker words such as "secret" or "fake", at most three
characters; hosts under example domains, loopback or a local unix socket).
"""

from __future__ import annotations

import re
import subprocess
from urllib.parse import urlsplit

from devkit.processes import REPO_ROOT

_SHAPES = {
    "private key": re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "OpenAI key": re.compile(r"\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}"),
    "JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
}
_URL_WITH_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/@'\"`]+:([^\s@/'\"`]+)@[^\s'\"`]+")
_FAKE_PASSWORD = re.compile(
    r"^(?:.{1,3}|<[^>]*>|\$\{?[A-Za-z_]+\}?|\{[^}]*\}|%\([a-z_]+\)s|[*x•.]+|\[REDACTED\])$"
    r"|pass|secret|changeme|example|placeholder|redacted|fake|dummy|hunter2|postgres",
    re.IGNORECASE,
)
_FAKE_HOST = re.compile(r"(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|localhost)$")
_FAKE_KEY_WORD = re.compile(r"fake|test|example|placeholder|dummy|xxxx", re.IGNORECASE)
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _fake_url(match: re.Match[str]) -> bool:
    if _FAKE_PASSWORD.search(match.group(1)):
        return True
    host = (urlsplit(match.group(0)).hostname or "").lower()
    # No host means a unix socket on this machine: local, like loopback.
    return not host or host in _LOOPBACK or bool(_FAKE_HOST.search(host))


def find_secrets(text: str) -> list[str]:
    """What in ``text`` looks like a real secret, described without repeating it."""
    found = []
    for name, pattern in _SHAPES.items():
        for match in pattern.finditer(text):
            if name in {"OpenAI key", "JWT"} and _FAKE_KEY_WORD.search(match.group(0)):
                continue
            found.append(f"{name} at offset {match.start()}")
    for match in _URL_WITH_PASSWORD.finditer(text):
        if not _fake_url(match):
            found.append(f"password in URL at offset {match.start()}")
    return found


def _repository_files() -> list[str]:
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    )
    return [name for name in listing.stdout.decode().split("\0") if name]


def test_the_repository_holds_no_secrets() -> None:
    files = _repository_files()
    assert "backend/src/backend/main.py" in files
    problems: list[str] = []
    for name in files:
        path = REPO_ROOT / name
        if not path.is_file():
            continue  # deleted in the working tree
        text = path.read_bytes().decode("utf-8", errors="ignore")
        problems.extend(f"{name}: {finding}" for finding in find_secrets(text))
    assert problems == []


def test_the_scanner_recognises_each_kind_of_secret() -> None:
    # Assembled at run time so this file itself stays clean.
    body = "Q" * 24
    samples = {
        "private key": "-----BEGIN RSA " + "PRIVATE KEY-----\nMIIE",
        "AWS access key": "AKIA" + "Z7Q2" * 4,
        "OpenAI key": "sk-" + "proj-" + "aB3" * 12,
        "JWT": ".".join(["eyJ" + body, "eyJ" + body, body]),
        "password in URL": "postgresql://app:" + "Zq8" * 4 + "@db.prod.internal:5432/app",
    }
    for kind, sample in samples.items():
        assert [f.split(" at ")[0] for f in find_secrets(f"x = '{sample}'")] == [kind]
    placeholders = [
        "postgresql://user:<password>@host:5432/db",
        "postgresql://postgres:${PGPASSWORD}@db.railway.internal/railway",
        "postgres://alice:s3cret@db.example.com/sales",
        "OPENAI_API_KEY=sk-your-key-here",
        "sk-test-" + "a1" * 12,
    ]
    assert find_secrets("\n".join(placeholders)) == []
