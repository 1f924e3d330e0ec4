"""A real HTTP server in a thread, playing a licensor's partner feed: files with Range support, a connection
that drops halfway, a server too slow to answer, pages that are HTML."""

import datetime as dt
import hashlib
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Route:
    body: bytes
    content_type: str = "application/octet-stream"
    drop_after: int | None = None  # the first full request sends this many bytes, then closes the connection
    delay: float = 0.0
    status: int = 200
    hits: int = 0
    location: str = ""  # answer with a 302 redirect there


@dataclass
class FeedServer:
    url: str
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict]] = field(default_factory=list)

    def add(self, path: str, body: bytes, **kwargs) -> str:
        self.routes[path] = Route(body=body, **kwargs)
        return self.url + path


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        server: FeedServer = self.server.feed  # type: ignore[attr-defined]
        server.requests.append((self.path, dict(self.headers)))
        route = server.routes.get(self.path)
        if route is None:
            self._reply(404, b"not found", "text/plain")
            return
        if route.status == 401 and self.headers.get("Authorization") != "Bearer s3cret":
            self._reply(401, b"token required", "text/plain")
            return
        route.hits += 1
        if route.location:
            self._reply(302, b"", "text/plain", {"Location": route.location})
            return
        if route.delay:
            time.sleep(route.delay)
        body, status, extra = route.body, 200, {}
        if m := re.match(r"bytes=(\d+)-$", self.headers.get("Range", "")):
            start = int(m.group(1))
            body, status = route.body[start:], 206
            extra["Content-Range"] = f"bytes {start}-{len(route.body) - 1}/{len(route.body)}"
        if route.drop_after is not None and route.hits == 1 and status == 200:
            self.send_response(200)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:route.drop_after])
            self.wfile.flush()
            self.close_connection = True
            return
        self._reply(status, body, route.content_type, extra)

    def _reply(self, status, body, content_type, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def feed_server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.feed = FeedServer(url=f"http://127.0.0.1:{httpd.server_port}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.feed
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def feed_source(db, tmp_path, feed_server):
    """A partner feed registered against a licensor with a current worldwide licence."""
    from reelhouse.ingest.models import Source
    from reelhouse.rights.models import Licence, Licensor

    licensor = Licensor.objects.create(name="Feed Licensor")
    licence = Licence.objects.create(licensor=licensor, name="Worldwide 2020-", territories="WW",
                                     starts_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    landing = tmp_path / "landing"
    landing.mkdir()
    return Source.objects.create(name="Partner feed", kind=Source.Kind.FEED, path=str(landing), licensor=licensor,
                                 licence=licence, feed_url=feed_server.url + "/feed", feed_token="Bearer s3cret")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def media_rss(items: list[dict]) -> bytes:
    """A Media RSS document; each item dict: url, size, sha256, path (optional), guide fields (optional)."""
    parts = []
    for it in items:
        extra = f"<reelhouse:path>{it['path']}</reelhouse:path>" if "path" in it else ""
        for key in ("series", "season", "episode", "airdate"):
            if key in it:
                extra += f"<reelhouse:{key}>{it[key]}</reelhouse:{key}>"
        content = (f'<media:content url="{it["url"]}" fileSize="{it["size"]}" type="video/mp4"/>'
                   if "url" in it else "")
        digest = f'<media:hash algo="sha256">{it["sha256"]}</media:hash>' if "sha256" in it else ""
        parts.append(f"<item><title>{it.get('title', 'x')}</title>{content}{digest}{extra}</item>")
    return ('<?xml version="1.0" encoding="utf-8"?>'
            '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:reelhouse="urn:reelhouse:feed">'
            f'<channel><title>Partner</title>{"".join(parts)}</channel></rss>').encode()
