"""The floors: the least a gunicorn endpoint can cost on this machine, and the least a Shelf
process can weigh.

- `app`: a WSGI function with one answer (what a service's /healthz says, without Flask),
  served by the same gunicorn as the services with the same settings (`-c
  python:shelf_kit.gunicorn_conf`, one worker with threads, --no-control-socket). Every latency
  table divides by what this endpoint does, measured by the same client in the same run.
- `flask_app()`: Flask with one route: a web service's memory with its framework alone.
- `service_app()`: Flask and what every Shelf service with a database loads to work, each used
  once as a service uses it: SQLAlchemy's ORM on a SQLite file, requests, PyJWT with
  cryptography (an elliptic-curve token signed and verified).
- `python floor.py worker FOLDER`: the same libraries in a plain process that waits: the job
  worker's floor (it runs no gunicorn).
"""

from __future__ import annotations

import os
import signal
import sys

BODY = b'{"service":"floor","status":"ok"}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]


def flask_app():
    from flask import Flask

    made = Flask(__name__)

    @made.get("/")
    def index():
        return {"service": "floor", "status": "ok"}

    return made


def load_service_libraries(folder: str) -> None:
    """Use SQLAlchemy's ORM, requests and PyJWT once each, as a Shelf service does."""
    import jwt
    import requests
    from cryptography.hazmat.primitives.asymmetric import ec
    from sqlalchemy import Integer, String, create_engine, select
    from sqlalchemy.orm import DeclarativeBase, Session, mapped_column

    class Base(DeclarativeBase):
        pass

    class Row(Base):
        __tablename__ = "rows"
        id = mapped_column(Integer, primary_key=True)
        name = mapped_column(String(50))

    engine = create_engine(f"sqlite:///{folder}/floor-{os.getpid()}.db")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Row(name="floor"))
        session.commit()
        session.scalars(select(Row)).all()
    requests.Session().close()
    key = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode({"sub": "floor"}, key, algorithm="ES256")
    jwt.decode(token, key.public_key(), algorithms=["ES256"])


def service_app():
    made = flask_app()
    load_service_libraries(os.environ.get("SHELF_BENCH_FLOOR_DIR", "."))
    return made


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    flask_app()  # the worker builds its Flask app too (settings, database, CLI)
    load_service_libraries(sys.argv[2])
    with open(os.path.join(sys.argv[2], "floor-worker.ready"), "w"):
        pass  # loaded: the bench measures it now
    signal.pause()  # until SIGTERM ends it
