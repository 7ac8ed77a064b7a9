"""What is read from a page: title, description, favicon, preview image, readable text."""

from shelf_fetch.pages import decode, parse_html
from shelf_fetch.testing import ARTICLE

URL = "https://blog.example/2026/links?ref=feed"


def test_a_typical_article():
    page = parse_html(ARTICLE, url=URL)
    assert page.title == "The Art of Keeping Links"
    assert page.description == "Why bookmarks rot, and what to do."
    assert page.favicon_url == "https://blog.example/favicon.png"
    assert page.preview_image_url == "https://blog.example/images/cover.png"
    assert page.page_text == "Keeping links Links rot quietly ."


def test_open_graph_fills_in_and_base_href_is_honoured():
    html = """<html><head><base href="https://cdn.example/assets/">
      <meta property="og:title" content="OG title">
      <meta property="og:description" content="OG description">
      <meta property="og:image" content="img/card.jpg">
      <link rel="apple-touch-icon" href="touch.png"></head>
      <body><main>Main text</main><aside>ads</aside></body></html>"""
    page = parse_html(html, url=URL)
    assert (page.title, page.description) == ("OG title", "OG description")
    assert page.preview_image_url == "https://cdn.example/assets/img/card.jpg"
    assert page.favicon_url == "https://cdn.example/assets/touch.png"
    assert page.page_text == "Main text"


def test_hostile_values_are_dropped_or_capped():
    html = f"""<title>{"t" * 5000}</title>
      <meta name="description" content="  spaced \n\n  out\x00 ">
      <link rel="icon" href="javascript:alert(1)">
      <meta property="og:image" content="data:image/png;base64,AAAA">
      <body><p>x</p></body>"""
    page = parse_html(html, url=URL)
    assert len(page.title) == 512
    assert page.description.startswith("spaced out") and "\x00" not in page.description
    assert (page.favicon_url, page.preview_image_url) == (None, None)


def test_a_page_without_anything_gives_nothing():
    page = parse_html("", url=URL)
    assert page.as_dict() == {
        "title": None,
        "description": None,
        "favicon_url": None,
        "preview_image_url": None,
        "page_text": None,
    }


def test_the_charset_comes_from_the_header_then_the_page():
    latin = "<meta charset='iso-8859-1'><title>Caf\xe9</title>".encode("latin-1")
    assert "Café" in decode(latin, None)
    assert "Café" in decode("<title>Café</title>".encode(), "utf-8")
    assert "Caf" in decode(latin, "no-such-charset")  # an unknown name falls back


def test_fetch_page_reads_a_real_page_and_says_why_others_have_nothing():
    from shelf_fetch import FetchPolicy, fetch_page
    from shelf_fetch.testing import Site

    site = Site()
    site.status_for["/gone"] = 404
    policy = FetchPolicy(allow_private=True, timeout=3)
    try:
        article = fetch_page(f"{site.url}/article", policy)
        gone = fetch_page(f"{site.url}/gone", policy)
        pdf = fetch_page(f"{site.url}/pdf", policy)
    finally:
        site.stop()
    assert article.problem is None and article.metadata.title == "The Art of Keeping Links"
    assert article.metadata.favicon_url == f"{site.url}/favicon.png"
    assert (gone.metadata, gone.problem) == (None, "answered 404")
    assert (pdf.metadata, pdf.problem) == (None, "not a web page (application/pdf)")
