"""The frontend reads every answer with the model the backend serves (contract: the OpenAPI
document the backend publishes at /api/openapi.json).

The client's typed calls are read from its source (``self._typed(Model, METHOD, PATH, ...)``)
and matched to the backend's routes; each must document a response of the same model, with the
same JSON schema. A backend route that starts serving another shape — a new required field, a
renamed one, a model of its own — fails here until the frontend reads the same shape.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontend.api_client as api_client
import pytest
from backend.core.config import Settings
from backend.main import create_app
from pydantic import BaseModel

CLIENT_SOURCE = Path(api_client.__file__)
REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class ClientCall:
    method: str
    path: str  # a template: "/api/history/{history_id}/rerun"
    model: type[BaseModel]


def _template(node: ast.expr, assigned: dict[str, ast.expr]) -> str:
    if isinstance(node, ast.Name):
        return _template(assigned[node.id], assigned)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            str(part.value) if isinstance(part, ast.Constant) else "{param}"
            for part in node.values
            if isinstance(part, ast.Constant | ast.FormattedValue)
        )
    raise AssertionError(f"cannot read the path of a client call: {ast.dump(node)}")


def client_calls() -> list[ClientCall]:
    calls = []
    for function in ast.walk(ast.parse(CLIENT_SOURCE.read_text())):
        if not isinstance(function, ast.FunctionDef) or function.name.startswith("_"):
            continue
        assigned = {
            target.id: node.value
            for node in ast.walk(function)
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "_typed"
            ):
                model_node, method_node, path_node = node.args[:3]
                assert isinstance(model_node, ast.Name)
                assert isinstance(method_node, ast.Constant)
                model = getattr(api_client, model_node.id)
                path = _template(path_node, assigned)
                calls.append(ClientCall(str(method_node.value), path, model))
    return calls


def _route(openapi: dict[str, Any], call: ClientCall) -> dict[str, Any]:
    pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(call.path)) + "$")
    for path, operations in openapi["paths"].items():
        generic = re.sub(r"\{[^}]+\}", "{param}", path)
        if (pattern.match(generic) or generic == call.path) and call.method.lower() in operations:
            operation: dict[str, Any] = operations[call.method.lower()]
            return operation
    raise AssertionError(f"the client calls {call.method} {call.path}, which the backend lacks")


_NOT_SHAPE = frozenset({"default", "title", "description"})


def shape(schema: Any) -> Any:
    """A schema without what does not change the shape (titles, descriptions, defaults: the
    two generators spell those differently). Field names under ``properties`` are kept."""
    if isinstance(schema, dict):
        return {
            key: {name: shape(field) for name, field in value.items()}
            if key == "properties"
            else shape(value)
            for key, value in schema.items()
            if key not in _NOT_SHAPE
        }
    if isinstance(schema, list):
        return [shape(item) for item in schema]
    return schema


def drift(openapi: dict[str, Any], call: ClientCall) -> list[str]:
    """How the backend's documented success response differs from what the client reads."""
    operation = _route(openapi, call)
    success = next(
        (body for status, body in operation["responses"].items() if status.startswith("2")), None
    )
    schema = (success or {}).get("content", {}).get("application/json", {}).get("schema", {})
    served = schema.get("$ref", "").rsplit("/", 1)[-1]
    if served != call.model.__name__:
        return [
            f"{call.method} {call.path} serves {served or 'no model'}, not {call.model.__name__}"
        ]
    expected = call.model.model_json_schema(mode="serialization", ref_template=REF)
    components = openapi["components"]["schemas"]
    problems = []
    for name, wanted in {**expected.pop("$defs", {}), served: expected}.items():
        if shape(components.get(name)) != shape(wanted):
            problems.append(f"{call.method} {call.path}: schema {name} differs from the client's")
    return problems


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("drift")))
    document: dict[str, Any] = app.openapi()
    return document


def test_every_typed_client_call_reads_the_model_its_route_serves(openapi: dict[str, Any]) -> None:
    calls = client_calls()
    assert len(calls) >= 15, calls  # every typed method of the client was found
    problems = [problem for call in calls for problem in drift(openapi, call)]
    assert problems == []


def test_a_backend_model_change_the_frontend_lacks_is_caught(openapi: dict[str, Any]) -> None:
    """The check itself can fail: a backend that adds a required field to the answer, or
    serves a model of its own, is reported."""
    answer = next(call for call in client_calls() if call.path == "/api/query")
    changed = {**openapi, "components": {"schemas": dict(openapi["components"]["schemas"])}}
    schema = dict(changed["components"]["schemas"]["Answer"])
    schema["properties"] = {**schema["properties"], "currency": {"type": "string"}}
    schema["required"] = [*schema["required"], "currency"]
    changed["components"]["schemas"]["Answer"] = schema
    assert drift(changed, answer) == ["POST /api/query: schema Answer differs from the client's"]

    renamed = {**openapi, "paths": dict(openapi["paths"])}
    operation = dict(renamed["paths"]["/api/query"]["post"])
    ok = {"content": {"application/json": {"schema": {"$ref": REF.format(model="BackendAnswer")}}}}
    operation["responses"] = {**operation["responses"], "200": ok}
    renamed["paths"]["/api/query"] = {"post": operation}
    assert drift(renamed, answer) == ["POST /api/query serves BackendAnswer, not Answer"]


def test_every_route_documents_its_errors_with_the_one_error_body(
    openapi: dict[str, Any],
) -> None:
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
            assert errors, f"{method.upper()} {path} documents no error response"
            for status, response in errors.items():
                if path == "/api/health":
                    continue  # a 503 there is the health report itself
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                assert schema == {"$ref": REF.format(model="ErrorBody")}, (method, path, status)
