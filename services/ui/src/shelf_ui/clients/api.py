"""api: the user's bookmarks through the linkding-compatible API (`/api/...`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import as_user, service

# Where each list view of the ui reads from, and the filter it adds.
VIEWS = {
    "all": ("/api/bookmarks/", {}),
    "unread": ("/api/bookmarks/", {"unread": "yes"}),
    "archived": ("/api/bookmarks/archived/", {}),
    "shared": ("/api/bookmarks/", {"shared": "yes"}),
    "broken": ("/api/bookmarks/", {"broken": "yes"}),
}
SORTS = ("added_desc", "added_asc", "modified_desc", "modified_asc", "title_asc", "title_desc")
# Imports and exports move whole files: give them longer than a page.
TRANSFER_TIMEOUT = (1.0, 60.0)
# A check may read the page, for up to api's SHELF_API_CHECK_TIMEOUT (5 s): wait longer than
# that, so a slow page gives a form without its title, not "api is down".
CHECK_TIMEOUT = (1.0, 15.0)


@dataclass(frozen=True)
class Bookmark:
    id: int
    url: str
    title: str
    description: str
    notes: str
    favicon_url: str | None
    tag_names: list[str]
    date_added: str
    unread: bool
    shared: bool
    is_archived: bool
    is_broken: bool  # a Shelf addition to linkding's fields: False when api does not say
    owner: str | None = None  # only in the admin's list of everyone's bookmarks

    @classmethod
    def from_answer(cls, body: dict[str, Any]) -> Bookmark:
        return cls(
            id=int(body["id"]),
            url=str(body.get("url") or ""),
            title=str(body.get("title") or ""),
            description=str(body.get("description") or ""),
            notes=str(body.get("notes") or ""),
            favicon_url=body.get("favicon_url") or None,
            tag_names=[str(name) for name in body.get("tag_names") or []],
            date_added=str(body.get("date_added") or ""),
            unread=bool(body.get("unread")),
            shared=bool(body.get("shared")),
            is_archived=bool(body.get("is_archived")),
            is_broken=bool(body.get("is_broken")),
            owner=str(body["owner"]) if body.get("owner") else None,
        )


@dataclass(frozen=True)
class Page:
    count: int
    items: list[Bookmark] = field(default_factory=list)


def _page(body: dict[str, Any]) -> Page:
    return Page(
        count=int(body.get("count", 0)),
        items=[Bookmark.from_answer(item) for item in body.get("results", [])],
    )


def list_bookmarks(
    view: str, *, q: str, sort: str, limit: int, offset: int, bundle: int | None = None
) -> Page:
    if view == "broken":
        return _list_broken(q=q, sort=sort, limit=limit, offset=offset, bundle=bundle)
    path, filters = VIEWS[view]
    params = {
        "q": q,
        "sort": sort,
        "limit": limit,
        "offset": offset,
        **filters,
        **({"bundle": bundle} if bundle is not None else {}),
    }
    return _page(as_user("api", "GET", path, params=params).json())


def _list_broken(*, q: str, sort: str, limit: int, offset: int, bundle: int | None) -> Page:
    """Every broken link of the caller's, the archived ones after the others: api's list
    leaves archived bookmarks out, and the admin's count of broken links (api's
    /v1/admin/stats) counts them, so the view shows them too (marked archived)."""
    params = {
        "q": q,
        "sort": sort,
        "broken": "yes",
        **({"bundle": bundle} if bundle is not None else {}),
    }
    current = _page(
        as_user(
            "api", "GET", "/api/bookmarks/", params={**params, "limit": limit, "offset": offset}
        ).json()
    )
    room = limit - len(current.items)
    archived = _page(
        as_user(
            "api",
            "GET",
            "/api/bookmarks/archived/",
            params={**params, "limit": max(room, 1), "offset": max(0, offset - current.count)},
        ).json()
    )
    return Page(
        count=current.count + archived.count, items=current.items + archived.items[: max(room, 0)]
    )


def count(view: str) -> int:
    """How many bookmarks a view holds (one row asked for: api counts the rest)."""
    return list_bookmarks(view, q="", sort="added_desc", limit=1, offset=0).count


def list_shared(*, q: str, limit: int, offset: int, logged_in: bool) -> Page:
    """Every user's shared bookmarks; anonymously, only those of users who share publicly."""
    params = {"q": q, "limit": limit, "offset": offset}
    if logged_in:
        answer = as_user("api", "GET", "/api/bookmarks/shared/", params=params)
    else:
        answer = service("api").get("/api/bookmarks/shared/", params=params)
    return _page(answer.json())


