"""shelfctl against the whole of Shelf running as real processes (one system for the session).

Each test runs the installed `shelfctl` console script, as an operator would."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import requests

from conftest import ADMIN, ADMIN_PASSWORD


def rows(out: str) -> dict[str, list[str]]:
    """A table's rows by their first cell, each split on runs of 2+ spaces."""
    import re

    lines = out.strip().splitlines()
    return {parts[0]: parts for parts in (re.split(r"\s{2,}", line) for line in lines[1:])}


def single_line(run) -> str:
    assert "Traceback" not in run.err, run
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run
    return lines[0]


def netscape(urls: list[str], folder: str = "reading") -> str:
    items = "\n".join(
        f'<DT><A HREF="{url}" ADD_DATE="1700000000">Page {n}</A>' for n, url in enumerate(urls)
    )
    return (
        "<!DOCTYPE NETSCAPE-Bookmark-file-1>\n<TITLE>Bookmarks</TITLE><H1>Bookmarks</H1>\n"
        f"<DL><p>\n<DT><H3>{folder}</H3>\n<DL><p>\n{items}\n</DL><p>\n</DL><p>\n"
    )


def admin_token(system) -> str:
    answer = requests.post(
        system.urls["auth"] + "/v1/sessions",
        timeout=10,
        json={"username": ADMIN, "password": ADMIN_PASSWORD},
    )
    answer.raise_for_status()
    return answer.json()["access_token"]


# -- status -------------------------------------------------------------------------------------


def test_status_shows_every_service_then_the_one_that_is_down(ctl, shelf_system):
    run = ctl("status")
    assert run.code == 0, run
    table = rows(run.out)
    assert list(table) == ["auth", "api", "tasks", "ui"]
    for service, row in table.items():
        version = requests.get(shelf_system.urls[service] + "/healthz", timeout=5).json()["version"]
        assert row[1:5] == [shelf_system.urls[service], "ok", "ready", version], run

    shelf_system.stop("api")
    try:
        run = ctl("status")
        assert run.code == 1, run
        table = rows(run.out)
        assert table["api"][2] == "down" and table["api"][-1] == "connection refused", run
        assert table["auth"][2:4] == ["ok", "ready"], run
        # ui needs api: it is not ready (or degraded), and says api is why
        assert table["ui"][2] == "ok" and table["ui"][3] in ("not ready", "degraded"), run
        assert "api" in table["ui"][-1], run
        summary = single_line(run)
        assert summary.endswith(
            " down or not ready: api" + (", ui" if table["ui"][3] == "not ready" else "")
        ), run

        run = ctl("export")
        assert run.code == 1
        assert single_line(run) == (
            f"api is unavailable at {shelf_system.urls['api']}: connection refused"
        )
    finally:
        shelf_system.start("api")
    assert ctl("status").code == 0


# -- users --------------------------------------------------------------------------------------


def test_user_create_list_promote_deactivate(ctl, unique):
    name = unique("reader")
    run = ctl(
        "user", "create", name, "--password", "reader-password-1", "--email", f"{name}@example.org"
    )
    assert run.code == 0, run
    assert run.out.startswith(f"created user {name!r} (id ")

    listed = rows(ctl("user", "list").out)
    mine = next(row for row in listed.values() if row[1] == name)
    user_id = mine[0]
    assert mine[2:5] == [f"{name}@example.org", "no", "yes"]
    assert any(row[1] == ADMIN and row[3] == "yes" for row in listed.values())

    as_reader = {"SHELFCTL_USERNAME": name, "SHELFCTL_PASSWORD": "reader-password-1"}
    run = ctl("user", "list", env=as_reader)  # not an admin (yet)
    assert run.code == 1
    assert single_line(run) == "not allowed: Only administrators may do this."

    run = ctl("user", "promote", name)
    assert run.code == 0, run
    assert run.out.strip() == f"user {name!r} (id {user_id}) is an administrator"
    run = ctl("user", "list", "--json", env=as_reader)  # now it may
    assert run.code == 0, run
    assert {u["username"]: u["is_admin"] for u in json.loads(run.out)}[name] is True

    run = ctl("user", "deactivate", user_id)  # by id this time
    assert run.code == 0, run
    assert run.out.strip() == f"user {name!r} (id {user_id}) is deactivated"
    row = next(r for r in rows(ctl("user", "list", "-q", name).out).values() if r[1] == name)
    assert row[3:5] == ["yes", "no"]
    run = ctl("user", "list", env=as_reader)
    assert run.code == 1
    assert single_line(run) == "login failed: This account is disabled."

    run = ctl("user", "create", name, "--password", "reader-password-1")
    assert run.code == 1
    assert name in single_line(run) or "taken" in single_line(run).lower()
    run = ctl("user", "promote", unique("nobody"))
    assert run.code == 1
    assert single_line(run).startswith("not found: no user with the username or id")


def test_a_wrong_password_is_one_line(ctl):
    run = ctl("user", "list", env={"SHELFCTL_PASSWORD": "not-the-password"})
    assert run.code == 1
    assert single_line(run) == "login failed: Wrong username or password."

    run = ctl("jobs", "list", env={"SHELFCTL_TOKEN": "not.a.token"})
    assert run.code == 1
    assert single_line(run).startswith("login failed: ")


# -- import and export --------------------------------------------------------------------------


