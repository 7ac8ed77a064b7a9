"""The fetcher: what it refuses (SSRF), what it fetches, and the limits it keeps."""

import ipaddress
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from shelf_fetch.fetcher import FetchFailed, FetchPolicy, FetchRefused, address_refusal, fetch
from shelf_fetch.testing import Site, Trickle

CLOSED = FetchPolicy(timeout=3)
OPEN = FetchPolicy(allow_private=True, timeout=3)


@pytest.fixture(scope="module")
def site():
    site = Site()
    yield site
    site.stop()


@pytest.fixture(scope="module")
def outside():
    """A site the tests treat as "on the internet": 127.0.0.2, allowed by network."""
    site = Site("127.0.0.2")
    yield site
    site.stop()


AS_PUBLIC = FetchPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.2/32"),), timeout=3)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:{port}/article", "127.0.0.1 is a loopback address"),
        ("http://[::1]:{port}/article", "::1 is a loopback address"),
        ("http://10.1.2.3/", "10.1.2.3 is a private address"),
        ("http://192.168.1.1/", "192.168.1.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://[fe80::1]/", "fe80::1 is a link-local address"),
        ("http://[::ffff:127.0.0.1]/", "127.0.0.1 is a loopback address"),
        ("http://0.0.0.0:{port}/", "0.0.0.0 is a"),
        ("http://224.0.0.1/", "224.0.0.1 is a multicast address"),
        ("http://240.0.0.1/", "240.0.0.1 is a"),
        ("http://100.64.0.1/", "100.64.0.1 is not a public address"),
        ("http://[fec0::1]/", "fec0::1 is a site-local address"),
        ("http://[fc00::1]/", "fc00::1 is a private address"),
        ("http://localhost:{port}/article", "for host localhost: 127.0.0.1 is a loopback"),
    ],
)
def test_addresses_inside_the_network_are_refused(site, url, why, caplog):
    with pytest.raises(FetchRefused) as refused:
        fetch(url.format(port=site.port), CLOSED)
    # The reason is stored in jobs and shown to users: it names no address.
    assert refused.value.reason == "refused: not a public address"
    # Which address, and why, is in the service's log only.
    assert any(
        why in record.getMessage() for record in caplog.records if record.name == "shelf_fetch"
    ), caplog.text
    assert site.hits == [] or all(path != "/article" for _m, path, _h in site.hits)


def test_a_refusal_never_says_what_a_name_resolves_to(caplog):
    """Otherwise a user could learn what Shelf's internal names point at (a lookup oracle)."""

    def intranet(host, port):
        return {"db.intranet.test": ["10.20.30.40"], "v6.intranet.test": ["fec0::7"]}[host]

    for host, address in [("db.intranet.test", "10.20.30.40"), ("v6.intranet.test", "fec0::7")]:
        with pytest.raises(FetchRefused) as refused:
            fetch(f"http://{host}/", CLOSED, resolver=intranet)
        assert (
            address not in str(refused.value)
            and refused.value.reason == "refused: not a public address"
        )
        assert address in caplog.text


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/x",
        "gopher://127.0.0.1:70/",
        "javascript:alert(1)",
        "//nohost",
    ],
)
def test_only_http_and_https_are_fetched(url):
    with pytest.raises(FetchRefused):
        fetch(url, OPEN)


def test_a_redirect_into_the_network_is_refused(outside, site):
    target = f"{site.url}/article"
    with pytest.raises(FetchRefused, match="refused: not a public address"):
        fetch(f"{outside.url}/to?url={target}", AS_PUBLIC)
    assert ("GET", "/article", f"127.0.0.1:{site.port}") not in site.hits


def test_a_redirect_to_another_scheme_is_refused(outside):
    with pytest.raises(FetchRefused, match="only http and https"):
        fetch(f"{outside.url}/to?url=file:///etc/passwd", AS_PUBLIC)


def test_the_connection_goes_to_the_address_that_was_checked(outside):
    """One lookup per hop; the host name travels only in the Host header (no rebinding)."""
    lookups = []

    def resolver(host, port):
        lookups.append(host)
        return ["127.0.0.2"] if len(lookups) == 1 else ["127.0.0.1"]  # a rebinding DNS

    response = fetch(f"http://rebind.test:{outside.port}/article", AS_PUBLIC, resolver=resolver)
    assert response.status == 200 and response.address == "127.0.0.2"
    assert lookups == ["rebind.test"]
    assert outside.hits[-1] == ("GET", "/article", f"rebind.test:{outside.port}")


