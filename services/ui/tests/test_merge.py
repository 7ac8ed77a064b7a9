"""The page logic that keeps a re-added bookmark whole: the add form sent for a URL saved
already becomes that bookmark's values with what the person typed on top."""

from shelf_ui.clients.api import Bookmark
from shelf_ui.forms import BookmarkForm
from shelf_ui.routes.bookmarks import merge_with_saved

SAVED = Bookmark(
    id=7,
    url="https://example.org/a",
    title="Saved title",
    description="Saved description",
    notes="Saved notes",
    favicon_url=None,
    tag_names=["Keep", "mine"],
    date_added="2026-11-24T09:00:00Z",
    unread=True,
    shared=False,
    is_archived=False,
    is_broken=False,
)


def merged(app, **typed) -> dict:
    with app.test_request_context():
        form = BookmarkForm(formdata=None, meta={"csrf": False}, **typed)
        merge_with_saved(form, SAVED)
        return {
            name: getattr(form, name).data
            for name in ("url", "title", "description", "tags", "notes", "unread", "shared")
        }


def test_empty_fields_never_replace_what_was_saved(app):
    assert merged(app, url=SAVED.url) == {
        "url": SAVED.url,
        "title": "Saved title",
        "description": "Saved description",
        "tags": "Keep mine",
        "notes": "Saved notes",
        "unread": True,
        "shared": False,
    }


def test_what_was_typed_is_added_on_top(app):
    assert merged(
        app,
        url=SAVED.url,
        title="  Typed title ",
        tags="keep NEW, other",
        notes="Typed notes",
        shared=True,
    ) == {
        "url": SAVED.url,
        "title": "Typed title",
        "description": "Saved description",
        "tags": "Keep mine NEW other",  # joined, without a second "keep"
        "notes": "Saved notes\n\nTyped notes",
        "unread": True,
        "shared": True,
    }


def test_notes_typed_again_are_not_doubled(app):
    assert merged(app, url=SAVED.url, notes="Saved notes")["notes"] == "Saved notes"
