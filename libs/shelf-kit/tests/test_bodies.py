"""Request bodies (contract C5): a size limit per route, checked before the body is read, and
JSON whose depth, keys and text are bounded before any schema sees it."""

from __future__ import annotations

import io
import json
import socket

import pytest
from flask import request
from flask_smorest import Blueprint
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from shelf_kit import upload_limit
from shelf_kit.testing import LoopbackServer

MIB = 1024 * 1024
PROBLEM = "application/problem+json"


class CountingStream(io.RawIOBase):
    """A request body that is `size` bytes of `fill` (endless when None), counting what was
    read of it."""

    def __init__(self, size: int | None, fill: bytes = b"x") -> None:
        self.size = size
        self.fill = fill
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        left = len(buffer) if self.size is None else min(len(buffer), self.size - self.read_bytes)
        buffer[:left] = self.fill * left
        self.read_bytes += left
        return left


@pytest.fixture
def uploads(make_app):
    """The demo service with an upload route that declares its own limit (a setting)."""
    app = make_app(SHELF_DEMO_UPLOAD_MAX_BYTES=3 * MIB)
    blp = Blueprint("uploads", __name__)

    @blp.route("/v1/uploads", methods=["POST"])
    @upload_limit("SHELF_DEMO_UPLOAD_MAX_BYTES")
    def take_upload():
        data = request.files["file"].read()
        return {"size": len(data), "note": request.form.get("note")}, 201

    app.extensions["shelf_kit"].api.register_blueprint(blp)
    return app


