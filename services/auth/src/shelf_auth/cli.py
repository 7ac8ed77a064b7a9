"""`shelf-auth`: the service's command line (db, create-admin, openapi, routes, ...)."""

from flask.cli import FlaskGroup

from .app import create_app

main = FlaskGroup(create_app=create_app, help="Shelf auth service.")
