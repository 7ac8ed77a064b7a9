"""What a page says about itself: title, description, favicon, preview image, readable text.

Parsed with selectolax (lexbor, an HTML5 parser that handles broken markup as browsers do);
never with regular expressions. Everything found is hostile input: it is trimmed and capped
here, and escaped wherever it is shown.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import asdict, dataclass
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from .fetcher import FetchPolicy, Resolver, Response, fetch, system_resolver

TITLE_LENGTH = 512
DESCRIPTION_LENGTH = 2000
TEXT_LENGTH = 100_000
URL_LENGTH = 2048
NOT_TEXT = (
    "script, style, noscript, template, svg, iframe, object, canvas, nav, header, "
    "footer, aside, form, button, select"
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


@dataclass
class PageMetadata:
    title: str | None = None
    description: str | None = None
    favicon_url: str | None = None
    preview_image_url: str | None = None
    page_text: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


def decode(body: bytes, charset: str | None) -> str:
    """The body as text: the header's charset, else a <meta charset> near the top, else UTF-8."""
    for candidate in (charset, _sniff_charset(body), "utf-8"):
        if candidate:
            try:
                codecs.lookup(candidate)
            except LookupError:
                continue
            return body.decode(candidate, errors="replace")
    return body.decode("utf-8", errors="replace")  # pragma: no cover - utf-8 always exists


def _sniff_charset(body: bytes) -> str | None:
    found = _META_CHARSET.search(body[:4096])
    return found.group(1).decode("ascii", "ignore") if found else None


def _squash(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    text = " ".join(text.replace("\x00", "").split())
    return text[:limit] or None


def _absolute(base: str, href: str | None) -> str | None:
    """An absolute http(s) URL for `href`, or None (javascript:, data: and the like)."""
    if not href or not href.strip():
        return None
    url = urljoin(base, href.strip())
    if urlsplit(url).scheme not in ("http", "https") or len(url) > URL_LENGTH:
        return None
    return url


def parse_html(html: str, *, url: str) -> PageMetadata:
    tree = LexborHTMLParser(html)
    base_node = tree.css_first("base[href]")
    base = _absolute(url, base_node.attributes.get("href")) if base_node else None
    base = base or url
    meta: dict[str, str] = {}
    for node in tree.css("meta[content]"):
        key = (node.attributes.get("property") or node.attributes.get("name") or "").lower()
        if key and key not in meta:
            meta[key] = node.attributes.get("content") or ""
    title_node = tree.css_first("title")
    title = title_node.text(strip=True) if title_node else None
    metadata = PageMetadata(
        title=_squash(title or meta.get("og:title") or meta.get("twitter:title"), TITLE_LENGTH),
        description=_squash(
            meta.get("description")
            or meta.get("og:description")
            or meta.get("twitter:description"),
            DESCRIPTION_LENGTH,
        ),
        favicon_url=_favicon(tree, base),
        preview_image_url=_absolute(
            base, meta.get("og:image") or meta.get("og:image:url") or meta.get("twitter:image")
        ),
    )
    metadata.page_text = _readable_text(tree)
    return metadata


def _favicon(tree: LexborHTMLParser, base: str) -> str | None:
    fallback = None
    for node in tree.css("link[rel][href]"):
        rels = (node.attributes.get("rel") or "").lower().split()
        if "icon" in rels:
            return _absolute(base, node.attributes.get("href"))
        if "apple-touch-icon" in rels and fallback is None:
            fallback = _absolute(base, node.attributes.get("href"))
    return fallback


def _readable_text(tree: LexborHTMLParser) -> str | None:
    for node in tree.css(NOT_TEXT):
        node.decompose()
    root = tree.css_first("article") or tree.css_first("main") or tree.body
    if root is None:
        return None
    return _squash(root.text(separator=" ", strip=True), TEXT_LENGTH)


# --- fetching a page and reading it --------------------------------------------------------------

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", ""})


@dataclass
class PageFetch:
    """A fetched page: what it says (`metadata`), or why it says nothing (`problem`)."""

    response: Response
    metadata: PageMetadata | None = None
    problem: str | None = None  # "answered 404", "not a web page (application/pdf)"


def fetch_page(url: str, policy: FetchPolicy, *, resolver: Resolver = system_resolver) -> PageFetch:
    """Fetch `url` under `policy` and read its metadata. Raises what `fetch` raises:
    `FetchRefused` (never to be retried) and `FetchFailed` (the page could not be reached)."""
    response = fetch(url, policy, resolver=resolver)
    if response.status >= 400:
        return PageFetch(response, problem=f"answered {response.status}")
    if response.content_type not in HTML_TYPES:
        return PageFetch(response, problem=f"not a web page ({response.content_type})")
    html = decode(response.body, response.charset)
    return PageFetch(response, metadata=parse_html(html, url=response.url))
