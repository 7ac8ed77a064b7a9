"""Reading bookmark files: Netscape bookmark HTML (every browser's export, linkding's export),
Pocket's HTML export, Pinboard's JSON and Shelf's own JSON export.

Each reader turns a file into a list of entries (plain dicts, JSON-ready):
`{"url", "title", "description", "notes", "tag_names", "date_added" (ISO or None), "unread",
"shared", "is_archived", "line"}`. A file that cannot be read raises `ImportFileError` naming
the line. Entries whose URL Shelf cannot keep (`place:`, `javascript:`, `file:` and other
non-web links, or longer than 2048 characters) are skipped and listed, not refused.

HTML is read with the standard library's `html.parser`: a real HTML tokenizer, forgiving of
the format's unclosed `<DT>` and `<p>` tags, that knows the line of every tag.
"""

from __future__ import annotations

import codecs
import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from .models import URL_LENGTH

# Browsers' own top folders: not topics, so not tags.
ROOT_FOLDERS = {
    "bookmarks bar",
    "bookmarks toolbar",
    "other bookmarks",
    "bookmarks menu",
    "mobile bookmarks",
    "favorites bar",
    "favorites",
    "bookmarks",
}
NOTES = re.compile(r"\[linkding-notes\](.*?)\[/linkding-notes\]", re.S)
# Half of a UTF-16 pair on its own: JSON can spell one ("\ud800"), no database can store it.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


class ImportFileError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


def read(
    data: bytes, filename: str = "", *, folders_as_tags: bool = True
) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """(format, entries, skipped) of a bookmark file, whatever its kind."""
    text = decode(data)
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        entries = read_json(text)
        kind = "pinboard" if entries and entries[0].pop("_pinboard", False) else "json"
        for entry in entries:
            entry.pop("_pinboard", None)
    elif "<" in stripped:
        kind, entries = read_html(text, folders_as_tags=folders_as_tags)
    else:
        raise ImportFileError(
            "This is not a bookmark file (Netscape HTML, Pocket HTML, "
            "Pinboard JSON or Shelf JSON).",
            1,
        )
    return kind, *split_keepable(entries)


