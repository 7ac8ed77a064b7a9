"""A consumer's requests, and a provider's answers, checked against the provider's openapi.json.

DESIGN.md rule 4: each service keeps its OpenAPI document in its folder (`openapi.json`), and a
consumer's tests check what it sends against it, and what stand-ins answer in its place:

    api = Contract.load(SERVICES / "api" / "openapi.json")
    api.template("GET", "/api/bookmarks/12/")           # "/api/bookmarks/{bookmark_id}/"
    api.check("PATCH", "/v1/internal/bookmarks/5/metadata", json={"titel": "x"})
    # ["PATCH /v1/internal/bookmarks/5/metadata: body: Additional properties are not
    #   allowed ('titel' was unexpected)"]
    api.check_answer("GET", "/api/bookmarks/12/", 200, {"id": "12"})
    # [..."GET /api/bookmarks/12/ answered 200: body.id: '12' is not of type 'integer'"...]

The values are checked by openapi-schema-validator (jsonschema with OpenAPI's dialects: 3.0's
nullable, readOnly and writeOnly, 3.1's JSON Schema 2020-12), `format` included: a value that
is not a `date-time` or an `email` where the document says so is reported. What is left here
is finding the operation a call is of, reading query, path and form values (sent as text) as
their declared types, and the credentials a security requirement asks for. A call whose
method and path are not in the document raises `NotInContract` (an AssertionError: a test
shows it as a failure).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema.exceptions import ValidationError
from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30WriteValidator,
    OAS31Validator,
    oas30_format_checker,
    oas31_format_checker,
)
from referencing import Registry
from referencing.jsonschema import DRAFT4, DRAFT202012

JSON_TYPES = ("application/json", "application/problem+json")
MULTIPART = "multipart/form-data"
URLENCODED = "application/x-www-form-urlencoded"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
DOCUMENT_URI = "urn:shelf:provider"


class NotInContract(AssertionError):
    """The provider's document has no operation for this method and path."""


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    template: str  # the path as the document writes it: /api/bookmarks/{bookmark_id}/
    pointer: str  # the operation object's JSON pointer in the document
    spec: dict[str, Any]  # the operation object, with the path item's parameters merged in

    def parameters(self, where: str) -> dict[str, dict[str, Any]]:
        return {p["name"]: p for p in self.spec["parameters"] if p.get("in") == where}


