"""shelf_kit.contracts: a consumer's requests, and the answers a stand-in gives in a provider's
place, checked against the provider's OpenAPI document (by openapi-schema-validator)."""

import json

import pytest

from shelf_kit.contracts import SAMPLE_TIME, Contract, NotInContract

DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "demo", "version": "1"},
    "paths": {
        "/v1/things/{thing_id}": {
            "parameters": [
                {
                    "in": "path",
                    "name": "thing_id",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                }
            ],
            "get": {
                "security": [{"bearer": []}],
                "responses": {
                    "200": {
                        "description": "the thing",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                        },
                    },
                    "4XX": {"$ref": "#/components/responses/Problem"},
                    "default": {"description": "anything else"},
                },
            },
            "patch": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ThingPatch"}}
                    },
                },
                "security": [{"bearer": []}],
            },
        },
        "/v1/things/search": {
            "get": {
                "parameters": [
                    {
                        "in": "query",
                        "name": "q",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 5},
                    },
                    {
                        "in": "query",
                        "name": "limit",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                    },
                    {
                        "in": "query",
                        "name": "state",
                        "schema": {"type": "string", "enum": ["on", "off"]},
                    },
                    {
                        "in": "query",
                        "name": "after",
                        "schema": {"type": "string", "format": "date-time"},
                    },
                    {
                        "in": "query",
                        "name": "tag",
                        "schema": {"type": "array", "items": {"type": "string"}},
                    },
                ],
                "security": [{}, {"token": []}],
            },
        },
        "/v1/uploads": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {
                                    "file": {"type": "string", "format": "binary"},
                                    "tags": {"type": "boolean"},
                                },
                            }
                        }
                    },
                }
            },
        },
        "/v1/forms": {
            "post": {
                "requestBody": {
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {"type": "object", "properties": {"name": {"type": "string"}}}
                        }
                    }
                }
            },
        },
    },
    "components": {
        "schemas": {
            "ThingPatch": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "properties": {
                    "id": {"type": "integer", "readOnly": True},
                    "name": {"type": "string", "maxLength": 10},
                    "count": {"type": "integer", "minimum": 0},
                    "note": {"type": "string", "nullable": True},
                    "kind": {"type": "string", "enum": ["a", "b"]},
                    "labels": {"type": "array", "maxItems": 2, "items": {"type": "string"}},
                    "extra": {"$ref": "#/components/schemas/Extra"},
                    "due": {"type": "string", "format": "date-time", "nullable": True},
                    "contact": {"$ref": "#/components/schemas/Contact"},
                },
            },
            "Contact": {
                "type": "object",
                "required": ["email", "since"],
                "properties": {
                    "email": {"type": "string", "format": "email"},
                    "since": {"type": "string", "format": "date-time"},
                },
            },
            "Extra": {"type": "object", "properties": {"on": {"type": "boolean"}}},
            "Thing": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {
                    "id": {"type": "integer", "readOnly": True},
                    "name": {"type": "string"},
                    "secret": {"type": "string", "writeOnly": True},
                },
            },
        },
        "responses": {
            "Problem": {
                "description": "a problem",
                "content": {
                    "application/problem+json": {
                        "schema": {
                            "type": "object",
                            "required": ["status"],
                            "properties": {"status": {"type": "integer"}},
                        }
                    }
                },
            }
        },
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "token": {"type": "apiKey", "in": "header", "name": "Authorization"},
        },
    },
}


@pytest.fixture
def demo():
    return Contract(DOCUMENT, "demo")


def test_the_most_literal_template_wins_and_path_parameters_must_fit(demo):
    assert demo.template("GET", "/v1/things/search") == "/v1/things/search"
    assert demo.template("GET", "/v1/things/12") == "/v1/things/{thing_id}"
    with pytest.raises(NotInContract, match="GET /v1/things/twelve is not in demo's document"):
        demo.template("GET", "/v1/things/twelve")  # not an integer: no template fits
    with pytest.raises(NotInContract, match=r"\(its path takes GET, PATCH\)"):
        demo.check("DELETE", "/v1/things/12")
    with pytest.raises(NotInContract):
        demo.check("GET", "/v1/nothing")


