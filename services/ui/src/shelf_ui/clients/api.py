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
}
SORTS = ("added_desc", "added_asc", "modified_desc", "modified_asc", "title_asc", "title_desc")
# Imports and exports move whole files: give them longer than a page.
TRANSFER_TIMEOUT = (1.0, 60.0)


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
    is_broken: bool  # not (yet) in linkding's fields: False when api does not say

    @classmethod
    def from_answer(cls, body: dict[str, Any]) -> Bookmark:
        return cls(id=int(body["id"]), url=str(body.get("url") or ""),
                   title=str(body.get("title") or ""),
                   description=str(body.get("description") or ""),
                   notes=str(body.get("notes") or ""),
                   favicon_url=body.get("favicon_url") or None,
                   tag_names=[str(name) for name in body.get("tag_names") or []],
                   date_added=str(body.get("date_added") or ""),
                   unread=bool(body.get("unread")), shared=bool(body.get("shared")),
                   is_archived=bool(body.get("is_archived")),
                   is_broken=bool(body.get("is_broken")))


@dataclass(frozen=True)
class Page:
    count: int
    items: list[Bookmark] = field(default_factory=list)


def _page(body: dict[str, Any]) -> Page:
    return Page(count=int(body.get("count", 0)),
                items=[Bookmark.from_answer(item) for item in body.get("results", [])])


def list_bookmarks(view: str, *, q: str, sort: str, limit: int, offset: int) -> Page:
    path, filters = VIEWS[view]
    params = {"q": q, "sort": sort, "limit": limit, "offset": offset, **filters}
    return _page(as_user("api", "GET", path, params=params).json())


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


def existing(url: str) -> Bookmark | None:
    """The user's bookmark of this URL, if they saved it already."""
    body = as_user("api", "GET", "/api/bookmarks/check/", params={"url": url}).json()
    found = body.get("bookmark")
    return Bookmark.from_answer(found) if isinstance(found, dict) else None


def create_bookmark(data: dict[str, Any]) -> Bookmark:
    return Bookmark.from_answer(as_user("api", "POST", "/api/bookmarks/", json=data).json())


def update_bookmark(bookmark_id: int, data: dict[str, Any]) -> Bookmark:
    answer = as_user("api", "PATCH", f"/api/bookmarks/{bookmark_id}/", json=data)
    return Bookmark.from_answer(answer.json())


def delete_bookmark(bookmark_id: int) -> None:
    as_user("api", "DELETE", f"/api/bookmarks/{bookmark_id}/")


def archive(bookmark_id: int, archived: bool = True) -> None:
    action = "archive" if archived else "unarchive"
    as_user("api", "POST", f"/api/bookmarks/{bookmark_id}/{action}/")


def tag_names(limit: int = 1000) -> list[str]:
    body = as_user("api", "GET", "/api/tags/", params={"limit": limit}).json()
    names = {str(tag["name"]) for tag in body.get("results", []) if tag.get("name")}
    return sorted(names, key=str.lower)


def profile() -> dict[str, Any]:
    body = as_user("api", "GET", "/api/user/profile/").json()
    return {"enable_sharing": bool(body.get("enable_sharing")),
            "enable_public_sharing": bool(body.get("enable_public_sharing"))}


def update_profile(**changes: Any) -> None:
    as_user("api", "PATCH", "/api/user/profile/", json=changes)


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
    answer = as_user("api", "POST", "/api/bookmarks/import/",
                     files={"file": (filename, data, "application/octet-stream")},
                     data={"folders_as_tags": "true" if folders_as_tags else "false"},
                     timeout=TRANSFER_TIMEOUT)
    body = answer.json()
    background = body.get("import") if isinstance(body.get("import"), dict) else {}
    job_id = background.get("job_id") or body.get("job_id")
    skipped = [item for item in body.get("skipped") or [] if isinstance(item, dict)]
    return ImportStarted(total=int(body.get("total") or 0), created=body.get("created"),
                         updated=body.get("updated"), skipped=skipped,
                         import_id=background.get("id"),
                         job_id=int(job_id) if job_id is not None else None)


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
    return Progress(state=str(body.get("state") or "pending"), total=int(body.get("total") or 0),
                    processed=int(body.get("processed") or 0),
                    failed=str(body.get("state")) in ("failed", "discarded", "cancelled"))


def export(fmt: str) -> tuple[bytes, str, str]:
    """The export file: its bytes, content type and the file name api suggests."""
    answer = as_user("api", "GET", "/api/bookmarks/export/", params={"format": fmt},
                     timeout=TRANSFER_TIMEOUT)
    disposition = answer.headers.get("Content-Disposition", "")
    filename = f"shelf-bookmarks.{fmt}"
    if 'filename="' in disposition:
        suggested = disposition.split('filename="', 1)[1].split('"', 1)[0]
        if suggested and all(ch.isalnum() or ch in "._-" for ch in suggested):
            filename = suggested
    content_type = answer.headers.get("Content-Type", "application/octet-stream")
    return answer.content, content_type, filename
