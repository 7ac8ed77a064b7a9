"""Who may call what: the declared authorization policy of every route Shelf's services publish.

test_authorization.py calls every route in each service's served /openapi.json as each of five
callers and checks the answer against the rule declared here; a route without a rule (or a rule
for a route no document has) fails the test.

The callers:
    anonymous  no credentials
    owner      the user whose bookmark, tag, bundle, asset, import and job the path names
    other      another ordinary user
    admin      a user with is_admin (on api's linkding surface, just another user; api's
               /v1/admin routes are for admins only)
    service    a service token (client credentials) meant for the service called, of the
               client that calls it in Shelf (see test_authorization.world)

What a caller who is not allowed gets:
    anonymous                        401
    a caller in `hidden_from`        404 (someone else's object does not exist for them)
    anyone else                      403, or the status in `refused` for that caller
"""

from __future__ import annotations

from dataclasses import dataclass, field

CALLERS = ("anonymous", "other", "owner", "admin", "service")
ALLOWED = "allowed"  # any answer but 401/403 (and but 404 on a route naming an object), no 5xx


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    hidden_from: frozenset[str] = frozenset()
    refused: dict[str, int] = field(default_factory=dict)
    # callers whose answer may hold another user's data: admins on the admin views of everyone's
    # bookmarks; for anyone else the owner's data in an answer is a leak
    sees_everyones: frozenset[str] = frozenset()

    def expected(self, caller: str) -> int | str:
        """ALLOWED, or the status a refused caller gets."""
        if caller in self.allowed:
            return ALLOWED
        if caller in self.refused:
            return self.refused[caller]
        if caller == "anonymous":
            return 401
        if caller in self.hidden_from:
            return 404
        return 403


def allow(
    *callers: str,
    hidden_from: tuple[str, ...] = (),
    sees_everyones: tuple[str, ...] = (),
    **refused: int,
) -> Rule:
    unknown = (set(callers) | set(hidden_from) | set(sees_everyones) | set(refused)) - set(CALLERS)
    assert not unknown, f"unknown callers {unknown}"
    return Rule(
        frozenset(callers), frozenset(hidden_from), dict(refused), frozenset(sees_everyones)
    )


EVERYONE = allow(*CALLERS)
SIGNED_IN = allow("other", "owner", "admin", "service")  # any valid token
USERS = allow("other", "owner", "admin")  # people, not services
ADMINS = allow("admin")
ADMINS_SEE_EVERYONES = allow("admin", sees_everyones=("admin",))  # the admin's bookmark views
SERVICES = allow("service")
ADMINS_AND_SERVICES = allow("admin", "service")
# api's linkding surface: each user's own objects; another user (admins too) finds nothing.
OWNER = allow("owner", hidden_from=("other", "admin"))
# api's RSS feeds take no credentials: the key in the path is the secret. Called with a key
# nobody has, every caller, credentials or not, finds no feed (a real key's feed would carry
# its owner's bookmarks to everyone who holds the key, by design).
UNKNOWN_FEED = allow(anonymous=404, other=404, owner=404, admin=404, service=404)