def post_stream(
    client, path: str, body: CountingStream, *, content_type: str, content_length: int | None = None
):
    """POST `body` as the WSGI input: with a Content-Length, or chunked (the server ends the
    stream, as gunicorn does)."""
    environ = {"wsgi.input": body, "CONTENT_TYPE": content_type}
    if content_length is None:
        environ.update({"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True})
    else:
        environ["CONTENT_LENGTH"] = str(content_length)
    return client.post(path, environ_overrides=environ)


def file_of(size: int) -> FileStorage:
    return FileStorage(io.BytesIO(b"x" * size), "a.bin")


def post_form(client, path: str, values: dict):
    """A multipart form, encoded in memory (the test client's own encoding leaves a large one
    in a temporary file it never closes)."""
    boundary, data = encode_multipart(values)
    return client.post(path, data=data, content_type=f"multipart/form-data; boundary={boundary}")


def many_keys(count: int) -> bytes:
    return json.dumps({f"k{i}": 0 for i in range(count)}).encode()


def test_a_body_over_the_limit_is_413_before_a_byte_is_read(client):
    # The attack: tens of megabytes of JSON keys to an unauthenticated route.
    body = CountingStream(63 * MIB, b" ")
    response = post_stream(
        client, "/v1/items", body, content_length=63 * MIB, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.content_type == PROBLEM
    assert "1048576 bytes" in response.get_json()["detail"]
    assert body.read_bytes == 0


def test_a_chunked_body_stops_being_read_at_the_limit(client):
    # No Content-Length (chunked; the server terminates the stream): read up to the limit only.
    body = CountingStream(None, b" ")
    response = post_stream(client, "/v1/items", body, content_type="application/json")
    assert response.status_code == 413
    assert body.read_bytes <= MIB + 64 * 1024


def test_a_chunked_body_over_the_limit_is_413_from_a_real_server(app):
    with (
        LoopbackServer(app) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection,
    ):
        connection.sendall(
            b"POST /v1/items HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b" " * 65536
        status = b""
        for _ in range(4 * MIB // len(chunk)):  # four times the limit, unless refused before
            try:
                connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                break
        status = connection.recv(4096).split(b"\r\n", 1)[0]
    assert status.endswith(b"413 REQUEST ENTITY TOO LARGE")


def test_a_body_under_the_limit_is_served(client):
    padded = json.dumps({"name": "pen", "count": 2}).encode() + b" " * (MIB - 100)
    response = client.post("/v1/items", data=padded, content_type="application/json")
    assert response.status_code == 201


def test_the_limit_is_a_setting(make_app):
    app = make_app(SHELF_MAX_BODY_BYTES=100)
    response = app.test_client().post("/v1/items", json={"name": "pen" * 40, "count": 1})
    assert response.status_code == 413
    assert "100 bytes" in response.get_json()["detail"]


def test_an_upload_route_takes_its_declared_limit_and_no_more(uploads):
    client = uploads.test_client()
    fits = post_form(client, "/v1/uploads", {"file": file_of(3 * MIB), "note": "hello"})
    assert fits.status_code == 201
    assert fits.get_json() == {"size": 3 * MIB, "note": "hello"}
    # The file's limit plus SHELF_MAX_BODY_BYTES for the form around it; beyond: 413 unread.
    body = CountingStream(5 * MIB)
    too_big = post_stream(
        client,
        "/v1/uploads",
        body,
        content_length=5 * MIB,
        content_type="multipart/form-data; boundary=b",
    )
    assert too_big.status_code == 413
    assert str(4 * MIB) in too_big.get_json()["detail"]
    assert body.read_bytes == 0
    # Other routes keep the small limit.
    elsewhere = post_form(client, "/v1/items", {"file": file_of(2 * MIB)})
    assert elsewhere.status_code == 413


def test_forms_are_limited_in_parts(uploads):
    fields = {f"f{i}": "x" for i in range(1500)}
    response = post_form(uploads.test_client(), "/v1/uploads", {**fields, "file": file_of(1)})
    assert response.status_code == 413


def nested(depth: int, inner: object = 1) -> object:
    value = inner
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_json_nested_too_deep_is_400_naming_the_field(client, depth):
    raw = b'{"name": "pen", "count": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"
    response = client.post("/v1/items", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.content_type == PROBLEM
    body = response.get_json()
    assert list(body["errors"]) == ["count"]
    assert "32 levels" in body["detail"]


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_json_nested_too_deep_in_an_inner_object_names_its_path(client, depth):
    raw = (
        b'{"name": "pen", "meta": {"a": 1, "deep": {"x": '
        + b"[" * depth
        + b"]" * depth
        + b'}}, "count": 1}'
    )
    response = client.post("/v1/items", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == ["meta.deep.x"]


def test_json_nested_too_deep_without_a_field_is_400_naming_the_body(client):
    raw = b"[" * 5000 + b"]" * 5000
    response = client.post("/v1/items", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == ["body"]


def test_json_at_the_depth_limit_reaches_the_schema(client):
    response = client.post("/v1/items", json={"name": "pen", "count": nested(31)})
    assert response.status_code == 422  # the schema's own answer: count is not an integer
    assert list(response.get_json()["errors"]) == ["count"]


def test_an_object_of_too_many_keys_is_refused_before_the_schema(client):
    response = client.post("/v1/items", data=many_keys(1001), content_type="application/json")
    assert response.status_code == 400
    body = response.get_json()
    assert list(body["errors"]) == ["body"]
    assert "1000 keys" in body["detail"]
    inner = client.post(
        "/v1/items", json={"name": "pen", "count": {str(i): 0 for i in range(1001)}}
    )
    assert inner.status_code == 400
    assert list(inner.get_json()["errors"]) == ["count"]
    fits = client.post("/v1/items", data=many_keys(1000), content_type="application/json")
    assert fits.status_code == 422  # unknown fields, each named by the schema


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"name": "\\ud800", "count": 1}', "name"),
        (b'{"name": "pen", "count": 1, "tags": ["ok", "a\\udfffb"]}', "tags"),
        (b'{"name": "pen", "meta": {"deep": {"x": "\\udbff"}}}', "meta.deep.x"),
        (b'{"\\ud800": 1}', "body"),
        (b'"\\ud800"', "body"),
    ],
)
def test_a_lone_surrogate_is_400_naming_the_field(client, raw, field):
    response = client.post("/v1/items", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.content_type == PROBLEM
    body = response.get_json()
    assert list(body["errors"]) == [field]
    assert "surrogate" in body["errors"][field][0]


def test_a_surrogate_pair_is_an_ordinary_character(client):
    response = client.post(
        "/v1/items", data=b'{"name": "\\ud83d\\ude00", "count": 1}', content_type="application/json"
    )
    assert response.status_code == 201
    assert response.get_json()["name"] == "\U0001f600"
