"""A deleted user leaves nothing behind, and nothing of theirs reaches anyone else: ids are never
reused, DELETE /v1/internal/users/<id> (contract C2) deletes what api keeps for them, and a new
account under the same username shows only its own shares, even before the purge runs."""

import io
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from conftest import User, make_app, nowhere
from shelf_api.models import (
    Asset,
    Bookmark,
    Bundle,
    FeedKey,
    Import,
    OutboxMessage,
    Profile,
    Tag,
    bookmark_tags,
)


def service(auth_service):
    return {"Authorization": f"Bearer {auth_service.service_token('tasks')}"}


def shared_urls(user, query=""):
    answer = user.get(f"/api/bookmarks/shared/{query}")
    assert answer.status_code == 200, answer.get_json()
    return sorted(b["url"] for b in answer.get_json()["results"])


def sharing(user):
    assert (
        user.patch(
            "/api/user/profile/", json={"enable_sharing": True, "enable_public_sharing": True}
        ).status_code
        == 200
    )


# -- ids are never reused ---------------------------------------------------------------------

MODELS = [
    (Bookmark, lambda n: Bookmark(owner_id=1, url=f"https://example.com/{n}")),
    (Tag, lambda n: Tag(owner_id=1, name=f"tag{n}")),
    (Bundle, lambda n: Bundle(owner_id=1, name=f"bundle{n}", order=n)),
    (OutboxMessage, lambda n: OutboxMessage(kind="noop", payload={"n": n})),
    (Import, lambda n: Import(owner_id=1, format="json", total=0)),
]


@pytest.mark.parametrize(("model", "make"), MODELS, ids=[m.__name__ for m, _ in MODELS])
def test_the_newest_rows_id_is_not_given_again_after_it_is_deleted(database, model, make):
    with database.transaction() as session:
        session.add_all([make(1), make(2)])
    with database.transaction() as session:
        newest = session.scalar(select(func.max(model.id)))
        session.execute(delete(model).where(model.id == newest))
    with database.transaction() as session:
        again = make(3)
        session.add(again)
        session.flush()
        assert again.id > newest


def test_an_assets_id_is_not_given_again(ann, app):
    bookmark = ann.add("https://example.com/")
    base = f"/api/bookmarks/{bookmark['id']}/assets/"

    def upload():
        return ann.post(
            f"{base}upload/",
            content_type="multipart/form-data",
            data={"file": (io.BytesIO(b"x"), "a.txt")},
        ).get_json()["id"]

    first = upload()
    ann.delete(f"{base}{first}/")
    assert upload() > first


def test_a_re_added_url_gets_a_new_id_and_its_page_is_fetched_again(ann, app):
    first = ann.add("https://example.com/again")
    assert ann.delete(f"/api/bookmarks/{first['id']}/").status_code == 204
    second = ann.add("https://example.com/again")
    assert second["id"] != first["id"]
    assert ann.get(f"/api/bookmarks/{first['id']}/").status_code == 404
    with app.extensions["shelf_db"].transaction() as session:
        keys = [
            m.payload["idempotency_key"]
            for m in session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "fetch_metadata")
            )
        ]
    assert len(keys) == len(set(keys)) == 2  # tasks' dedupe would have skipped a repeated key


# -- DELETE /v1/internal/users/<id> -----------------------------------------------------------


def everything_of(app, owner_id):
    """How many rows of each kind api keeps for the owner."""
    with app.extensions["shelf_db"].transaction() as session:

        def count(model):
            return session.scalar(
                select(func.count()).select_from(model).where(model.owner_id == owner_id)
            )

        links = session.scalar(
            select(func.count())
            .select_from(bookmark_tags)
            .join(Bookmark, Bookmark.id == bookmark_tags.c.bookmark_id)
            .where(Bookmark.owner_id == owner_id)
        )
        outbox = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.payload["created_by"].as_integer() == owner_id)
        )
        return {
            "bookmarks": count(Bookmark),
            "tags": count(Tag),
            "links": links,
            "bundles": count(Bundle),
            "imports": count(Import),
            "assets": count(Asset),
            "profiles": count(Profile),
            "outbox": outbox,
            "feed_keys": count(FeedKey),
        }