def test_query_parameters_are_declared_required_and_read_as_their_type(demo):
    path = "/v1/things/search"
    assert (
        demo.check("GET", path, query={"q": "abc", "limit": "10", "state": "on", "tag": ["x", "y"]})
        == []
    )
    assert demo.check(
        "GET", path, query={"limit": "0", "state": "maybe", "page": "2", "q": "toolong"}
    ) == [
        f"GET {path}: query limit: 0 is less than the minimum of 1",
        f"GET {path}: query state: 'maybe' is not one of ['on', 'off']",
        f"GET {path}: query page: not declared",
        f"GET {path}: query q: 'toolong' is too long",
    ]
    assert demo.check("GET", path, query={"limit": "ten"}) == [
        f"GET {path}: query q: required, missing",
        f"GET {path}: query limit: 'ten' is not of type 'integer'",
    ]
    assert demo.check("GET", path, query={"q": ["a", "b"]}) == [
        f"GET {path}: query q: sent 2 times, declared once"
    ]


def test_a_json_body_must_fit_the_request_schema(demo):
    path = "/v1/things/3"
    assert (
        demo.check(
            "PATCH", path, json={"name": "n", "note": None, "labels": ["a"], "extra": {"on": True}}
        )
        == []
    )
    assert demo.check(
        "PATCH",
        path,
        json={
            "id": 3,
            "nam": "n",
            "count": True,
            "note": 1,
            "kind": "c",
            "labels": ["a", "b", 3],
            "extra": {"on": "yes"},
        },
    ) == [
        f"PATCH {path}: body: Additional properties are not allowed ('nam' was unexpected)",
        f"PATCH {path}: body: 'name' is a required property",
        f"PATCH {path}: body.count: True is not of type 'integer'",
        f"PATCH {path}: body.extra.on: 'yes' is not of type 'boolean'",
        f"PATCH {path}: body.id: Tried to write read-only property with 3",
        f"PATCH {path}: body.kind: 'c' is not one of ['a', 'b']",
        f"PATCH {path}: body.labels: ['a', 'b', 3] is too long",
        f"PATCH {path}: body.labels[2]: 3 is not of type 'string'",
        f"PATCH {path}: body.note: 1 is not of type 'string'",
    ]
    assert demo.check("PATCH", path, json={"name": "x" * 11, "count": -1}) == [
        f"PATCH {path}: body.count: -1 is less than the minimum of 0",
        f"PATCH {path}: body.name: 'xxxxxxxxxxx' is too long",
    ]
    assert demo.check("PATCH", path) == [f"PATCH {path}: the provider requires a body"]
    assert demo.check("GET", path, json={"name": "n"}) == [
        f"GET {path}: a application/json body the provider does not take (it takes no body)"
    ]


def test_a_value_breaking_a_format_is_reported(demo):
    """`format` is asserted, not only an annotation: what the provider would refuse is found."""
    path = "/v1/things/3"
    good = {"email": "ada@example.org", "since": "2026-11-20T10:00:00+00:00"}
    assert demo.check("PATCH", path, json={"name": "n", "due": None, "contact": good}) == []
    assert demo.check(
        "PATCH",
        path,
        json={"name": "n", "due": "tomorrow", "contact": {"email": "", "since": "2026-11-20"}},
    ) == [
        f"PATCH {path}: body.contact.email: '' is not a 'email'",
        f"PATCH {path}: body.contact.since: '2026-11-20' is not a 'date-time'",
        f"PATCH {path}: body.due: 'tomorrow' is not a 'date-time'",
    ]
    assert demo.check("GET", "/v1/things/search", query={"q": "a", "after": "noon"}) == [
        "GET /v1/things/search: query after: 'noon' is not a 'date-time'"
    ]
    assert demo.check_value({"$ref": "#/components/schemas/Contact"}, good, "contact") == []
    assert demo.sample("Contact") == {"email": "someone@example.org", "since": SAMPLE_TIME}