def get_bookmark(bookmark_id: int) -> Bookmark:
    return Bookmark.from_answer(as_user("api", "GET", f"/api/bookmarks/{bookmark_id}/").json())


@dataclass(frozen=True)
class Check:
    """What api knows of a URL: the user's bookmark of it (if saved already), what the page
    says about itself, and the tags the user's auto-tagging rules give it."""

    bookmark: Bookmark | None
    title: str = ""
    description: str = ""
    auto_tags: list[str] = field(default_factory=list)


def check(url: str) -> Check:
    """Whether the URL is saved, what its page says of itself, and the tags auto-tagging
    would give it."""
    body = as_user(
        "api", "GET", "/api/bookmarks/check/", params={"url": url}, timeout=CHECK_TIMEOUT
    ).json()
    found = body.get("bookmark")
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    return Check(
        bookmark=Bookmark.from_answer(found) if isinstance(found, dict) else None,
        title=str(metadata.get("title") or ""),
        description=str(metadata.get("description") or ""),
        auto_tags=[str(name) for name in body.get("auto_tags") or []],
    )


def existing(url: str) -> Bookmark | None:
    """The user's bookmark of this URL, if they saved it already. The page is not read: a
    person saving a slow page does not wait on it (tasks reads it after the save)."""
    params = {"url": url, "read_page": "false"}
    found = as_user("api", "GET", "/api/bookmarks/check/", params=params).json().get("bookmark")
    return Bookmark.from_answer(found) if isinstance(found, dict) else None


def create_bookmark(data: dict[str, Any]) -> Bookmark:
    return Bookmark.from_answer(as_user("api", "POST", "/api/bookmarks/", json=data).json())


def update_bookmark(bookmark_id: int, data: dict[str, Any]) -> Bookmark:
    answer = as_user("api", "PATCH", f"/api/bookmarks/{bookmark_id}/", json=data)
    return Bookmark.from_answer(answer.json())


def delete_bookmark(bookmark_id: int) -> None:
    as_user("api", "DELETE", f"/api/bookmarks/{bookmark_id}/")


def mark_unread(bookmark_id: int, unread: bool) -> None:
    as_user("api", "PATCH", f"/api/bookmarks/{bookmark_id}/", json={"unread": unread})


def archive(bookmark_id: int, archived: bool = True) -> None:
    action = "archive" if archived else "unarchive"
    as_user("api", "POST", f"/api/bookmarks/{bookmark_id}/{action}/")


def tag_names(limit: int = 1000) -> list[str]:
    body = as_user("api", "GET", "/api/tags/", params={"limit": limit}).json()
    names = {str(tag["name"]) for tag in body.get("results", []) if tag.get("name")}
    return sorted(names, key=str.lower)


# -- tags with their counts: rename, merge, delete (api's /v1/tags) ------------------------------

TAG_SORTS = ("name", "-name", "count", "-count")


@dataclass(frozen=True)
class Tag:
    id: int
    name: str
    bookmark_count: int

    @classmethod
    def from_answer(cls, body: dict[str, Any]) -> Tag:
        return cls(
            id=int(body["id"]),
            name=str(body.get("name") or ""),
            bookmark_count=int(body.get("bookmark_count") or 0),
        )


@dataclass(frozen=True)
class TagPage:
    count: int
    items: list[Tag] = field(default_factory=list)


def tags(*, q: str = "", sort: str = "name", limit: int = 100, offset: int = 0) -> TagPage:
    body = as_user(
        "api", "GET", "/v1/tags", params={"q": q, "sort": sort, "limit": limit, "offset": offset}
    ).json()
    return TagPage(
        count=int(body.get("count") or 0),
        items=[Tag.from_answer(item) for item in body.get("results") or []],
    )


def get_tag(tag_id: int) -> Tag:
    return Tag.from_answer(as_user("api", "GET", f"/v1/tags/{tag_id}").json())


def tag_named(name: str) -> Tag | None:
    """The caller's tag of this name (in any case), if there is one."""
    wanted = name.strip().lower()
    if not wanted:
        return None
    found = tags(q=wanted, limit=1000)
    return next((tag for tag in found.items if tag.name.lower() == wanted), None)


