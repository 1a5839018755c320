"""The environment variables each service reads, taken from its settings class.

Both services declare every variable as a pydantic-settings field, so listing the fields (and
their aliases) is the complete, always-current catalogue the env template and docs are held to.
"""

from __future__ import annotations

import re
from pathlib import Path

from backend.core.config import Settings
from frontend.config import FrontendSettings
from pydantic import AliasChoices, SecretStr
from pydantic_settings import BaseSettings

SETTINGS_CLASSES: dict[str, type[BaseSettings]] = {
    "backend": Settings,
    "frontend": FrontendSettings,
}
# Read by Railway and the builders rather than by the services (Railway's variables/reference.md,
# Nixpacks' configuration/environment.md, Railpack's config/file.mdx). They hold the settings a
# service keeps when no config-as-code file is read.
PLATFORM_VARIABLES = frozenset(
    {
        "RAILWAY_HEALTHCHECK_TIMEOUT_SEC",
        "RAILWAY_DEPLOYMENT_OVERLAP_SECONDS",
        "RAILWAY_DEPLOYMENT_DRAINING_SECONDS",
        "NIXPACKS_CONFIG_FILE",
        "RAILPACK_CONFIG_FILE",
    }
)
ASSIGNMENT = re.compile(r"^#?([A-Z][A-Z0-9_]*)=", re.MULTILINE)
SECTION = re.compile(r"^# =+ service: (\w+) =+$", re.MULTILINE)


def env_names(settings: type[BaseSettings]) -> list[tuple[str, ...]]:
    """One tuple per field: the variable names that set it, preferred name first."""
    names = []
    for field_name, field in settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.append(tuple(str(choice) for choice in alias.choices))
        elif isinstance(alias, str):
            names.append((alias,))
        else:
            names.append((field_name.upper(),))
    return names


def template_sections(path: Path) -> dict[str, set[str]]:
    """Variables listed per service block of an env template (``#NAME=`` counts as listed)."""
    text = path.read_text()
    headers = list(SECTION.finditer(text))
    sections = {}
    for index, header in enumerate(headers):
        end = headers[index + 1].start() if index + 1 < len(headers) else len(text)
        sections[header.group(1)] = set(ASSIGNMENT.findall(text[header.end() : end]))
    return sections


def secret_names(settings: type[BaseSettings]) -> set[str]:
    """Every variable name that sets a secret (a ``SecretStr`` field)."""
    fields = settings.model_fields.values()
    return {
        name
        for field, names in zip(fields, env_names(settings), strict=True)
        if SecretStr in (field.annotation, *getattr(field.annotation, "__args__", ()))
        for name in names
    }


def template_values(path: Path, service: str) -> dict[str, str]:
    """``NAME=value`` lines of one service block of an env template (comments excluded)."""
    text = path.read_text().split(f"service: {service} ")[1].split("# =====")[0]
    return dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", text, flags=re.MULTILINE))
