"""The ui's cast: auth is shelf-identity's stand-in (`shelf_identity.testing.StandInAuth`, real
JWTs), tasks is shelf-kit's (`shelf_kit.testing.StandInTasks`), api a stand-in here: a real
HTTP server on a free loopback port that answers the calls the ui makes the way api's contract
says (linkding's API, api's v1 API), minimal but honest: it takes the tokens auth issued
(`auth.user(authorization)`), users are scoped, admins are checked, errors have api's shapes.
Each records what it was sent in `received`, and checks every call and answer against its
service's openapi.json (`problems`: the fixtures fail a test whose stand-in gave an answer its
service's document does not describe)."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request

from shelf_identity.testing import Account, StandInAuth
from shelf_kit.contracts import Contract
from shelf_kit.testing import Call, LoopbackServer, StandInTasks, recorded_call

SERVICES = Path(__file__).resolve().parents[2]
CONTRACTS = {
    name: Contract.load(SERVICES / name / "openapi.json") for name in ("auth", "api", "tasks")
}


class StandIn(LoopbackServer):
    """A real HTTP server on a free loopback port answering /healthz like a Shelf service,
    recording the headers of every request it was sent. `stop()` closes the listening socket:
    connections are refused."""

    def __init__(self, service: str, version: str = "0.1.0"):
        self.service = service
        self.version = version
        self.seen: list[dict[str, str]] = []
        self.contract = CONTRACTS.get(service)  # None: a service Shelf does not have
        self.problems: list[str] = []
        app = Flask(f"stand-in-{service}")
        app.after_request(self._checked)

        @app.get("/healthz")
        def healthz():
            self.seen.append(dict(request.headers))
            return jsonify(status="ok", service=self.service, version=self.version)

        self.add_routes(app)
        super().__init__(app)

    def add_routes(self, app: Flask) -> None:
        """Subclasses answer more than /healthz (see standins.py)."""

    def _checked(self, response: Response) -> Response:
        """This call and answer against the service's document."""
        if self.contract is not None:
            self.problems += self.contract.check_exchange(request, response)
        return response


def problem(status: int, detail: str, **extra: Any) -> Response:
    """A Shelf problem document (auth, tasks)."""
    response = jsonify(
        {"type": "about:blank", "title": "Error", "status": status, "detail": detail, **extra}
    )
    response.status_code = status
    response.content_type = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def linkding_error(status: int, body: dict[str, Any]) -> Response:
    """linkding's error shape (api): `{"field": [...]}` or `{"detail": ...}`."""
    response = jsonify(body)
    response.status_code = status
    return response


class Recording(StandIn):
    """A stand-in that records its calls and takes the users auth's stand-in logged in."""

    def __init__(self, service: str, auth: StandInAuth):
        self.auth = auth
        self.received: list[Call] = []
        super().__init__(service)

    def add_routes(self, app: Flask) -> None:
        @app.before_request
        def _record() -> None:
            if request.path != "/healthz":
                self.received.append(recorded_call())

        self.routes(app)

    def routes(self, app: Flask) -> None:
        raise NotImplementedError

    def called(self, method: str, path: str) -> list[Call]:
        return [call for call in self.received if call.method == method and call.path == path]


# -- api ----------------------------------------------------------------------------------------


def bookmark(bookmark_id: int, owner: int, url: str, **fields: Any) -> dict[str, Any]:
    """api's Bookmark, and its owner (which api keeps to itself)."""
    added = "2026-11-24T09:46:23.006313Z"
    shown = CONTRACTS["api"].sample(
        "Bookmark", id=bookmark_id, url=url, date_added=added, date_modified=added
    )
    return {**shown, "owner": owner, **fields}


def matching(items: list[dict[str, Any]], words: list[str]) -> list[dict[str, Any]]:
    """The bookmarks with every word in their title or URL and every #tag: as much of api's
    search as the pages need to show that they ask for one."""
    for word in words:
        if word.startswith("#"):
            items = [b for b in items if word[1:] in b["tag_names"]]
        else:
            items = [b for b in items if word.lower() in (b["title"] + b["url"]).lower()]
    return items


