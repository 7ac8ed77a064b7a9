"""api's settings: every one an environment variable (see README.md)."""

from shelf_kit import Setting, service_url_default, sqlite_default

SETTINGS = {
    "SHELF_API_DATABASE_URL": Setting(sqlite_default("api.db"), help="SQLAlchemy URL"),
    "SHELF_AUTH_URL": Setting(service_url_default(8001), help="where auth answers"),
    "SHELF_TASKS_URL": Setting(service_url_default(8003), help="where tasks answers"),
}
