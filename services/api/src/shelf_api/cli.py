"""`shelf-api`: the service's command line (db, openapi, routes, ...)."""

from flask.cli import FlaskGroup

from .app import create_app

main = FlaskGroup(create_app=create_app, help="Shelf api service.")
