"""tasks' settings: every one an environment variable (see README.md)."""

import os

from shelf_fetch import SETTINGS as FETCH_SETTINGS
from shelf_kit import Setting, service_url_default, sqlite_default


def _backup_dir_default(values) -> str:
    return os.path.join(values["SHELF_DATA_DIR"], "backups")


SETTINGS = {
    "SHELF_TASKS_DATABASE_URL": Setting(sqlite_default("tasks.db"), help="SQLAlchemy URL"),
    "SHELF_AUTH_URL": Setting(service_url_default(8001), help="where auth answers"),
    "SHELF_API_URL": Setting(service_url_default(8002), help="where api answers"),
    # This service's own credentials at auth (its handlers call api and auth with them).
    "SHELF_TASKS_CLIENT_ID": Setting("tasks", help="tasks' client id at auth"),
    "SHELF_TASKS_CLIENT_SECRET": Setting(
        "dev-tasks-secret", secret=True, help="tasks' client secret at auth"
    ),
    # The worker.
    "SHELF_TASKS_WEB_RUNS_JOBS": Setting(
        False,
        help="each gunicorn worker of the web process also runs a job worker and the "
        "scheduler in threads (make run's default: one process fewer); off, run "
        "`shelf-tasks worker --scheduler` apart",
    ),
    "SHELF_TASKS_WORKER_CONCURRENCY": Setting(4, help="jobs one worker process runs at once"),
    "SHELF_TASKS_POLL_INTERVAL": Setting(1.0, help="seconds between a worker's looks for due jobs"),
    "SHELF_TASKS_LEASE_SECONDS": Setting(
        60, help="how long a claimed job stays a worker's without a heartbeat"
    ),
    "SHELF_TASKS_QUEUES": Setting(
        "default", help="comma-separated queues a worker takes jobs from"
    ),
    # The whole shutdown takes this plus about 1.5 s: inside honcho's ~5 s between SIGTERM
    # (or Ctrl-C) and SIGKILL, and Docker's 10 s, so releasing always happens first.
    "SHELF_TASKS_SHUTDOWN_SECONDS": Setting(
        2.0, help="on SIGTERM, how long a worker gives its running jobs before releasing them"
    ),
    "SHELF_TASKS_MAX_INTERRUPTIONS": Setting(
        10,
        help="interruptions (worker died, a service "
        "restarting) given back per job before "
        "they count as failed attempts",
    ),
    "SHELF_TASKS_RETRY_BASE_SECONDS": Setting(
        10.0, help="backoff after a first failure; doubles with each attempt (with jitter)"
    ),
    "SHELF_TASKS_RETRY_MAX_SECONDS": Setting(3600.0, help="longest backoff between attempts"),
    "SHELF_TASKS_RETENTION_DAYS": Setting(30, help="purge finished jobs older than this"),
    # Only for tests: registers the kinds "noop", "sleep", "fail" and "record".
    "SHELF_TASKS_TEST_HANDLERS": Setting(False, help="register test-only job kinds"),
    # The scheduler.
    "SHELF_TASKS_SCHEDULER_INTERVAL": Setting(
        5.0, help="seconds between a scheduler's looks at the cron schedules"
    ),
    # fetch_metadata and check_links: shelf-fetch's settings (SHELF_FETCH_*).
    **{name: Setting(default, help=meaning) for name, (default, meaning) in FETCH_SETTINGS.items()},
    # send_email.
    "SHELF_SMTP_HOST": Setting("localhost", help="SMTP server"),
    "SHELF_SMTP_PORT": Setting(8025, help="SMTP port (8025: `shelf-tasks mail-sink`)"),
    "SHELF_SMTP_USERNAME": Setting("", help="SMTP login, empty for none"),
    "SHELF_SMTP_PASSWORD": Setting("", help="SMTP password"),
    "SHELF_SMTP_STARTTLS": Setting(False, help="upgrade the connection with STARTTLS"),
    "SHELF_SMTP_SSL": Setting(False, help="connect with TLS from the start (port 465)"),
    "SHELF_SMTP_TIMEOUT": Setting(15.0, help="seconds an SMTP conversation step may take"),
    "SHELF_SMTP_FROM": Setting("Shelf <shelf@localhost>", help="the From address of mail"),
    # backup.
    "SHELF_BACKUP_DIR": Setting(_backup_dir_default, help="folder backups are written to"),
    "SHELF_BACKUP_KEEP": Setting(7, help="backups kept; older ones are deleted"),
}
