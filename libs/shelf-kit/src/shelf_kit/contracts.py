"""Checking a consumer's requests against the provider's published OpenAPI document.

DESIGN.md rule 4: each service keeps its OpenAPI 3 document in its folder (`openapi.json`), and
a consumer's tests check the requests it sends against it. A consumer records the calls it
makes (to stand-ins, in its own tests) and checks each one:

    api = Contract.load(SERVICES / "api" / "openapi.json")
    api.template("GET", "/api/bookmarks/12/")           # "/api/bookmarks/{bookmark_id}/"
    api.check("PATCH", "/api/bookmarks/12/", json={"titel": "x"})
    # ['PATCH /api/bookmarks/12/: body.titel: not accepted by the provider']

Small on purpose. What is checked: the path and method exist (a path parameter must read as
its declared type); query parameters are declared, required ones are there, and each value
reads as its type within its enum and bounds; a JSON body matches the request schema (required
fields, no undeclared ones where the provider refuses them, no read-only ones, types,
nullability, enums, bounds); a form or file upload is sent as a media type the operation takes,
with declared fields; and, when the request's headers are given, credentials the operation's
security accepts. A request whose method and path are not in the document raises
`NotInContract` (an AssertionError, so a test shows it as a failure).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

JSON = "application/json"
MULTIPART = "multipart/form-data"
URLENCODED = "application/x-www-form-urlencoded"
TYPES: dict[str, type | tuple[type, ...]] = {
    "integer": int,
    "number": (int, float),
    "string": str,
    "boolean": bool,
    "object": dict,
    "array": list,
}
FILE_FORMATS = ("binary", "base64")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class NotInContract(AssertionError):
    """The provider's document has no operation for this method and path."""


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    template: str  # the path as the document writes it: /api/bookmarks/{bookmark_id}/
    spec: dict[str, Any]  # the operation object, with the path item's parameters merged in

    def parameters(self, where: str) -> dict[str, dict[str, Any]]:
        return {p["name"]: p for p in self.spec["parameters"] if p.get("in") == where}


