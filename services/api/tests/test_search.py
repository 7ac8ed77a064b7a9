"""linkding's search language: the parser's tree, and what each query finds on the database."""

import pytest

from shelf_api.search import And, Keyword, Not, Or, SearchSyntaxError, Tag, Term, parse


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("", None),
        ("   ", None),
        ("python", Term("python")),
        ("python web", And((Term("python"), Term("web")))),
        ("python and web", And((Term("python"), Term("web")))),
        ("python AND web", And((Term("python"), Term("web")))),
        ("a or b c", Or((Term("a"), And((Term("b"), Term("c")))))),
        ("a b or c", Or((And((Term("a"), Term("b"))), Term("c")))),
        ("not a b", And((Not(Term("a")), Term("b")))),
        ("not not a", Not(Not(Term("a")))),
        ("(a or b) c", And((Or((Term("a"), Term("b"))), Term("c")))),
        ("(a or b)and(c)", And((Or((Term("a"), Term("b"))), Term("c")))),
        ("\"and\" 'or not'", And((Term("and", phrase=True), Term("or not", phrase=True)))),
        ("#Python !unread !Untagged", And((Tag("Python"), Keyword("unread"), Keyword("untagged")))),
        ("C# # !", And((Term("C#"), Term("#"), Term("!")))),
        ("not #a or !unread", Or((Not(Tag("a")), Keyword("unread")))),
    ],
)
def test_parse(query, tree):
    assert parse(query) == tree


@pytest.mark.parametrize(
    ("query", "position"),
    [
        ("a and", 5),
        ("or a", 0),
        ("a or or b", 5),
        ("not", 3),
        ("(a or b", 7),
        ("a)", 1),
        ("()", 1),
        ('"open', 0),
        ("a 'b", 2),
    ],
)
def test_parse_errors_say_where(query, position):
    with pytest.raises(SearchSyntaxError) as error:
        parse(query)
    assert error.value.position == position
    assert str(error.value).endswith(f"at position {position}.")


@pytest.fixture
def library(ann):
    """A small library; names are the last path segment of each URL."""
    ann.add(
        "https://example.com/django",
        title="Django tutorial",
        description="Web framework for Python",
        tag_names=["python", "web"],
    )
    ann.add(
        "https://example.com/flask",
        title="Flask docs",
        notes="micro framework",
        tag_names=["python"],
        unread=True,
    )
    ann.add("https://example.com/rust", title="The Rust Book", description="systems")
    ann.add("https://go.dev/tour", title="A Tour of Go", tag_names=["go", "web"])
    ann.add("https://example.com/ui", title="UI patterns", description="and or not")
    return ann


def found(user, query, path="/api/bookmarks/"):
    response = user.get(path, query_string={"q": query})
    assert response.status_code == 200, response.get_json()
    return sorted(b["url"].rsplit("/", 1)[1] for b in response.get_json()["results"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("python", ["django"]),  # description
        ("PYTHON", ["django"]),  # any case
        ("ramework", ["django", "flask"]),  # a substring, in description or notes
        ("go.dev", ["tour"]),  # the URL
        ("tutorial django", ["django"]),  # juxtaposition is and
        ("rust or flask", ["flask", "rust"]),
        ("framework not flask", ["django"]),
        ("not example.com", ["tour"]),
        ('"Tour of"', ["tour"]),  # a phrase with its space
        ("'tour of go'", ["tour"]),
        ('"Tour Go"', []),
        ("#python", ["django", "flask"]),
        ("#PYTHON #web", ["django"]),
        ("#python or #go", ["django", "flask", "tour"]),
        ("!unread", ["flask"]),
        ("!untagged", ["rust", "ui"]),
        ("!nonsense", ["django", "flask", "rust", "tour", "ui"]),
        ("(#web or !unread) not #go", ["django", "flask"]),
        ("ui", ["ui"]),  # two letters: LIKE on SQLite
        ("o", ["django", "flask", "rust", "tour", "ui"]),
        ('"and" "not"', ["ui"]),  # operators, quoted, are words
        ("100%", []),  # LIKE wildcards are literal
        ("_", []),
        ('"', None),
    ],
)
def test_search_finds(library, query, expected):
    if expected is None:
        response = library.get("/api/bookmarks/", query_string={"q": query})
        assert response.status_code == 400
        assert list(response.get_json()) == ["q"]
        assert "position 0" in response.get_json()["q"][0]
        return
    assert found(library, query) == expected


COUNTED = [
    "python",
    "ramework",
    "tutorial django",
    "rust or flask",
    "framework not flask",
    "not example.com",
    '"Tour of"',
    "#python",
    "#PYTHON #web",
    "#python or #go",
    "(#web or !unread) not #go",
    "!untagged",
    "web",
    "rust or web",
    "ui",
    "nosuchword",
]


