"""A small web site on loopback for tests of code that fetches pages (needs Flask).

`Site()` serves, in a thread, on a free loopback port: `/article` (a typical article with a
title, description, favicon and preview image), `/big` (3 MB), `/bomb` (a gzip bomb), `/slow`
(2 s), `/head-refused` (405 to HEAD), `/to?url=...&code=...` (a redirect), `/loop` (redirects
to itself) and `/pdf`. `hits` records every request; `status_for[path] = 404` makes a path
answer that status instead.

`Trickle()` is a server that never finishes an answer, as a hostile or broken one does: it
sends a byte every `interval` seconds for as long as the client listens. `/headers` trickles
the status line's headers, `/body` sends its headers and then trickles the body, `/redirect`
answers at once with a redirect to `/headers`. `open` counts the connections a client still
holds (a fetch that gave up has closed its own).
"""

from __future__ import annotations

import gzip
import socket
import socketserver
import threading
import time

from flask import Flask, Response, redirect, request
from werkzeug.serving import make_server

ARTICLE = """<!doctype html>
<html><head>
  <meta charset="utf-8">
  <title>  The Art of   Keeping Links </title>
  <meta name="description" content="Why bookmarks rot, and what to do.">
  <meta property="og:image" content="/images/cover.png">
  <link rel="stylesheet" href="/style.css">
  <link rel="icon" href="/favicon.png">
</head><body>
  <nav>Home | About</nav>
  <article><h1>Keeping links</h1><p>Links rot <b>quietly</b>.</p>
    <script>document.write("not text")</script></article>
  <footer>(c) nobody</footer>
</body></html>"""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class Site:
    def __init__(self, host: str = "127.0.0.1", *, ssl_context=None) -> None:
        self.host = host
        self.port = free_port(host)
        self.url = f"{'https' if ssl_context else 'http'}://{host}:{self.port}"
        self.hits: list[tuple[str, str, str]] = []  # (method, path, Host header)
        self.status_for: dict[str, int] = {}
        app = Flask("site")

        @app.before_request
        def count():
            self.hits.append((request.method, request.path, request.headers.get("Host", "")))
            if request.path in self.status_for:
                return Response("no", status=self.status_for[request.path])
            return None

        @app.get("/article")
        def article():
            return Response(ARTICLE, mimetype="text/html")

        @app.get("/big")
        def big():
            chunk = b"<p>" + b"x" * 1021 + b"</p>"
            return Response((chunk for _ in range(3 * 1024)), mimetype="text/html")

        @app.get("/bomb")
        def bomb():
            body = gzip.compress(b"<p>" + b"a" * (20 * 1024 * 1024))
            return Response(body, mimetype="text/html", headers={"Content-Encoding": "gzip"})

        @app.get("/slow")
        def slow():
            time.sleep(2)
            return "late"

        @app.route("/head-refused", methods=["GET", "HEAD"])
        def head_refused():
            if request.method == "HEAD":
                return Response(status=405)
            return "fine"

        @app.get("/to")
        def to():
            return redirect(request.args["url"], code=int(request.args.get("code", 302)))

        @app.get("/loop")
        def loop():
            return redirect("/loop")

        @app.get("/pdf")
        def pdf():
            return Response(b"%PDF-1.4", mimetype="application/pdf")

        self.server = make_server(host, self.port, app, threaded=True, ssl_context=ssl_context)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()


class Trickle:
    def __init__(self, host: str = "127.0.0.1", *, interval: float = 0.2) -> None:
        self.interval = interval
        self.open = 0
        self.served = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        trickle = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with trickle._lock:
                    trickle.open += 1
                    trickle.served += 1
                try:
                    trickle._answer(self.request)
                except OSError:
                    pass  # the client went away
                finally:
                    with trickle._lock:
                        trickle.open -= 1

        self.server = socketserver.ThreadingTCPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.host = host
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def _answer(self, connection: socket.socket) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            data = connection.recv(4096)
            if not data:
                return
            request += data
        path = request.split(b" ", 2)[1].decode("latin-1")
        if path.startswith("/redirect"):
            connection.sendall(
                b"HTTP/1.1 302 Found\r\nLocation: /headers\r\n"
                b"Content-Length: 0\r\nConnection: close\r\n\r\n"
            )
            return
        if path.startswith("/body"):
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                b"Content-Length: 100000000\r\n\r\n<html><title>"
            )
            drip = b"x"
        else:
            connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            drip = b"a"
        while not self._stopping.wait(self.interval):
            connection.sendall(drip)

    def wait_until_closed(self, timeout: float = 10.0) -> bool:
        """True once every connection the server took was closed by its client."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.open == 0:
                    return True
            time.sleep(0.02)
        return False

    def stop(self) -> None:
        self._stopping.set()
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()
