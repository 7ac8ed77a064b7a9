"""linkding's bookmark assets and the browser extension's snapshot upload."""

import io
from pathlib import Path


def upload(
    user, bookmark_id, data=b"%PDF-1.4 ...", filename="paper.pdf", content_type="application/pdf"
):
    return user.post(
        f"/api/bookmarks/{bookmark_id}/assets/upload/",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(data), filename, content_type)},
    )


def asset_files(app):
    return sorted(Path(app.config["SHELF_API_ASSETS_DIR"]).iterdir())


def test_upload_list_get_download_delete(ann, app):
    bookmark = ann.add("https://example.com/paper")
    response = upload(ann, bookmark["id"])
    assert response.status_code == 201
    asset = response.get_json()
    assert set(asset) == {
        "id",
        "bookmark",
        "date_created",
        "file_size",
        "asset_type",
        "content_type",
        "display_name",
        "status",
    }
    assert (
        asset["bookmark"],
        asset["file_size"],
        asset["asset_type"],
        asset["content_type"],
        asset["display_name"],
        asset["status"],
    ) == (bookmark["id"], 12, "upload", "application/pdf", "paper.pdf", "complete")
    base = f"/api/bookmarks/{bookmark['id']}/assets/"
    listed = ann.get(base).get_json()
    assert (listed["count"], listed["results"]) == (1, [asset])
    assert ann.get(f"{base}{asset['id']}/").get_json() == asset
    download = ann.get(f"{base}{asset['id']}/download/")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 ..."
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()
    assert len(asset_files(app)) == 1
    assert ann.delete(f"{base}{asset['id']}/").status_code == 204
    assert ann.get(f"{base}{asset['id']}/").status_code == 404
    assert asset_files(app) == []


def test_assets_are_private(ann, bob):
    bookmark = ann.add("https://example.com/")
    asset = upload(ann, bookmark["id"]).get_json()
    base = f"/api/bookmarks/{bookmark['id']}/assets/"
    for method, path in [
        ("get", base),
        ("get", f"{base}{asset['id']}/"),
        ("get", f"{base}{asset['id']}/download/"),
        ("delete", f"{base}{asset['id']}/"),
    ]:
        assert getattr(bob, method)(path).status_code == 404, path
    assert upload(bob, bookmark["id"]).status_code == 404


def test_deleting_the_bookmark_removes_its_files(ann, app):
    bookmark = ann.add("https://example.com/")
    upload(ann, bookmark["id"])
    upload(ann, bookmark["id"], b"second", "notes.txt", "text/plain")
    assert len(asset_files(app)) == 2
    ann.delete(f"/api/bookmarks/{bookmark['id']}/")
    assert asset_files(app) == []


def test_too_large_is_400_and_keeps_nothing(ann, app):
    app.config["SHELF_API_ASSET_MAX_BYTES"] = 10
    bookmark = ann.add("https://example.com/")
    response = upload(ann, bookmark["id"], b"x" * 11)
    assert response.status_code == 400
    assert response.get_json() == {"file": ["The file is too large."]}
    assert asset_files(app) == []
    assert ann.get(f"/api/bookmarks/{bookmark['id']}/assets/").get_json()["count"] == 0


def test_singlefile_snapshot_creates_the_bookmark_if_needed(ann):
    response = ann.post(
        "/api/bookmarks/singlefile/",
        content_type="multipart/form-data",
        data={
            "url": "https://example.com/article",
            "file": (io.BytesIO(b"<html>snapshot</html>"), "article.html", "text/html"),
        },
    )
    assert response.status_code == 201
    assert response.get_json() == {"message": "Snapshot uploaded successfully."}
    bookmark = ann.get("/api/bookmarks/").get_json()["results"][0]
    assert bookmark["url"] == "https://example.com/article"
    assets = ann.get(f"/api/bookmarks/{bookmark['id']}/assets/").get_json()["results"]
    assert [(a["asset_type"], a["content_type"]) for a in assets] == [("snapshot", "text/html")]
    again = ann.post(
        "/api/bookmarks/singlefile/",
        content_type="multipart/form-data",
        data={
            "url": "https://example.com/article#x",
            "file": (io.BytesIO(b"<html>later</html>"), "article.html", "text/html"),
        },
    )
    assert again.status_code == 201
    assert ann.get("/api/bookmarks/").get_json()["count"] == 1
    bad = ann.post(
        "/api/bookmarks/singlefile/", content_type="multipart/form-data", data={"url": "not a url"}
    )
    assert bad.status_code == 400 and set(bad.get_json()) == {"url", "file"}  # all at once, as DRF


def test_download_works_with_the_default_relative_data_dir(
    database_url, auth_service, tmp_path, monkeypatch
):
    """`make run` and the image keep SHELF_DATA_DIR relative (`var`): the file must be found
    from the process's working directory, not from the package's folder."""
    from conftest import User, make_app, nowhere

    monkeypatch.chdir(tmp_path)
    app = make_app(
        database_url, auth_service.url, nowhere(), SHELF_API_ASSETS_DIR="var/api-assets"
    )  # SHELF_DATA_DIR's default, var
    try:
        user = User(app.test_client(), auth_service, 1, "ann")
        bookmark = user.add("https://example.com/relative")
        asset = upload(user, bookmark["id"], b"kept under var/").get_json()
        download = user.get(f"/api/bookmarks/{bookmark['id']}/assets/{asset['id']}/download/")
        assert download.status_code == 200, download.get_data(as_text=True)
        assert download.data == b"kept under var/"
        download.close()
        assert [p.name for p in (tmp_path / "var" / "api-assets").iterdir()] != []
    finally:
        app.extensions["shelf_db"].dispose()
