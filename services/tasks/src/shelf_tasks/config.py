"""tasks' settings: every one an environment variable (see README.md)."""

from shelf_kit import Setting, service_url_default, sqlite_default

SETTINGS = {
    "SHELF_TASKS_DATABASE_URL": Setting(sqlite_default("tasks.db"), help="SQLAlchemy URL"),
    "SHELF_AUTH_URL": Setting(service_url_default(8001), help="where auth answers"),
    "SHELF_API_URL": Setting(service_url_default(8002), help="where api answers"),
    "SHELF_TASKS_WORKER_CONCURRENCY": Setting(4, help="jobs one worker process runs at once"),
    "SHELF_TASKS_POLL_INTERVAL": Setting(1.0, help="seconds between a worker's looks for due jobs"),
    "SHELF_TASKS_LEASE_SECONDS": Setting(60, help="how long a claimed job stays a worker's"),
}
