"""The one web site the system tests serve for Shelf to read: real HTTP, in a thread, on a
port of its own.

    with Site() as site:
        url = site.page("/a", "A title", "a description")   # raw HTML title; its full URL
        site.serve("/icon.png", png, "image/png")            # any other body
        site.requests                                        # paths asked for, in order
        site.requested(url)                                  # how often this page was asked for

`Site(answer=...)` answers paths no page was added for (`answer(path)` gives an `Answer`, or
None for a 404). `site.hold()` makes every page answer only once `site.release()` is called
(a server dribbling its headers); `site.held` lists the paths waiting. A site serves on
127.0.0.1 unless given another address (the compose test serves on its Docker network's
gateway, where the containers reach the host).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HTML = "text/html; charset=utf-8"
# A held page answers after this long even if the test never releases it (a test that failed
# before releasing must not leave the server's threads waiting for ever).
HOLD_AT_MOST = 60.0


@dataclass(frozen=True)
class Answer:
    body: bytes
    content_type: str = HTML
    status: int = 200


def page_html(title: str, description: str = "") -> bytes:
    """A page whose <title> (and meta description) are these; the title is raw HTML, so a
    test can give one markup on purpose."""
    meta = f'<meta name="description" content="{escape(description)}">' if description else ""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{title}</title>{meta}</head><body><p>{escape(title)}</p>"
        f"</body></html>"
    ).encode()


NOT_HERE = Answer(b"not here\n", "text/plain; charset=utf-8", 404)


class Site:
    def __init__(
        self, host: str = "127.0.0.1", *, answer: Callable[[str], Answer | None] | None = None
    ) -> None:
        self.pages: dict[str, Answer] = {}
        self.requests: list[str] = []
        self.held: list[str] = []
        self._answer = answer
        self._released = threading.Event()
        self._released.set()
        self._lock = threading.Lock()
        self._server = _Server((host, 0), _Handler)
        self._server.site = self
        self.port = self._server.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self._thread: threading.Thread | None = None

    def page(self, path: str, title: str, description: str = "") -> str:
        """Serve an HTML page with this title at `path`; its full URL."""
        return self.serve(path, page_html(title, description))

    def serve(self, path: str, body: bytes, content_type: str = HTML) -> str:
        self.pages[path] = Answer(body, content_type)
        return self.url + path

    def requested(self, url_or_path: str) -> int:
        path = url_or_path.removeprefix(self.url)
        with self._lock:
            return self.requests.count(path)

    def hold(self) -> None:
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def start(self) -> Site:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"site-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Release held pages, stop serving and close the listening socket."""
        self.release()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def __enter__(self) -> Site:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _answer_for(self, path: str) -> Answer:
        with self._lock:
            self.requests.append(path)
        if not self._released.is_set():
            with self._lock:
                self.held.append(path)
            self._released.wait(HOLD_AT_MOST)
        answer = self.pages.get(path)
        if answer is None and self._answer is not None:
            answer = self._answer(path)
        return answer or NOT_HERE


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: Site


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        answer = self.server.site._answer_for(self.path.split("?", 1)[0])
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    def do_HEAD(self) -> None:
        self.do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: the test's output is not the place for an access log
