"""Bundles (saved searches): made, edited and deleted on their own page through api's
/api/bundles/, listed beside the bookmark list, and filtering it."""

import re

from browsing import log_in, submit, visible


def test_a_bundle_is_made_listed_beside_the_list_and_filters_it(browser, shelf):
    shelf.api.add(1, "https://example.org/n", title="news item", tag_names=["news"])
    shelf.api.add(1, "https://example.org/o", title="other item")
    log_in(browser)
    assert "Make a bundle" in visible(browser.get("/bookmarks").get_data(as_text=True))

    made = submit(
        browser,
        "/bundles",
        data={
            "name": "Daily news",
            "search": "#news",
            "any_tags": " a   b ",
            "filter_unread": "off",
            "filter_shared": "no",
        },
    )
    assert made.status_code == 302 and made.headers["Location"] == "/bundles"
    assert shelf.api.called("POST", "/api/bundles/")[0].json == {
        "name": "Daily news",
        "search": "#news",
        "any_tags": "a b",
        "all_tags": "",
        "excluded_tags": "",
        "filter_unread": "off",
        "filter_shared": "no",
    }
    page = visible(browser.get("/bundles").get_data(as_text=True))
    assert "Saved the bundle Daily news." in page and "Daily news #news any of #a #b" in page

    listing = browser.get("/bookmarks").get_data(as_text=True)
    sidebar = listing.split('aria-labelledby="bundles-title"', 1)[1].split("</section>", 1)[0]
    assert re.search(r'<a href="/bookmarks\?bundle=1">Daily news</a>', sidebar)
    filtered = browser.get("/bookmarks?bundle=1").get_data(as_text=True)
    assert shelf.api.called("GET", "/api/bookmarks/")[-1].args["bundle"] == "1"
    assert re.findall(r'id="bookmark-(\d+)"', filtered) == ["1"]
    assert "· Daily news" in visible(filtered)
    assert browser.get("/bookmarks?bundle=99").status_code == 404


def test_a_bundle_is_edited_and_deleted(browser, shelf):
    log_in(browser)
    submit(
        browser,
        "/bundles",
        data={"name": "Old name", "filter_unread": "off", "filter_shared": "off"},
    )
    form = browser.get("/bundles/1/edit").get_data(as_text=True)
    assert 'value="Old name"' in form
    edited = submit(
        browser,
        "/bundles/1/edit",
        data={"name": "New name", "search": "", "filter_unread": "yes", "filter_shared": "off"},
    )
    assert edited.status_code == 302
    assert shelf.api.bundles[1]["name"] == "New name"
    assert shelf.api.bundles[1]["filter_unread"] == "yes"

    asked = visible(browser.get("/bundles/1/delete").get_data(as_text=True))
    assert "Delete the bundle New name?" in asked
    deleted = submit(browser, "/bundles/1/delete")
    assert deleted.status_code == 302 and shelf.api.bundles == {}
    assert browser.get("/bundles/1/edit").status_code == 404


def test_a_bundle_api_refuses_keeps_what_was_typed(browser, shelf):
    log_in(browser)
    refused = submit(
        browser,
        "/bundles",
        data={"name": "", "search": "typed", "filter_unread": "off", "filter_shared": "off"},
    )
    assert refused.status_code == 400  # the form's own check: a name is needed
    assert 'value="typed"' in refused.get_data(as_text=True)
    assert shelf.api.called("POST", "/api/bundles/") == []
