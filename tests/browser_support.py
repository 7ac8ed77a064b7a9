"""Helpers for the browser test: a small web site on loopback for Shelf to fetch, a browser
bookmark export to import, and Chromium's launch settings.

    with loopback_site() as site:
        site.url + ARTICLE_PATH          # a page with <title>, description, og:image, favicon
        site.requests                    # paths asked for so far (Shelf's fetcher, the browser)

    netscape_export(export_entries(site, 240))   # a browser's "export bookmarks" file
"""

from __future__ import annotations

import html
import struct
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

from loopback_site import Answer, Site

# Debian's build of Chromium's headless shell (package chromium-headless-shell, built from the
# same source as the chromium package), as Playwright itself runs headless tests: without the
# full browser's UI, the browser tests take about 40 % less CPU (62 to 38 CPU-seconds a pass).
# The full browser serves where only it is installed.
HEADLESS_SHELL = Path("/usr/bin/chromium-headless-shell")
CHROMIUM = next(
    (path for path in (HEADLESS_SHELL, Path("/usr/bin/chromium")) if path.exists()), HEADLESS_SHELL
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# The page Shelf is asked to save. Its words are unusual on purpose: a search for one of them
# finds this bookmark and nothing else.
ARTICLE_PATH = "/articles/quokka-migration"
ARTICLE_TITLE = "Quokkas cross the Zanzibrook estuary"
ARTICLE_DESCRIPTION = "A field report on how quokkas swim between islands at dawn."

# One entry of the export, easy to search for among the others.
NEEDLE_INDEX = 137
NEEDLE_TITLE = "Lighthouse keepers of Vornholm"
FOLDERS = ("Recipes", "Travel", "Software", "Reading")


def solid_png(size: int = 16, rgb: tuple[int, int, int] = (214, 122, 38)) -> bytes:
    """A PNG of one colour (the favicon and the preview image)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG_16 = solid_png()


def article_html(base: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{html.escape(ARTICLE_TITLE)}</title>
  <meta name="description" content="{html.escape(ARTICLE_DESCRIPTION)}">
  <meta property="og:title" content="{html.escape(ARTICLE_TITLE)}">
  <meta property="og:image" content="{base}/images/quokka.png">
  <link rel="icon" type="image/png" href="{base}/favicon.png">
</head>
<body>
  <header><nav>Field notes</nav></header>
  <article>
    <h1>{html.escape(ARTICLE_TITLE)}</h1>
    <p>{html.escape(ARTICLE_DESCRIPTION)} They leave at first light and come back by dusk.</p>
  </article>
</body>
</html>
"""


def imported_title(index: int) -> str:
    return NEEDLE_TITLE if index == NEEDLE_INDEX else f"Imported page number {index}"


def imported_path(index: int) -> str:
    return f"/imported/{index}"


def imported_description(index: int) -> str:
    """Every imported page describes itself at length: the list's rows then carry a
    description each, the densest case for counting rows above the fold."""
    return (
        f"Page {index} of the imported collection, with a description long enough to "
        "fill the line it is given in the list and then some more words after that."
    )


def imported_html(index: int) -> str:
    title = html.escape(imported_title(index))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        f"<meta name='description' content='{html.escape(imported_description(index))}'>"
        f"</head><body><p>{title}</p></body></html>"
    )


def loopback_site() -> Site:
    """The site the browser test bookmarks: the article (with its favicon and preview image)
    and every page of the export, `/imported/<n>`."""
    site = Site(answer=imported_page)
    site.serve(ARTICLE_PATH, article_html(site.url).encode())
    for path in ("/favicon.png", "/favicon.ico", "/images/quokka.png"):
        site.serve(path, PNG_16, "image/png")
    return site


def imported_page(path: str) -> Answer | None:
    index = path.removeprefix("/imported/")
    if path.startswith("/imported/") and index.isdigit():
        return Answer(imported_html(int(index)).encode())
    return None


