"""Small HTTP helpers shared by apps."""

import csv
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.http import FileResponse, Http404, HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.utils.http import url_has_allowed_host_and_scheme

from reelhouse.core.storage import media_read_stream, media_storage, storage_is_local


def csv_response(rows: list[dict], *, filename: str) -> HttpResponse:
    """Rows of dicts as a CSV download (header from the first row's keys; empty body for no rows)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if rows:
        writer = csv.DictWriter(response, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return response


def file_under(base: Path | str, rel: str, *, missing: str) -> Path:
    """The regular file `rel` names inside `base`, symlinks and '..' resolved first: Http404 (saying `missing`) when it
    resolves outside `base` or is not a regular file. The one path guard for files served from disk (artwork, stream
    segments)."""
    root = Path(base).resolve()
    target = (root / rel).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise Http404(missing)
    return target


def file_response(path: Path, *, content_type: str, cache_control: str) -> FileResponse:
    """A file checked by file_under, streamed with its type and caching."""
    response = FileResponse(path.open("rb"), content_type=content_type)
    response["Cache-Control"] = cache_control
    return response


def stored_name_under(base: str, rel: str, *, missing: str) -> str:
    """The storage name of the file `rel` inside the stored folder `base` (e.g. a package): on local disk through
    file_under's guard (symlinks, '..'), on object storage refusing any empty, '.', '..' or backslash component (a
    key is never resolved, so a plain relative path is all that may pass). Http404 saying `missing` otherwise."""
    if storage_is_local():
        root = Path(media_storage().path(base))
        return f"{base}/{file_under(root, rel, missing=missing).relative_to(root.resolve()).as_posix()}"
    if any(p in ("", ".", "..") or "\\" in p or "\x00" in p for p in rel.split("/")):
        raise Http404(missing)
    return f"{base}/{rel}"


def stored_file_response(name: str, *, content_type: str, cache_control: str, missing: str, **kwargs) -> FileResponse:
    """A stored file (a name from stored_name_under) streamed with its type and caching: from disk, or from the
    object store as its body arrives. Http404 saying `missing` when it is not there; kwargs go to FileResponse
    (as_attachment, filename)."""
    try:
        body = media_read_stream(name)
    except (FileNotFoundError, IsADirectoryError):
        raise Http404(missing) from None
    response = FileResponse(body, content_type=content_type, **kwargs)
    if (length := getattr(body, "_content_length", None)) is not None:  # botocore's StreamingBody
        response["Content-Length"] = str(length)
    response["Cache-Control"] = cache_control
    return response


def safe_next(request, target: str | None = None, *, default: str = "/") -> str:
    """Where to send the browser after this request: `target` (by default the request's `next`) when it stays on this
    site, else `default`. The one check every redirect to a request-supplied address goes through: Django's
    url_has_allowed_host_and_scheme, HTTPS only when the request came over HTTPS (refuses `//evil.example`,
    `/\\evil.example`, `https://evil.example`, `javascript:`...)."""
    if target is None:
        target = request.POST.get("next") or request.GET.get("next") or ""
    target = (target or "").strip()
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def site_url(request=None) -> str:
    """Scheme and host that links in mail start with (no trailing slash): REELHOUSE_SITE_URL when it is set; else
    the request's own (https behind a TLS proxy when REELHOUSE_HTTPS=1 trusts its X-Forwarded-Proto); else, for
    mail sent outside a request, the embedded default's address (settings.SITE_URL)."""
    if request is not None and not getattr(settings, "SITE_URL_SET", False):
        return request.build_absolute_uri("/").rstrip("/")
    return settings.SITE_URL.rstrip("/")


# What TextGZipMiddleware compresses: pages, styles, scripts, JSON, subtitles. Never video, audio or pictures (already
# compressed; segments are the hot path) nor playlists (tiny, and carry signed tokens).
COMPRESSIBLE = ("text/html", "text/css", "text/javascript", "application/javascript", "application/json",
                "application/manifest+json", "text/vtt", "text/plain", "image/svg+xml")


class TextGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware (with its BREACH mitigation, Django 4.2+) for text only: the pages and the static
    styles and scripts (whitenoise serves those uncompressed from the app folders, and a precompressed .gz beside a
    file, such as vendor/hls.min.js.gz, as it is). A body under MIN_LENGTH goes out as it is: it fits in one TCP
    segment either way, so compressing it saves no packet and costs a zlib stream and the mitigation's random file
    name on every request (a heartbeat's answer is ~500 bytes of JSON, 123 of them a second at 3,700 viewers)."""

    MIN_LENGTH = 1024

    def process_response(self, request, response):
        if response.get("Content-Type", "").split(";")[0].strip() not in COMPRESSIBLE or response.status_code == 206:
            return response
        if not response.streaming and len(response.content) < self.MIN_LENGTH:
            return response
        return super().process_response(request, response)


def db_connections_release() -> None:
    """Hand this thread's database connections back now rather than when the request ends: to the pool
    (REELHOUSE_PG_POOL), or closed when they would be closed at the end of the request anyway (CONN_MAX_AGE 0). A
    persistent connection (no pool, CONN_MAX_AGE > 0: the embedded default's SQLite, PostgreSQL without a pool)
    belongs to its thread and stays; so does one inside a transaction (a test's, or a caller's atomic block)."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is None or conn.in_atomic_block:
            continue
        if getattr(conn, "pool", None) is not None or not conn.settings_dict["CONN_MAX_AGE"]:
            conn.close()


class StreamConnectionReleaseMiddleware:
    """Outermost middleware: a streaming response (segments, downloads, artwork, attachments: FileResponse) gives its
    database connection back before its body is sent. Django returns it only when the response is closed, after the
    last byte; a client that stops reading (a paused video element, a slow link) would hold one pool connection
    per open stream, and more stalled streams than the pool's max_size stop every other request (PoolTimeout after
    REELHOUSE_PG_POOL_TIMEOUT; tests/scale/test_pg_connections.py performs it). Everything inside this middleware
    (the view, session and message saving) has run by now; a streaming body must not query the database (it would
    take a connection again for the whole stream).

    Under gunicorn it also bounds how long the body's send may make no progress (REELHOUSE_STREAM_SEND_TIMEOUT_S,
    60 s as nginx's send_timeout): a stalled client holds its server thread while its send blocks, so `--threads`
    stalled streams per worker would stop the site on the embedded default, which has no proxy in front. gunicorn
    drops the connection when the send times out (and sets the socket back to blocking for the next request)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.streaming:
            db_connections_release()
            sock = request.META.get("gunicorn.socket")
            if sock is not None:
                sock.settimeout(settings.REELHOUSE_STREAM_SEND_TIMEOUT_S)
        return response
