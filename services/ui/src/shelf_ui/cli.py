"""`shelf-ui`: the service's command line (openapi, routes, run, ...)."""

from flask.cli import FlaskGroup

from .app import create_app

main = FlaskGroup(create_app=create_app, help="Shelf ui service.")
