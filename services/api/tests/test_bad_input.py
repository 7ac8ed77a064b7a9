"""Bad input is a 400 naming the field (linkding's shape on /api/), never a server error."""

import io
import json

import pytest

# A time whose offset takes it past the last (or before the first) moment Python can hold in
# UTC: valid ISO 8601, but no database column can take it.
OUT_OF_RANGE = ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"]


def upload(user, data, filename="bookmarks.json"):
    return user.post(
        "/api/bookmarks/import/",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(data.encode()), filename)},
    )


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize("field", ["date_added", "date_modified"])
def test_a_date_pushed_out_of_range_by_its_offset_is_400(ann, field, value):
    answer = ann.post("/api/bookmarks/", json={"url": "https://example.com/", field: value})
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert list(answer.get_json()) == [field]
    assert ann.get("/api/bookmarks/").get_json()["count"] == 0


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize("parameter", ["added_since", "modified_since"])
def test_a_since_parameter_out_of_range_is_400(ann, parameter, value):
    for path in ("/api/bookmarks/", "/api/bookmarks/archived/", "/api/bookmarks/shared/"):
        answer = ann.get(path, query_string={parameter: value})
        assert answer.status_code == 400, (path, answer.get_data(as_text=True))
        assert list(answer.get_json()) == [parameter]


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_a_json_import_with_a_date_out_of_range_names_the_line(ann, value):
    data = json.dumps(
        [{"url": "https://example.com/a"}, {"url": "https://example.com/b", "date_added": value}],
        indent=1,
    )
    answer = upload(ann, data)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    (message,) = answer.get_json()["file"]
    assert message.startswith("line 5: ") and value in message
    assert ann.get("/api/bookmarks/").get_json()["count"] == 0


@pytest.mark.parametrize("tags", [5, True, {"a": 1}, [1, 2], [{"name": "a"}], ["ok", None]])
def test_pinboard_tags_that_are_not_text_name_the_line(ann, tags):
    data = json.dumps(
        [{"href": "https://example.com/a"}, {"href": "https://example.com/b", "tags": tags}],
        indent=1,
    )
    answer = upload(ann, data)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    (message,) = answer.get_json()["file"]
    assert message.startswith("line 5: ") and "tags" in message


@pytest.mark.parametrize("tags", ["python", [5], [{"name": "a"}]])
def test_shelf_json_tag_names_that_are_not_a_list_of_text_name_the_line(ann, tags):
    data = json.dumps([{"url": "https://example.com/b", "tag_names": tags}], indent=1)
    answer = upload(ann, data)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    (message,) = answer.get_json()["file"]
    assert message.startswith("line 2: ") and "tag_names" in message


def test_a_json_import_nested_too_deep_is_refused(ann):
    answer = upload(ann, "[" * 100_000 + "]" * 100_000)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert list(answer.get_json()) == ["file"]


def test_lone_surrogates_in_a_json_import_are_replaced_not_a_crash(ann):
    data = (
        '[{"url": "https://example.com/a", "title": "bad \\ud800 half", '
        '"description": "\\udfff", "tag_names": ["x\\ud800y"]}]'
    )
    answer = upload(ann, data)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    (bookmark,) = ann.get("/api/bookmarks/").get_json()["results"]
    assert bookmark["title"] == "bad \ufffd half"
    assert bookmark["description"] == "\ufffd"
    assert bookmark["tag_names"] == ["x\ufffdy"]


@pytest.mark.parametrize("path", ["/api/bookmarks/import/", "/api/bookmarks/singlefile/"])
def test_a_file_field_sent_as_text_is_400_not_a_crash(ann, path):
    answer = ann.post(
        path,
        content_type="multipart/form-data",
        data={"file": "not a file", "url": "https://example.com/"},
    )
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.get_json() == {
        "file": ["The submitted data was not a file. Check the encoding type on the form."]
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"url": ' + "[" * 1000 + "]" * 1000 + "}", "url"),  # nested 1,000 deep
        ('{"url": "https://example.com/", "title": "\\ud800"}', "title"),  # a lone surrogate
    ],
)
def test_shelf_kits_refusal_of_a_body_reads_as_drfs_on_the_linkding_surface(
    ann, client, auth_service, body, field
):
    """shelf-kit refuses such bodies before any view runs (contract C5); /api/ answers it in
    linkding's shape, /v1/ in problem+json."""
    answer = ann.post("/api/bookmarks/", data=body, content_type="application/json")
    assert answer.status_code == 400 and answer.mimetype == "application/json"
    assert list(answer.get_json()) == [field]
    assert isinstance(answer.get_json()[field], list)
    service = {"Authorization": f"Bearer {auth_service.service_token('tasks')}"}
    internal = client.post(
        "/v1/internal/imports/1/failure",
        data=body.replace("url", "detail"),
        content_type="application/json",
        headers=service,
    )
    assert internal.status_code == 400 and internal.mimetype == "application/problem+json"
    assert ann.get("/api/bookmarks/").get_json()["count"] == 0
