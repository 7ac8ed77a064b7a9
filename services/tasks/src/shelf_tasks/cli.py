"""`shelf-tasks`: the service's command line (worker, scheduler, db, openapi, routes, ...)."""

from flask.cli import FlaskGroup

from .app import create_app

main = FlaskGroup(create_app=create_app, help="Shelf tasks service.")
