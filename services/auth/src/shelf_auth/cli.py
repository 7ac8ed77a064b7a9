"""`shelf-auth`: the service's command line (db, create-admin, keys, openapi, routes, ...)."""

from flask.cli import FlaskGroup

from .app import create_app


def create_cli_app():
    # Commands must work before the key folder holds a key (`keys generate` makes the first).
    return create_app(require_signing_key=False)


main = FlaskGroup(create_app=create_cli_app, help="Shelf auth service.")
