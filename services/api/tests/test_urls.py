import pytest

from shelf_api.urls import normalize_url

# Spellings of one page: each pair must normalize the same.
SAME_PAGE = [
    ("HTTPS://Example.COM/page", "https://example.com/page"),
    ("https://example.com/", "https://example.com"),
    ("https://example.com:443/page", "https://example.com/page"),
    ("http://example.com:80/page", "http://example.com/page"),
    ("https://example.com:0443/", "https://example.com"),
    ("http://example.com:/page", "http://example.com/page"),
    ("https://example.com/page#comments", "https://example.com/page"),
    ("https://example.com/?", "https://example.com"),
    ("https://example.com/?q=1", "https://example.com?q=1"),
    ("https://example.com/%7euser/%41bc", "https://example.com/~user/Abc"),
    ("https://example.com/a%2fb?x=%2b", "https://example.com/a%2Fb?x=%2B"),
    ("https://de.wikipedia.org/wiki/Müller", "https://de.wikipedia.org/wiki/M%C3%BCller"),
    ("https://example.com/a b?q=a b", "https://example.com/a%20b?q=a%20b"),
    ("https://example.com/a/./b/../c", "https://example.com/a/c"),
    ("https://example.com/a/b/..", "https://example.com/a/"),
    ("  https://example.com/page\n", "https://example.com/page"),
    ("http://[2001:DB8::1]:80/", "http://[2001:db8::1]"),
    ("https://app.example.com/#/inbox", "https://app.example.com#/inbox"),
]

# Different pages (or possibly different): each pair must stay apart.
DIFFERENT_PAGES = [
    ("https://example.com/docs/", "https://example.com/docs"),
    ("http://example.com/", "https://example.com/"),
    ("https://www.example.com/", "https://example.com/"),
    ("https://example.com/Page", "https://example.com/page"),
    ("https://example.com/?q=A", "https://example.com/?q=a"),
    ("https://example.com/?a=1&b=2", "https://example.com/?b=2&a=1"),
    ("https://example.com/?utm_source=x", "https://example.com/"),
    ("https://example.com:8443/", "https://example.com/"),
    ("https://example.com:80/", "https://example.com/"),  # 80 is not https's port
    ("https://example.com/a%2Fb", "https://example.com/a/b"),
    ("https://example.com/?q=a+b", "https://example.com/?q=a%2Bb"),
    ("https://Ada@example.com/", "https://ada@example.com/"),
    ("https://app.example.com/#/inbox", "https://app.example.com/#/settings"),
    ("https://x.com/#!/ada", "https://x.com/#!/bob"),
    ("https://example.com./", "https://example.com/"),
]


@pytest.mark.parametrize(("given", "expected"), SAME_PAGE)
def test_spellings_of_one_page_normalize_the_same(given, expected):
    assert normalize_url(given) == normalize_url(expected) == expected


@pytest.mark.parametrize(("one", "other"), DIFFERENT_PAGES)
def test_different_pages_do_not_collide(one, other):
    assert normalize_url(one) != normalize_url(other)


@pytest.mark.parametrize("url", [given for pair in SAME_PAGE + DIFFERENT_PAGES for given in pair])
def test_normalizing_twice_changes_nothing(url):
    assert normalize_url(normalize_url(url)) == normalize_url(url)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("MAILTO:Ada@Example.org", "mailto:Ada@Example.org"),  # only the scheme is lowercased
        ("javascript:alert(1)", "javascript:alert(1)"),
        (" example.com/Page ", "example.com/Page"),  # no scheme: left alone
        ("http://[::1", "http://[::1"),  # cannot be parsed: its own key, no error
        ("https://example.com/100%", "https://example.com/100%"),  # a lone % stays
    ],
)
def test_what_it_does_not_understand_it_leaves_alone(given, expected):
    assert normalize_url(given) == expected
