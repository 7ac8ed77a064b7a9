"""Fetching pages from the web without becoming a way into Shelf's own network (SSRF).

Every hop (the first URL and each redirect):
- only `http` and `https`;
- the host is resolved once, here, and every address it resolves to is checked: loopback,
  private, link-local, multicast, reserved, unspecified and other non-global addresses (IPv4
  and IPv6, including IPv4 mapped into IPv6) are refused unless `allow_private`;
- the connection goes to the address that was checked, with the URL's host name only in the
  Host header and TLS's server name — there is no second DNS lookup, so a name that answers a
  public address to the check and a private one to the connection (DNS rebinding) gets nowhere;
- redirects are followed by hand, each one checked again, at most `max_redirects`;
- the body is read up to `max_bytes` (the rest is left unread), and the whole fetch, however
  many hops, has `timeout` seconds: name lookups, connecting, TLS, the headers and the body of
  every hop. A socket timeout alone cannot promise that (it limits each wait, and a server
  sending a byte every few seconds never makes one wait long), so a watchdog cuts the
  connection when the fetch's time is up, whatever it is waiting for.

Refusals say only "refused: not a public address": the address a name resolved to, which would
tell a user what Shelf's internal names point at, goes to the log (logger `shelf_fetch`), never
into the reason that is stored and shown.

Proxies from the environment are not used: a fetch goes straight to the checked address.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import logging
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

REDIRECTS = {301, 302, 303, 307, 308}
CHUNK = 16 * 1024
NOT_PUBLIC = "refused: not a public address"

log = logging.getLogger("shelf_fetch")


class FetchError(Exception):
    """A fetch that did not give a page. `reason` is one line, safe to store and show."""

    def __init__(self, reason: str, *, url: str) -> None:
        super().__init__(f"{reason} ({url})")
        self.reason = reason
        self.url = url


class FetchRefused(FetchError):
    """The URL is not allowed (scheme, or an address inside Shelf's network): never retry."""


class FetchFailed(FetchError):
    """The page could not be fetched: DNS, connection, TLS, timeout, too many redirects."""


# The settings `FetchPolicy.from_config` reads: name -> (default, what it means). A service
# declares them in its own configuration from this table, so every service has the same ones.
SETTINGS: dict[str, tuple[object, str]] = {
    "SHELF_FETCH_ALLOW_PRIVATE": (
        False,
        "let fetches reach loopback, private and link-local addresses (tests, home labs)",
    ),
    "SHELF_FETCH_ALLOW_NETWORKS": (
        "",
        "comma-separated networks fetches may reach although private (192.168.1.0/24)",
    ),
    "SHELF_FETCH_MAX_BYTES": (2 * 1024 * 1024, "largest page body read"),
    "SHELF_FETCH_TIMEOUT": (10.0, "seconds one page fetch may take in all"),
    "SHELF_FETCH_MAX_REDIRECTS": (5, "redirects a page fetch follows"),
}


@dataclass(frozen=True)
class FetchPolicy:
    allow_private: bool = False
    # Networks allowed although not public (a home lab's 192.168.1.0/24), when not all are.
    allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    max_bytes: int = 2 * 1024 * 1024
    timeout: float = 10.0
    max_redirects: int = 5
    user_agent: str = "Mozilla/5.0 (compatible; Shelf bookmark manager)"
    cafile: str | None = None  # certificates to trust instead of the system's (tests)

    @classmethod
    def from_config(cls, config, *, user_agent: str | None = None) -> FetchPolicy:
        networks = tuple(
            ipaddress.ip_network(part.strip(), strict=False)
            for part in str(config.get("SHELF_FETCH_ALLOW_NETWORKS", "")).split(",")
            if part.strip()
        )
        return cls(
            allow_private=bool(config["SHELF_FETCH_ALLOW_PRIVATE"]),
            allowed_networks=networks,
            max_bytes=int(config["SHELF_FETCH_MAX_BYTES"]),
            timeout=float(config["SHELF_FETCH_TIMEOUT"]),
            max_redirects=int(config["SHELF_FETCH_MAX_REDIRECTS"]),
            **({"user_agent": user_agent} if user_agent else {}),
        )


@dataclass
class Response:
    url: str  # the last URL, after redirects
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    truncated: bool = False  # the body was longer than max_bytes
    redirects: list[str] = field(default_factory=list)
    address: str = ""  # the address the last hop connected to

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = part.strip().partition("=")
            if name.lower() == "charset" and value:
                return value.strip("\"' ")
        return None


# --- addresses ----------------------------------------------------------------------------------


def address_refusal(address: str) -> str | None:
    """Why `address` may not be fetched from, or None when it is a public address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6:
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None:
            return address_refusal(str(embedded))
    # site_local: fec0::/10, deprecated but still routed inside some networks.
    for name in (
        "loopback",
        "link_local",
        "site_local",
        "multicast",
        "unspecified",
        "private",
        "reserved",
    ):
        if name == "site_local" and ip.version == 4:
            continue
        if getattr(ip, f"is_{name}"):
            return f"{ip} is a {name.replace('_', '-')} address"
    if not ip.is_global:
        return f"{ip} is not a public address"
    return None


Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# The system's resolver cannot be given a time limit: lookups run in these threads, and a fetch
# waits for one only as long as its own time allows. Threads start with the first lookup (in the
# process that fetches, never in a gunicorn master before it forks).
_LOOKUPS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="shelf-fetch-dns")


def _resolve(
    resolver: Resolver, host: str, port: int, *, left: float | None, policy_timeout: float, url: str
) -> list[str]:
    if left is None:
        return resolver(host, port)
    lookup = _LOOKUPS.submit(resolver, host, port)
    try:
        return lookup.result(timeout=max(left, 0.001))
    except TimeoutError:
        lookup.cancel()
        raise FetchFailed(
            f"no answer within {policy_timeout:g} s: the name {host} did not resolve in time",
            url=url,
        ) from None


def pick_address(
    host: str,
    port: int,
    *,
    allow_private: bool,
    url: str,
    resolver: Resolver = system_resolver,
    allowed_networks=(),
    left: float | None = None,
    policy_timeout: float = 0.0,
) -> str:
    """Resolve `host` (within `left` seconds, when given) and return an address that may be
    connected to."""
    try:
        addresses = _resolve(
            resolver, host, port, left=left, policy_timeout=policy_timeout, url=url
        )
    except (OSError, UnicodeError):
        raise FetchFailed(f"the name {host} could not be resolved", url=url) from None
    if not addresses:
        raise FetchFailed(f"the name {host} has no address", url=url)
    if allow_private:
        return addresses[0]
    refusals = []
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if any(ip in network for network in allowed_networks):
            return address
        refusal = address_refusal(address)
        if refusal is None:
            return address
        refusals.append(refusal)
    # Which address, and why, is for the operator's log only: a reason naming it would let a
    # user learn what internal names resolve to.
    log.warning(
        "fetch refused for host %s: %s",
        host,
        "; ".join(refusals),
        extra={"host": host, "addresses": addresses, "url": url},
    )
    raise FetchRefused(NOT_PUBLIC, url=url)


# --- the deadline --------------------------------------------------------------------------------


class _Watchdog:
    """Shuts a hop's socket down when the fetch's deadline passes, waking whatever read or
    handshake is waiting on it; `expired` then tells the hop why its connection ended."""

    def __init__(self, deadline: float) -> None:
        self.expired = False
        self._sock: socket.socket | None = None
        self._done = False
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.expired:
                self._cut()

    def _expire(self) -> None:
        with self._lock:
            if not self._done:
                self.expired = True
                self._cut()

    def _cut(self) -> None:
        if self._sock is not None:
            # The plain socket's shutdown, also under TLS: it only wakes the reader. OSError:
            # closed already.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(self._sock, socket.SHUT_RDWR)

    def stop(self) -> None:
        """Called before the socket is closed, so a late timer never touches another one."""
        with self._lock:
            self._done = True
        self._timer.cancel()


# --- connections pinned to the checked address -------------------------------------------------


class _Pinned:
    """Connects to the checked address, and hands the socket to the fetch's watchdog."""

    address: str
    watchdog: _Watchdog
    port: int
    timeout: float | None

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.watchdog.watch(sock)
        return sock


class _PinnedHTTPConnection(_Pinned, http.client.HTTPConnection):
    def __init__(
        self, host: str, port: int, *, address: str, timeout: float, watchdog: _Watchdog
    ) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address, self.watchdog = address, watchdog

    def connect(self) -> None:
        self.sock = self._open()


class _PinnedHTTPSConnection(_Pinned, http.client.HTTPSConnection):
    def __init__(
        self,
        host: str,
        port: int,
        *,
        address: str,
        timeout: float,
        watchdog: _Watchdog,
        context: ssl.SSLContext,
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self.address, self.watchdog, self.tls = address, watchdog, context

    def connect(self) -> None:
        # The certificate is checked against the URL's host name, not the address.
        self.sock = self.tls.wrap_socket(self._open(), server_hostname=self.host)
        self.watchdog.watch(self.sock)


class _Decoder:
    """Undo a Content-Encoding the server used although we asked for none, never producing
    more than `limit` bytes (a small compressed body can expand enormously)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.inflater = (
            zlib.decompressobj(47) if encoding in ("gzip", "x-gzip", "deflate") else None
        )

    def feed(self, data: bytes, limit: int) -> bytes:
        if self.inflater is None:
            return data[:limit]
        return self.inflater.decompress(data, limit)


# --- fetching -----------------------------------------------------------------------------------


def fetch(
    url: str,
    policy: FetchPolicy,
    *,
    method: str = "GET",
    max_bytes: int | None = None,
    resolver: Resolver = system_resolver,
) -> Response:
    """Fetch `url` under `policy`: the final answer (any status), its body capped."""
    deadline = time.monotonic() + policy.timeout
    limit = policy.max_bytes if max_bytes is None else max_bytes
    redirects: list[str] = []
    context = ssl.create_default_context(cafile=policy.cafile)
    current = url
    while True:
        response = _one_hop(
            current,
            policy,
            method=method,
            limit=limit,
            deadline=deadline,
            resolver=resolver,
            context=context,
        )
        location = response.headers.get("location")
        if response.status not in REDIRECTS or not location:
            response.redirects = redirects
            return response
        if len(redirects) >= policy.max_redirects:
            raise FetchFailed(f"more than {policy.max_redirects} redirects", url=url)
        current = urljoin(current, location.strip())
        redirects.append(current)
        if response.status == 303:
            method = "GET" if method != "HEAD" else "HEAD"


def _one_hop(
    url: str,
    policy: FetchPolicy,
    *,
    method: str,
    limit: int,
    deadline: float,
    resolver: Resolver,
    context: ssl.SSLContext,
) -> Response:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise FetchRefused("refused: not a valid URL", url=url) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchRefused(
            f"refused: only http and https URLs are fetched, not {scheme or '?'}", url=url
        )
    host = parts.hostname
    if not host:
        raise FetchRefused("refused: the URL has no host", url=url)
    port = port or (443 if scheme == "https" else 80)
    address = pick_address(
        host,
        port,
        allow_private=policy.allow_private,
        url=url,
        resolver=resolver,
        allowed_networks=policy.allowed_networks,
        left=deadline - time.monotonic(),
        policy_timeout=policy.timeout,
    )
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchFailed(f"no answer within {policy.timeout:g} s", url=url)
    watchdog = _Watchdog(deadline)
    if scheme == "https":
        connection: _PinnedHTTPConnection | _PinnedHTTPSConnection = _PinnedHTTPSConnection(
            host, port, address=address, timeout=left, watchdog=watchdog, context=context
        )
    else:
        connection = _PinnedHTTPConnection(
            host, port, address=address, timeout=left, watchdog=watchdog
        )
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    try:
        response = _exchange(
            connection,
            method,
            target,
            policy=policy,
            url=url,
            limit=limit,
            deadline=deadline,
            address=address,
        )
        if watchdog.expired:  # the answer was cut short: what arrived is not the page
            raise TimeoutError
        return response
    except FetchError:
        raise
    except Exception as error:
        if watchdog.expired:  # whatever the cut connection made the reader raise
            raise FetchFailed(f"no answer within {policy.timeout:g} s", url=url) from None
        if isinstance(error, (OSError, http.client.HTTPException, zlib.error)):
            raise _failure(error, policy=policy, url=url) from None
        raise
    finally:
        watchdog.stop()
        connection.close()


def _failure(error: Exception, *, policy: FetchPolicy, url: str) -> FetchFailed:
    if isinstance(error, TimeoutError):
        return FetchFailed(f"no answer within {policy.timeout:g} s", url=url)
    if isinstance(error, ssl.SSLError):
        return FetchFailed(f"TLS failed: {error.reason or error}", url=url)
    if isinstance(error, ConnectionRefusedError):
        return FetchFailed("connection refused", url=url)
    return FetchFailed(f"the connection failed: {type(error).__name__}", url=url)


def _exchange(
    connection: http.client.HTTPConnection,
    method: str,
    target: str,
    *,
    policy: FetchPolicy,
    url: str,
    limit: int,
    deadline: float,
    address: str,
) -> Response:
    """Send the request and read the answer: its headers, and its body unless it is a
    redirect or the method is HEAD."""
    connection.request(
        method,
        target,
        headers={
            "User-Agent": policy.user_agent,
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
            "Accept-Encoding": "identity",
            "Connection": "close",
        },
    )
    sock = connection.sock  # kept: the connection lets go of it once the answer starts
    answer = connection.getresponse()
    headers = {name.lower(): value for name, value in answer.getheaders()}
    response = Response(url=url, status=answer.status, headers=headers, address=address)
    if method != "HEAD" and answer.status not in REDIRECTS:
        response.body, response.truncated = _read_body(
            answer,
            sock,
            limit=limit,
            deadline=deadline,
            url=url,
            policy=policy,
            decoder=_Decoder(headers.get("content-encoding", "").strip().lower()),
        )
    return response


def _read_body(
    answer: http.client.HTTPResponse,
    sock: socket.socket | None,
    *,
    limit: int,
    deadline: float,
    url: str,
    policy: FetchPolicy,
    decoder: _Decoder,
) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchFailed(f"no answer within {policy.timeout:g} s", url=url)
        if sock is not None:
            sock.settimeout(left)
        data = answer.read1(CHUNK)
        if not data:
            return b"".join(chunks), False
        data = decoder.feed(data, limit - size)
        chunks.append(data)
        size += len(data)
    return b"".join(chunks)[:limit], True