@pytest.mark.parametrize("tag_search", ["strict", "lax"])
def test_the_count_of_a_search_is_the_number_of_bookmarks_it_finds(library, bob, tag_search):
    """A page holding fewer than all the matches makes api count them (linkding's `count`),
    on SQLite from the search index's rows (queries.count_rows): the count must be what the
    search finds, for the owner alone, archived bookmarks and filters included."""
    bob.add("https://example.com/bobs-python", title="Python framework for Bob", tag_names=["go"])
    library.patch("/api/user/profile/", json={"tag_search": tag_search})
    archived = library.post("/api/bookmarks/", json={"url": "https://example.com/old-python"})
    library.post(f"/api/bookmarks/{archived.get_json()['id']}/archive/")
    for query in COUNTED:
        for path, extra in (
            ("/api/bookmarks/", {}),
            ("/api/bookmarks/archived/", {}),
            ("/api/bookmarks/", {"unread": "yes"}),
        ):
            everything = library.get(path, query_string={"q": query, "limit": 100, **extra})
            one = library.get(path, query_string={"q": query, "limit": 1, **extra})
            assert everything.status_code == one.status_code == 200, one.get_json()
            found_all = len(everything.get_json()["results"])
            assert one.get_json()["count"] == everything.get_json()["count"] == found_all, (
                query,
                path,
                extra,
            )


def test_a_search_is_counted_from_the_rows_its_index_narrows_it_to(database):
    """SQLite: a search whose matches all hold a term's trigrams (or a tag) is counted by
    looking those rows up by id, not by reading every one of the owner's bookmarks."""
    from sqlalchemy import func, select, text

    from shelf_api import queries

    if database.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner")
    for query, narrowed in (
        ("python", True),
        ("#python", True),
        ('"machine learning" or rust not #archive', True),
        ("py", False),  # two characters: no trigram
        ("python or py", False),
        ("!unread", False),
    ):
        statement = queries.filtered(
            queries.owned(1, archived=False), {"q": query}, dialect="sqlite", lax_tags=False
        )
        assert bool(statement.get_execution_options().get(queries.COUNT_FROM_SEARCH_INDEX)) is (
            narrowed
        )
        if not narrowed:
            continue
        where = queries._by_id_only(statement.whereclause)
        counting = select(func.count()).select_from(queries.Bookmark).where(where)
        compiled = counting.compile(database.engine, compile_kwargs={"literal_binds": True})
        with database.engine.connect() as connection:
            plan = " ".join(
                str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
            )
        assert "USING INTEGER PRIMARY KEY" in plan and "ix_bookmarks_owner" not in plan, plan


def test_a_syntax_error_is_400_naming_the_position(library):
    response = library.get("/api/bookmarks/", query_string={"q": "python and (web"})
    assert response.status_code == 400
    assert response.get_json() == {"q": ["Missing ')' for the '(' at 11 at position 15."]}


