"""Fetching users' pages safely, and reading what they say about themselves.

`fetch(url, policy)` gets a page without becoming a way into Shelf's own network (SSRF): see
`fetcher`. `fetch_page(url, policy)` also reads its title, description, favicon, preview image
and readable text: see `pages`. Every service that fetches a user's URL uses these, and only
these.
"""

from importlib.metadata import version

from .fetcher import (
    SETTINGS,
    FetchError,
    FetchFailed,
    FetchPolicy,
    FetchRefused,
    Response,
    address_refusal,
    fetch,
)
from .pages import PageFetch, PageMetadata, decode, fetch_page, parse_html

__version__ = version("shelf-fetch")  # what pyproject.toml declares

__all__ = [
    "SETTINGS",
    "FetchError",
    "FetchFailed",
    "FetchPolicy",
    "FetchRefused",
    "PageFetch",
    "PageMetadata",
    "Response",
    "__version__",
    "address_refusal",
    "decode",
    "fetch",
    "fetch_page",
    "parse_html",
]
