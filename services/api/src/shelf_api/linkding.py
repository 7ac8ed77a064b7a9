"""Which linkding API Shelf answers as.

linkding's clients read a version from `GET /health` (and the profile's `version`) to decide
what the server can do: one widely used Python client refuses to start below 1.22.0, and
others switch features on by version. They compare it with linkding's releases, so Shelf
names the linkding release whose REST API it implements, not its own version (0.x, which a
client would take for a linkding older than its API). Shelf's own version travels beside it,
in `shelf_version` and the `X-Shelf-Version` header.

1.46.0 is the release of the newest API features Shelf implements: deleting tags through the
API, bundles filtered by unread and shared, and sorting by modification date (1.46.1 and
1.46.2 changed nothing in the API). Raise it when Shelf takes on a later release's API.
"""

LINKDING_API_VERSION = "1.46.0"
