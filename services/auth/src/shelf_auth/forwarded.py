"""Whose request is this: the client's address, for throttling (contract C8).

The direct peer is the client unless it is one of SHELF_AUTH_TRUSTED_PROXIES (CIDRs; none by
default). A trusted peer (the ui, the gateway) says in `X-Forwarded-For` whom it forwards; each
proxy appends the address it saw, so the list is read from the right, skipping proxies we
trust, and the first address that is not one is the client. Anything to its left was written
by the client itself and proves nothing. An untrusted peer's header is ignored: otherwise
anyone could name any address and escape, or aim, the throttle.
"""

from __future__ import annotations

import ipaddress
import os

from flask import Flask, Request, current_app

from shelf_kit import ConfigError

from . import extensions

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_LENGTH = 64  # the address columns' width
REPLACED = "SHELF_AUTH_TRUST_PROXY"


def parse_networks(value: str) -> tuple[Network, ...]:
    """ "127.0.0.1/32, 10.0.0.0/8" -> networks; a bare address is its own /32 or /128."""
    networks = []
    for entry in filter(None, (part.strip() for part in value.split(","))):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ConfigError(
                f"SHELF_AUTH_TRUSTED_PROXIES: {entry!r} is not an address or "
                "a CIDR network (e.g. 127.0.0.1/32, 172.16.0.0/12)"
            ) from None
    return tuple(networks)


def init_app(app: Flask) -> None:
    if REPLACED in os.environ:
        # Taking it for "trust no one" would quietly put every person behind a proxy on the
        # proxy's one address, and let anyone lock everyone out through it.
        raise ConfigError(
            f"{REPLACED} was replaced by SHELF_AUTH_TRUSTED_PROXIES: list the "
            "addresses or CIDR networks of the proxies whose X-Forwarded-For "
            "auth may believe (the ui's, the gateway's), and unset it"
        )
    app.extensions[extensions.TRUSTED_PROXIES] = parse_networks(
        app.config["SHELF_AUTH_TRUSTED_PROXIES"]
    )


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: Request) -> str:
    """The address of the client behind any trusted proxies."""
    networks = extensions.trusted_proxies(current_app)
    address = request.remote_addr or "unknown"
    if _trusted(address, networks):
        hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
        for hop in reversed([hop for hop in hops if hop]):
            address = hop
            if not _trusted(hop, networks):
                break
    return address[:MAX_LENGTH]
