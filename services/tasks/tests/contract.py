"""Checking the requests tasks sends against the provider's published OpenAPI document.

Small on purpose: the path and method must exist, query parameters must be declared, and a JSON
body must match the request schema (required fields, no undeclared ones where the provider
refuses them, types, nullability, enums, bounds).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

SERVICES = Path(__file__).parents[2]
TYPES = {"integer": int, "number": (int, float), "string": str, "boolean": bool,
         "object": dict, "array": list}


def document(service: str) -> dict[str, Any]:
    return json.loads((SERVICES / service / "openapi.json").read_text())


def _resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _operation(doc: dict, method: str, path: str) -> dict:
    for template, item in doc["paths"].items():
        pattern = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return {**item[method.lower()],
                    "parameters": item.get("parameters", [])
                    + item[method.lower()].get("parameters", [])}
    raise AssertionError(f"{method} {path} is not in the provider's document")


def check_value(doc: dict, schema: dict, value: Any, where: str) -> list[str]:
    schema = _resolve(doc, schema)
    if value is None:
        return [] if schema.get("nullable") else [f"{where}: null is not allowed"]
    kind = schema.get("type")
    if kind and (not isinstance(value, TYPES[kind])
                 or (kind in ("integer", "number") and isinstance(value, bool))):
        return [f"{where}: {value!r} is not {kind}"]
    problems = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} not one of {schema['enum']}")
    if "minimum" in schema and value < schema["minimum"]:
        problems.append(f"{where}: {value!r} below {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        problems.append(f"{where}: {value!r} above {schema['maximum']}")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        problems.append(f"{where}: longer than {schema['maxLength']}")
    if kind == "object":
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                problems.append(f"{where}.{name}: required, missing")
        for name, item in value.items():
            if name in properties:
                problems.extend(check_value(doc, properties[name], item, f"{where}.{name}"))
            elif schema.get("additionalProperties") is False:
                problems.append(f"{where}.{name}: not accepted by the provider")
    if kind == "array":
        for index, item in enumerate(value):
            problems.extend(check_value(doc, schema.get("items", {}), item, f"{where}[{index}]"))
    return problems


def check_request(doc: dict, method: str, path: str, query: dict[str, str],
                  body: Any) -> list[str]:
    operation = _operation(doc, method, path)
    declared = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
    problems = [f"query {name}: not declared" for name in query if name not in declared]
    content = operation.get("requestBody", {}).get("content", {})
    if body is not None:
        if "application/json" not in content:
            problems.append("a JSON body the provider does not take")
        else:
            problems.extend(check_value(doc, content["application/json"]["schema"], body,
                                        "body"))
    elif operation.get("requestBody", {}).get("required"):
        problems.append("the provider requires a body")
    return [f"{method} {path}: {problem}" for problem in problems]
