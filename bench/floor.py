"""The floor: the least a gunicorn endpoint can cost on this machine.

A WSGI app with one answer (what a service's /healthz says, without Flask), served by the same
gunicorn as the services with the same settings (2 sync workers, --no-control-socket). Every
benchmark table divides by what this endpoint does, measured by the same client in the same run.
"""

BODY = b'{"service":"floor","status":"ok"}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