class Contract:
    """One provider's OpenAPI 3 document."""

    def __init__(self, document: Mapping[str, Any], name: str = "the provider") -> None:
        self.document = document
        self.name = name
        self._templates = [
            (template, _pattern(template), item)
            for template, item in document.get("paths", {}).items()
        ]

    @classmethod
    def load(cls, path: str | Path, name: str | None = None) -> Contract:
        """The document at `path` (a service's openapi.json); `name` defaults to its folder's."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no OpenAPI document at {path}")
        return cls(json.loads(path.read_text(encoding="utf-8")), name or path.parent.name)

    # -- finding the operation -----------------------------------------------------------------

    def operation(self, method: str, path: str) -> Operation:
        """The operation `method path` is a call of. Of several templates that match, the most
        literal wins (`/api/bookmarks/check/` before `/api/bookmarks/{bookmark_id}/`), and a
        path parameter must read as its type (`check` is not an integer id)."""
        method = method.lower()
        found: list[tuple[int, str, dict[str, Any]]] = []
        for template, pattern, item in self._templates:
            matched = pattern.match(path.split("?", 1)[0])
            if matched is None:
                continue
            parameters = _merged_parameters(item, item.get(method, {}))
            declared = {p["name"]: p for p in parameters if p.get("in") == "path"}
            if any(
                self._value_problems(declared.get(name, {}).get("schema", {}), raw, name)
                for name, raw in matched.groupdict().items()
            ):
                continue
            found.append((len(matched.groupdict()), template, item))
        if not found:
            raise NotInContract(f"{method.upper()} {path} is not in {self.name}'s document")
        with_method = sorted(
            (entry for entry in found if method in entry[2]), key=lambda entry: entry[0]
        )
        if not with_method:
            offered = sorted({m.upper() for _, _, item in found for m in item if m in METHODS})
            raise NotInContract(
                f"{method.upper()} {path} is not in {self.name}'s document "
                f"(its path takes {', '.join(offered)})"
            )
        _, template, item = with_method[0]
        spec = {**item[method], "parameters": _merged_parameters(item, item[method])}
        return Operation(method.upper(), template, spec)

    def template(self, method: str, path: str) -> str:
        return self.operation(method, path).template

    # -- checking a request --------------------------------------------------------------------

    def check(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        form: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> list[str]:
        """What the provider would not take in this request, one line each (empty: nothing).
        `query` and `form` values are strings (or lists of strings), as sent; `files` names
        the uploaded fields; `headers`, when given, are checked against the security."""
        operation = self.operation(method, path)
        problems = self._query_problems(operation, dict(query or {}))
        problems += self._body_problems(operation, json, dict(form or {}), dict(files or {}))
        if headers is not None:
            problems += self._security_problems(operation, headers)
        return [f"{method.upper()} {path}: {problem}" for problem in problems]

    def _query_problems(self, operation: Operation, query: dict[str, Any]) -> list[str]:
        declared = operation.parameters("query")
        problems = [
            f"query {name}: required, missing"
            for name, parameter in declared.items()
            if parameter.get("required") and name not in query
        ]
        for name, raw in query.items():
            if name not in declared:
                problems.append(f"query {name}: not declared")
                continue
            schema = self.resolve(declared[name].get("schema", {}))
            values = raw if isinstance(raw, list | tuple) else [raw]
            if len(values) > 1 and schema.get("type") != "array":
                problems.append(f"query {name}: sent {len(values)} times, declared once")
            item_schema = schema.get("items", {}) if schema.get("type") == "array" else schema
            for value in values:
                problems += self._value_problems(item_schema, value, f"query {name}")
        return problems

    def _body_problems(
        self, operation: Operation, body: Any, form: dict[str, Any], files: dict[str, Any]
    ) -> list[str]:
        request_body = operation.spec.get("requestBody", {})
        content = request_body.get("content", {})
        if body is not None:
            if JSON not in content:
                return [_not_taken(JSON, content)]
            return self.check_value(content[JSON].get("schema", {}), body, "body")
        if form or files:
            sent = MULTIPART if files else URLENCODED
            problems = [] if sent in content else [_not_taken(sent, content)]
            # The fields are still checked against the form the provider does describe.
            described = content.get(sent) or content.get(MULTIPART) or content.get(URLENCODED)
            schema = self.resolve((described or {}).get("schema", {}))
            properties = schema.get("properties", {})
            for name in schema.get("required", []):
                if name not in form and name not in files:
                    problems.append(f"form {name}: required, missing")
            for name in files:  # a file field is a binary string in OpenAPI 3
                if self.resolve(properties.get(name, {})).get("format") not in FILE_FORMATS:
                    problems.append(f"form {name}: a file field the provider does not declare")
            for name, raw in form.items():
                if name not in properties:
                    problems.append(f"form {name}: not declared")
                    continue
                for value in raw if isinstance(raw, list | tuple) else [raw]:
                    problems += self._value_problems(properties[name], value, f"form {name}")
            return problems
        if request_body.get("required"):
            return ["the provider requires a body"]
        return []

    def _security_problems(self, operation: Operation, headers: Mapping[str, str]) -> list[str]:
        requirements = operation.spec.get("security", self.document.get("security"))
        if not requirements:
            return []
        lowered = {key.lower(): value for key, value in headers.items() if value}
        schemes = self.document.get("components", {}).get("securitySchemes", {})
        for requirement in requirements:
            if all(_presents(schemes.get(name, {}), lowered) for name in requirement):
                return []  # an empty requirement ({}) is anonymous access: always met
        wanted = " or ".join(" and ".join(r) or "none" for r in requirements)
        return [f"credentials: none that the provider accepts (it takes {wanted})"]

    # -- values --------------------------------------------------------------------------------

    def resolve(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        seen = 0
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            schema = self.document["components"]["schemas"][name]
            seen += 1
            if seen > 50:
                raise ValueError(f"$ref loop at {name}")
        return dict(schema)

    def check_value(self, schema: Mapping[str, Any], value: Any, where: str) -> list[str]:
        """A JSON value against a schema; the places it does not fit."""
        schema = self.resolve(schema)
        if value is None:
            return [] if schema.get("nullable") else [f"{where}: null is not allowed"]
        kind = schema.get("type")
        if kind and (
            not isinstance(value, TYPES[kind])
            or (kind in ("integer", "number") and isinstance(value, bool))
        ):
            return [f"{where}: {value!r} is not {kind}"]
        problems = _bounds(schema, value, where)
        if kind == "object" or (kind is None and isinstance(value, dict)):
            properties = schema.get("properties", {})
            for name in schema.get("required", []):
                if name not in value:
                    problems.append(f"{where}.{name}: required, missing")
            for name, item in value.items():
                if name in properties:
                    if self.resolve(properties[name]).get("readOnly"):
                        problems.append(f"{where}.{name}: read-only, not taken in a request")
                    else:
                        problems += self.check_value(properties[name], item, f"{where}.{name}")
                elif schema.get("additionalProperties") is False:
                    problems.append(f"{where}.{name}: not accepted by the provider")
                elif isinstance(schema.get("additionalProperties"), dict):
                    problems += self.check_value(
                        schema["additionalProperties"], item, f"{where}.{name}"
                    )
        if kind == "array":
            for index, item in enumerate(value):
                problems += self.check_value(schema.get("items", {}), item, f"{where}[{index}]")
        return problems

    def _value_problems(self, schema: Mapping[str, Any], raw: Any, where: str) -> list[str]:
        """A value sent as text (a path segment, a query or form value) against its schema."""
        schema = self.resolve(schema)
        kind = schema.get("type")
        text = str(raw)
        value: Any = text
        if kind == "integer":
            if not re.fullmatch(r"[+-]?\d+", text.strip()):
                return [f"{where}: {text!r} is not integer"]
            value = int(text)
        elif kind == "number":
            try:
                value = float(text)
            except ValueError:
                return [f"{where}: {text!r} is not number"]
        elif kind == "boolean":
            if text.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                return [f"{where}: {text!r} is not boolean"]
            return []
        return _bounds(schema, value, where)


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{([^}]+)\}", template)
    regex = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{_group(part)}>[^/]+)"
        for index, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$")


def _group(name: str) -> str:
    return re.sub(r"\W", "_", name)


def _merged_parameters(item: Mapping[str, Any], operation: Mapping[str, Any]) -> list[dict]:
    """The path item's parameters, overridden by the operation's (same name and place)."""
    merged = {(p["name"], p.get("in")): p for p in item.get("parameters", [])}
    merged.update({(p["name"], p.get("in")): p for p in operation.get("parameters", [])})
    return list(merged.values())


def _bounds(schema: Mapping[str, Any], value: Any, where: str) -> list[str]:
    problems = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} not one of {schema['enum']}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            problems.append(f"{where}: {value!r} below {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            problems.append(f"{where}: {value!r} above {schema['maximum']}")
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            problems.append(f"{where}: longer than {schema['maxLength']}")
        if "minLength" in schema and len(value) < schema["minLength"]:
            problems.append(f"{where}: shorter than {schema['minLength']}")
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            problems.append(f"{where}: more than {schema['maxItems']} items")
        if "minItems" in schema and len(value) < schema["minItems"]:
            problems.append(f"{where}: fewer than {schema['minItems']} items")
    return problems


def _not_taken(sent: str, content: Mapping[str, Any]) -> str:
    if not content:
        return f"a {sent} body the provider does not take (it takes no body)"
    return f"a {sent} body the provider does not take (it takes {', '.join(content)})"


def _presents(scheme: Mapping[str, Any], headers: Mapping[str, str]) -> bool:
    """Whether the (lower-cased) headers carry credentials of this security scheme."""
    kind = scheme.get("type")
    if kind == "http":
        wanted = str(scheme.get("scheme", "")).lower()
        return headers.get("authorization", "").lower().startswith(wanted + " ")
    if kind == "apiKey" and scheme.get("in") == "header":
        return str(scheme.get("name", "")).lower() in headers
    return False


__all__ = ["Contract", "NotInContract", "Operation"]