def decode(data: bytes) -> str:
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return _decode(data[len(bom) :], encoding)
    declared = CHARSET.search(data[:2048])
    if declared:
        name = declared.group(1).decode("ascii")
        try:
            codecs.lookup(name)
        except LookupError:
            raise ImportFileError(
                f"The file declares an unknown character set {name!r}.",
                _line_of(data, declared.start()),
            ) from None
        return _decode(data, name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # old Windows exports say nothing


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"The file is not valid {encoding}.", _line_of(data, error.start)
        ) from None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def parse_timestamp(value: str | None, line: int) -> str | None:
    if value is None or value.strip() == "":
        return None
    try:
        number = int(value.strip())
    except ValueError:
        raise ImportFileError(f"ADD_DATE {value!r} is not a Unix time.", line) from None
    if number > 10**14:  # microseconds (Firefox's internal unit)
        number //= 10**6
    elif number > 10**11:  # milliseconds
        number //= 10**3
    try:
        return datetime.fromtimestamp(number, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        raise ImportFileError(f"ADD_DATE {value!r} is not a Unix time.", line) from None


def entry(
    url: str,
    *,
    line: int,
    title: str = "",
    description: str = "",
    notes: str = "",
    tags: list[str] | None = None,
    date_added: str | None = None,
    unread: bool = False,
    shared: bool = False,
    is_archived: bool = False,
) -> dict[str, Any]:
    url, title, description, notes = map(storable, (url, title, description, notes))
    tags = [storable(name) for name in tags or []]
    description = description.strip()
    found = NOTES.search(description)
    if found:  # linkding puts notes in the description, wrapped in markers
        notes = notes or found.group(1).strip()
        description = NOTES.sub("", description).strip()
    return {
        "url": url.strip(),
        "title": " ".join(title.split())[:512],
        "description": description[:10_000],
        "notes": notes[:100_000],
        "tag_names": [name for name in (tags or []) if name],
        "date_added": date_added,
        "unread": unread,
        "shared": shared,
        "is_archived": is_archived,
        "line": line,
    }


def storable(text: str) -> str:
    """Text a database can keep: without NULs, lone surrogates replaced by U+FFFD."""
    return LONE_SURROGATE.sub("\ufffd", text.replace("\x00", ""))


def split_keepable(entries: list[dict[str, Any]]) -> tuple[list[dict], list[dict]]:
    kept, skipped = [], []
    for item in entries:
        reason = _unkeepable(item["url"])
        if reason:
            skipped.append({"line": item["line"], "url": item["url"][:200], "reason": reason})
        else:
            kept.append(item)
    return kept, skipped


def _unkeepable(url: str) -> str | None:
    if len(url) > URL_LENGTH:
        return f"longer than {URL_LENGTH} characters"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "not a URL"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "not a web (http or https) link"
    return None


# -- HTML: Netscape bookmark files and Pocket's export ------------------------------------------


def tag_from_folder(name: str) -> str:
    return "-".join(name.split())


class _BookmarkHtml(HTMLParser):
    def __init__(self, *, folders_as_tags: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.folders_as_tags = folders_as_tags
        self.entries: list[dict[str, Any]] = []
        self.folders: list[str | None] = []  # one per open <DL>; None: not a tag
        self.pending_folder: str | None = None
        self.folder_text: list[str] | None = None
        self.folder_attrs: dict[str, str | None] = {}
        self.link: dict[str, Any] | None = None
        self.link_text: list[str] = []
        self.description: list[str] | None = None
        self.netscape = False
        self.section: str | None = None  # Pocket: "unread" / "archive"
        self.heading: list[str] | None = None
        self.saw_structure = False

    def handle_decl(self, decl: str) -> None:
        if "netscape-bookmark-file" in decl.lower():
            self.netscape = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        if tag in ("dt", "dl", "a", "h3", "li") or (tag == "dd" and self.description):
            self._end_description()
        if tag == "dl":
            self.saw_structure = True
            self.folders.append(self.pending_folder)
            self.pending_folder = None
        elif tag == "h3":
            self.folder_text = []
            self.folder_attrs = dict(attrs)
        elif tag == "h1":
            self.heading = []
        elif tag == "a":
            if self.link is not None:
                raise ImportFileError("A link starts inside another link.", line)
            values = {name.lower(): value for name, value in attrs}
            href = values.get("href")
            if href is None:
                raise ImportFileError("A link has no HREF.", line)
            self.saw_structure = True
            self.link = {"line": line, **values}
            self.link_text = []
        elif tag == "dd":
            self.description = []

    def handle_endtag(self, tag: str) -> None:
        line = self.getpos()[0]
        if tag == "a" and self.link is not None:
            self._end_link()
        elif tag == "h3" and self.folder_text is not None:
            name = " ".join("".join(self.folder_text).split())
            root = (
                self.folder_attrs.get("personal_toolbar_folder") is not None
                or self.folder_attrs.get("unfiled_bookmarks_folder") is not None
                or name.lower() in ROOT_FOLDERS
            )
            self.pending_folder = None if root or not name else tag_from_folder(name)
            self.folder_text = None
        elif tag == "h1" and self.heading is not None:
            heading = " ".join("".join(self.heading).split()).lower()
            self.section = (
                "archive" if "archive" in heading else "unread" if "unread" in heading else None
            )
            self.heading = None
        elif tag == "dl":
            self._end_description()
            if not self.folders:
                raise ImportFileError("A </DL> closes a folder that was never opened.", line)
            self.folders.pop()

    def handle_data(self, data: str) -> None:
        if self.link is not None:
            self.link_text.append(data)
        elif self.folder_text is not None:
            self.folder_text.append(data)
        elif self.heading is not None:
            self.heading.append(data)
        elif self.description is not None:
            self.description.append(data)

    def _end_link(self) -> None:
        link, self.link = self.link, None
        assert link is not None  # called only while a link is open
        line = link["line"]
        tags = [name.strip() for name in (link.get("tags") or "").split(",")]
        tags = [part for name in tags for part in name.split()]
        if self.folders_as_tags:
            tags = [folder for folder in self.folders if folder] + tags
        added = link.get("add_date") or link.get("time_added")
        item = entry(
            link["href"] or "",
            line=line,
            title="".join(self.link_text),
            tags=tags,
            date_added=parse_timestamp(added, line),
            unread=link.get("toread") == "1" or self.section == "unread",
            shared=link.get("private") == "0",
            is_archived=self.section == "archive",
        )
        self.entries.append(item)
        self.description = None

    def _end_description(self) -> None:
        if self.description is not None and self.entries:
            text = "".join(self.description).strip()
            if text and not self.entries[-1]["description"]:
                self.entries[-1].update(
                    entry(
                        self.entries[-1]["url"],
                        line=self.entries[-1]["line"],
                        **_with_description(self.entries[-1], text),
                    )
                )
        self.description = None


def _with_description(item: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "title": item["title"],
        "description": text,
        "notes": item["notes"],
        "tags": item["tag_names"],
        "date_added": item["date_added"],
        "unread": item["unread"],
        "shared": item["shared"],
        "is_archived": item["is_archived"],
    }


def read_html(text: str, *, folders_as_tags: bool = True) -> tuple[str, list[dict[str, Any]]]:
    parser = _BookmarkHtml(folders_as_tags=folders_as_tags)
    parser.feed(text)
    parser.close()
    parser._end_description()
    if parser.link is not None:
        raise ImportFileError("This link is never closed (no </A>).", parser.link["line"])
    if not parser.saw_structure:
        raise ImportFileError(
            "This is not a bookmark file: it has no <DL> folders and no <A HREF> links.", 1
        )
    kind = "netscape" if parser.netscape or parser.section is None else "pocket"
    return kind, parser.entries


# -- JSON: Pinboard's export and Shelf's own -----------------------------------------------------


def read_json(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFileError(f"This is not valid JSON: {error.msg}.", error.lineno) from None
    except RecursionError:
        raise ImportFileError("This JSON is nested too deeply to be a bookmark file.", 1) from None
    if isinstance(data, dict):
        data = data.get("bookmarks", data.get("results"))
    if not isinstance(data, list):
        raise ImportFileError("A JSON import must be a list of bookmarks.", 1)
    lines = _json_item_lines(text, len(data))
    entries = []
    for index, item in enumerate(data):
        line = lines[index]
        if not isinstance(item, dict):
            raise ImportFileError(f"Bookmark {index + 1} is not an object.", line)
        if "href" in item:  # Pinboard
            tags = _text_list(item.get("tags") or "", f"Bookmark {index + 1}: tags", line)
            entries.append(
                {
                    **entry(
                        str(item["href"]),
                        line=line,
                        title=str(item.get("description") or ""),
                        description=str(item.get("extended") or ""),
                        tags=tags,
                        date_added=_iso(item.get("time"), line),
                        unread=item.get("toread") == "yes",
                        shared=item.get("shared") == "yes",
                    ),
                    "_pinboard": True,
                }
            )
        elif "url" in item:  # Shelf's (linkding-shaped) export
            tags = _text_list(
                item.get("tag_names") or [], f"Bookmark {index + 1}: tag_names", line, split=False
            )
            entries.append(
                entry(
                    str(item["url"]),
                    line=line,
                    title=str(item.get("title") or ""),
                    description=str(item.get("description") or ""),
                    notes=str(item.get("notes") or ""),
                    tags=tags,
                    date_added=_iso(item.get("date_added"), line),
                    unread=bool(item.get("unread")),
                    shared=bool(item.get("shared")),
                    is_archived=bool(item.get("is_archived")),
                )
            )
        else:
            raise ImportFileError(f"Bookmark {index + 1} has no url (or Pinboard href).", line)
    return entries


def _text_list(value: Any, what: str, line: int, *, split: bool = True) -> list[str]:
    """Tags as a list of text (Pinboard: also one space-separated text)."""
    if split and isinstance(value, str):
        return value.split()
    if isinstance(value, list) and all(isinstance(name, str) for name in value):
        return value
    shape = "text or a list of text" if split else "a list of text"
    raise ImportFileError(f"{what} must be {shape}, not {json.dumps(value)[:80]}.", line)


def _iso(value: Any, line: int) -> str | None:
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ImportFileError(f"{value!r} is not an ISO 8601 time.", line) from None
    try:
        utc = parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except OverflowError:  # the offset takes it past year 9999 (or before year 1) in UTC
        raise ImportFileError(f"{value!r} is out of range.", line) from None
    return utc.isoformat()


def _json_item_lines(text: str, count: int) -> list[int]:
    """The line each top-level item starts on (best effort: objects' opening braces)."""
    lines, depth, line, in_string, escaped = [], 0, 1, False, False
    for char in text:
        if char == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth == 2:
                lines.append(line)
        elif char in "]}":
            depth -= 1
    lines.extend([1] * (count - len(lines)))
    return lines
