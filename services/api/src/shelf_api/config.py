"""api's settings: every one an environment variable (see README.md)."""

import os

from shelf_fetch import SETTINGS as FETCH_SETTINGS
from shelf_kit import Setting, service_url_default, sqlite_default


def _assets_dir_default(values):
    return os.path.join(values["SHELF_DATA_DIR"], "api-assets")


SETTINGS = {
    "SHELF_API_DATABASE_URL": Setting(sqlite_default("api.db"), help="SQLAlchemy URL"),
    "SHELF_AUTH_URL": Setting(service_url_default(8001), help="where auth answers"),
    "SHELF_TASKS_URL": Setting(service_url_default(8003), help="where tasks answers"),
    # This service's own client credentials at auth (for introspection and calls to tasks).
    "SHELF_API_CLIENT_ID": Setting("api", help="api's client id at auth"),
    "SHELF_API_CLIENT_SECRET": Setting(
        "dev-api-secret", secret=True, help="api's client secret at auth"
    ),
    # The outbox relay: a thread in each web process delivers pending messages to tasks.
    "SHELF_API_OUTBOX_RELAY": Setting(True, help="run the outbox relay thread in web processes"),
    "SHELF_API_OUTBOX_POLL_SECONDS": Setting(2.0, help="how often the relay looks for work"),
    "SHELF_API_OUTBOX_MAX_BACKOFF_SECONDS": Setting(300.0, help="longest wait between retries"),
    # Imports: bookmarks above this count are imported by a tasks job, in batches.
    "SHELF_API_IMPORT_JOB_THRESHOLD": Setting(10_000, help="imports larger than this are jobs"),
    # Behind the gateway: absolute links (pagination) use X-Forwarded-Proto/-Host/-Prefix.
    "SHELF_API_TRUST_PROXY": Setting(False, help="trust one proxy's X-Forwarded-* headers"),
    "SHELF_API_IMPORT_MAX_BYTES": Setting(50 * 1024 * 1024, help="largest import file accepted"),
    # Bookmark assets (snapshots, uploads): files on disk. Replicas must share this folder.
    "SHELF_API_ASSETS_DIR": Setting(_assets_dir_default, type=str, help="folder of asset files"),
    "SHELF_API_ASSET_MAX_BYTES": Setting(50 * 1024 * 1024, help="largest asset accepted"),
    # GET /api/bookmarks/check/ reads the page while the caller waits (linkding's extension
    # fills its form from it): shelf-fetch's settings, and a shorter time limit.
    "SHELF_API_CHECK_TIMEOUT": Setting(5.0, help="seconds the check endpoint waits for a page"),
    # ... and how many pages one user may have it reading at once (per process): past that,
    # empty metadata at once, so one user cannot occupy every thread.
    "SHELF_API_CHECK_FETCHES_PER_USER": Setting(2, help="pages one user's checks read at once"),
    **{name: Setting(default, help=meaning) for name, (default, meaning) in FETCH_SETTINGS.items()},
}