def test_forms_and_uploads_must_use_a_media_type_and_fields_the_provider_takes(demo):
    assert demo.check("POST", "/v1/uploads", form={"tags": "true"}, files={"file": b"x"}) == []
    assert demo.check("POST", "/v1/uploads", form={"tags": "maybe", "other": "1"}) == [
        "POST /v1/uploads: a application/x-www-form-urlencoded body the provider does not "
        "take (it takes multipart/form-data)",
        "POST /v1/uploads: form other: not declared",
        "POST /v1/uploads: form: 'file' is a required property",
        "POST /v1/uploads: form.tags: 'maybe' is not of type 'boolean'",
    ]
    assert demo.check("POST", "/v1/forms", form={"name": "n"}) == []
    assert demo.check("POST", "/v1/forms", files={"name": b"n"}) == [
        "POST /v1/forms: a multipart/form-data body the provider does not take (it takes "
        "application/x-www-form-urlencoded)",
        "POST /v1/forms: form name: a file field the provider does not declare",
    ]


def test_an_answer_must_be_one_the_provider_documents(demo):
    path = "/v1/things/3"
    assert demo.check_answer("GET", path, 200, {"id": 3, "name": "n"}) == []
    assert demo.check_answer("GET", path, 200, {"id": "3", "secret": "s"}) == [
        f"GET {path} answered 200: body: 'name' is a required property",
        f"GET {path} answered 200: body.id: '3' is not of type 'integer'",
        f"GET {path} answered 200: body.secret: Tried to read write-only property with s",
    ]
    assert demo.check_answer("GET", path, 404, {"status": 404}, "application/problem+json") == []
    assert demo.check_answer("GET", path, 404, {"status": "404"}, "application/problem+json") == [
        f"GET {path} answered 404: body.status: '404' is not of type 'integer'"
    ]
    assert demo.check_answer("GET", path, 404, {"status": 404}) == [
        f"GET {path} answered 404: a application/json answer, the provider gives "
        "application/problem+json"
    ]
    assert demo.check_answer("GET", path, 503, "down", "text/plain") == []  # "default"
    assert demo.check_answer("POST", "/v1/forms", 200) == [
        "POST /v1/forms answered 200: a status the provider does not list ()"
    ]


def test_credentials_are_checked_when_the_headers_are_given(demo):
    assert demo.check("GET", "/v1/things/1", headers={"Authorization": "Bearer t"}) == []
    assert demo.check("GET", "/v1/things/1", headers={"Authorization": "Token k"}) == [
        "GET /v1/things/1: credentials: none that the provider accepts (it takes bearer)"
    ]
    assert demo.check("GET", "/v1/things/1", headers={}) != []
    assert demo.check("GET", "/v1/things/1") == []  # no headers given: not checked
    search = {"q": "a"}
    assert demo.check("GET", "/v1/things/search", query=search, headers={}) == []  # anonymous
    assert (
        demo.check("GET", "/v1/things/search", query=search, headers={"authorization": "Token k"})
        == []
    )
    assert demo.check("POST", "/v1/forms", headers={}) == []  # no security at all


def test_a_document_is_loaded_from_a_services_folder(tmp_path):
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "openapi.json").write_text(json.dumps(DOCUMENT))
    loaded = Contract.load(folder / "openapi.json")
    assert loaded.name == "demo"
    assert loaded.template("PATCH", "/v1/things/1") == "/v1/things/{thing_id}"
    with pytest.raises(FileNotFoundError, match="no OpenAPI document at"):
        Contract.load(tmp_path / "missing" / "openapi.json")


def test_it_reads_the_documents_the_kit_generates(client):
    document = client.get("/openapi.json").get_json()
    contract = Contract(document, "demo")
    assert contract.check("POST", "/v1/items", json={"name": "pen", "count": 2}) == []
    assert contract.check("POST", "/v1/items", json={"count": "2"}) == [
        "POST /v1/items: body: 'name' is a required property",
        "POST /v1/items: body.count: '2' is not of type 'integer'",
    ]


def test_a_sample_follows_the_providers_schema(demo):
    """What a stand-in answers can be made from the provider's description of it."""
    thing = demo.sample("Thing", id=3)
    assert thing == {"id": 3, "name": ""}
    assert demo.check_answer("GET", "/v1/things/3", 200, thing) == []
    assert demo.sample("ThingPatch") == {"name": ""}
    with pytest.raises(ValueError, match="demo's ThingPatch has no colour"):
        demo.sample("ThingPatch", colour="red")  # the provider refuses undeclared fields