def fill(user):
    """A bit of everything: bookmarks with tags (one shared), a bundle, an asset, an import."""
    sharing(user)
    bookmark = user.add("https://example.com/mine", tag_names=["mine", "both"], shared=True)
    user.add("https://example.com/private", tag_names=["both"])
    user.post("/api/bundles/", json={"name": "Mine", "search": "#mine"})
    assert user.get("/v1/feed-key").status_code == 200
    user.post(
        f"/api/bookmarks/{bookmark['id']}/assets/upload/",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"a snapshot"), "page.html")},
    )
    return bookmark


def test_deleting_a_user_deletes_everything_api_keeps_for_them(app, client, auth_service, ann, bob):
    fill(ann)
    fill(bob)
    with app.extensions["shelf_db"].transaction() as session:  # a large import, pending
        session.add(Import(owner_id=ann.id, format="json", total=0))
    folder = Path(app.config["SHELF_API_ASSETS_DIR"])
    assert len(list(folder.iterdir())) == 2
    before_bob = everything_of(app, bob.id)
    assert all(everything_of(app, ann.id).values())

    answer = client.delete(f"/v1/internal/users/{ann.id}", headers=service(auth_service))

    assert answer.status_code == 204 and answer.data == b""
    assert everything_of(app, ann.id) == dict.fromkeys(before_bob, 0)
    assert everything_of(app, bob.id) == before_bob  # nobody else's
    assert len(list(folder.iterdir())) == 1  # ann's asset file went, bob's stayed
    assert shared_urls(bob) == ["https://example.com/mine"]  # bob's own
    assert shared_urls(bob, "?user=ann") == []
    again = client.delete(f"/v1/internal/users/{ann.id}", headers=service(auth_service))
    assert again.status_code == 204  # idempotent
    never = client.delete("/v1/internal/users/424242", headers=service(auth_service))
    assert never.status_code == 204  # nothing there: 204 all the same


def test_only_services_may_delete_a_users_data(ann, bob, client, auth_service):
    fill(ann)
    for headers in (
        {},
        bob.headers,
        ann.headers,
        {"Authorization": "Bearer " + auth_service.user_token(9, is_admin=True)},
    ):
        answer = client.delete(f"/v1/internal/users/{ann.id}", headers=headers)
        assert answer.status_code in (401, 403), answer.get_json()
    assert ann.get("/api/bookmarks/").get_json()["count"] == 2


def test_a_new_account_with_a_deleted_ones_username_shows_only_its_own_shares(
    database_url, auth_service
):
    """auth deleted ann (id 1) and made a new ann (id 3); the purge has not run yet (tasks
    is slow, or down). The name is the new account's the moment it calls api."""
    app = make_app(database_url, auth_service.url, nowhere())
    try:
        client = app.test_client()
        old = User(client, auth_service, 1, "ann")
        fill(old)
        reader = User(client, auth_service, 2, "bob")
        assert shared_urls(reader, "?user=ann") == ["https://example.com/mine"]
        new = User(client, auth_service, 3, "ann")
        sharing(new)
        new.add("https://example.com/new-ann", shared=True)
        assert shared_urls(reader, "?user=ann") == ["https://example.com/new-ann"]
        assert shared_urls(User(client, auth_service, 4, "cy"), "?user=ann") == [
            "https://example.com/new-ann"
        ]
        assert shared_urls(client, "?user=ann") == ["https://example.com/new-ann"]  # anonymous
        assert new.get("/api/bookmarks/").get_json()["count"] == 1
    finally:
        app.extensions["shelf_db"].dispose()