def test_a_real_page_on_loopback_is_fetched_when_allowed(site):
    response = fetch(f"{site.url}/article", OPEN)
    assert (response.status, response.content_type, response.charset) == (200, "text/html", "utf-8")
    assert b"The Art of" in response.body and not response.truncated


def test_redirects_are_followed_up_to_the_limit(site):
    response = fetch(f"{site.url}/to?url=/article&code=301", OPEN)
    assert (response.status, response.url, response.redirects) == (
        200,
        f"{site.url}/article",
        [f"{site.url}/article"],
    )
    with pytest.raises(FetchFailed, match="more than 5 redirects"):
        fetch(f"{site.url}/loop", OPEN)


def test_the_body_is_capped(site):
    response = fetch(f"{site.url}/big", FetchPolicy(allow_private=True, max_bytes=2 * 1024 * 1024))
    assert response.truncated and len(response.body) == 2 * 1024 * 1024


def test_a_compressed_body_is_capped_after_decompression(site):
    response = fetch(f"{site.url}/bomb", FetchPolicy(allow_private=True, max_bytes=100_000))
    assert response.truncated and len(response.body) == 100_000
    assert response.body.startswith(b"<p>aaa")


def test_a_slow_page_runs_out_of_time(site):
    with pytest.raises(FetchFailed, match=r"no answer within 0\.5 s"):
        fetch(f"{site.url}/slow", FetchPolicy(allow_private=True, timeout=0.5))


def test_a_slow_name_lookup_counts_against_the_time_limit():
    def slow_resolver(host, port):
        time.sleep(2)
        return ["127.0.0.1"]

    started = time.monotonic()
    with pytest.raises(FetchFailed, match=r"no answer within 0\.5 s: the name slow-dns\.test"):
        fetch(
            "http://slow-dns.test/",
            FetchPolicy(allow_private=True, timeout=0.5),
            resolver=slow_resolver,
        )
    assert time.monotonic() - started < 1.5


@pytest.fixture
def trickle():
    """A server that sends one byte every 0.2 s for as long as anyone listens."""
    server = Trickle()
    yield server
    server.stop()


@pytest.mark.parametrize(
    "path",
    ["/headers", "/body", "/redirect"],
    ids=["slow headers", "slow body", "slow after a redirect"],
)
def test_one_deadline_covers_headers_body_and_redirects(trickle, path):
    """Every byte arrives well within a socket timeout, so only a deadline for the whole
    fetch ends it: the fetch gives up at its deadline and lets go of the connection."""
    policy = FetchPolicy(allow_private=True, timeout=1.5)
    pool = ThreadPoolExecutor(1)
    fetching = pool.submit(fetch, trickle.url + path, policy)
    pool.shutdown(wait=False)  # a fetch that never ends must not hold the test too
    # Generous: the deadline plus a few seconds for a loaded machine, never a bare sleep.
    error = fetching.exception(timeout=policy.timeout + 5)
    assert isinstance(error, FetchFailed), error
    assert error.reason == "no answer within 1.5 s"
    assert trickle.wait_until_closed(), "the fetch still holds the connection"
    assert trickle.served == (2 if path == "/redirect" else 1)


def test_names_that_do_not_resolve_and_closed_ports_fail():
    with pytest.raises(FetchFailed, match="could not be resolved"):
        fetch("http://no-such-host.invalid/", OPEN)
    with pytest.raises(FetchFailed, match="connection refused"):
        fetch("http://127.0.0.1:9/", OPEN)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.8.8.8", False),
        ("::", False),
        ("fc00::1", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::1", False),  # 6to4 around 127.0.0.1
        ("ff02::1", False),
        ("192.0.2.1", False),
        ("fec0::1", False),
        ("feff::1", False),
    ],
)
def test_which_addresses_are_public(address, public):
    assert (address_refusal(address) is None) is public


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory):
    """An https site for "localhost" with a certificate from a CA only the test trusts."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    site = Site(ssl_context=context)
    site.cafile = str(folder / "cert.pem")
    yield site
    site.stop()


def test_https_checks_the_certificate_against_the_host_name(tls_site):
    url = f"https://localhost:{tls_site.port}/article"
    trusted = FetchPolicy(allow_private=True, timeout=3, cafile=tls_site.cafile)
    response = fetch(url, trusted)
    assert response.status == 200 and b"Keeping links" in response.body
    with pytest.raises(FetchFailed, match="TLS failed"):
        fetch(url, OPEN)  # the system's CAs do not know it
    with pytest.raises(FetchFailed, match="TLS failed"):  # the certificate is for localhost
        fetch(f"https://127.0.0.1:{tls_site.port}/article", trusted)
