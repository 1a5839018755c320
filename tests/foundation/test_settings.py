"""Bad settings stop the process with one line naming the setting, and never print a secret."""

from __future__ import annotations

import subprocess
import sys

import pytest
from devkit.keys import new_encryption_key
from devkit.processes import clean_env

SECRET = "sk-test-" + "Zq9" * 10


def run_backend(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend", *(args or ("serve",))],
        env=clean_env({"OPENAI_API_KEY": SECRET, **env}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"DATABASE_URL": "nonsense"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://u:pw@h/db"}, "DATABASE_URL"),
        ({"ENCRYPTION_KEY": "dG9vLXNob3J0"}, "ENCRYPTION_KEY"),
        ({"ENCRYPTION_KEY": "not base64 at all!"}, "ENCRYPTION_KEY"),
        ({"PORT": "eighty"}, "PORT"),
        ({"API_PORT": "70000"}, "PORT"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"CORS_ORIGINS": "not-a-url"}, "CORS_ORIGINS"),
        ({"SUPABASE_URL": "https://example.supabase.co"}, "SUPABASE_ANON_KEY"),
        ({"DATABASE_URL": "postgresql://u:pw@db.internal:5432/app"}, "ENCRYPTION_KEY"),
        ({"USER_DB_QUEUE_TIMEOUT_SECONDS": "45"}, "USER_DB_QUEUE_TIMEOUT_SECONDS"),
        ({"USER_DB_MAX_QUEUED": "-1"}, "USER_DB_MAX_QUEUED"),
    ],
)
def test_bad_setting_exits_with_one_clear_line(env: dict[str, str], setting: str) -> None:
    result = run_backend(env)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: invalid setting")
    assert setting in lines[0]
    for value in env.values():
        # The offending value is never echoed (it may be a secret or contain one).
        assert value not in lines[0] or value in {"70000"}
    assert SECRET not in result.stderr


def test_password_in_database_url_is_not_echoed() -> None:
    result = run_backend({"DATABASE_URL": "postgres://admin:hunter2-very-secret@/"})
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr
    assert "hunter2" not in result.stderr


def test_railway_style_urls_become_psycopg3_urls() -> None:
    from backend.core.config import Settings

    key = new_encryption_key()
    for scheme in ("postgres", "postgresql"):
        settings = Settings(database_url=f"{scheme}://u:p@host:5432/app", encryption_key=key)
        assert settings.sqlalchemy_url == "postgresql+psycopg://u:p@host:5432/app"


def test_port_takes_precedence_over_api_port(monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.core.config import Settings

    monkeypatch.setenv("API_PORT", "9000")
    assert Settings().port == 9000
    monkeypatch.setenv("PORT", "9100")
    assert Settings().port == 9100


def test_good_settings_pass_check_config() -> None:
    result = run_backend({"ENCRYPTION_KEY": new_encryption_key()}, "check-config")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "settings ok"


def test_new_key_prints_a_valid_key() -> None:
    from backend.core.config import decode_key

    result = run_backend({}, "new-key")
    assert result.returncode == 0
    assert len(decode_key(result.stdout.strip())) == 32


@pytest.mark.parametrize(
    ("env", "name"),
    [({"PORT": "x"}, "PORT"), ({"FRONTEND_CONCURRENCY": "0"}, "FRONTEND_CONCURRENCY")],
)
def test_frontend_rejects_a_bad_setting_in_one_line(env: dict[str, str], name: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "frontend"],
        env=clean_env({**env, "BACKEND_URL": "http://127.0.0.1:1"}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert name in lines[0]
