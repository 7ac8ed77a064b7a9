"""The ui's tags page in-process against the real api: every tag with its count (archived
bookmarks included), a tag opening the list filtered by it, rename (and a name taken offering
the merge), merge and delete, each asked first with the number of bookmarks it touches, and
what api holds afterwards."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
import requests

from shelf_accounts import TIMEOUT
from ui_pages import logged_in, make_user, unique

pytest_plugins = ["ui_fixtures"]


@pytest.fixture
def tagger(shelf_system, admin):
    return make_user(shelf_system, admin, "tagger")


@pytest.fixture
def browser(ui_app, tagger):
    return logged_in(ui_app, tagger)


def row(page, name: str) -> tuple[int, int]:
    """(the tag's id, its count) from the tags page's row for #name."""
    found = re.search(
        r'<tr id="tag-(\d+)">\s*<td><a class="tag" href="[^"]*">#'
        + re.escape(name)
        + r'</a></td>\s*<td class="numeric tag-count">(\d+)</td>',
        page.html,
    )
    assert found, f"no row for #{name}"
    return int(found.group(1)), int(found.group(2))


def tags_of(person, word: str) -> list[list[str]]:
    return [
        sorted(b["tag_names"])
        for b in sorted(
            person.api.bookmarks(q=word) + person.api.bookmarks(q=word, archived=True),
            key=lambda b: b["url"],
        )
    ]


def test_tags_with_counts_rename_merge_and_delete(browser, tagger, word=None):
    word = unique("zq")
    a, b, c, d = (unique("t") for _ in range(4))
    made = [
        tagger.api.add(f"https://example.org/{word}/{n}", title=f"{word} {n}", tag_names=names)
        for n, names in enumerate([[a, b], [a], [a, c], [b, d]])
    ]
    archived = requests.post(
        f"{tagger.api.url}/api/bookmarks/{made[2]['id']}/archive/",
        headers=tagger.api.headers,
        timeout=TIMEOUT,
    )
    assert archived.status_code == 204

    page = browser.get("/tags?" + urlencode({"sort": "-count"}))
    assert page.status == 200
    a_id, a_count = row(page, a)
    assert a_count == 3  # the archived bookmark counts
    assert row(page, b)[1] == 2 and row(page, c)[1] == 1
    assert page.html.index(f">#{a}<") < page.html.index(f">#{c}<")
    found = browser.get("/tags?" + urlencode({"q": a.upper()}))
    assert row(found, a) and f"#{b}<" not in found.html

    listed = browser.get(f"/bookmarks?{urlencode({'q': f'#{a}'})}")
    assert f'href="/bookmarks?{urlencode({"q": f"#{a}"})}"' in page.html
    assert set(listed.ids()) == {made[0]["id"], made[1]["id"]}  # the list leaves out archived

    # Rename: the form says how many bookmarks carry it; they keep it under the new name.
    renamed = unique("r")
    assert browser.get(f"/tags/{a_id}/rename").shows("This tag is on 3 bookmarks")
    done = browser.submit(f"/tags/{a_id}/rename", {"name": renamed})
    assert done.status == 302 and done.location == "/tags"
    assert browser.follow(done).shows(f"Renamed #{a} to #{renamed} on 3 bookmarks.")
    assert tags_of(tagger, word) == [
        sorted([renamed, b]),
        [renamed],
        sorted([renamed, c]),
        sorted([b, d]),
    ]

    # A name another tag has: nothing renamed, the merge offered with both counts.
    b_id = row(browser.get("/tags"), b)[0]
    offered = browser.submit(f"/tags/{b_id}/rename", {"name": renamed.upper()})
    assert offered.status == 409
    assert offered.shows(f"You have a tag named #{renamed} already")
    assert offered.shows(f"2 bookmarks with #{b} get #{renamed} (now on 3 bookmarks)")
    assert tags_of(tagger, word)[3] == sorted([b, d])
    merged = browser.post(
        f"/tags/{b_id}/merge",
        {"into_id": offered.value("into_id"), "csrf_token": offered.value("csrf_token")},
    )
    assert merged.status == 302
    assert browser.follow(merged).shows(
        f"Merged #{b} into #{renamed}: 2 bookmarks moved; #{renamed} is on 4 bookmarks now."
    )
    assert tags_of(tagger, word) == [
        [renamed],
        [renamed],
        sorted([renamed, c]),
        sorted([renamed, d]),
    ]

    # Merge chosen by name: asked first with the numbers, nothing moved until confirmed.
    c_id = row(browser.get("/tags"), c)[0]
    confirm = browser.submit(f"/tags/{c_id}/merge", {"into": d})
    assert confirm.status == 200
    assert confirm.shows(f"1 bookmark with #{c} get #{d} (now on 1 bookmark)")
    assert sorted([renamed, c]) in tags_of(tagger, word)
    moved = browser.post(
        f"/tags/{c_id}/merge",
        {"into_id": confirm.value("into_id"), "csrf_token": confirm.value("csrf_token")},
    )
    assert browser.follow(moved).shows(f"Merged #{c} into #{d}: 1 bookmark moved")

    # Delete: asked with the count; the bookmarks stay without it.
    d_id, d_count = row(browser.get("/tags"), d)
    assert d_count == 2
    assert browser.get(f"/tags/{d_id}/delete").shows(
        "It is removed from 2 bookmarks; the bookmarks themselves stay."
    )
    gone = browser.submit(f"/tags/{d_id}/delete")
    assert browser.follow(gone).shows(f"Deleted #{d}: removed from 2 bookmarks; they stay.")
    assert tags_of(tagger, word) == [[renamed]] * 4
    assert f"#{d}<" not in browser.get("/tags").html


def test_another_persons_tag_is_not_found(ui_app, shelf_system, admin, browser, tagger):
    word = unique("zq")
    name = unique("mine")
    tagger.api.add(f"https://example.org/{word}", tag_names=[name])
    tag_id = row(browser.get("/tags"), name)[0]
    stranger = logged_in(ui_app, make_user(shelf_system, admin, "stranger"))
    for path in (f"/tags/{tag_id}/rename", f"/tags/{tag_id}/merge", f"/tags/{tag_id}/delete"):
        assert stranger.get(path).status == 404, path
    stranger.submit("/tags", action=f"/tags/{tag_id}/delete")
    assert tagger.api.bookmarks(q=word)[0]["tag_names"] == [name]
    assert f"#{name}<" not in stranger.get("/tags").html