def test_search_sees_later_edits_and_fetched_page_text(library, client, auth_service):
    bookmark = library.get("/api/bookmarks/", query_string={"q": "rust"}).get_json()
    bookmark_id = bookmark["results"][0]["id"]
    library.patch(f"/api/bookmarks/{bookmark_id}/", json={"title": "Ferris handbook"})
    assert found(library, "rust") == ["rust"]  # still in its URL
    assert found(library, "ferris") == ["rust"]
    assert found(library, "borrow checker") == []
    token = auth_service.service_token("tasks")
    response = client.patch(
        f"/v1/internal/bookmarks/{bookmark_id}/metadata",
        json={"page_text": "All about the borrow checker."},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    assert found(library, '"borrow checker"') == ["rust"]
    library.delete(f"/api/bookmarks/{bookmark_id}/")
    assert found(library, "ferris") == []


def test_search_is_scoped_to_the_owner(library, bob):
    bob.add("https://example.com/bobs-python", title="Python for Bob")
    assert found(bob, "python") == ["bobs-python"]
    assert found(library, "python") == ["django"]


def test_a_phrase_does_not_span_two_fields(library):
    """Postgres searches the fields joined into one indexed text: the join must not match."""
    assert found(library, '"tutorial web"') == []  # django's title ends, its description begins
    assert found(library, '"tutorial"') == ["django"]
    assert found(library, '"tutorial\x1fweb"') == []  # the join's own character, in a phrase


def test_lax_tag_search_lets_a_word_match_a_tag(library):
    assert found(library, "web") == ["django"]  # strict (the default): text only
    assert found(library, "python") == ["django"]
    library.patch("/api/user/profile/", json={"tag_search": "lax"})
    assert found(library, "web") == ["django", "tour"]
    assert found(library, "python") == ["django", "flask"]
    # beside not/or, and for a word that is nobody's tag
    assert sorted(found(library, "not web")) == ["flask", "rust", "ui"]
    assert sorted(found(library, "rust or web")) == ["django", "rust", "tour"]
    assert sorted(found(library, "not nosuchtag")) == ["django", "flask", "rust", "tour", "ui"]


def test_search_works_on_the_archive(library):
    page = library.get("/api/bookmarks/", query_string={"q": "flask"}).get_json()
    library.post(f"/api/bookmarks/{page['results'][0]['id']}/archive/")
    assert found(library, "flask") == []
    assert found(library, "flask", "/api/bookmarks/archived/") == ["flask"]


@pytest.mark.parametrize("word", ["framework", "ünï", "ΟΔΟΣ", "дом"])
def test_words_are_found_through_the_databases_own_indexes(database, word):
    """No scan: SQLite asks its FTS5 trigram table, Postgres its pg_trgm GIN indexes, in
    every script (case folded)."""
    from sqlalchemy import select, text

    from shelf_api.models import Bookmark
    from shelf_api.search import compile_search

    dialect = database.engine.dialect.name
    statement = select(Bookmark.id).where(compile_search(parse(word), dialect=dialect))
    compiled = statement.compile(database.engine, compile_kwargs={"literal_binds": True})
    with database.engine.connect() as connection:
        if dialect == "sqlite":
            plan = " ".join(
                str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
            )
            assert "VIRTUAL TABLE INDEX" in plan and "bookmarks_fts" in plan
        else:
            connection.execute(text("SET enable_seqscan = off"))
            plan = " ".join(row[0] for row in connection.execute(text(f"EXPLAIN {compiled}")))
            assert "ix_bookmarks_trgm_searched" in plan


def test_accented_words_match_whatever_their_case_on_both_databases(ann):
    ann.add("https://example.com/ecole", title="L'ÉCOLE normale")
    ann.add("https://example.com/strasse", title="Große Straße")
    assert found(ann, "école") == ["ecole"]
    assert found(ann, "straße") == ["strasse"]


def test_words_find_what_a_phrase_of_the_full_index_found(database):
    """SQLite's index keeps no trigram positions (migration 0010): a word is looked up by its
    trigrams, then matched on those rows. Against an index with positions (as before 0010)
    answering each word as a quoted phrase, it finds the same rows, for words whose trigrams
    a row holds apart, in other columns, or folded by the tokenizer beyond ASCII."""
    import random
    import sqlite3

    from sqlalchemy import select

    from shelf_api.models import Bookmark
    from shelf_api.search import compile_search

    if database.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's index")
    texts = [
        ("abcXbcd", "", ""),
        ("abcd", "", ""),
        ("ab", "cd", "abc"),
        ("aaaa", "", "aaa"),
        ("Kelvin \u212aelvin", "\u017ftraße STRASSE", ""),
        ("ΟΔΟΣ οδος", "Ünï ÜNÏ", "ünï"),
        ("100% sure_thing", "back\\slash", 'say "hi"'),
        ("\ufffd\ufffe\uffff x", "", ""),
        ("machine learning", "machine, learning", "MACHINE LEARNING"),
        ("Python rust", "pythonic", "the Rust book"),
        ("[glob]*?", "a*b?c[d]", ""),
    ]
    rng = random.Random(15)
    alphabet = "abcdkKsSxX \u212a\u017f%_\\\"'[]*?ΣσςüÜß\ufffd\ufffe"
    texts += [
        tuple("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(3))
        for _ in range(60)
    ]
    with database.transaction() as session:
        for n, (title, description, notes) in enumerate(texts):
            session.add(
                Bookmark(
                    owner_id=1,
                    url=f"https://example.com/{n}",
                    title=title,
                    description=description,
                    notes=notes,
                )
            )
    with database.transaction() as session:
        ids = {
            b.title + b.description + b.notes + b.url: b.id
            for b in session.scalars(select(Bookmark))
        }
        rows = [
            (b.id, b.title, b.description, b.notes, b.url)
            for b in session.scalars(select(Bookmark))
        ]
    assert len(ids) == len(texts)
    full = sqlite3.connect(":memory:")
    full.execute(
        "CREATE VIRTUAL TABLE f USING fts5(title, description, notes, url, tokenize='trigram')"
    )
    full.executemany(
        "INSERT INTO f(rowid, title, description, notes, url) VALUES (?, ?, ?, ?, ?)", rows
    )
    words = [
        "abcd",
        "bcd",
        "aaaa",
        "aaa",
        "kelvin",
        "KELVIN",
        "strasse",
        "STRAßE",
        "οδος",
        "ΟΔΟΣ",
        "ünï",
        "100%",
        "e_t",
        "k\\s",
        'y "h',
        "\ufffd\ufffd\ufffd",
        "\ufffe x",
        "machine learning",
        "ne le",
        "python",
        "Rust",
        "[glob]",
        "*?c",
        "b?c[",
        "example",
    ]
    for title, description, notes in texts[11:]:
        for text in (title, description, notes):
            if len(text) >= 3:
                start = rng.randrange(len(text) - 2)
                word = text[start : start + rng.randint(3, 6)]
                words.append("".join(c.swapcase() if rng.random() < 0.5 else c for c in word))
    for word in words:  # shorter words are matched by GLOB, as before
        assert len(word) >= 3
        phrase = '"' + word.replace('"', '""') + '"'
        expected = {
            row[0] for row in full.execute("SELECT rowid FROM f WHERE f MATCH ?", (phrase,))
        }
        condition = compile_search(
            parse(f'"{word}"' if '"' not in word else f"'{word}'"), dialect="sqlite"
        )
        with database.transaction() as session:
            got = set(session.scalars(select(Bookmark.id).where(condition)))
        assert got == expected, word
