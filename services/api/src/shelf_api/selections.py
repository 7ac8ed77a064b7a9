"""What each of the ui's list views of a user's bookmarks holds, as one statement: the bulk
edit (bulk.py) acts on exactly what the list showed, and the feeds (feeds.py) read the same.

The views (the ui's, over the linkding surface):
- `all`: unarchived bookmarks (`/api/bookmarks/`);
- `unread`, `shared`: the unarchived ones that are unread, that the owner shared;
- `archived`: `/api/bookmarks/archived/`;
- `broken`: every broken link of the owner's, archived ones included (the admin's count of
  broken links counts them too).
each narrowed by a search `q` (linkding's language, with the owner's tag_search preference)
and a bundle of the owner's.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from . import bundles, profiles, queries
from .errors import Invalid
from .models import Bookmark, Bundle

VIEWS = ("all", "unread", "archived", "shared", "broken")


def own_bundle(session: Session, owner_id: int | None, bundle_id: int) -> Bundle:
    """The owner's bundle; any other (or none) is 400 `{"bundle": ["Not found."]}`."""
    bundle = bundles.find_own(session, owner_id, bundle_id)
    if bundle is None:
        raise Invalid({"bundle": ["Not found."]})
    return bundle


def broken() -> Select:
    """Every broken link, archived or not: the `broken` view's and the admin's count's."""
    return select(Bookmark).where(Bookmark.is_broken.is_(True))


def view(
    session: Session,
    owner_id: int,
    name: str,
    *,
    q: str = "",
    bundle_id: int | None = None,
    dialect: str,
) -> Select:
    """The statement of the owner's bookmarks the view `name` lists, newest first."""
    if name == "broken":
        statement = broken().where(Bookmark.owner_id == owner_id)
    else:
        statement = queries.owned(owner_id, archived=name == "archived")
        if name == "unread":
            statement = statement.where(Bookmark.unread.is_(True))
        elif name == "shared":
            statement = statement.where(Bookmark.shared.is_(True))
    lax = profiles.lax_tags(session, owner_id)
    statement = statement.where(queries.search_condition(q, dialect=dialect, lax_tags=lax))
    if bundle_id is not None:
        bundle = own_bundle(session, owner_id, bundle_id)
        statement = statement.where(queries.bundle_condition(bundle, dialect=dialect, lax_tags=lax))
    return queries.sorted_by(statement, "added_desc")
