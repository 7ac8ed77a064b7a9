"""Small helpers the tests share (fixtures are in conftest.py)."""

PASSWORD = "correct horse battery"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def log_in(client, username, password=PASSWORD, **kwargs):
    return client.post("/v1/sessions", json={"username": username, "password": password}, **kwargs)


def problem(response, status):
    """The problem+json body of a response that must have this status."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    return response.get_json()


def deliver(app):
    """Run the app's outbox relay once (tests run without its thread); how many it delivered."""
    return app.extensions["shelf_auth_relay"].run_once()
