"""What the linkding-surface views share: who the owner is, the database's dialect, commits
that wake the outbox relay."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g, request
from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from shelf_identity import API_KEY, BEARER, current_identity
from shelf_kit import Problem
from shelf_kit.db import get_database, session

from .. import profiles
from ..extensions import RELAY, relay, seen_profiles

T = TypeVar("T")
TOKEN = API_KEY  # the security scheme names in the OpenAPI document


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
BODY = "body"  # a location: JSON, a form or multipart, as DRF's default parsers take


class _Parser(FlaskParser):
    """flask-smorest's parser, and two more locations:

    - `multipart`: the fields and the files of a multipart/form-data body read by one schema
      (flask-smorest documents one request body per view: a `form` and a `files` schema on
      one view made a broken document);
    - `body`: the body as linkding's views take it (DRF's JSON, form and multipart parsers):
      a form-encoded or multipart body is read as fields, a list field from repeated fields
      (`tag_names=a&tag_names=b`); anything else as JSON.
    """

    __location_map__ = {
        **FlaskParser.__location_map__,
        "multipart": "load_multipart",
        BODY: "load_body",
    }

    def load_multipart(self, req, schema):
        return MultiDictProxy(CombinedMultiDict([req.files, req.form]), schema)

    def load_body(self, req, schema):
        if req.mimetype in FORM_TYPES:
            return self.load_multipart(req, schema)
        if req.mimetype and not req.is_json and req.get_data(cache=True):
            raise Problem(
                415,
                "Unsupported Media Type",
                f'Unsupported media type "{req.mimetype}" in request.',
            )  # DRF's words
        return self.load_json(req, schema)

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        raise Problem(400, "Bad Request", f"JSON parse error - {error}")  # DRF's words


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = _Parser()
    SECURITY_SCHEMES = (TOKEN, BEARER)  # users come with an API key or a token (@allow)
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "multipart": "multipart/form-data",
        BODY: "application/json",
    }


class _UserParser(_Parser):
    """Shelf's own user endpoints (/v1/...) answer an invalid request 400, naming the fields
    (problem+json), as the rest of the request's errors: never the kit's 422."""

    DEFAULT_VALIDATION_STATUS = 400


class UserBlueprint(ApiBlueprint):
    ARGUMENTS_PARSER = _UserParser()


def linkding_blueprint(
    name: str, import_name: str, description: str, *, cls: type[ApiBlueprint] = ApiBlueprint
) -> Blueprint:
    """A blueprint for users' routes (each says who may call: `@allow`), which remembers the
    users who call."""
    blp = cls(name, import_name, description=description)

    @blp.before_request
    def _remember_the_caller() -> None:
        identity = g.get("identity")  # None for anonymous callers and before a 401
        if request.method == "OPTIONS" or identity is None or not identity.is_user:
            return
        profiles.remember(
            session(),
            identity.user_id,
            identity.username,
            seen_profiles(current_app),
        )

    return blp


def user_blueprint(name: str, import_name: str, description: str) -> Blueprint:
    """A blueprint of Shelf's own endpoints for users (/v1/...): as the linkding surface's,
    but problem+json errors and 400 for invalid requests."""
    return linkding_blueprint(name, import_name, description, cls=UserBlueprint)


def owner_id() -> int:
    return current_identity().user_id


def dialect() -> str:
    return get_database(current_app).engine.dialect.name


def commit(*, wake_relay: bool = False) -> None:
    session().commit()
    if wake_relay and RELAY in current_app.extensions:
        relay(current_app).wake()


def committed(write: Callable[[], T], *, wake_relay: bool = False) -> T:
    """Run `write` and commit; when a concurrent request made the same bookmark or tag first
    (a unique index refuses ours), start again once: the second run finds theirs."""
    try:
        result = write()
        commit(wake_relay=wake_relay)
    except IntegrityError:
        session().rollback()
        result = write()
        commit(wake_relay=wake_relay)
    return result


def not_found() -> Problem:
    return Problem(404, "Not Found", "Not found.")
