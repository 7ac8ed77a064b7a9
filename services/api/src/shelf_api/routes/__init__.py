"""One blueprint per feature: the linkding surface (/api/...) and the service-only one."""

from __future__ import annotations

from flask import Flask

from shelf_identity import BEARER
from shelf_kit.openapi import ServiceApi

from . import (
    admin,
    assets,
    bookmarks,
    bulk,
    bundles,
    feeds,
    health,
    internal,
    tags,
    tags_v1,
    transfer,
    user,
)
from .common import FORM_TYPES, TOKEN

BLUEPRINTS = (
    transfer.blp,
    assets.blp,
    bookmarks.blp,
    tags.blp,
    bundles.blp,
    user.blp,
    internal.blp,
    admin.blp,
    health.blp,
    tags_v1.blp,
    bulk.blp,
    feeds.blp,
    feeds.feeds_blp,
)
LINKDING_ERROR = {
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"type": "string"}},
    "description": "An error, in linkding's (Django REST Framework's) shape",
}
MESSAGES = {"type": "array", "items": {"type": "string"}}
# A list field's errors are per item, as DRF gives them: {"tag_names": {"0": ["..."]}}.
LINKDING_INVALID = {
    "type": "object",
    "additionalProperties": {
        "anyOf": [MESSAGES, {"type": "object", "additionalProperties": MESSAGES}]
    },
    "description": "Each invalid field (or non_field_errors) with its "
    "messages; a list field's messages by item index",
    "example": {
        "url": ["Enter a valid URL."],
        "tag_names": {"0": ["Tag names cannot contain spaces."]},
    },
}


def register_blueprints(app: Flask, api: ServiceApi) -> None:
    api.spec.components.security_scheme(
        TOKEN,
        {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "The user's API key, as `Token <key>` (linkding's scheme)",
        },
    )
    api.spec.components.security_scheme(
        BEARER, {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    for blp in BLUEPRINTS:
        api.register_blueprint(blp)
    document_linkding_errors(api)


def document_form_bodies(operation: dict) -> None:
    """A JSON body on /api/ may come as a form or multipart too (location `body`), as DRF's
    default parsers take it: say so with the same schema."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        for media_type in FORM_TYPES:
            content.setdefault(media_type, content["application/json"])


def document_linkding_errors(api: ServiceApi) -> None:
    """/api/ answers errors in linkding's shape, and invalid requests with 400 (not the
    kit's 422 problem+json): say so in the document."""
    api.spec.components.schema("LinkdingError", LINKDING_ERROR)
    api.spec.components.schema("LinkdingValidationError", LINKDING_INVALID)
    api.spec.components.response(
        "LINKDING_ERROR",
        {
            "description": "An error",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/LinkdingError"}}
            },
        },
    )
    # Invalid fields; or, as DRF answers a body it cannot parse, {"detail": ...}.
    api.spec.components.response(
        "LINKDING_INVALID",
        {
            "description": "Invalid fields, or a body that is not JSON",
            "content": {
                "application/json": {
                    "schema": {
                        "anyOf": [
                            {"$ref": "#/components/schemas/LinkdingValidationError"},
                            {"$ref": "#/components/schemas/LinkdingError"},
                        ]
                    }
                }
            },
        },
    )
    error = {"$ref": "#/components/responses/LINKDING_ERROR"}
    for path, operations in api.spec._paths.items():
        if not path.startswith("/api/"):
            continue
        for operation in operations.values():
            if not isinstance(operation, dict):  # the path's own "parameters"
                continue
            document_form_bodies(operation)
            responses = operation.setdefault("responses", {})
            if responses.pop("422", None) is not None:
                responses["400"] = {"$ref": "#/components/responses/LINKDING_INVALID"}
            responses["default"] = error
            for refusal in ("401", "403"):  # @allow's, in linkding's shape here
                if refusal in responses:
                    responses[refusal] = error
            if "{" in path:
                responses["404"] = error
