"""The tags page against the api stand-in: counts, search, sort, pages; rename (and the merge
it offers on a name taken), merge, delete, each asked first with the number of bookmarks."""

import re

from browsing import csrf_token, log_in, submit, visible


def tagged(shelf, *tag_lists) -> None:
    for number, names in enumerate(tag_lists):
        shelf.api.add(1, f"https://example.org/{number}", tag_names=list(names))


def tag_id(shelf, name: str) -> int:
    return next(t["id"] for t in shelf.api.tag_items(1) if t["name"] == name)


def test_the_tags_page_lists_each_tag_with_its_count_linked_to_its_bookmarks(browser, shelf):
    tagged(shelf, ["python", "web"], ["python"], ["python", "rust"])
    shelf.api.add(2, "https://example.org/root", tag_names=["secret-of-root"])
    log_in(browser)
    html = browser.get("/tags").get_data(as_text=True)
    page = visible(html)
    assert "#python 3" in page and "#rust 1" in page and "#web 1" in page
    assert "secret-of-root" not in page
    assert 'href="/bookmarks?q=%23python"' in html
    assert 'href="/tags"' in browser.get("/bookmarks").get_data(as_text=True)

    by_count = visible(browser.get("/tags?sort=-count").get_data(as_text=True))
    assert by_count.index("#python") < by_count.index("#rust")
    found = visible(browser.get("/tags?q=PY").get_data(as_text=True))
    assert "#python" in found and "#rust" not in found
    assert shelf.api.called("GET", "/v1/tags")[-1].args["q"] == "PY"


def test_the_tags_page_has_pages(browser, shelf):
    tagged(shelf, [f"tag{number:03}" for number in range(60)])
    log_in(browser)
    first = browser.get("/tags").get_data(as_text=True)
    assert "#tag049" in first and "#tag050" not in first
    assert 'href="/tags?sort=name&amp;page=2"' in first
    assert "#tag050" in browser.get("/tags?sort=name&page=2").get_data(as_text=True)


def test_rename_says_how_many_bookmarks_then_renames(browser, shelf):
    tagged(shelf, ["pyhton"], ["pyhton", "web"])
    log_in(browser)
    tag = tag_id(shelf, "pyhton")
    form = browser.get(f"/tags/{tag}/rename").get_data(as_text=True)
    assert "This tag is on 2 bookmarks" in visible(form)
    response = submit(browser, f"/tags/{tag}/rename", data={"name": "python"})
    assert response.status_code == 302 and response.headers["Location"] == "/tags"
    assert [b["tag_names"] for b in shelf.api.bookmarks.values()] == [["python"], ["web", "python"]]
    assert "Renamed #pyhton to #python on 2 bookmarks." in visible(
        browser.get("/tags").get_data(as_text=True)
    )


def test_a_bad_new_name_is_shown_on_the_form(browser, shelf):
    tagged(shelf, ["one"])
    log_in(browser)
    response = submit(browser, f"/tags/{tag_id(shelf, 'one')}/rename", data={"name": "two words"})
    assert response.status_code == 400
    assert "Not a valid tag name." in visible(response.get_data(as_text=True))
    assert shelf.api.bookmarks[1]["tag_names"] == ["one"]


def test_renaming_to_a_taken_name_offers_the_merge_with_both_counts(browser, shelf):
    tagged(shelf, ["js"], ["js", "javascript"], ["javascript"], ["javascript"])
    log_in(browser)
    js, javascript = tag_id(shelf, "js"), tag_id(shelf, "javascript")
    offered = submit(browser, f"/tags/{js}/rename", data={"name": "JavaScript"})
    assert offered.status_code == 409
    page = visible(offered.get_data(as_text=True))
    assert "You have a tag named #javascript already" in page
    assert "2 bookmarks with #js get #javascript (now on 3 bookmarks)" in page
    assert shelf.api.bookmarks[1]["tag_names"] == ["js"]  # nothing changed yet
    html = offered.get_data(as_text=True)
    assert f'name="into_id" value="{javascript}"' in html
    merged = browser.post(
        f"/tags/{js}/merge", data={"into_id": str(javascript), "csrf_token": csrf_token(html)}
    )
    assert merged.status_code == 302
    assert all(b["tag_names"] == ["javascript"] for b in shelf.api.bookmarks.values())
    assert (
        "Merged #js into #javascript: 2 bookmarks moved; #javascript is on 4 bookmarks "
        "now." in visible(browser.get("/tags").get_data(as_text=True))
    )


def test_merge_chooses_the_target_by_name_and_asks_first(browser, shelf):
    tagged(shelf, ["py"], ["py"], ["python"])
    log_in(browser)
    py, python = tag_id(shelf, "py"), tag_id(shelf, "python")
    missing = submit(browser, f"/tags/{py}/merge", data={"into": "nope"})
    assert missing.status_code == 400 and "You have no tag named nope" in visible(
        missing.get_data(as_text=True)
    )
    itself = submit(browser, f"/tags/{py}/merge", data={"into": "PY"})
    assert itself.status_code == 400 and "Choose another tag" in visible(
        itself.get_data(as_text=True)
    )
    confirm = submit(browser, f"/tags/{py}/merge", data={"into": "Python"})
    assert confirm.status_code == 200
    assert "2 bookmarks with #py get #python (now on 1 bookmark)" in visible(
        confirm.get_data(as_text=True)
    )
    assert shelf.api.called("POST", f"/v1/tags/{py}/merge") == []
    html = confirm.get_data(as_text=True)
    into = re.search(r'name="into_id" value="(\d+)"', html).group(1)
    assert int(into) == python
    done = browser.post(f"/tags/{py}/merge", data={"into_id": into, "csrf_token": csrf_token(html)})
    assert done.status_code == 302
    assert shelf.api.called("POST", f"/v1/tags/{py}/merge")[0].json == {"into": python}


def test_delete_asks_with_the_count_then_deletes(browser, shelf):
    tagged(shelf, ["old", "keep"], ["old"], ["keep"])
    log_in(browser)
    old = tag_id(shelf, "old")
    asked = browser.get(f"/tags/{old}/delete")
    assert "It is removed from 2 bookmarks; the bookmarks themselves stay." in visible(
        asked.get_data(as_text=True)
    )
    assert shelf.api.called("DELETE", f"/v1/tags/{old}") == []
    done = submit(browser, f"/tags/{old}/delete")
    assert done.status_code == 302
    assert [b["tag_names"] for b in shelf.api.bookmarks.values()] == [["keep"], [], ["keep"]]
    assert "Deleted #old: removed from 2 bookmarks; they stay." in visible(
        browser.get("/tags").get_data(as_text=True)
    )


def test_someone_elses_tag_is_not_found(browser, shelf):
    shelf.api.add(2, "https://example.org/root", tag_names=["roots"])
    other = tag_id_of(shelf, 2, "roots")
    log_in(browser)
    for path in (f"/tags/{other}/rename", f"/tags/{other}/merge", f"/tags/{other}/delete"):
        assert browser.get(path).status_code == 404
    assert submit(browser, "/tags", f"/tags/{other}/delete").status_code in (302, 404)
    assert shelf.api.bookmarks[1]["tag_names"] == ["roots"]


def tag_id_of(shelf, owner: int, name: str) -> int:
    return next(t["id"] for t in shelf.api.tag_items(owner) if t["name"] == name)


def test_the_tag_pages_need_a_login(browser, shelf):
    response = browser.get("/tags")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