@dataclass(frozen=True)
class ExportEntry:
    url: str
    title: str
    folder: str
    description: str = ""


def export_entries(site: Site, count: int) -> list[ExportEntry]:
    return [
        ExportEntry(
            site.url + imported_path(i),
            imported_title(i),
            FOLDERS[i % len(FOLDERS)],
            imported_description(i),
        )
        for i in range(1, count + 1)
    ]


def netscape_export(entries: list[ExportEntry], *, now: int | None = None) -> str:
    """The file a browser writes for "export bookmarks" (Netscape bookmark format), the
    entries in a folder each, under the bookmarks bar, as Chromium and Firefox write it."""
    now = int(time.time()) if now is None else now
    lines = [
        "<!DOCTYPE NETSCAPE-Bookmark-file-1>",
        "<!-- This is an automatically generated file.",
        "     It will be read and overwritten.",
        "     DO NOT EDIT! -->",
        '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">',
        "<TITLE>Bookmarks</TITLE>",
        "<H1>Bookmarks</H1>",
        "<DL><p>",
        f'    <DT><H3 ADD_DATE="{now - 86400}" LAST_MODIFIED="{now}" '
        'PERSONAL_TOOLBAR_FOLDER="true">Bookmarks bar</H3>',
        "    <DL><p>",
    ]
    for folder in FOLDERS:
        lines.append(
            f'        <DT><H3 ADD_DATE="{now - 86400}" LAST_MODIFIED="{now}">'
            f"{html.escape(folder)}</H3>"
        )
        lines.append("        <DL><p>")
        for number, entry in enumerate(e for e in entries if e.folder == folder):
            lines.append(
                f'            <DT><A HREF="{html.escape(entry.url)}" '
                f'ADD_DATE="{now - 3600 - number}">{html.escape(entry.title)}</A>'
            )
            if entry.description:  # as browsers and linkding write a bookmark's description
                lines.append(f"            <DD>{html.escape(entry.description)}")
        lines.append("        </DL><p>")
    lines += ["    </DL><p>", "</DL><p>", ""]
    return "\n".join(lines)


# -- accessibility ------------------------------------------------------------------------------

_AXE = Axe()


def axe_violations(page) -> list[str]:
    """What axe-core (the engine behind most accessibility checkers) finds wrong on the page
    as it is now: one line per violation, naming the rule, its impact and the elements."""
    results = _AXE.run(page).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -- "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in results["violations"]
    ]


# -- what a person sees ------------------------------------------------------------------------


def rows_above_the_fold(page) -> int:
    """How many bookmarks of the list are wholly inside the first screen, each with its
    title, domain, tags and date in view."""
    return page.evaluate("""() => {
        const fold = window.innerHeight;
        const seen = (el) => {
            if (!el) return false;
            const box = el.getBoundingClientRect();
            return box.width > 0 && box.height > 0 && box.bottom <= fold && box.top >= 0;
        };
        return [...document.querySelectorAll("li.bookmark")].filter((row) =>
            seen(row) && seen(row.querySelector(".bookmark-link"))
            && seen(row.querySelector(".bookmark-url")) && seen(row.querySelector("time"))
            && (!row.querySelector(".tag") || seen(row.querySelector(".tag")))).length;
    }""")


def page_bytes(page, path: str) -> dict[str, int]:
    """The bytes a first visit to `path` downloads from Shelf (HTML, CSS, scripts, icons),
    by kind, from the browser's own resource timing (the encoded body sizes)."""
    page.goto(path)
    page.wait_for_load_state("load")
    return page.evaluate("""() => {
        const nav = performance.getEntriesByType("navigation")[0];
        const sizes = {html: nav.encodedBodySize};
        for (const r of performance.getEntriesByType("resource")) {
            if (!r.name.startsWith(location.origin)) continue;
            const kind = r.name.split("?")[0].split(".").pop();
            sizes[kind] = (sizes[kind] || 0) + r.encodedBodySize;
        }
        return sizes;
    }""")
