"""A real HTTP server in a thread, playing a licensor's partner feed: files with Range support, a connection
that drops halfway, a server too slow to answer, pages that are HTML. It listens twice on loopback, with TLS
(a certificate made for the session and trusted through REELHOUSE_FEED_CA_FILE) and in plain http, both serving
the same routes; the registered feed is the https one, and loopback is allowed for it explicitly (partner feeds
reach only public addresses by default)."""

import datetime as dt
import hashlib
import re
import ssl
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
    url: str  # https://127.0.0.1:port
    plain_url: str = ""  # http://127.0.0.1:port, same routes
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


@pytest.fixture(scope="session")
def feed_tls(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 and localhost: (cert file, key file)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Reelhouse test partner")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.DNSName("partner.test"),
                                                        x509.DNSName("*.partner.test"), x509.DNSName("rebind.test"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def _serve(httpd):
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return httpd


class _TlsServer(ThreadingHTTPServer):
    context: ssl.SSLContext

    def get_request(self):
        sock, address = super().get_request()
        return self.context.wrap_socket(sock, server_side=True), address


@pytest.fixture
def feed_server(feed_tls, settings):
    settings.REELHOUSE_FEED_CA_FILE = str(feed_tls[0])
    tls = _TlsServer(("127.0.0.1", 0), _Handler, bind_and_activate=True)
    tls.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.context.load_cert_chain(*map(str, feed_tls))
    plain = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    feed = FeedServer(url=f"https://127.0.0.1:{tls.server_port}", plain_url=f"http://127.0.0.1:{plain.server_port}")
    tls.feed = plain.feed = feed
    servers = [_serve(tls), _serve(plain)]
    yield feed
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def feed_source(db, tmp_path, feed_server):
    """A partner feed (https, on loopback, which its allowed networks name) registered against a licensor with a
    current worldwide licence."""
    from reelhouse.ingest.models import Source
    from reelhouse.rights.models import Licence, Licensor

    licensor = Licensor.objects.create(name="Feed Licensor")
    licence = Licence.objects.create(licensor=licensor, name="Worldwide 2020-", territories="WW",
                                     starts_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    landing = tmp_path / "landing"
    landing.mkdir()
    return Source.objects.create(name="Partner feed", kind=Source.Kind.FEED, path=str(landing), licensor=licensor,
                                 licence=licence, feed_url=feed_server.url + "/feed", feed_token="Bearer s3cret",
                                 feed_allowed_networks="127.0.0.0/8")


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
