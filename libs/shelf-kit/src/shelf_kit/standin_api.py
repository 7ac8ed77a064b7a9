"""A stand-in api for tests: real HTTP on loopback, in-memory bookmarks, checked against api's
document. One for every consumer: the ui calls linkding's API and api's /v1 routes as a user,
tasks calls /v1/internal with its service token.

    api = StandInApi(contract, identify=auth.identify, verify=tasks_token).start()
    api.add(1, "https://example.org/")          # user 1's bookmark (the next id)
    api.add_bookmark(7, "https://x.example/")   # bookmark 7, of user 1
    api.called("GET", "/api/bookmarks/")        # what it was sent (`Call`s)

`contract` is the `shelf_kit.contracts.Contract` of services/api/openapi.json: every request
it is sent and every answer it gives is checked against it, and `problems` lists what did not
fit, so a consumer's tests fail when api's document changes in a way the consumer, or this
stand-in, no longer fits.

A user's routes (/api/..., /v1/tags, /v1/bookmarks/bulk, /v1/feed-key, /v1/admin/...) take the
caller `identify(authorization)` names ({"sub", "is_admin"}, as auth's claims do, or None:
401), e.g. `shelf_identity.testing.StandInAuth.identify`; `usernames(user_id)`, when given,
names a bookmark's owner on the admin's routes. The internal routes (/v1/internal/...) take a
bearer token `verify(token)` does not raise on (403 otherwise); without `verify`, any caller.
`fail_with = status` answers every call but /healthz with that status; `down_for = n` answers
the next n of them 503, as api does while it restarts.

`received` lists every request but /healthz (`called(method, path)` filters it), each with its
X-Request-ID in `request_id`; `seen` the headers of each /healthz request.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, jsonify, request

from shelf_kit.testing import Call, LoopbackServer, recorded_call

if TYPE_CHECKING:
    from shelf_kit.contracts import Contract

ADDED = "2026-11-24T09:46:23.006313Z"  # when the stand-in's bookmarks were added
_KEPT = ("owner", "owner_id", "last_checked_at")  # what api keeps to itself (public())


@dataclass
class ApiCall(Call):
    """A `Call` and the request id it carried (X-Request-ID)."""

    request_id: str | None = None


@dataclass(frozen=True)
class _Account:
    id: int
    is_admin: bool


def _problem(status: int, detail: str, **extra: Any) -> Response:
    """A Shelf problem document (api's own /v1 routes answer these)."""
    response = jsonify(
        {"type": "about:blank", "title": "Error", "status": status, "detail": detail, **extra}
    )
    response.status_code = status
    response.content_type = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def _linkding_error(status: int, body: dict[str, Any]) -> Response:
    """linkding's error shape (api): `{"field": [...]}` or `{"detail": ...}`."""
    response = jsonify(body)
    response.status_code = status
    return response


def _matching(items: list[dict[str, Any]], words: list[str]) -> list[dict[str, Any]]:
    """The bookmarks with every word in their title or URL and every #tag: as much of api's
    search as the pages need to show that they ask for one."""
    for word in words:
        if word.startswith("#"):
            items = [b for b in items if word[1:] in b["tag_names"]]
        else:
            items = [b for b in items if word.lower() in (b["title"] + b["url"]).lower()]
    return items


_BUNDLE_DEFAULTS = {
    "name": "",
    "search": "",
    "any_tags": "",
    "all_tags": "",
    "excluded_tags": "",
    "filter_unread": "off",
    "filter_shared": "off",
    "order": 0,
    "date_created": "2026-11-24T09:00:00Z",
    "date_modified": "2026-11-24T09:00:00Z",
}


class StandInApi(LoopbackServer):
    """api on a free loopback port (not started: call `start()`); see the module's docstring."""

    def __init__(
        self,
        contract: Contract,
        *,
        identify: Callable[[str | None], Mapping[str, Any] | None] | None = None,
        verify: Callable[[str], object] | None = None,
        usernames: Callable[[int], str | None] | None = None,
        port: int | None = None,
        version: str = "0.1.0",
    ) -> None:
        self.contract = contract
        self.identify = identify
        self.verify = verify
        self.usernames = usernames
        self.version = version
        self.problems: list[str] = []
        self.received: list[ApiCall] = []
        self.seen: list[dict[str, str]] = []
        self.bookmarks: dict[int, dict[str, Any]] = {}  # api's InternalBookmark each
        self.profiles: dict[int, dict[str, Any]] = {}
        # An import: {"owner", "total", "processed"}, and "status" once it failed.
        self.imports: dict[int, dict[str, Any]] = {}
        self.import_threshold = 2  # more entries than this: a background import
        # A body larger than this is refused as api's kit refuses it (413 naming its limit);
        # a file larger than `import_file_max` as api's import refuses it (400 on `file`).
        self.import_max: int | None = None
        self.import_file_max: int | None = None
        # What check says a page (by URL) says about itself; pages not here say nothing.
        self.pages: dict[str, dict[str, Any]] = {}
        # What api's check says its auto-tagging rules give a URL (the ui only shows them).
        self.auto_tags: dict[str, list[str]] = {}
        self.bundles: dict[int, dict[str, Any]] = {}
        self.tag_ids: dict[tuple[int, str], int] = {}  # (owner, lower-case name) -> id
        self.feed_keys: dict[int, str] = {}
        # tasks' side: what its handlers wrote, and how api misbehaves
        self.metadata: dict[int, list[dict]] = {}  # bookmark id -> each metadata PATCH
        self.link_checks: dict[int, list[dict]] = {}  # bookmark id -> each link check
        self.url_changes: dict[int, str] = {}  # id -> its URL once it was read (owner edits)
        self.import_failures: dict[int, list[str]] = {}
        self.deleted_users: list[int] = []
        self.fail_with: int | None = None
        self.down_for = 0
        app = Flask("stand-in-api")
        app.before_request(self._record)
        app.after_request(self._checked)
        app.get("/healthz")(self._healthz)
        self._user_routes(app)
        self._internal_routes(app)
        super().__init__(app, port)

    def called(self, method: str, path: str) -> list[ApiCall]:
        return [call for call in self.received if call.method == method and call.path == path]

    def add_bookmark(
        self, bookmark_id: int, url: str, *, owner_id: int = 1, **fields: Any
    ) -> dict[str, Any]:
        """Bookmark `bookmark_id` of user `owner_id`: api's InternalBookmark, titled
        "bookmark <id>" unless `fields` say otherwise."""
        self.bookmarks[bookmark_id] = self.contract.sample(
            "InternalBookmark",
            **{
                "id": bookmark_id,
                "url": url,
                "owner_id": owner_id,
                "title": f"bookmark {bookmark_id}",
                "date_added": ADDED,
                "date_modified": ADDED,
                **fields,
            },
        )
        return self.bookmarks[bookmark_id]

    def add(self, owner: int, url: str, **fields: Any) -> dict[str, Any]:
        """A bookmark of user `owner` with the next id (untitled unless `fields` say)."""
        return self.add_bookmark(
            max(self.bookmarks, default=0) + 1, url, owner_id=owner, **{"title": "", **fields}
        )

    def progress(self, import_id: int, state: str) -> dict[str, Any]:
        """api's ImportProgress of the import `import_id`."""
        record = self.imports[import_id]
        return self.contract.sample(
            "ImportProgress",
            id=import_id,
            state=state,
            format="netscape",
            filename="bookmarks.html",
            total=record["total"],
            processed=record["processed"],
            job_id=40 + import_id,
            created_at="2026-11-24T10:00:00Z",
            updated_at="2026-11-24T10:00:00Z",
        )

    def _account(self) -> _Account | None:
        claims = self.identify(request.headers.get("Authorization")) if self.identify else None
        if claims is None:
            return None
        return _Account(int(claims["sub"]), bool(claims.get("is_admin")))

    def _username(self, user_id: int) -> str | None:
        return self.usernames(user_id) if self.usernames else None

    def _record(self) -> Response | tuple[Response, int] | None:
        if request.path == "/healthz":
            return None
        call = recorded_call()
        self.received.append(ApiCall(**vars(call), request_id=request.headers.get("X-Request-ID")))
        if self.fail_with:
            return jsonify(title="Down", status=self.fail_with), self.fail_with
        if self.down_for > 0:
            self.down_for -= 1
            return jsonify(title="Service Unavailable", status=503), 503
        return None

    def _checked(self, response: Response) -> Response:
        self.problems += self.contract.check_exchange(request, response)
        return response

    def _healthz(self) -> Response:
        self.seen.append(dict(request.headers))
        return jsonify(status="ok", service="api", version=self.version)

    def tag_items(self, owner: int) -> list[dict[str, Any]]:
        """The owner's tags (/v1/tags' items), ids kept per name as api keeps its rows."""
        names: dict[str, str] = {}
        counts: dict[str, int] = {}
        for item in self.bookmarks.values():
            if item["owner_id"] == owner:
                for name in item["tag_names"]:
                    names.setdefault(name.lower(), name)
                    counts[name.lower()] = counts.get(name.lower(), 0) + 1
        for lowered in names:
            self.tag_ids.setdefault((owner, lowered), max(self.tag_ids.values(), default=0) + 1)
        return [
            {
                "id": self.tag_ids[(owner, lowered)],
                "name": name,
                "date_added": "2026-11-24T09:00:00Z",
                "bookmark_count": counts[lowered],
            }
            for lowered, name in names.items()
        ]

    def retag(self, owner: int, old: str, new: str | None) -> int:
        """Bookmarks of `owner` with tag `old` get `new` instead (None: lose it); how many."""
        changed = 0
        for item in self.bookmarks.values():
            lowered = [name.lower() for name in item["tag_names"]]
            if item["owner_id"] != owner or old.lower() not in lowered:
                continue
            kept = [name for name in item["tag_names"] if name.lower() != old.lower()]
            if new is not None and new.lower() not in [name.lower() for name in kept]:
                kept.append(new)
            item["tag_names"] = kept
            changed += 1
        return changed

    def query_items(self, owner: int, view: str, q: str) -> list[dict[str, Any]]:
        """What a list view shows (the bulk endpoint's `query`): words and #tags only."""
        items = [b for b in self.bookmarks.values() if b["owner_id"] == owner]
        if view == "broken":  # archived ones included
            items = [b for b in items if b["is_broken"]]
        else:
            items = [b for b in items if b["is_archived"] == (view == "archived")]
        if view in ("unread", "shared"):
            items = [b for b in items if b[view]]
        return _matching(items, q.split())

    @staticmethod
    def public(item: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in item.items() if key not in _KEPT}

    def _user_routes(self, app: Flask) -> None:

        def caller() -> Any:
            account = self._account()
            if account is None:
                return _linkding_error(401, {"detail": "Invalid token."})
            return account

        def page(items: list[dict[str, Any]]):
            if request.args.get("q", "").count('"') % 2:
                messages = {"q": ["Unterminated quote at position 1."]}
                if request.path.startswith("/v1/"):  # api's own routes answer problems
                    return _problem(400, "The request is not valid: q.", errors=messages)
                return _linkding_error(400, messages)
            bundle = request.args.get("bundle")
            if bundle is not None:
                found = self.bundles.get(int(bundle))
                if found is None or found["owner"] != getattr(self._account(), "id", None):
                    return _linkding_error(400, {"bundle": ["Not found."]})
                words = found["search"].split() + request.args.get("q", "").split()
            else:
                words = request.args.get("q", "").split()
            items = _matching(items, words)
            if request.args.get("unread") == "yes":
                items = [b for b in items if b["unread"]]
            if request.args.get("shared") == "yes":
                items = [b for b in items if b["shared"]]
            for key, column in (("broken", "is_broken"), ("archived", "is_archived")):
                if request.args.get(key) in ("yes", "no"):
                    items = [b for b in items if b[column] == (request.args[key] == "yes")]
            reverse = request.args.get("sort", "added_desc").endswith("desc")
            items = sorted(items, key=lambda b: b["id"], reverse=reverse)
            limit, offset = int(request.args.get("limit", 100)), int(request.args.get("offset", 0))
            return jsonify(
                count=len(items),
                next=None,
                previous=None,
                results=[shown(b) for b in items[offset : offset + limit]],
            )

        def shown(item: dict[str, Any]) -> dict[str, Any]:
            if request.path.startswith("/v1/admin/"):
                return {**item, "owner": self._username(item["owner_id"])}
            return self.public(item)

        def own(bookmark_id: int, account: _Account) -> dict[str, Any] | None:
            found = self.bookmarks.get(bookmark_id)
            return found if found is not None and found["owner_id"] == account.id else None

        def mine(*, archived: bool):
            account = caller()
            if isinstance(account, Response):
                return account
            return page(
                [
                    b
                    for b in self.bookmarks.values()
                    if b["owner_id"] == account.id and b["is_archived"] == archived
                ]
            )

        app.get("/api/bookmarks/", endpoint="listing")(lambda: mine(archived=False))
        app.get("/api/bookmarks/archived/", endpoint="archived")(lambda: mine(archived=True))

        @app.get("/api/bookmarks/shared/")
        def shared():
            if request.headers.get("Authorization"):
                account = caller()
                if isinstance(account, Response):
                    return account
                key = "enable_sharing"
            else:
                key = "enable_public_sharing"
            return page(
                [
                    b
                    for b in self.bookmarks.values()
                    if b["shared"] and self.profiles.get(b["owner_id"], {}).get(key)
                ]
            )

        @app.get("/api/bookmarks/check/")
        def check():
            account = caller()
            if isinstance(account, Response):
                return account
            url = request.args["url"]
            found = next(
                (
                    b
                    for b in self.bookmarks.values()
                    if b["owner_id"] == account.id and b["url"] == url
                ),
                None,
            )
            said = (
                self.pages.get(url, {})
                if found is None
                else {"title": found["title"], "description": found["description"]}
            )
            return jsonify(
                bookmark=self.public(found) if found else None,
                metadata={
                    "url": url,
                    "title": said.get("title") or None,
                    "description": said.get("description") or None,
                    "preview_image": None,
                },
                auto_tags=self.auto_tags.get(url, []),
            )

        def admin() -> _Account | Response:
            account = self._account()
            if account is None:
                return _problem(401, "Log in first.")
            if not account.is_admin:
                return _problem(403, "Only administrators may do this.")
            return account

        @app.get("/v1/admin/bookmarks")
        def everyones():
            account = admin()
            if isinstance(account, Response):
                return account
            items = list(self.bookmarks.values())
            if request.args.get("owner"):
                items = [b for b in items if self._username(b["owner_id"]) == request.args["owner"]]
            return page(items)

        @app.get("/v1/admin/stats")
        def stats():
            account = admin()
            if isinstance(account, Response):
                return account
            items = list(self.bookmarks.values())
            return jsonify(
                bookmarks=len(items),
                archived=sum(b["is_archived"] for b in items),
                unread=sum(b["unread"] for b in items),
                shared=sum(b["shared"] for b in items),
                broken=sum(b["is_broken"] for b in items),
                broken_archived=sum(b["is_broken"] and b["is_archived"] for b in items),
                checked=sum(bool(b.get("last_checked_at")) for b in items),
                owners=len({b["owner_id"] for b in items}),
                last_checked_at=max(
                    (b["last_checked_at"] for b in items if b.get("last_checked_at")), default=None
                ),
            )

        @app.post("/api/bookmarks/")
        def create():
            account = caller()
            if isinstance(account, Response):
                return account
            body = request.get_json()
            if not str(body.get("url", "")).startswith(("http://", "https://")):
                return _linkding_error(400, {"url": ["Enter a valid URL."]})
            fields = {
                key: body[key]
                for key in ("title", "description", "notes", "unread", "shared", "tag_names")
                if key in body
            }
            found = next(
                (
                    b
                    for b in self.bookmarks.values()
                    if b["owner_id"] == account.id and b["url"] == body["url"]
                ),
                None,
            )
            if found is not None:
                found.update(fields)
                return jsonify(self.public(found)), 201
            return jsonify(self.public(self.add(account.id, body["url"], **fields))), 201

        @app.route("/api/bookmarks/<int:bookmark_id>/", methods=["GET", "PATCH", "DELETE"])
        def one(bookmark_id):
            account = caller()
            if isinstance(account, Response):
                return account
            found = own(bookmark_id, account)
            if found is None:
                return _linkding_error(404, {"detail": "Not found."})
            if request.method == "DELETE":
                del self.bookmarks[bookmark_id]
                return "", 204
            if request.method == "PATCH":
                found.update(
                    {
                        key: value
                        for key, value in request.get_json().items()
                        if key
                        in (
                            "url",
                            "title",
                            "description",
                            "notes",
                            "unread",
                            "shared",
                            "tag_names",
                            "is_archived",
                        )
                    }
                )
            return jsonify(self.public(found))

        @app.post("/api/bookmarks/<int:bookmark_id>/<any(archive, unarchive):action>/")
        def archive(bookmark_id, action):
            account = caller()
            if isinstance(account, Response):
                return account
            found = own(bookmark_id, account)
            if found is None:
                return _linkding_error(404, {"detail": "Not found."})
            found["is_archived"] = action == "archive"
            return "", 204

        @app.get("/api/tags/")
        def tags():
            account = caller()
            if isinstance(account, Response):
                return account
            names = sorted(
                {
                    name
                    for b in self.bookmarks.values()
                    if b["owner_id"] == account.id
                    for name in b["tag_names"]
                }
            )
            return jsonify(
                count=len(names),
                next=None,
                previous=None,
                results=[
                    {"id": index + 1, "name": name, "date_added": "2026-11-24T09:00:00Z"}
                    for index, name in enumerate(names)
                ],
            )

        # -- /v1/tags, /v1/bookmarks/bulk, /v1/feed-key (issue 14's contract) -------------

        def tag_of(tag_id: object, account: _Account) -> dict[str, Any] | None:
            return next((t for t in self.tag_items(account.id) if t["id"] == tag_id), None)

        @app.get("/v1/tags")
        def tags_v1():
            account = caller()
            if isinstance(account, Response):
                return account
            items = [
                t
                for t in self.tag_items(account.id)
                if request.args.get("q", "").lower() in t["name"].lower()
            ]
            sort = request.args.get("sort", "name")
            items.sort(
                key=(lambda t: t["name"].lower())
                if sort.endswith("name")
                else (lambda t: (t["bookmark_count"], t["name"].lower())),
                reverse=sort.startswith("-"),
            )
            limit, offset = int(request.args.get("limit", 100)), int(request.args.get("offset", 0))
            return jsonify(
                count=len(items), next=None, previous=None, results=items[offset : offset + limit]
            )

        @app.route("/v1/tags/<int:tag_id>", methods=["GET", "PATCH", "DELETE"])
        def tag_v1(tag_id):
            account = caller()
            if isinstance(account, Response):
                return account
            found = tag_of(tag_id, account)
            if found is None:
                return _problem(404, "Not found.")
            if request.method == "DELETE":
                return jsonify(removed_from=self.retag(account.id, found["name"], None))
            if request.method == "PATCH":
                name = str((request.get_json() or {}).get("name") or "").strip()
                if not name or " " in name or len(name) > 64:
                    return _problem(
                        400,
                        "The request is not valid: name.",
                        errors={"name": ["Not a valid tag name."]},
                    )
                other = next(
                    (
                        t
                        for t in self.tag_items(account.id)
                        if t["id"] != tag_id and t["name"].lower() == name.lower()
                    ),
                    None,
                )
                if other is not None:
                    return _problem(
                        409,
                        f"You have a tag named {other['name']} already.",
                        existing_id=other["id"],
                    )
                self.retag(account.id, found["name"], name)
                self.tag_ids[(account.id, name.lower())] = tag_id
                found = tag_of(tag_id, account)
            return jsonify(found)

        @app.post("/v1/tags/<int:tag_id>/merge")
        def merge_tag_v1(tag_id):
            account = caller()
            if isinstance(account, Response):
                return account
            into = (request.get_json() or {}).get("into")
            found, target = tag_of(tag_id, account), tag_of(into, account)
            if found is None or target is None:
                return _problem(404, "Not found.")
            if into == tag_id:
                return _problem(
                    400,
                    "The request is not valid: into.",
                    errors={"into": ["Merge into another tag."]},
                )
            moved = self.retag(account.id, found["name"], target["name"])
            return jsonify(tag=tag_of(into, account), moved=moved)

        @app.post("/v1/bookmarks/bulk")
        def bulk_v1():
            account = caller()
            if isinstance(account, Response):
                return account
            body = request.get_json() or {}
            action, names = body.get("action"), body.get("tag_names") or []
            if action in ("tag", "untag") and not names:
                return _problem(
                    400,
                    "The request is not valid: tag_names.",
                    errors={"tag_names": ["Name at least one tag."]},
                )
            missing: list[int] = []
            if "ids" in body:
                chosen = []
                for bookmark_id in body["ids"]:
                    found = own(bookmark_id, account)
                    (chosen.append(found) if found is not None else missing.append(bookmark_id))
            else:
                query = body.get("query") or {}
                view = query.get("view", "all")
                listed = self.query_items(account.id, view, query.get("q") or "")
                if len(listed) != body.get("expected_count"):
                    return _problem(
                        409, "The query matches another number of bookmarks now.", count=len(listed)
                    )
                chosen = listed
            for item in chosen:
                if action == "delete":
                    del self.bookmarks[item["id"]]
                elif action in ("archive", "unarchive"):
                    item["is_archived"] = action == "archive"
                elif action in ("mark_read", "mark_unread"):
                    item["unread"] = action == "mark_unread"
                elif action in ("share", "unshare"):
                    item["shared"] = action == "share"
                elif action == "tag":
                    have = [n.lower() for n in item["tag_names"]]
                    item["tag_names"] += [n for n in names if n.lower() not in have]
                elif action == "untag":
                    gone = [n.lower() for n in names]
                    item["tag_names"] = [n for n in item["tag_names"] if n.lower() not in gone]
            return jsonify(action=action, affected=len(chosen), missing=missing)

        @app.route("/v1/feed-key", methods=["GET", "POST"])
        def feed_key_v1():
            account = caller()
            if isinstance(account, Response):
                return account
            if request.method == "POST" or account.id not in self.feed_keys:
                self.feed_keys[account.id] = secrets.token_urlsafe(16)
            key = self.feed_keys[account.id]
            return jsonify(
                key=key,
                feeds={kind: f"/feeds/{key}/{kind}" for kind in ("all", "unread", "shared")},
            ), (201 if request.method == "POST" else 200)

        @app.route("/api/bundles/", methods=["GET", "POST"])
        def bundles():
            account = caller()
            if isinstance(account, Response):
                return account
            if request.method == "POST":
                body = request.get_json()
                if not body.get("name"):
                    return _linkding_error(400, {"name": ["This field may not be blank."]})
                bundle_id = max(self.bundles, default=0) + 1
                self.bundles[bundle_id] = {
                    **_BUNDLE_DEFAULTS,
                    **body,
                    "id": bundle_id,
                    "owner": account.id,
                    "order": len(self.bundles),
                }
                return jsonify(self.public(self.bundles[bundle_id])), 201
            mine = [self.public(b) for b in self.bundles.values() if b["owner"] == account.id]
            return jsonify(count=len(mine), next=None, previous=None, results=mine)

        @app.route("/api/bundles/<int:bundle_id>/", methods=["GET", "PATCH", "DELETE"])
        def one_bundle(bundle_id):
            account = caller()
            if isinstance(account, Response):
                return account
            found = self.bundles.get(bundle_id)
            if found is None or found["owner"] != account.id:
                return _linkding_error(404, {"detail": "Not found."})
            if request.method == "DELETE":
                del self.bundles[bundle_id]
                return "", 204
            if request.method == "PATCH":
                body = request.get_json()
                if "name" in body and not body["name"]:
                    return _linkding_error(400, {"name": ["This field may not be blank."]})
                found.update({k: v for k, v in body.items() if k in _BUNDLE_DEFAULTS})
            return jsonify(self.public(found))

        @app.route("/api/user/profile/", methods=["GET", "PATCH"])
        def profile():
            account = caller()
            if isinstance(account, Response):
                return account
            current = self.profiles.setdefault(
                account.id, {"enable_sharing": False, "enable_public_sharing": False}
            )
            if request.method == "PATCH":
                current.update(request.get_json())
            return jsonify(
                self.contract.sample(
                    "Profile",
                    theme="auto",
                    bookmark_date_display="relative",
                    bookmark_link_target="_blank",
                    web_archive_integration="disabled",
                    tag_search="lax",
                    enable_favicons=True,
                    search_preferences={},
                    version="0.2.0",
                    shelf_version="0.5.0",
                    **current,
                )
            )

        @app.post("/api/bookmarks/import/")
        def import_file():
            account = caller()
            if isinstance(account, Response):
                return account
            if self.import_max is not None and (request.content_length or 0) > self.import_max:
                return _problem(
                    413,
                    "The request body is larger than this endpoint accepts "
                    f"({self.import_max} bytes).",
                )
            if "file" not in request.files:
                return _linkding_error(400, {"file": ["This field is required."]})
            data = request.files["file"].read()
            if self.import_file_max is not None and len(data) > self.import_file_max:
                return _linkding_error(400, {"file": ["The file is too large."]})
            text = data.decode()
            urls = [line.split('"')[1] for line in text.splitlines() if 'HREF="' in line]
            if not urls:
                return _linkding_error(400, {"file": ["Line 1: this is not a bookmark file."]})
            if len(urls) > self.import_threshold:
                import_id = len(self.imports) + 1
                self.imports[import_id] = {"owner": account.id, "total": len(urls), "processed": 0}
                started = {"import": self.progress(import_id, "pending")}
                return jsonify(
                    self.contract.sample("ImportResult", format="netscape", total=len(urls))
                    | started
                ), 202
            for url in urls:
                self.add(account.id, url)
            return jsonify(
                self.contract.sample(
                    "ImportResult", format="netscape", total=len(urls), created=len(urls)
                )
            ), 201

        @app.get("/api/bookmarks/import/<int:import_id>/")
        def import_progress(import_id):
            account = caller()
            if isinstance(account, Response):
                return account
            record = self.imports.get(import_id)
            if record is None or record.get("owner") != account.id:
                return _linkding_error(404, {"detail": "Not found."})
            done = record["processed"] >= record["total"]
            state = record.get("status") or ("done" if done else "running")
            return jsonify(self.progress(import_id, state))

        @app.get("/api/bookmarks/export/")
        def export():
            account = caller()
            if isinstance(account, Response):
                return account
            fmt = request.args.get("format", "html")
            mine = [b for b in self.bookmarks.values() if b["owner_id"] == account.id]
            body = "\n".join(b["url"] for b in mine)
            return Response(
                body,
                mimetype="text/csv" if fmt == "csv" else "text/html",
                headers={"Content-Disposition": f'attachment; filename="shelf-export.{fmt}"'},
            )

    def _service_only(self) -> tuple[Response, int] | None:
        """The internal routes take only a service token `verify` takes."""
        if not request.path.startswith("/v1/internal/") or self.verify is None:
            return None
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        try:
            if scheme != "Bearer":
                raise ValueError("not a bearer token")
            self.verify(token)
        except Exception:
            return jsonify(title="Forbidden", status=403), 403
        return None

    def _internal_routes(self, app: Flask) -> None:
        """What tasks' handlers call (/v1/internal)."""
        app.before_request(self._service_only)

        @app.get("/v1/internal/bookmarks")
        def list_bookmarks():
            after = int(request.args.get("after_id", 0))
            limit = int(request.args.get("limit", 100))
            ids = sorted(i for i in self.bookmarks if i > after)[:limit]
            full = len(ids) == limit
            return {
                "results": [self.bookmarks[i] for i in ids],
                "next_after_id": ids[-1] if full else None,
            }

        @app.get("/v1/internal/bookmarks/<int:bookmark_id>")
        def get_bookmark(bookmark_id):
            if bookmark_id not in self.bookmarks:
                return jsonify(title="Not Found", status=404), 404
            answer = dict(self.bookmarks[bookmark_id])
            if bookmark_id in self.url_changes:  # the owner edits it while tasks fetches
                self.bookmarks[bookmark_id]["url"] = self.url_changes.pop(bookmark_id)
            return answer

        @app.patch("/v1/internal/bookmarks/<int:bookmark_id>/metadata")
        def write_metadata(bookmark_id):
            bookmark = self.bookmarks.get(bookmark_id)
            if bookmark is None:
                return jsonify(title="Not Found", status=404), 404
            data = request.get_json()
            if data.get("url") and data["url"] != bookmark["url"]:
                return jsonify(title="Conflict", status=409), 409
            self.metadata.setdefault(bookmark_id, []).append(data)
            return bookmark

        @app.post("/v1/internal/bookmarks/<int:bookmark_id>/link-check")
        def link_check(bookmark_id):
            checks = self.link_checks.setdefault(bookmark_id, [])
            checks.append(request.get_json())
            broken = len(checks) >= 2 and not checks[-1]["ok"] and not checks[-2]["ok"]
            self.bookmarks[bookmark_id]["is_broken"] = broken
            return {"is_broken": broken}

        @app.post("/v1/internal/imports/<int:import_id>/batches")
        def batch(import_id):
            state = self.imports.get(import_id)
            if state is None:
                return jsonify(title="Not Found", status=404), 404
            size = request.get_json().get("size", 500)
            state["processed"] = min(state["total"], state["processed"] + size)
            return {
                "processed": state["processed"],
                "total": state["total"],
                "done": state["processed"] >= state["total"],
            }

        @app.post("/v1/internal/imports/<int:import_id>/failure")
        def import_failure(import_id):
            state = self.imports.get(import_id)
            if state is None:
                return jsonify(title="Not Found", status=404), 404
            detail = request.get_json()["detail"]
            self.import_failures.setdefault(import_id, []).append(detail)
            if state["processed"] < state["total"]:
                state["status"] = "failed"
            return {  # api's ImportProgress
                "id": import_id,
                "state": state.get("status", "done"),
                "format": "netscape",
                "filename": "bookmarks.html",
                "total": state["total"],
                "processed": state["processed"],
                "created": state["processed"],
                "updated": 0,
                "job_id": 1,
                "detail": detail if state.get("status") == "failed" else None,
                "created_at": "2026-11-20T10:00:00+00:00",
                "updated_at": "2026-11-20T10:00:00+00:00",
            }

        @app.delete("/v1/internal/users/<int:owner_id>")
        def delete_user(owner_id):
            self.deleted_users.append(owner_id)
            for bookmark_id in [i for i, b in self.bookmarks.items() if b["owner_id"] == owner_id]:
                del self.bookmarks[bookmark_id]
            return Response(status=204)

        @app.get("/v1/internal/users")
        def owners():
            return {"owner_ids": sorted({b["owner_id"] for b in self.bookmarks.values()})}

        @app.get("/v1/internal/users/<int:owner_id>/export")
        def internal_export(owner_id):
            mine = [b for b in self.bookmarks.values() if b["owner_id"] == owner_id]
            if request.args.get("format") == "html":
                links = "".join(f'<DT><A HREF="{b["url"]}">{b["title"]}</A>\n' for b in mine)
                return Response(
                    f"<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<DL>{links}</DL>\n", mimetype="text/html"
                )
            return jsonify(bookmarks=mine)
