"""Contract: what the handlers send to api and auth matches the documents those services
publish (services/api/openapi.json, services/auth/openapi.json)."""

import pytest
from contract import check_request, document


@pytest.fixture(scope="module")
def api_document():
    return document("api")


def test_every_call_the_handlers_make_to_api_is_in_its_contract(run, api, site, api_document):
    site.status_for["/gone"] = 404
    api.add_bookmark(1, f"{site.url}/article")
    api.add_bookmark(2, f"{site.url}/gone", owner_id=2)
    api.add_bookmark(3, "http://no-such-host.invalid/")
    api.imports[9] = {"processed": 0, "total": 3}
    for kind, args in [("fetch_metadata", {"bookmark_id": 1}),
                       ("fetch_metadata", {"bookmark_id": 77}),
                       ("check_links", {"min_age_hours": 0}),
                       ("import_bookmarks", {"import_id": 9, "batch_size": 2}),
                       ("backup", {})]:
        job = run(kind, args)
        assert job.state == "completed", (kind, job.errors)
    calls = [call for call in api.calls if call["path"] != "/healthz"]
    assert {(call["method"], call["path"].rsplit("/", 1)[-1]) for call in calls} >= {
        ("GET", "1"), ("PATCH", "metadata"), ("GET", "bookmarks"), ("POST", "link-check"),
        ("POST", "batches"), ("GET", "users"), ("GET", "export")}
    problems = [problem for call in calls for problem in check_request(
        api_document, call["method"], call["path"], call["query"], call["json"])]
    assert problems == []


def test_the_purge_call_to_auth_is_in_its_contract(run, auth):
    assert run("purge").state == "completed"
    problems = check_request(document("auth"), "POST", "/v1/maintenance/purge", {}, None)
    assert problems == [] and len(auth.calls) == 1


def test_the_checker_catches_what_a_provider_would_refuse(api_document):
    path = "/v1/internal/bookmarks/5/metadata"
    assert check_request(api_document, "PATCH", path, {}, {"title": "t", "url": "u"}) == []
    assert check_request(api_document, "PATCH", path, {}, {"titel": "t"}) == [
        f"PATCH {path}: body.titel: not accepted by the provider"]
    assert check_request(api_document, "POST", "/v1/internal/bookmarks/5/link-check", {},
                         {"status": "200"}) == [
        "POST /v1/internal/bookmarks/5/link-check: body.ok: required, missing",
        "POST /v1/internal/bookmarks/5/link-check: body.status: '200' is not integer"]
    assert check_request(api_document, "GET", "/v1/internal/bookmarks", {"page": "2"}, None) == [
        "GET /v1/internal/bookmarks: query page: not declared"]
    with pytest.raises(AssertionError, match="not in the provider's document"):
        check_request(api_document, "DELETE", "/v1/internal/bookmarks/5", {}, None)