def rename_tag(tag_id: int, name: str) -> Tag:
    """Raises ServiceRejected 409 (with `existing_id`) when another tag has that name."""
    return Tag.from_answer(
        as_user("api", "PATCH", f"/v1/tags/{tag_id}", json={"name": name}).json()
    )


def merge_tag(tag_id: int, into: int) -> tuple[Tag, int]:
    """(the target with its new count, how many bookmarks had the merged tag)."""
    body = as_user("api", "POST", f"/v1/tags/{tag_id}/merge", json={"into": into}).json()
    return Tag.from_answer(body["tag"]), int(body.get("moved") or 0)


def delete_tag(tag_id: int) -> int:
    """How many bookmarks lost the tag (they stay)."""
    return int(as_user("api", "DELETE", f"/v1/tags/{tag_id}").json().get("removed_from") or 0)


# -- bulk edit (api's /v1/bookmarks/bulk) --------------------------------------------------------


@dataclass(frozen=True)
class BulkResult:
    affected: int
    missing: list[int] = field(default_factory=list)


def bulk(
    action: str,
    *,
    ids: list[int] | None = None,
    query: dict[str, Any] | None = None,
    expected_count: int | None = None,
    tag_names: list[str] | None = None,
) -> BulkResult:
    """One call for many bookmarks: by `ids`, or by a list's `query` (view, q, bundle) with the
    count the person saw: a 409 (ServiceRejected, `count` in its problem) when it changed."""
    body: dict[str, Any] = {"action": action}
    if ids is not None:
        body["ids"] = ids
    else:
        body["query"] = query
        body["expected_count"] = expected_count
    if action in ("tag", "untag"):
        body["tag_names"] = tag_names or []
    answer = as_user("api", "POST", "/v1/bookmarks/bulk", json=body).json()
    return BulkResult(
        affected=int(answer.get("affected") or 0),
        missing=[int(i) for i in answer.get("missing") or []],
    )


# -- RSS feeds (api's /v1/feed-key) --------------------------------------------------------------


@dataclass(frozen=True)
class FeedKey:
    key: str
    feeds: dict[str, str]  # all, unread, shared -> a path on the front door


def _feed_key(body: dict[str, Any]) -> FeedKey:
    given = body.get("feeds")
    feeds: dict[str, Any] = given if isinstance(given, dict) else {}
    return FeedKey(
        key=str(body.get("key") or ""),
        feeds={name: str(feeds[name]) for name in ("all", "unread", "shared") if feeds.get(name)},
    )


def feed_key() -> FeedKey:
    return _feed_key(as_user("api", "GET", "/v1/feed-key").json())


def regenerate_feed_key() -> FeedKey:
    return _feed_key(as_user("api", "POST", "/v1/feed-key").json())


# -- bundles (saved searches) -------------------------------------------------------------------


@dataclass(frozen=True)
class Bundle:
    id: int
    name: str
    search: str
    any_tags: str
    all_tags: str
    excluded_tags: str
    filter_unread: str
    filter_shared: str
    order: int

    @classmethod
    def from_answer(cls, body: dict[str, Any]) -> Bundle:
        return cls(
            id=int(body["id"]),
            name=str(body.get("name") or ""),
            search=str(body.get("search") or ""),
            any_tags=str(body.get("any_tags") or ""),
            all_tags=str(body.get("all_tags") or ""),
            excluded_tags=str(body.get("excluded_tags") or ""),
            filter_unread=str(body.get("filter_unread") or "off"),
            filter_shared=str(body.get("filter_shared") or "off"),
            order=int(body.get("order") or 0),
        )


def bundles(limit: int = 1000) -> list[Bundle]:
    body = as_user("api", "GET", "/api/bundles/", params={"limit": limit}).json()
    return [Bundle.from_answer(item) for item in body.get("results", [])]


def get_bundle(bundle_id: int) -> Bundle:
    return Bundle.from_answer(as_user("api", "GET", f"/api/bundles/{bundle_id}/").json())


def create_bundle(data: dict[str, Any]) -> Bundle:
    return Bundle.from_answer(as_user("api", "POST", "/api/bundles/", json=data).json())


def update_bundle(bundle_id: int, data: dict[str, Any]) -> Bundle:
    return Bundle.from_answer(
        as_user("api", "PATCH", f"/api/bundles/{bundle_id}/", json=data).json()
    )


