"""Case is folded in every script, the same on SQLite and Postgres: tag identity, `#tag` and
word search (Unicode simple case folding, character by character; see tag_names.py). That
folded words are still found through the indexes: test_search.py."""

import pytest

from shelf_api.tag_names import fold

# (a spelling, the same word in another case), per script
PAIRS = [
    ("Ünï", "ünï"),  # Latin with diacritics
    ("PÄ", "pä"),  # two letters: too short for trigrams
    ("ΣΟΦΊΑ", "σοφία"),  # Greek
    ("ΟΔΟΣ", "οδος"),  # Greek, final sigma
    ("ДОМ", "дом"),  # Cyrillic
    ("STRAẞE", "straße"),  # German: capital sharp s
    ("Ǆemal", "ǆemal"),  # a titlecase digraph
]
IDS = [first for first, _ in PAIRS]


def urls(user, query):
    answer = user.get("/api/bookmarks/", query_string={"q": query})
    assert answer.status_code == 200, answer.get_json()
    return sorted(b["url"].rsplit("/", 1)[1] for b in answer.get_json()["results"])


@pytest.mark.parametrize(("upper", "lower"), PAIRS, ids=IDS)
def test_two_spellings_are_one_tag(ann, upper, lower):
    first = ann.post("/api/tags/", json={"name": upper})
    second = ann.post("/api/tags/", json={"name": lower})
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()  # the first spelling is kept
    bookmark = ann.add("https://example.com/both", tag_names=[lower, upper])
    assert bookmark["tag_names"] == [upper]
    assert ann.get("/api/tags/").get_json()["count"] == 1


@pytest.mark.parametrize(("upper", "lower"), PAIRS, ids=IDS)
def test_a_tag_is_found_in_either_case(ann, upper, lower):
    ann.add("https://example.com/tagged", tag_names=[upper])
    ann.add("https://example.com/other", tag_names=["unrelated"])
    assert urls(ann, f"#{lower}") == ["tagged"]
    assert urls(ann, f"#{upper}") == ["tagged"]
    assert urls(ann, f"not #{lower}") == ["other"]


@pytest.mark.parametrize(("upper", "lower"), PAIRS, ids=IDS)
def test_a_word_is_found_in_either_case(ann, upper, lower):
    ann.add("https://example.com/title", title=f"about {upper} here")
    ann.add("https://example.com/notes", notes=f"and {lower}, in notes")
    ann.add("https://example.com/other", title="nothing to see")
    assert urls(ann, lower) == ["notes", "title"]
    assert urls(ann, upper) == ["notes", "title"]
    assert urls(ann, f'"{upper} here"') == ["title"]


def test_lax_tag_search_folds_a_word_as_a_tag(ann):
    ann.patch("/api/user/profile/", json={"tag_search": "lax"})
    ann.add("https://example.com/tagged", tag_names=["Ünï"])
    ann.add("https://example.com/other")
    assert urls(ann, "ünï") == ["tagged"]
    assert urls(ann, "not ÜNÏ") == ["other"]


def test_an_import_folds_tags_into_the_owners(ann):
    ann.add("https://example.com/first", tag_names=["Ünï"])
    data = (
        '[{"url": "https://example.com/second", "tag_names": ["ünï", "ÜNÏ", "дом"]},'
        ' {"url": "https://example.com/third", "tag_names": ["ДОМ"]}]'
    )
    import io

    answer = ann.post(
        "/api/bookmarks/import/",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(data.encode()), "b.json")},
    )
    assert answer.status_code == 201, answer.get_json()
    tags = sorted(t["name"] for t in ann.get("/api/tags/").get_json()["results"])
    assert tags == ["Ünï", "дом"]
    assert urls(ann, "#ÜNÏ") == ["first", "second"]
    assert urls(ann, "#Дом") == ["second", "third"]


def test_turkish_dotted_and_dotless_i_stay_apart_a_known_edge(ann):
    """Which i pairs with which I depends on the language; Unicode's default folding, used
    here, pairs I with i, and leaves İ and the dotless i alone (tag_names.py says so)."""
    assert fold("ISTANBUL") == fold("istanbul")
    assert fold("İstanbul") != fold("istanbul")
    assert fold("\u0131i") != fold("ii")  # dotless i
    ann.post("/api/tags/", json={"name": "İstanbul"})
    ann.post("/api/tags/", json={"name": "istanbul"})
    assert ann.get("/api/tags/").get_json()["count"] == 2


def test_sharp_s_and_ss_stay_apart_a_known_edge(ann):
    """Simple folding never changes a word's length: ß is ẞ, not ss."""
    ann.add("https://example.com/street", title="Straße")
    assert urls(ann, "STRAẞE") == ["street"]
    assert urls(ann, "strasse") == []


def test_regular_expression_characters_in_a_word_are_literal(ann):
    ann.add("https://example.com/regex", title=r"a+b (c|d) [e] \f ^g$ *h? {2}")
    ann.add("https://example.com/plain", title="aab cd e f g h 22")
    for word in ("a+b", "(c|d)", "[e]", r"\f", "^g$", "*h?", "{2}", "|", "[", "*", "?"):
        assert urls(ann, f'"{word}"') == ["regex"], word