class Contract:
    """One provider's OpenAPI 3.0 or 3.1 document."""

    def __init__(self, document: Mapping[str, Any], name: str = "the provider") -> None:
        self.document = document
        self.name = name
        recent = str(document.get("openapi", "3.0")).startswith("3.1")
        specification = DRAFT202012 if recent else DRAFT4
        self._registry: Registry = Registry().with_resource(
            DOCUMENT_URI, specification.create_resource(document)
        )
        # What a consumer sends must not carry readOnly fields, an answer no writeOnly ones.
        self._writing: Any = OAS31Validator if recent else OAS30WriteValidator
        self._reading: Any = OAS31Validator if recent else OAS30ReadValidator
        # `format` is asserted, not only an annotation (JSON Schema's default): a document
        # says what its provider takes, so a value its provider would refuse is reported.
        self._formats: Any = oas31_format_checker if recent else oas30_format_checker
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
        found = []
        for template, pattern, item in self._templates:
            matched = pattern.match(path.split("?", 1)[0])
            if matched is None:
                continue
            declared = {
                p["name"]: p
                for p in _merged_parameters(item, item.get(method, {}))
                if p.get("in") == "path"
            }
            values = dict(zip(_names(template), matched.groups(), strict=True))
            if any(self._text_problems(declared.get(n, {}), v, n) for n, v in values.items()):
                continue
            found.append((len(values), template, item))
        if not found:
            raise NotInContract(f"{method.upper()} {path} is not in {self.name}'s document")
        with_method = sorted((entry for entry in found if method in entry[2]), key=_literalness)
        if not with_method:
            offered = sorted({m.upper() for _, _, item in found for m in item if m in METHODS})
            raise NotInContract(
                f"{method.upper()} {path} is not in {self.name}'s document "
                f"(its path takes {', '.join(offered)})"
            )
        _, template, item = with_method[0]
        spec = {**item[method], "parameters": _merged_parameters(item, item[method])}
        pointer = f"/paths/{_escape(template)}/{method}"
        return Operation(method.upper(), template, pointer, spec)

    def template(self, method: str, path: str) -> str:
        return self.operation(method, path).template

    # -- a request ------------------------------------------------------------------------------

    def check(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        form: Mapping[str, Any] | None = None,
        files: Iterable[str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> list[str]:
        """What the provider would not take in this request, one line each (empty: nothing).
        `query` and `form` values are strings (or lists of strings), as sent; `files` names
        the uploaded fields; `headers`, when given, are checked against the security."""
        operation = self.operation(method, path)
        problems = self._query_problems(operation, dict(query or {}))
        problems += self._body_problems(operation, json, dict(form or {}), list(files or []))
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
            else:
                problems += self._text_problems(declared[name], raw, f"query {name}")
        return problems

    def _body_problems(
        self, operation: Operation, body: Any, form: dict[str, Any], files: list[str]
    ) -> list[str]:
        request_body = self._resolve(operation.spec.get("requestBody", {}))
        content = request_body.get("content", {})
        pointer = f"{operation.pointer}/requestBody/content"
        if body is not None:
            taken = next((kind for kind in JSON_TYPES if kind in content), None)
            if taken is None:
                return [_not_taken(JSON_TYPES[0], content)]
            return self._value_problems(f"{pointer}/{_escape(taken)}/schema", body, "body")
        if not form and not files:
            return ["the provider requires a body"] if request_body.get("required") else []
        sent = MULTIPART if files else URLENCODED
        problems = [] if sent in content else [_not_taken(sent, content)]
        # The fields are still checked against the form the provider does describe.
        described = next((kind for kind in (sent, MULTIPART, URLENCODED) if kind in content), None)
        if described is None:
            return problems
        schema = self._resolve(content[described].get("schema", {}))
        properties = schema.get("properties", {})
        for name in files:  # a file field is a binary string in OpenAPI 3
            if self._resolve(properties.get(name, {})).get("format") not in ("binary", "base64"):
                problems.append(f"form {name}: a file field the provider does not declare")
        values = {name: "" for name in files if name in properties}
        for name, raw in form.items():
            if name not in properties:
                problems.append(f"form {name}: not declared")
            else:
                values[name] = _read(self._resolve(properties[name]), raw)
        checked = self._value_problems(f"{pointer}/{_escape(described)}/schema", values, "form")
        return problems + checked

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

    # -- an answer ------------------------------------------------------------------------------

    def check_answer(
        self,
        method: str,
        path: str,
        status: int,
        body: Any = None,
        content_type: str | None = "application/json",
    ) -> list[str]:
        """What in this answer the provider's document does not describe, one line each: a
        status it does not list, a media type it does not give, a body that does not fit."""
        operation = self.operation(method, path)
        where = f"{method.upper()} {path} answered {status}"
        responses = operation.spec.get("responses", {})
        code = next(
            (c for c in (str(status), f"{str(status)[0]}XX", "default") if c in responses), None
        )
        if code is None:
            return [f"{where}: a status the provider does not list ({', '.join(responses)})"]
        content = self._resolve(responses[code]).get("content", {})
        kind = (content_type or "").split(";", 1)[0].strip().lower()
        if body is None or not content:
            return []
        if kind not in content and kind.endswith("+json") and JSON_TYPES[0] in content:
            kind = JSON_TYPES[0]  # problem+json is JSON (RFC 6839): the document's JSON schema
        if kind not in content:
            listed = ", ".join(content)
            return [f"{where}: a {kind or 'bodiless'} answer, the provider gives {listed}"]
        pointer = f"{operation.pointer}/responses/{_escape(code)}"
        if "$ref" in responses[code]:
            pointer = responses[code]["$ref"].removeprefix("#")
        schema_pointer = f"{pointer}/content/{_escape(kind)}/schema"
        if "schema" not in content[kind]:
            return []
        problems = self._value_problems(schema_pointer, body, "body", reading=True)
        return [f"{where}: {problem}" for problem in problems]

    def check_exchange(self, request: Any, response: Any) -> list[str]:
        """A request a stand-in was sent and its answer (a werkzeug/Flask request and response,
        as in an `after_request` hook): `check` and `check_answer` together, with a call the
        document does not have as one more line."""
        method, path = request.method, request.path
        try:
            return self.check(
                method,
                path,
                query={k: v[0] if len(v) == 1 else v for k, v in request.args.lists()},
                json=request.get_json(silent=True),
                form=request.form.to_dict(),
                files=list(request.files),
                headers={"Authorization": request.headers.get("Authorization", "")},
            ) + self.check_answer(
                method,
                path,
                response.status_code,
                response.get_json(silent=True),
                response.mimetype,
            )
        except NotInContract as missing:
            return [str(missing)]

    # -- values ---------------------------------------------------------------------------------

    def sample(self, name: str, **fields: Any) -> dict[str, Any]:
        """An instance of the document's schema `name` (components/schemas) with these fields,
        each other required field at a plain value of its type (null where nullable, the
        default where one is given): what a stand-in answers, following the provider's own
        description of it."""
        schema = self._resolve({"$ref": f"#/components/schemas/{name}"})
        unknown = set(fields) - set(schema.get("properties", {}))
        if unknown and schema.get("additionalProperties") is False:
            raise ValueError(f"{self.name}'s {name} has no {', '.join(sorted(unknown))}")
        return {**_plain(self._resolve, schema), **fields}

    def check_value(self, schema: Mapping[str, Any], value: Any, where: str) -> list[str]:
        """A JSON value sent to the provider against a schema of its document (one of
        `components/schemas`, by `$ref`, or a schema written in place)."""
        validator = self._writing(
            _anchored(schema), registry=self._registry, format_checker=self._formats
        )
        return _described(validator.iter_errors(value), where)

    def _value_problems(
        self, pointer: str, value: Any, where: str, *, reading: bool = False
    ) -> list[str]:
        cls = self._reading if reading else self._writing
        validator = cls(
            {"$ref": f"{DOCUMENT_URI}#{pointer}"},
            registry=self._registry,
            format_checker=self._formats,
        )
        return _described(validator.iter_errors(value), where)

    def _text_problems(self, parameter: Mapping[str, Any], raw: Any, where: str) -> list[str]:
        """A value sent as text (a path segment, a query value) against its parameter."""
        schema = self._resolve(parameter.get("schema", {}))
        values = list(raw) if isinstance(raw, list | tuple) else [raw]
        if len(values) > 1 and schema.get("type") != "array":
            return [f"{where}: sent {len(values)} times, declared once"]
        value = _read(schema, values if schema.get("type") == "array" else values[0])
        return self.check_value(schema, value, where)

    def _resolve(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        resolver = self._registry.resolver(DOCUMENT_URI)
        while "$ref" in schema:
            schema = resolver.lookup(schema["$ref"]).contents
        return dict(schema)


SAMPLE_TIME = "2026-11-20T10:00:00+00:00"
SAMPLE_TEXT = {"date-time": SAMPLE_TIME, "email": "someone@example.org"}  # by `format`


def _plain(resolve: Any, schema: Mapping[str, Any]) -> Any:
    """A plain instance of a schema: its default, else null if nullable, else the first of an
    enum, else an empty or zero value of its type (a string in a `format`: a value in it); an
    object has its required properties."""
    schema = resolve(schema)
    if "default" in schema:
        return schema["default"]
    if schema.get("nullable"):
        return None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {
            name: _plain(resolve, properties.get(name, {})) for name in schema.get("required", [])
        }
    if kind == "string":
        return SAMPLE_TEXT.get(schema.get("format", ""), "")
    plain: dict[Any, Any] = {"integer": schema.get("minimum", 0), "number": 0.0, "boolean": False}
    return plain.get(kind, [] if kind == "array" else None)


def _anchored(schema: Any) -> Any:
    """A schema whose local references (`#/components/...`) point into the document."""
    if isinstance(schema, Mapping):
        return {
            key: DOCUMENT_URI + value
            if key == "$ref" and isinstance(value, str) and value.startswith("#")
            else _anchored(value)
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_anchored(item) for item in schema]
    return schema


def _read(schema: Mapping[str, Any], raw: Any) -> Any:
    """A value sent as text, read as the type its schema declares (left as text if it does
    not read: the schema then says what is wrong with it)."""
    kind = schema.get("type")
    if kind == "array":
        items = raw if isinstance(raw, list | tuple) else [raw]
        return [_read(schema.get("items", {}), item) for item in items]
    text = str(raw)
    try:
        if kind == "integer" and re.fullmatch(r"\s*[+-]?\d+\s*", text):
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return text
    if kind == "boolean" and text.lower() in ("true", "1", "yes", "on", "y"):
        return True
    if kind == "boolean" and text.lower() in ("false", "0", "no", "off", "n", ""):
        return False
    return text


def _described(errors: Iterable[ValidationError], where: str) -> list[str]:
    found = sorted(errors, key=lambda error: [str(part) for part in error.absolute_path])
    return [f"{where}{_location(error.absolute_path)}: {error.message}" for error in found]


def _location(parts: Iterable[Any]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]+\}", template)
    return re.compile("^" + "([^/]+)".join(re.escape(part) for part in parts) + "$")


def _names(template: str) -> list[str]:
    return re.findall(r"\{([^}]+)\}", template)


def _literalness(entry: tuple[int, str, Any]) -> int:
    return entry[0]


def _escape(key: str) -> str:
    """A key as a JSON pointer writes it."""
    return key.replace("~", "~0").replace("/", "~1")


def _merged_parameters(item: Mapping[str, Any], operation: Mapping[str, Any]) -> list[dict]:
    """The path item's parameters, overridden by the operation's (same name and place)."""
    merged = {(p["name"], p.get("in")): p for p in item.get("parameters", [])}
    merged.update({(p["name"], p.get("in")): p for p in operation.get("parameters", [])})
    return list(merged.values())


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
