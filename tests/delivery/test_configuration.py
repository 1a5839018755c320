"""The production env template and docs/configuration.md cover exactly the settings the code reads.

The catalogue comes from the settings classes themselves, so a setting added tomorrow fails
these tests until it is listed in both places, and a stale entry fails them too.
"""

from __future__ import annotations

import re

import pytest
from devkit.keys import new_encryption_key
from pydantic_settings import BaseSettings

from tests.delivery.conftest import REPO_ROOT
from tests.delivery.settings_catalog import (
    PLATFORM_VARIABLES,
    SETTINGS_CLASSES,
    env_names,
    secret_names,
    template_sections,
    template_values,
)

TEMPLATE = REPO_ROOT / ".env.production.example"
DOC = REPO_ROOT / "docs" / "configuration.md"
PLACEHOLDER = re.compile(r"<[^<>]*>")

SECTIONS = template_sections(TEMPLATE)


def _template_values(service: str) -> dict[str, str]:
    return template_values(TEMPLATE, service)


def test_template_has_one_block_per_service() -> None:
    assert set(SECTIONS) == set(SETTINGS_CLASSES)


@pytest.mark.parametrize("service", sorted(SETTINGS_CLASSES))
def test_template_lists_every_setting_the_service_reads(service: str) -> None:
    listed = SECTIONS[service]
    missing = [names for names in env_names(SETTINGS_CLASSES[service]) if not set(names) & listed]
    assert missing == [], f"add these to the {service} block of .env.production.example"


@pytest.mark.parametrize("service", sorted(SETTINGS_CLASSES))
def test_template_lists_nothing_the_service_does_not_read(service: str) -> None:
    known = {name for names in env_names(SETTINGS_CLASSES[service]) for name in names}
    assert SECTIONS[service] - known - PLATFORM_VARIABLES == set()
    assert SECTIONS[service] >= PLATFORM_VARIABLES, "each service keeps its no-file settings"


def test_railway_injected_values_use_reference_variables() -> None:
    backend, frontend = _template_values("backend"), _template_values("frontend")
    assert backend["DATABASE_URL"] == "${{Postgres.DATABASE_URL}}"
    assert frontend["BACKEND_URL"] == "http://${{backend.RAILWAY_PRIVATE_DOMAIN}}:${{backend.PORT}}"
    assert backend["PORT"] == "8000", "${{backend.PORT}} only resolves when PORT is set"


@pytest.mark.parametrize("service", sorted(SETTINGS_CLASSES))
def test_secrets_are_placeholders_only(service: str) -> None:
    values = _template_values(service)
    secrets = sorted(secret_names(SETTINGS_CLASSES[service]) & set(values))
    assert secrets, "every service has at least one secret setting"
    for name in secrets:
        assert PLACEHOLDER.fullmatch(values[name]), f"{name} must be a <placeholder>"


def _resolved(service: str) -> dict[str, str]:
    """The template as an operator fills it in: placeholders and references get values."""
    resolved = {}
    for name, value in _template_values(service).items():
        if "new-key" in value:
            value = new_encryption_key()
        value = value.replace("${{Postgres.DATABASE_URL}}", "postgresql://app@db.internal/railway")
        value = value.replace("${{backend.RAILWAY_PRIVATE_DOMAIN}}", "backend.railway.internal")
        value = value.replace("${{backend.PORT}}", "8000")
        value = value.replace("${{frontend.RAILWAY_PUBLIC_DOMAIN}}", "frontend.up.railway.app")
        resolved[name] = PLACEHOLDER.sub("example-placeholder-value", value)
    return resolved


@pytest.mark.parametrize("service", sorted(SETTINGS_CLASSES))
def test_filled_in_template_passes_validation(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every non-placeholder value in the template is one the service accepts."""
    settings_class: type[BaseSettings] = SETTINGS_CLASSES[service]
    for names in env_names(settings_class):
        for name in names:
            monkeypatch.delenv(name, raising=False)
    for name, value in _resolved(service).items():
        monkeypatch.setenv(name, value)
    settings = settings_class()
    assert settings.model_dump()["port"] in {8000, 7860}


def test_configuration_doc_describes_exactly_the_settings() -> None:
    rows = re.findall(r"^\| `([A-Z][A-Z0-9_]*)`", DOC.read_text(), flags=re.MULTILINE)
    documented = set(rows)
    for service, settings in SETTINGS_CLASSES.items():
        preferred = {names[0] for names in env_names(settings)}
        assert preferred - documented == set(), f"document these {service} settings"
    known = {name for s in SETTINGS_CLASSES.values() for names in env_names(s) for name in names}
    assert documented - known - PLATFORM_VARIABLES == set(), "documented but read by nothing"
    assert documented >= PLATFORM_VARIABLES, "document the platform variables too"
