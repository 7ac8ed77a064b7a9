"""`normalize_url`: the key that tells whether an owner already has a bookmark for a URL.

A bookmark keeps its URL exactly as it was given; `url_normalized` (unique per owner) exists
only for duplicate checks. The rules are conservative: two spellings that browsers and servers
treat as the same address normalize the same, and nothing that could name a different page is
merged. For a URL with a scheme and a host (`https://example.com/...`):

1. Surrounding whitespace is stripped (tabs and newlines inside are dropped, as browsers do).
2. The scheme and the host are lowercased (RFC 3986 6.2.2.1). The user info, path, query and
   fragment keep their case: servers may tell `/Page` from `/page`.
3. A port that is the scheme's default (http and ws 80, https and wss 443, ftp 21) is dropped,
   and so is an empty one (`host:`); `:0443` is port 443 (RFC 3986 6.2.3).
4. Percent-encodings in the path and query: hex digits are uppercased and encoded unreserved
   characters (letters, digits, `-._~`) are decoded, so `%7e` and `~` are one (RFC 3986 6.2.2).
   Other encodings stay encoded: `%2F` is not `/`, `%2B` is not `+`. Characters that cannot
   travel in a URL as they are (non-ASCII, spaces, controls, `"`, `<`, `>`) are encoded as UTF-8,
   as a browser does before sending them: `/wiki/Müller` is `/wiki/M%C3%BCller`.
5. Dot segments are resolved: `/a/./b/../c` is `/a/c` (RFC 3986 5.2.4; browsers do the same).
6. The root path alone is dropped: `https://example.com/` is `https://example.com`. A trailing
   slash anywhere else is kept: `/docs/` and `/docs` may be different pages.
7. An empty query (a `?` with nothing after it) is dropped.
8. The fragment is dropped, because it names a place in a page, not another page; except a
   fragment that starts with `/` or `!` (`#/inbox`, `#!/profile`), which single-page
   applications route on: those name different pages and are kept (encoded as in rule 4).

Not done, on purpose, because each could merge different pages: http with https, `www.` with
its absence, a trailing dot on the host, Unicode hosts with their punycode form, reordering or
dropping query parameters (tracking ones included), `index.html` with `/`.

Anything else (no scheme, no host: `mailto:`, `javascript:`, a bare `example.com`) only has its
scheme lowercased and its surrounding whitespace stripped. `normalize_url` never raises: a URL
it cannot parse is its own key.

Changing these rules changes stored keys: ship a migration that recomputes `url_normalized`.
"""

from __future__ import annotations

import re
import string
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_ALWAYS_ENCODED = frozenset(' "<>')
_HEX_PAIR = re.compile(r"[0-9A-Fa-f]{2}")
_DIGITS = re.compile(r"[0-9]+")
# Printable ASCII but space, '"', '%', '<' and '>': what _normalize_encoding leaves as it is.
_KEPT_AS_IS = re.compile(r"[!#$&-;=?-~]*")


def normalize_url(url: str) -> str:
    """The form of `url` used to find duplicates (see the module's documentation)."""
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. "http://[::1" (an unclosed IPv6 address)
        return text
    if not parts.scheme:
        return text
    if not parts.netloc:
        return parts.scheme + text[len(parts.scheme) :]  # urlsplit lowercased the scheme
    scheme = parts.scheme  # already lowercase
    netloc = _normalize_netloc(scheme, parts.netloc)
    path = _remove_dot_segments(_normalize_encoding(parts.path))
    if path == "/":
        path = ""
    normalized = f"{scheme}://{netloc}{path}"
    query = _normalize_encoding(parts.query)
    if query:
        normalized += "?" + query
    if parts.fragment.startswith(("/", "!")):
        normalized += "#" + _normalize_encoding(parts.fragment)
    return normalized


def _normalize_netloc(scheme: str, netloc: str) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    if hostport.startswith("["):  # an IPv6 address: "[2001:db8::1]:8080"
        end = hostport.find("]")
        if end == -1:
            return netloc
        host, rest = hostport[: end + 1], hostport[end + 1 :]
        if rest and not rest.startswith(":"):
            return netloc  # not a host and port we understand: leave it alone
        port = rest[1:] if rest else None
    else:
        host, colon, port = hostport.partition(":")
        port = port if colon else None
    host = host.lower()
    if port is not None and _DIGITS.fullmatch(port):
        port = str(int(port))
    if port == "" or (port is not None and port == str(DEFAULT_PORTS.get(scheme))):
        port = None
    return f"{userinfo}{at}{host}" + (f":{port}" if port is not None else "")


def _normalize_encoding(text: str) -> str:
    if _KEPT_AS_IS.fullmatch(text):  # most URLs: nothing to change (an import has thousands)
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        pair = text[i + 1 : i + 3]
        if char == "%" and _HEX_PAIR.fullmatch(pair):
            decoded = chr(int(pair, 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + pair.upper())
            i += 3
            continue
        if char in _ALWAYS_ENCODED or not char.isascii() or not char.isprintable():
            out.append(
                "".join(f"%{byte:02X}" for byte in char.encode("utf-8", errors="surrogatepass"))
            )
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    if "." not in path:
        return path
    segments = path.split("/")
    kept: list[str] = []
    for segment in segments:
        if segment == ".":
            continue
        if segment == "..":
            if len(kept) > 1:  # never above the root (kept[0] is the "" before the first /)
                kept.pop()
            continue
        kept.append(segment)
    if segments[-1] in (".", ".."):
        kept.append("")  # "/a/b/.." is the folder "/a/"
    return "/".join(kept)