def test_import_then_export_returns_the_bookmarks(ctl, unique, tmp_path):
    urls = [f"https://{unique('small')}.example.org/page" for _ in range(3)]
    source = tmp_path / "bookmarks.html"
    source.write_text(netscape(urls, folder="toolbox"))
    run = ctl("import", str(source))
    assert run.code == 0, run
    assert run.out.strip() == (
        "imported 3 bookmarks from bookmarks.html (netscape): 3 created, 0 updated"
    )

    run = ctl("export")  # html to stdout
    assert run.code == 0, run
    assert run.out.startswith("<!DOCTYPE NETSCAPE-Bookmark-file-1>")
    assert all(f'HREF="{url}"' in run.out for url in urls)

    target = tmp_path / "export.json"
    run = ctl("export", "--format", "json", "-o", str(target))
    assert run.code == 0, run
    assert run.err.startswith("wrote ") and str(target) in run.err
    exported = json.loads(target.read_text())
    items = (
        exported
        if isinstance(exported, list)
        else next(value for value in exported.values() if isinstance(value, list))
    )
    mine = {item["url"]: item for item in items if item["url"] in urls}
    assert set(mine) == set(urls)
    assert all("toolbox" in json.dumps(item) for item in mine.values())

    run = ctl("import", str(source))  # the same file again: merged by URL
    assert run.code == 0, run
    assert "0 created" in run.out


def test_a_file_api_cannot_read_is_refused_in_one_line(ctl, tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_bytes(b"\x00\x01 this is no bookmark file")
    run = ctl("import", str(junk))
    assert run.code == 1
    assert single_line(run).startswith("api refused the request (400): file: ")


def test_a_large_import_is_followed_to_the_end(ctl, unique, tmp_path):
    urls = [f"https://{unique('large')}.example.org/{n}" for n in range(250)]
    source = tmp_path / "large.html"
    source.write_text(netscape(urls))
    run = ctl("import", str(source), "--timeout", "40", timeout=60)
    assert run.code == 0, run
    assert run.out.strip() == (
        "imported 250 bookmarks from large.html (netscape): 250 created, 0 updated"
    )
    progress = run.err.strip().splitlines()
    assert progress[-1].endswith(": 250 of 250 bookmarks (100%)"), run
    import_id = progress[-1].split()[1].rstrip(":")

    exported = ctl("export", "--format", "csv").out
    assert all(url in exported for url in urls)

    listed = json.loads(ctl("jobs", "list", "--kind", "import_bookmarks", "--json").out)
    job = next(j for j in listed["results"] if j["args"].get("import_id") == int(import_id))
    assert (job["state"], job["progress"]) == ("completed", 100)
    table = rows(ctl("jobs", "list", "--kind", "import_bookmarks", "--state", "completed").out)
    assert table[str(job["id"])][1:5] == [
        "import_bookmarks",
        "completed",
        f"1/{job['max_attempts']}",
        "100%",
    ]


# -- jobs and schedules -------------------------------------------------------------------------


def test_jobs_cancel_and_retry(ctl, shelf_system):
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    answer = requests.post(
        shelf_system.urls["tasks"] + "/v1/jobs",
        timeout=10,
        json={
            "kind": "send_email",
            "run_at": later,
            "args": {"to": "ops@example.org", "subject": "from shelfctl's tests", "text": "hello"},
        },
        headers={"Authorization": f"Bearer {admin_token(shelf_system)}"},
    )
    assert answer.status_code == 201, answer.text
    job_id = answer.json()["id"]

    assert rows(ctl("jobs", "list", "--state", "scheduled").out)[str(job_id)][1:3] == [
        "send_email",
        "scheduled",
    ]
    run = ctl("jobs", "cancel", str(job_id))
    assert run.code == 0, run
    assert run.out.strip() == f"job {job_id} (send_email) is now cancelled"
    run = ctl("jobs", "cancel", str(job_id))  # finished: refused
    assert run.code == 1
    assert single_line(run).startswith("refused: ")

    run = ctl("jobs", "retry", str(job_id))
    assert run.code == 0, run
    assert run.out.strip() == f"job {job_id} (send_email) is now available"
    run = ctl("jobs", "show", str(job_id))
    assert run.code == 0 and "id:" in run.out and "send_email" in run.out, run

    run = ctl("jobs", "retry", "999999")
    assert run.code == 1
    assert single_line(run) == "not found: Job 999999 does not exist."


def test_schedules_list_disable_enable(ctl):
    run = ctl("schedules", "list", "--json")
    assert run.code == 0, run
    schedules = json.loads(run.out)
    assert schedules, "tasks has no schedules"
    first = schedules[0]
    table = rows(ctl("schedules", "list").out)
    assert table[str(first["id"])][1:4] == [first["name"], first["kind"], first["cron"]]

    run = ctl("schedules", "disable", first["name"])
    assert run.code == 0, run
    assert run.out.strip() == f"schedule {first['name']!r} (id {first['id']}) is disabled"
    assert rows(ctl("schedules", "list").out)[str(first["id"])][4] == "no"

    run = ctl("schedules", "enable", str(first["id"]))
    assert run.code == 0, run
    assert run.out.startswith(
        f"schedule {first['name']!r} (id {first['id']}) is enabled; next fire"
    )
    assert rows(ctl("schedules", "list").out)[str(first["id"])][4] == "yes"
