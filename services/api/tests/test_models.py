"""The rules the database itself keeps, whatever code writes to it."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from shelf_api.models import Bookmark, Bundle, OutboxMessage, Tag, bookmark_tags


def count(session, statement):
    return session.scalar(select(func.count()).select_from(statement.subquery()))


def test_tag_names_are_unique_per_owner_whatever_their_case(database):
    with database.transaction() as session:
        session.add(Tag(owner_id=1, name="Python"))
    with pytest.raises(IntegrityError), database.transaction() as session:
        session.add(Tag(owner_id=1, name="python"))
    with database.transaction() as session:
        assert session.scalars(select(Tag.name).where(Tag.owner_id == 1)).all() == ["Python"]


def test_a_page_is_bookmarked_once_per_owner(database):
    with database.transaction() as session:
        session.add(Bookmark(owner_id=1, url="https://Example.com/page#comments"))
    with pytest.raises(IntegrityError), database.transaction() as session:
        session.add(Bookmark(owner_id=1, url="https://example.com:443/page"))
    with database.transaction() as session:
        bookmark = session.scalars(select(Bookmark)).one()
        assert bookmark.url == "https://Example.com/page#comments"  # kept as it was given
        assert bookmark.url_normalized == "https://example.com/page"


def test_a_different_page_is_another_bookmark(database):
    with database.transaction() as session:
        session.add(Bookmark(owner_id=1, url="https://example.com/docs"))
        session.add(Bookmark(owner_id=1, url="https://example.com/docs/"))
        session.add(Bookmark(owner_id=1, url="https://example.com/Docs"))
    with database.transaction() as session:
        assert count(session, select(Bookmark)) == 3


def test_two_owners_may_have_the_same_tag_and_url(database):
    with database.transaction() as session:
        for owner_id in (1, 2):
            session.add(
                Bookmark(
                    owner_id=owner_id,
                    url="https://example.com/",
                    tags=[Tag(owner_id=owner_id, name="python")],
                )
            )
    with database.transaction() as session:
        assert count(session, select(Bookmark)) == 2
        assert count(session, select(Tag).where(func.lower(Tag.name) == "python")) == 2


def test_changing_the_url_keeps_the_duplicate_check_in_step(database):
    with database.transaction() as session:
        session.add(Bookmark(owner_id=1, url="https://example.com/a"))
        moved = Bookmark(owner_id=1, url="https://example.com/b")
        session.add(moved)
    with pytest.raises(IntegrityError), database.transaction() as session:
        session.get(Bookmark, moved.id).url = "HTTPS://EXAMPLE.COM/a"


def links(session, **where):
    statement = select(bookmark_tags)
    for column, value in where.items():
        statement = statement.where(bookmark_tags.c[column] == value)
    return count(session, statement)


def tagged_bookmarks(database):
    with database.transaction() as session:
        python, web = Tag(owner_id=1, name="python"), Tag(owner_id=1, name="web")
        doomed = Bookmark(owner_id=1, url="https://example.com/a", tags=[python, web])
        kept = Bookmark(owner_id=1, url="https://example.com/b", tags=[python])
        session.add_all([doomed, kept])
    return doomed.id, kept.id, python.id, web.id


def test_deleting_a_bookmark_removes_its_tag_links(database):
    doomed, kept, python, _web = tagged_bookmarks(database)
    # Plain SQL, as a bulk delete would do it: the database cascades, not the ORM.
    with database.engine.begin() as connection:
        connection.execute(text("DELETE FROM bookmarks WHERE id = :id"), {"id": doomed})
    with database.transaction() as session:
        assert links(session, bookmark_id=doomed) == 0
        assert links(session, bookmark_id=kept, tag_id=python) == 1
        assert count(session, select(Tag)) == 2  # tags outlive their bookmarks


def test_deleting_a_tag_removes_its_links_and_keeps_the_bookmarks(database):
    doomed, kept, python, _web = tagged_bookmarks(database)
    with database.transaction() as session:
        session.delete(session.get(Tag, python))
    with database.transaction() as session:
        assert links(session, tag_id=python) == 0
        assert [tag.name for tag in session.get(Bookmark, doomed).tags] == ["web"]
        assert session.get(Bookmark, kept).tags == []


def test_a_new_bookmark_has_linkding_defaults_and_a_utc_date(database):
    before = datetime.now(UTC)
    with database.transaction() as session:
        session.add(Bookmark(owner_id=1, url="https://example.com/"))
    with database.transaction() as session:
        bookmark = session.scalars(select(Bookmark)).one()
    assert (bookmark.title, bookmark.description, bookmark.notes, bookmark.page_text) == (
        "",
        "",
        "",
        "",
    )
    assert (bookmark.website_title, bookmark.favicon_url, bookmark.last_checked_at) == (
        None,
        None,
        None,
    )
    assert not (bookmark.unread or bookmark.is_archived or bookmark.shared or bookmark.is_broken)
    assert bookmark.date_added.tzinfo is UTC and before <= bookmark.date_added <= datetime.now(UTC)


def test_bundle_filters_are_off_yes_or_no(database):
    with database.transaction() as session:
        session.add(Bundle(owner_id=1, name="Reading", order=0))
    with database.transaction() as session:
        bundle = session.scalars(select(Bundle)).one()
        assert (bundle.filter_unread, bundle.filter_shared) == ("off", "off")
    with pytest.raises(IntegrityError), database.transaction() as session:
        session.add(Bundle(owner_id=1, name="Odd", order=1, filter_shared="all"))


def test_an_outbox_message_keeps_its_payload_until_delivered(database):
    payload = {"bookmark_id": 7, "url": "https://example.com/ü", "tags": ["a", "b"]}
    with database.transaction() as session:
        session.add(OutboxMessage(kind="fetch_metadata", payload=payload))
    with database.transaction() as session:
        message = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.delivered_at.is_(None),
                OutboxMessage.next_attempt_at <= datetime.now(UTC),
            )
        ).one()
    assert (message.kind, message.payload, message.attempts) == ("fetch_metadata", payload, 0)
    assert message.last_error is None
