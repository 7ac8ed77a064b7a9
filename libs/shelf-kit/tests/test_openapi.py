import json

from shelf_kit import kit
from shelf_kit.openapi import openapi_differences, write_openapi


def test_document_is_served_with_every_route(client):
    document = client.get("/openapi.json").get_json()
    assert {"/healthz", "/readyz", "/v1/items"} <= set(document["paths"])
    assert document["info"]["version"] == "1.2.3"


def test_file_and_code_agreeing_then_disagreeing(app, tmp_path):
    path = tmp_path / "openapi.json"
    api = kit(app).api
    write_openapi(api, path)
    assert openapi_differences(api, path) == []
    document = json.loads(path.read_text())
    del document["paths"]["/v1/items"]
    document["info"]["version"] = "0.0.1"
    path.write_text(json.dumps(document))
    found = openapi_differences(api, path)
    assert "/paths//v1/items: in the code, not in the file" in found
    assert any(line.startswith("/info/version") for line in found)
