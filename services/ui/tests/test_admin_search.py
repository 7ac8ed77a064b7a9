"""The admin's list of everyone's bookmarks explains a search api cannot read (found against
the real api, whose /v1/ routes answer a problem document naming the field)."""

from browsing import log_in


def test_a_search_api_cannot_read_is_explained_on_everyones_bookmarks(browser, shelf):
    shelf.api.add(1, "https://example.org/a", title="A")
    log_in(browser, "root")
    response = browser.get("/admin/bookmarks?q=%22open", headers={"Accept": "text/html"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert (
        '<p class="callout callout-bad" id="q-error" role="alert">Unterminated quote at '
        "position 1.</p>" in html
    )  # what is wrong, not only "The request is not valid: q."
    assert 'id="bookmark-1"' not in html
