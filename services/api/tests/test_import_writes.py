"""What an import writes, checked against what the file says: every bookmark with its fields
and its tags (spelled as first named), the owner's bookmarks gaining only, searches finding
the imported text, and one fetch of each new bookmark's page, behind bookmarks added by hand.
Imports write a chunk of 500 in a few statements (imports.py); 1,203 entries span three."""

import html
import io
from datetime import UTC, datetime

from sqlalchemy import select

from shelf_api.models import OutboxMessage
from shelf_api.tag_names import MAX_PER_BOOKMARK, fold

WORDS = ("alpha", "Beta", "gamma", "délta", "ΣΟΦΙΑ", "kelvin")
SPELLINGS = ("Python", "python", "PYTHON", "Ünï", "ünï", "rust", "Web", "web")


def entry(n):
    """Entry n of the file: its URL, title, description, tags and date."""
    tags = [SPELLINGS[(n + k) % len(SPELLINGS)] for k in range(n % 4)] + [f"t{n % 37}"]
    return {
        "url": f"https://example.com/p/{n}",
        "title": f"Title {n} {WORDS[n % len(WORDS)]}",
        "description": f"about {WORDS[(n * 7) % len(WORDS)]} number {n}",
        "tags": tags,
        "added": 1_600_000_000 + n * 60,
    }


ENTRIES = [entry(n) for n in range(1200)]
# Three entries again, the same pages under other spellings of their URLs, with more tags.
AGAIN = [
    {**entry(n), "url": f"https://EXAMPLE.com/p/{n}#again", "tags": ["again", "Rust"]}
    for n in (3, 600, 1100)
]
SEVEN_TAGS = ["onlyseven"]  # bookmark 7 is full already: this tag is made, not given to it


def netscape(entries):
    lines = ["<!DOCTYPE NETSCAPE-Bookmark-file-1>", "<DL><p>"]
    for item in entries:
        tags = SEVEN_TAGS if item["url"].endswith("/p/7") else item["tags"]
        lines.append(
            f'<DT><A HREF="{html.escape(item["url"])}" ADD_DATE="{item["added"]}" '
            f'TAGS="{",".join(tags)}">{html.escape(item["title"])}</A>'
        )
        lines.append(f"<DD>{html.escape(item['description'])}")
    lines.append("</DL><p>")
    return "\n".join(lines).encode()


def library(user):
    page = user.get("/api/bookmarks/?limit=5000").get_json()
    assert page["next"] is None
    return {b["url"]: b for b in page["results"]}


def test_an_import_writes_every_bookmark_with_its_fields_and_tags(ann, database):
    # Before: a bookmark with no title (the file fills it) and one with the most tags.
    five = ann.add("https://example.com/p/5", title="", tag_names=["Mine"])
    seven = ann.add(
        "https://example.com/p/7",
        title="kept",
        tag_names=[f"full{n}" for n in range(MAX_PER_BOOKMARK)],
    )
    answer = ann.post(
        "/api/bookmarks/import/",
        content_type="multipart/form-data",
        data={
            "file": (io.BytesIO(netscape(ENTRIES + AGAIN)), "bookmarks.html"),
            "folders_as_tags": "false",
        },
    )
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert (body["total"], body["created"], body["updated"]) == (1200, 1198, 2)  # 5 and 7

    # The tags: one per folded name, spelled as the owner had it, else as the file first did.
    spelled = {fold(name): name for name in ["Mine", *seven["tag_names"]]}
    for item in ENTRIES + AGAIN:
        for name in SEVEN_TAGS if item["url"].endswith("/p/7") else item["tags"]:
            spelled.setdefault(fold(name), name)
    tags = ann.get("/api/tags/?limit=1000").get_json()["results"]
    assert sorted(tag["name"] for tag in tags) == sorted(spelled.values())

    found = library(ann)
    assert len(found) == 1200
    text = {}  # what a search reads of each bookmark: title, description, URL
    for item in ENTRIES:
        bookmark = found.pop(item["url"])
        names = {fold(name) for name in item["tags"]}
        if item["url"].endswith(("/p/3", "/p/600", "/p/1100")):
            names |= {"again", "rust"}
        title = item["title"]
        if item["url"].endswith("/p/5"):
            names.add("mine")
        if item["url"].endswith("/p/7"):
            names, title = {fold(name) for name in seven["tag_names"]}, "kept"
        assert bookmark["title"] == title, item["url"]
        assert bookmark["description"] == item["description"], item["url"]
        assert sorted(bookmark["tag_names"], key=fold) == sorted(
            (spelled[name] for name in names), key=fold
        ), item["url"]
        if not item["url"].endswith(("/p/5", "/p/7")):
            added = datetime.fromtimestamp(item["added"], UTC)
            assert datetime.fromisoformat(bookmark["date_added"]) == added, item["url"]
        text[item["url"]] = f"{title}\n{item['description']}\n{item['url']}"
    assert found == {}

    # Searches find the imported text as the file has it (any case), and the tags.
    for word in (
        "alpha",
        "BETA",
        "délta",
        "σοφια",
        "Kelvin",
        '"number 11"',
        "example.com/p/12",
        "tle",
        '"5 gamma"',
    ):
        expected = {
            url
            for url, searched in text.items()
            if word.strip('"').casefold() in searched.casefold()
        }
        page = ann.get("/api/bookmarks/", query_string={"q": word, "limit": 5000}).get_json()
        assert {b["url"] for b in page["results"]} == expected, word
    tagged = ann.get("/api/bookmarks/", query_string={"q": "#PYTHON", "limit": 5000})
    assert tagged.get_json()["count"] == sum(
        1
        for item in ENTRIES
        if "python" in {fold(name) for name in item["tags"]} and not item["url"].endswith("/p/7")
    )

    # One fetch per new bookmark, in jobs of at most 500, behind the ones added by hand.
    with database.transaction() as session:
        messages = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    by_hand = [m for m in messages if "bookmark_id" in m.payload["args"]]
    batches = [m for m in messages if "bookmark_ids" in m.payload["args"]]
    assert [(m.payload["args"]["bookmark_id"], m.priority) for m in by_hand] == [
        (five["id"], 0),
        (seven["id"], 0),
    ]
    assert all(m.priority == 10 < len(m.payload["args"]["bookmark_ids"]) <= 500 for m in batches)
    fetched = [i for m in batches for i in m.payload["args"]["bookmark_ids"]]
    imported = {b["id"] for b in library(ann).values()} - {five["id"], seven["id"]}
    assert sorted(fetched) == sorted(imported)


def test_importing_the_same_file_again_writes_nothing(ann, database):
    data = netscape(ENTRIES[:600])
    first = ann.post(
        "/api/bookmarks/import/",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(data), "bookmarks.html")},
    ).get_json()
    before = library(ann)
    with database.transaction() as session:
        messages = session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()))
    again = ann.post(
        "/api/bookmarks/import/",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(data), "bookmarks.html")},
    ).get_json()
    assert (first["created"], again["created"], again["updated"]) == (600, 0, 0)
    assert library(ann) == before
    with database.transaction() as session:  # no page asked for again
        assert (
            session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc())) == messages
        )
