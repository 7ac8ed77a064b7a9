"""linkding's pagination (DRF's LimitOffsetPagination, no max_limit): any positive `limit`
answers that many rows in one page, never silently fewer."""

import io

import pytest


def import_file(user, links):
    lines = ["<!DOCTYPE NETSCAPE-Bookmark-file-1>", "<DL><p>"]
    lines += [f'<DT><A HREF="{url}" TAGS="{",".join(tags)}">{url}</A>' for url, tags in links]
    lines.append("</DL><p>")
    answer = user.post(
        "/api/bookmarks/import/",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO("\n".join(lines).encode()), "b.html")},
    )
    assert answer.status_code == 201, answer.get_json()


def test_the_extensions_5000_tag_list_comes_in_one_page(ann):
    """linkding's browser extension asks GET /api/tags/?limit=5000 and reads only `results`."""
    import_file(
        ann, [(f"https://example.com/{b}", [f"t{b}-{n}" for n in range(100)]) for b in range(50)]
    )
    page = ann.get("/api/tags/?limit=5000").get_json()
    assert (page["count"], len(page["results"]), page["next"]) == (5000, 5000, None)


@pytest.mark.parametrize("path", ["/api/bookmarks/", "/v1/admin/bookmarks"])
def test_a_bookmark_page_larger_than_1000_is_whole(ann, auth_service, path):
    import_file(ann, [(f"https://example.com/{n}", []) for n in range(1500)])
    admin = "Bearer " + auth_service.user_token(9, "root", is_admin=True)
    headers = {"Authorization": admin} if path.startswith("/v1/") else {}
    page = ann.get(f"{path}?limit=1200", headers=headers).get_json()
    assert (page["count"], len(page["results"])) == (1500, 1200)
    assert page["next"].endswith("limit=1200&offset=1200")
    rest = ann.get(f"{path}?limit=1200&offset=1200", headers=headers).get_json()
    assert (len(rest["results"]), rest["next"]) == (300, None)