BUNDLE_DEFAULTS = {
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


class ApiStandIn(Recording):
    def progress(self, import_id: int, state: str) -> dict[str, Any]:
        """api's ImportProgress of the import `import_id`."""
        record = self.imports[import_id]
        return self.contract.sample(
            "ImportProgress",
            id=import_id,
            state=state,
            format="netscape",
            filename="bookmarks.html",
            total=len(record["urls"]),
            processed=record["processed"],
            job_id=40 + import_id,
            created_at="2026-11-24T10:00:00Z",
            updated_at="2026-11-24T10:00:00Z",
        )

    def __init__(self, auth: StandInAuth):
        self.bookmarks: dict[int, dict[str, Any]] = {}
        self.profiles: dict[int, dict[str, Any]] = {}
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
        super().__init__("api", auth)

    def tag_items(self, owner: int) -> list[dict[str, Any]]:
        """The owner's tags (/v1/tags' items), ids kept per name as api keeps its rows."""
        names: dict[str, str] = {}
        counts: dict[str, int] = {}
        for item in self.bookmarks.values():
            if item["owner"] == owner:
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
            if item["owner"] != owner or old.lower() not in lowered:
                continue
            kept = [name for name in item["tag_names"] if name.lower() != old.lower()]
            if new is not None and new.lower() not in [name.lower() for name in kept]:
                kept.append(new)
            item["tag_names"] = kept
            changed += 1
        return changed

    def add(self, owner: int, url: str, **fields: Any) -> dict[str, Any]:
        bookmark_id = max(self.bookmarks, default=0) + 1
        self.bookmarks[bookmark_id] = bookmark(bookmark_id, owner, url, **fields)
        return self.bookmarks[bookmark_id]

    def query_items(self, owner: int, view: str, q: str) -> list[dict[str, Any]]:
        """What a list view shows (the bulk endpoint's `query`): words and #tags only."""
        items = [b for b in self.bookmarks.values() if b["owner"] == owner]
        if view == "broken":  # archived ones included
            items = [b for b in items if b["is_broken"]]
        else:
            items = [b for b in items if b["is_archived"] == (view == "archived")]
        if view in ("unread", "shared"):
            items = [b for b in items if b[view]]
        return matching(items, q.split())

    @staticmethod
    def public(item: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in item.items() if key != "owner"}

    def routes(self, app: Flask) -> None:
        auth = self.auth

        def caller() -> Any:
            account = auth.user(request.headers.get("Authorization"))
            if account is None:
                return linkding_error(401, {"detail": "Invalid token."})
            return account

        def page(items: list[dict[str, Any]]):
            if request.args.get("q", "").count('"') % 2:
                messages = {"q": ["Unterminated quote at position 1."]}
                if request.path.startswith("/v1/"):  # api's own routes answer problems
                    return problem(400, "The request is not valid: q.", errors=messages)
                return linkding_error(400, messages)
            bundle = request.args.get("bundle")
            if bundle is not None:
                found = self.bundles.get(int(bundle))
                if (
                    found is None
                    or found["owner"] != auth.user(request.headers.get("Authorization")).id
                ):
                    return linkding_error(400, {"bundle": ["Not found."]})
                words = found["search"].split() + request.args.get("q", "").split()
            else:
                words = request.args.get("q", "").split()
            items = matching(items, words)
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
                owner = auth.accounts.get(item["owner"])
                return {
                    **self.public(item),
                    "owner_id": item["owner"],
                    "owner": owner.username if owner else None,
                    "last_checked_at": None,
                }
            return self.public(item)

        def own(bookmark_id: int, account: Account) -> dict[str, Any] | None:
            found = self.bookmarks.get(bookmark_id)
            return found if found is not None and found["owner"] == account.id else None

        @app.get("/api/bookmarks/")
        def listing():
            account = caller()
            if isinstance(account, Response):
                return account
            return page(
                [
                    b
                    for b in self.bookmarks.values()
                    if b["owner"] == account.id and not b["is_archived"]
                ]
            )

        @app.get("/api/bookmarks/archived/")
        def archived():
            account = caller()
            if isinstance(account, Response):
                return account
            return page(
                [
                    b
                    for b in self.bookmarks.values()
                    if b["owner"] == account.id and b["is_archived"]
                ]
            )

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
                    if b["shared"] and self.profiles.get(b["owner"], {}).get(key)
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
                    if b["owner"] == account.id and b["url"] == url
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

        def admin() -> Account | Response:
            account = auth.user(request.headers.get("Authorization"))
            if account is None:
                return problem(401, "Log in first.")
            if not account.is_admin:
                return problem(403, "Only administrators may do this.")
            return account

        @app.get("/v1/admin/bookmarks")
        def everyones():
            account = admin()
            if isinstance(account, Response):
                return account
            items = list(self.bookmarks.values())
            if request.args.get("owner"):
                items = [
                    b
                    for b in items
                    if getattr(auth.accounts.get(b["owner"]), "username", None)
                    == request.args["owner"]
                ]
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
                owners=len({b["owner"] for b in items}),
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
                return linkding_error(400, {"url": ["Enter a valid URL."]})
            fields = {
                key: body[key]
                for key in ("title", "description", "notes", "unread", "shared", "tag_names")
                if key in body
            }
            found = next(
                (
                    b
                    for b in self.bookmarks.values()
                    if b["owner"] == account.id and b["url"] == body["url"]
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
                return linkding_error(404, {"detail": "Not found."})
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
                return linkding_error(404, {"detail": "Not found."})
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
                    if b["owner"] == account.id
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

        def tag_of(tag_id: int, account: Account) -> dict[str, Any] | None:
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
                return problem(404, "Not found.")
            if request.method == "DELETE":
                return jsonify(removed_from=self.retag(account.id, found["name"], None))
            if request.method == "PATCH":
                name = str((request.get_json() or {}).get("name") or "").strip()
                if not name or " " in name or len(name) > 64:
                    return problem(
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
                    return problem(
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
                return problem(404, "Not found.")
            if into == tag_id:
                return problem(
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
                return problem(
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
                    return problem(
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
                    return linkding_error(400, {"name": ["This field may not be blank."]})
                bundle_id = max(self.bundles, default=0) + 1
                self.bundles[bundle_id] = {
                    **BUNDLE_DEFAULTS,
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
                return linkding_error(404, {"detail": "Not found."})
            if request.method == "DELETE":
                del self.bundles[bundle_id]
                return "", 204
            if request.method == "PATCH":
                body = request.get_json()
                if "name" in body and not body["name"]:
                    return linkding_error(400, {"name": ["This field may not be blank."]})
                found.update({k: v for k, v in body.items() if k in BUNDLE_DEFAULTS})
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
                return problem(
                    413,
                    "The request body is larger than this endpoint accepts "
                    f"({self.import_max} bytes).",
                )
            if "file" not in request.files:
                return linkding_error(400, {"file": ["This field is required."]})
            data = request.files["file"].read()
            if self.import_file_max is not None and len(data) > self.import_file_max:
                return linkding_error(400, {"file": ["The file is too large."]})
            text = data.decode()
            urls = [line.split('"')[1] for line in text.splitlines() if 'HREF="' in line]
            if not urls:
                return linkding_error(400, {"file": ["Line 1: this is not a bookmark file."]})
            if len(urls) > self.import_threshold:
                import_id = len(self.imports) + 1
                self.imports[import_id] = {"owner": account.id, "urls": urls, "processed": 0}
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
            if record is None or record["owner"] != account.id:
                return linkding_error(404, {"detail": "Not found."})
            done = record["processed"] >= len(record["urls"])
            return jsonify(self.progress(import_id, "done" if done else "running"))

        @app.get("/api/bookmarks/export/")
        def export():
            account = caller()
            if isinstance(account, Response):
                return account
            fmt = request.args.get("format", "html")
            mine = [b for b in self.bookmarks.values() if b["owner"] == account.id]
            body = "\n".join(b["url"] for b in mine)
            return Response(
                body,
                mimetype="text/csv" if fmt == "csv" else "text/html",
                headers={"Content-Disposition": f'attachment; filename="shelf-export.{fmt}"'},
            )


# -- tasks --------------------------------------------------------------------------------------


class Shelf:
    """auth (shelf-identity's stand-in), api and tasks stand-ins, running; api and tasks take
    the tokens auth issued; alice (1) is a user, root (2) an administrator."""

    def __init__(self) -> None:
        self.auth = StandInAuth(contract=CONTRACTS["auth"])
        self.auth.add_user("alice", "alice-password", "alice@example.org")
        self.auth.add_user("root", "root-password", "root@example.org", is_admin=True)
        self.auth.start()
        self.api = ApiStandIn(self.auth).start()
        self.tasks = StandInTasks(CONTRACTS["tasks"], identify=self.caller).start()

    def caller(self, authorization: str | None) -> dict[str, Any] | None:
        """Who a bearer token is, for tasks: auth's claims, the account as it is now."""
        account = self.auth.user(authorization)
        return None if account is None else {"sub": str(account.id), "is_admin": account.is_admin}

    def stop(self) -> None:
        for server in (self.auth, self.api, self.tasks):
            server.stop()

    @property
    def problems(self) -> list[str]:
        """The answers of the three that their services' documents do not describe."""
        return [p for server in (self.auth, self.api, self.tasks) for p in server.problems]


def wait_until(check, timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return False