POLICY: dict[str, dict[str, Rule]] = {
    "auth": {
        "GET /healthz": EVERYONE,
        "GET /readyz": EVERYONE,
        "GET /.well-known/jwks.json": EVERYONE,
        "POST /v1/sessions": EVERYONE,
        "POST /v1/sessions/refresh": EVERYONE,
        "POST /v1/sessions/logout": EVERYONE,
        "POST /v1/sessions/logout-all": USERS,
        # Sign-up: open to anyone when SHELF_AUTH_SIGNUP allows it; the system under test runs
        # with it closed, so everyone, credentials or not, gets 403.
        "POST /v1/users": allow(anonymous=403, other=403, owner=403, admin=403, service=403),
        "GET /v1/signup": EVERYONE,  # whether sign-up is open: no token needed
        "GET /v1/users/me": USERS,
        "POST /v1/users/me/password": USERS,
        "POST /v1/users/me/email": USERS,
        "GET /v1/api-key": USERS,
        "POST /v1/api-key": USERS,
        "DELETE /v1/api-key": USERS,
        "POST /v1/api-keys/introspect": SERVICES,
        "POST /v1/service-tokens": EVERYONE,
        "POST /v1/password-resets": EVERYONE,
        "POST /v1/password-resets/confirm": EVERYONE,
        "GET /v1/admin/users": ADMINS,
        "POST /v1/admin/users": ADMINS,
        "PATCH /v1/admin/users/{user_id}": ADMINS,
        "DELETE /v1/admin/users/{user_id}": ADMINS,
        "POST /v1/admin/users/{user_id}/password-reset": ADMINS,
        "POST /v1/maintenance/purge": SERVICES,
        "GET /v1/revocations": SERVICES,
    },
    "api": {
        "GET /healthz": EVERYONE,
        "GET /readyz": EVERYONE,
        "GET /health": EVERYONE,  # linkding's health check: clients call it before any token
        "POST /api/bookmarks/import/": USERS,
        "GET /api/bookmarks/import/{import_id}/": OWNER,
        "GET /api/bookmarks/export/": USERS,
        "GET /api/bookmarks/{bookmark_id}/assets/": OWNER,
        "GET /api/bookmarks/{bookmark_id}/assets/{asset_id}/": OWNER,
        "DELETE /api/bookmarks/{bookmark_id}/assets/{asset_id}/": OWNER,
        "GET /api/bookmarks/{bookmark_id}/assets/{asset_id}/download/": OWNER,
        "POST /api/bookmarks/{bookmark_id}/assets/upload/": OWNER,
        "POST /api/bookmarks/singlefile/": USERS,
        "GET /api/bookmarks/": USERS,
        "POST /api/bookmarks/": USERS,
        "GET /api/bookmarks/archived/": USERS,
        # Public: without credentials, the bookmarks of users who enabled public sharing; a
        # service (which may read every bookmark through /v1/internal) is let in too.
        "GET /api/bookmarks/shared/": EVERYONE,
        "GET /api/bookmarks/check/": USERS,
        "GET /api/bookmarks/{bookmark_id}/": OWNER,
        "PUT /api/bookmarks/{bookmark_id}/": OWNER,
        "PATCH /api/bookmarks/{bookmark_id}/": OWNER,
        "DELETE /api/bookmarks/{bookmark_id}/": OWNER,
        "POST /api/bookmarks/{bookmark_id}/archive/": OWNER,
        "POST /api/bookmarks/{bookmark_id}/unarchive/": OWNER,
        "GET /api/tags/": USERS,
        "POST /api/tags/": USERS,
        "GET /api/tags/{tag_id}/": OWNER,
        "DELETE /api/tags/{tag_id}/": OWNER,
        "GET /api/bundles/": USERS,
        "POST /api/bundles/": USERS,
        "GET /api/bundles/{bundle_id}/": OWNER,
        "PUT /api/bundles/{bundle_id}/": OWNER,
        "PATCH /api/bundles/{bundle_id}/": OWNER,
        "DELETE /api/bundles/{bundle_id}/": OWNER,
        "GET /api/user/profile/": USERS,
        "PATCH /api/user/profile/": USERS,
        # Shelf's own endpoints for people: tags with counts, bulk edit, the feed key.
        "GET /v1/tags": USERS,
        "GET /v1/tags/{tag_id}": OWNER,
        "PATCH /v1/tags/{tag_id}": OWNER,
        "DELETE /v1/tags/{tag_id}": OWNER,
        "POST /v1/tags/{tag_id}/merge": OWNER,
        "POST /v1/bookmarks/bulk": USERS,  # others' ids are listed as missing, never touched
        "GET /v1/feed-key": USERS,
        "POST /v1/feed-key": USERS,
        "GET /feeds/{feed_key}/all": UNKNOWN_FEED,
        "GET /feeds/{feed_key}/unread": UNKNOWN_FEED,
        "GET /feeds/{feed_key}/shared": UNKNOWN_FEED,
        "GET /v1/internal/bookmarks": SERVICES,
        "GET /v1/internal/bookmarks/{bookmark_id}": SERVICES,
        "PATCH /v1/internal/bookmarks/{bookmark_id}/metadata": SERVICES,
        "POST /v1/internal/bookmarks/{bookmark_id}/link-check": SERVICES,
        "POST /v1/internal/imports/{import_id}/batches": SERVICES,
        "POST /v1/internal/imports/{import_id}/failure": SERVICES,  # a job given up (C3)
        "GET /v1/internal/users": SERVICES,
        "GET /v1/internal/users/{owner_id}/export": SERVICES,
        "DELETE /v1/internal/users/{owner_id}": SERVICES,  # a deleted user's data (C2)
        # Everyone's bookmarks, for the ui's admin pages: administrators only.
        "GET /v1/admin/bookmarks": ADMINS_SEE_EVERYONES,
        "GET /v1/admin/stats": ADMINS,
    },
    "tasks": {
        "GET /healthz": EVERYONE,
        "GET /readyz": EVERYONE,
        "POST /v1/jobs": ADMINS_AND_SERVICES,
        "GET /v1/jobs": SIGNED_IN,  # a user sees only the jobs they caused
        "GET /v1/jobs/{job_id}": allow("owner", "admin", "service", hidden_from=("other",)),
        "POST /v1/jobs/{job_id}/retry": ADMINS_AND_SERVICES,
        "POST /v1/jobs/{job_id}/cancel": ADMINS_AND_SERVICES,
        "GET /v1/schedules": ADMINS_AND_SERVICES,
        "GET /v1/schedules/{schedule_id}": ADMINS_AND_SERVICES,
        "PATCH /v1/schedules/{schedule_id}": ADMINS_AND_SERVICES,
        "GET /v1/stats": ADMINS_AND_SERVICES,
    },
    "ui": {
        "GET /healthz": EVERYONE,
        "GET /readyz": EVERYONE,
        # By the ui's session cookie: a service token means nothing to the ui (401).
        "GET /import/{source}/{item_id}/progress": allow(
            "owner", hidden_from=("other", "admin"), service=401
        ),
        # The add form's live check, for whoever is logged in (their own bookmark of the URL,
        # never the owner's: `other` and `admin` get bookmark null).
        "GET /bookmarks/check": allow("owner", "other", "admin", service=401),
    },
}