def delete_bundle(bundle_id: int) -> None:
    as_user("api", "DELETE", f"/api/bundles/{bundle_id}/")


# -- the profile --------------------------------------------------------------------------------


def profile() -> dict[str, Any]:
    body = as_user("api", "GET", "/api/user/profile/").json()
    return {
        "enable_sharing": bool(body.get("enable_sharing")),
        "enable_public_sharing": bool(body.get("enable_public_sharing")),
        "auto_tagging_rules": str(body.get("auto_tagging_rules") or ""),
    }


def update_profile(**changes: Any) -> None:
    as_user("api", "PATCH", "/api/user/profile/", json=changes)


# -- the admin: everyone's bookmarks ------------------------------------------------------------


def everyones_bookmarks(
    *, q: str, owner: str, broken: str, archived: str, limit: int, offset: int
) -> Page:
    params = {"q": q, "broken": broken, "archived": archived, "limit": limit, "offset": offset}
    if owner:
        params["owner"] = owner
    return _page(as_user("api", "GET", "/v1/admin/bookmarks", params=params).json())


@dataclass(frozen=True)
class BookmarkStats:
    bookmarks: int
    broken: int
    checked: int
    owners: int
    last_checked_at: str | None


def bookmark_stats() -> BookmarkStats:
    body = as_user("api", "GET", "/v1/admin/stats").json()
    return BookmarkStats(
        bookmarks=int(body.get("bookmarks") or 0),
        broken=int(body.get("broken") or 0),
        checked=int(body.get("checked") or 0),
        owners=int(body.get("owners") or 0),
        last_checked_at=body.get("last_checked_at") or None,
    )


# -- import and export --------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportStarted:
    """What api said about an uploaded file: imported at once (`created`/`updated`), or handed
    to a job (`import_id` to follow on api, or only `job_id` to follow on tasks)."""

    total: int
    created: int | None = None
    updated: int | None = None
    skipped: list[dict[str, Any]] = field(default_factory=list)
    import_id: int | None = None
    job_id: int | None = None

    @property
    def in_background(self) -> bool:
        return self.import_id is not None or self.job_id is not None


def import_file(filename: str, data: bytes, *, folders_as_tags: bool) -> ImportStarted:
    answer = as_user(
        "api",
        "POST",
        "/api/bookmarks/import/",
        files={"file": (filename, data, "application/octet-stream")},
        data={"folders_as_tags": "true" if folders_as_tags else "false"},
        timeout=TRANSFER_TIMEOUT,
    )
    body = answer.json()
    background = body.get("import") if isinstance(body.get("import"), dict) else {}
    job_id = background.get("job_id") or body.get("job_id")
    skipped = [item for item in body.get("skipped") or [] if isinstance(item, dict)]
    return ImportStarted(
        total=int(body.get("total") or 0),
        created=body.get("created"),
        updated=body.get("updated"),
        skipped=skipped,
        import_id=background.get("id"),
        job_id=int(job_id) if job_id is not None else None,
    )


@dataclass(frozen=True)
class Progress:
    state: str
    total: int
    processed: int
    message: str = ""
    failed: bool = False

    @property
    def percent(self) -> int:
        if self.done:
            return 100
        if self.total <= 0:
            return 0
        return max(0, min(100, self.processed * 100 // self.total))

    @property
    def done(self) -> bool:
        return self.state in ("done", "completed")


def import_progress(import_id: int) -> Progress:
    body = as_user("api", "GET", f"/api/bookmarks/import/{import_id}/").json()
    return Progress(
        state=str(body.get("state") or "pending"),
        total=int(body.get("total") or 0),
        processed=int(body.get("processed") or 0),
        failed=str(body.get("state")) in ("failed", "discarded", "cancelled"),
    )


def export(fmt: str) -> tuple[bytes, str, str]:
    """The export file: its bytes, content type and the file name api suggests."""
    answer = as_user(
        "api", "GET", "/api/bookmarks/export/", params={"format": fmt}, timeout=TRANSFER_TIMEOUT
    )
    disposition = answer.headers.get("Content-Disposition", "")
    filename = f"shelf-bookmarks.{fmt}"
    if 'filename="' in disposition:
        suggested = disposition.split('filename="', 1)[1].split('"', 1)[0]
        if suggested and all(ch.isalnum() or ch in "._-" for ch in suggested):
            filename = suggested
    content_type = answer.headers.get("Content-Type", "application/octet-stream")
    return answer.content, content_type, filename
