"""render.yaml, the plan B host: a well-formed Blueprint that deploys what Railway deploys.

Contract: Render's Blueprint specification (top-level ``databases``/``services``; per service
``type``, ``name``, ``runtime``, build/start commands, ``healthCheckPath`` and ``envVars`` whose
items carry ``value``, ``fromDatabase``, ``fromService``, ``sync: false`` or ``generateValue``).
"""

from __future__ import annotations

from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type stubs

from scripts.deploy_config import load_service, load_source
from tests.delivery.conftest import REPO_ROOT
from tests.delivery.settings_catalog import SETTINGS_CLASSES, secret_names

BLUEPRINT: dict[str, Any] = yaml.safe_load((REPO_ROOT / "render.yaml").read_text())
SERVICE_KEYS = {
    "type",
    "name",
    "runtime",
    "plan",
    "autoDeploy",
    "buildCommand",
    "preDeployCommand",
    "startCommand",
    "healthCheckPath",
    "envVars",
    "region",
    "rootDir",
    "numInstances",
}
DATABASE_KEYS = {
    "name",
    "databaseName",
    "user",
    "plan",
    "postgresMajorVersion",
    "ipAllowList",
    "region",
}
ENV_SOURCES = {"value", "fromDatabase", "fromService", "sync", "generateValue"}
SERVICES = {
    "backend": BLUEPRINT["services"][0],
    "frontend": BLUEPRINT["services"][1],
}


def test_blueprint_has_the_three_parts_with_known_keys() -> None:
    assert set(BLUEPRINT) == {"databases", "services"}
    (database,) = BLUEPRINT["databases"]
    assert set(database) <= DATABASE_KEYS
    assert [s["name"] for s in BLUEPRINT["services"]] == ["eaa-backend", "eaa-frontend"]
    for service in BLUEPRINT["services"]:
        assert set(service) <= SERVICE_KEYS
        assert service["type"] == "web"
        assert service["runtime"] == "python"
        for item in service["envVars"]:
            assert set(item) - {"key"} <= ENV_SOURCES
            assert len(set(item) & ENV_SOURCES) == 1, item


def test_services_match_the_source_of_truth() -> None:
    source = load_source().services
    for name, service in SERVICES.items():
        assert service["healthCheckPath"] == source[name].health_path
        assert service["buildCommand"].endswith(source[name].install)
        uv = load_service(name, "nixpacks").variables["NIXPACKS_UV_VERSION"]
        assert "uv==" + uv in service["buildCommand"]
        assert service["startCommand"].startswith("exec ")
        assert service["autoDeploy"] is False
    backend_pre = SERVICES["backend"]["preDeployCommand"]
    assert backend_pre.index("migrate") < backend_pre.index("load-demo")
    assert "preDeployCommand" not in SERVICES["frontend"]


def test_references_resolve_and_secrets_stay_out() -> None:
    names = {db["name"] for db in BLUEPRINT["databases"]}
    env = {
        service: {item["key"]: item for item in SERVICES[service]["envVars"]}
        for service in SERVICES
    }
    assert env["backend"]["DATABASE_URL"]["fromDatabase"]["name"] in names
    assert env["backend"]["DATABASE_URL"]["fromDatabase"]["property"] == "connectionString"
    for service, settings in SETTINGS_CLASSES.items():
        for key in secret_names(settings) & set(env[service]):
            item = env[service][key]
            assert item.get("sync") is False or item.get("generateValue") is True, key
    assert {"ENCRYPTION_KEY", "OPENAI_API_KEY", "SUPABASE_ANON_KEY"} <= set(env["backend"])
    assert "SESSION_SECRET" in env["frontend"]
