"""Partner feeds: read a registered Media RSS feed or JSON manifest and download its deliveries, with resume,
a size limit and checksum verification, into the source's landing folder (the normal pipeline takes it from there).

Only feeds an operator registered against a licensor are ever fetched: no search, no scraping, no other sources.
Every request goes through `ingest.outbound` (which addresses may be reached, where the token may go, redirects).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from reelhouse.ingest import conf, outbound
from reelhouse.ingest.scan import sha256_file

log = logging.getLogger(__name__)

MEDIA_NS = "http://search.yahoo.com/mrss/"
REELHOUSE_NS = "urn:reelhouse:feed"  # <reelhouse:path>, <reelhouse:series> … for fields Media RSS has no word for
PARTIAL_DIR = ".partial"  # hidden: the scanner never sees a file being downloaded
REJECTED_DIR = ".rejected"  # hidden: downloads that failed verification are kept here, never deleted
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class FeedError(Exception):
    """The feed as a whole could not be read; the message says what came back and what to check."""


class DownloadError(Exception):
    """One delivery could not be downloaded; `keep` is a file worth keeping aside (a checksum mismatch)."""

    def __init__(self, message: str, *, final: bool = True):
        super().__init__(message)
        self.final = final


@dataclass
class FeedEntry:
    url: str
    path: str = ""
    size: int | None = None
    sha256: str = ""
    problem: str = ""  # set when the entry is refused before any download


@dataclass
class GuideEntry:
    """An episode the licensor announced (maybe not delivered yet), with its air date."""

    series: str
    season: int
    episode: int
    year: int | None = None
    title: str = ""
    air_date: dt.date | None = None


@dataclass
class Feed:
    entries: list[FeedEntry] = field(default_factory=list)
    guide: list[GuideEntry] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------- parsing


def safe_relative_path(raw: str) -> str:
    """The entry's path inside the landing folder, or ValueError saying why it is refused."""
    if not raw or not raw.strip():
        raise ValueError("empty path")
    if "\x00" in raw or "\\" in raw:
        raise ValueError(f"path {raw!r} contains a NUL or a backslash")
    if raw.startswith("/") or re.match(r"^[A-Za-z]:", raw):
        raise ValueError(f"absolute path {raw!r} refused; feed paths must be relative to the landing folder")
    parts = PurePosixPath(raw).parts
    if any(p == ".." for p in parts):
        raise ValueError(f"path {raw!r} climbs out of the landing folder ('..'); refused")
    if any(p.startswith(".") for p in parts):
        raise ValueError(f"path {raw!r} has a hidden component; refused")
    clean = PurePosixPath(*[p for p in parts if p not in ("", ".")])
    if not clean.parts:
        raise ValueError(f"path {raw!r} names no file")
    return clean.as_posix()


def _entry(url: str, path: str | None, size, sha256: str | None, base_url: str) -> FeedEntry:
    entry = FeedEntry(url=urljoin(base_url, url or ""))
    try:
        if not url:
            raise ValueError("no url")
        if urlsplit(entry.url).scheme not in ("http", "https"):
            raise ValueError(f"url {entry.url!r} is not http(s)")
        entry.path = safe_relative_path(path if path else unquote(PurePosixPath(urlsplit(entry.url).path).name))
        if size not in (None, ""):
            entry.size = int(size)
            if entry.size < 0:
                raise ValueError(f"negative size {size}")
        digest = (sha256 or "").strip().lower()
        if not _HEX64.match(digest):
            raise ValueError(f"no valid sha256 checksum ({sha256!r}); only verifiable deliveries are downloaded")
        entry.sha256 = digest
    except (TypeError, ValueError) as exc:
        entry.problem = str(exc)
    return entry


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def parse_json_manifest(text: str, *, base_url: str) -> Feed:
    """{"deliveries": [{"url", "path", "size", "sha256"}], "episodes": [{"series", "season", "episode", …}]}"""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FeedError(f"{base_url}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("deliveries", []), list):
        raise FeedError(f"{base_url}: JSON manifest must be an object with a 'deliveries' list")
    feed = Feed()
    for item in data.get("deliveries", []):
        if not isinstance(item, dict):
            feed.entries.append(FeedEntry(url="", problem=f"entry {item!r} is not an object"))
            continue
        feed.entries.append(_entry(item.get("url"), item.get("path"), item.get("size"), item.get("sha256"), base_url))
    for item in data.get("episodes", []) or []:
        try:
            feed.guide.append(GuideEntry(series=str(item["series"]), season=int(item["season"]),
                                         episode=int(item["episode"]), year=item.get("year"),
                                         title=str(item.get("title") or ""), air_date=_date(item.get("air_date"))))
        except (KeyError, TypeError, ValueError):
            log.warning("%s: guide entry %r ignored (needs series, season, episode)", base_url, item)
    return feed


def parse_media_rss(text: str, *, base_url: str) -> Feed:
    """Media RSS: <item><media:content url= fileSize=/><media:hash algo="sha256">…</media:hash>
    [<reelhouse:path>Show/Season 01/…</reelhouse:path>] [<reelhouse:series> <reelhouse:season> <reelhouse:episode>
    <reelhouse:airdate> for the episode guide].</item>"""
    try:
        root = SafeET.fromstring(text)
    except DefusedXmlException as exc:
        raise FeedError(f"{base_url}: unsafe XML refused ({type(exc).__name__})") from exc
    except SafeET.ParseError as exc:
        raise FeedError(f"{base_url}: malformed XML ({exc})") from exc
    if root.tag != "rss":
        raise FeedError(f"{base_url}: XML root is <{root.tag}>, expected <rss> (Media RSS)")
    feed = Feed()
    m, r = f"{{{MEDIA_NS}}}", f"{{{REELHOUSE_NS}}}"
    for item in root.iter("item"):
        def text_of(tag: str, parent=item) -> str:
            el = parent.find(tag)
            return (el.text or "").strip() if el is not None else ""

        hashes = {(h.get("algo") or "").lower().replace("-", ""): (h.text or "").strip()
                  for h in item.iter(f"{m}hash")}
        contents = list(item.iter(f"{m}content"))
        if contents:
            content = contents[0]
            feed.entries.append(_entry(content.get("url"), text_of(f"{r}path"), content.get("fileSize"),
                                       hashes.get("sha256"), base_url))
        if text_of(f"{r}series") and text_of(f"{r}episode"):
            try:
                feed.guide.append(GuideEntry(
                    series=text_of(f"{r}series"), season=int(text_of(f"{r}season") or 1),
                    episode=int(text_of(f"{r}episode")), title=text_of("title"),
                    year=int(text_of(f"{r}year")) if text_of(f"{r}year") else None,
                    air_date=_date(text_of(f"{r}airdate"))))
            except ValueError:
                log.warning("%s: guide item %r ignored", base_url, text_of("title"))
    return feed


def parse_feed(body: bytes, *, content_type: str, url: str) -> Feed:
    """Pick the parser from what came back; an HTML page (a login or error page) is named as such."""
    head = body[:512].lstrip().lower()
    if "html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html")):
        raise FeedError(f"{url}: returned an HTML page (Content-Type {content_type or 'none'}), not a Media RSS feed "
                        f"or JSON manifest; check the feed URL and the token")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FeedError(f"{url}: feed is not UTF-8 ({exc})") from exc
    if "json" in content_type.lower() or text.lstrip().startswith(("{", "[")):
        return parse_json_manifest(text, base_url=url)
    if text.lstrip().startswith("<"):
        return parse_media_rss(text, base_url=url)
    raise FeedError(f"{url}: neither JSON nor XML came back (Content-Type {content_type or 'none'})")


# ---------------------------------------------------------------------------------------------------- HTTP


def source_policy(source, *, network: outbound.Network | None = None) -> outbound.Policy:
    """The outbound policy of one partner feed: its allowed networks (plus the site-wide ones), the origins its
    token may go to, its token (decrypted; raises crypto.SecretUnreadable), limits from settings."""
    from reelhouse.ingest import crypto

    return outbound.Policy(
        allowed_networks=outbound.parse_networks(conf.feed_allowed_networks())
        + outbound.parse_networks(source.feed_allowed_networks),
        token_origins=frozenset(outbound.origin(o) for o in source.feed_token_origins.split()),
        token_header=source.feed_auth_header, token=crypto.decrypt(source.feed_token) if source.feed_token else "",
        timeout=conf.feed_timeout(), max_redirects=conf.feed_max_redirects(), ca_file=conf.feed_ca_file(),
        network=network or outbound.Network())


def feed_read(url: str, *, policy: outbound.Policy) -> Feed:
    """GET the feed (bounded in size and time, through the outbound policy) and parse it."""
    limit = conf.feed_max_manifest_bytes()
    try:
        with outbound.get(url, feed_url=url, policy=policy) as response:
            body = response.read(limit + 1)
            content_type = response.headers.get("Content-Type", "")
    except outbound.HttpStatus as exc:
        raise FeedError(f"{exc}" + ("; check the token" if exc.code in (401, 403) else "")) from exc
    except outbound.OutboundError as exc:
        raise FeedError(str(exc)) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise FeedError(f"{url}: connection dropped while reading the feed ({exc})") from exc
    if len(body) > limit:
        raise FeedError(f"{url}: feed larger than {limit} bytes (REELHOUSE_FEED_MAX_MANIFEST_BYTES); refused")
    return parse_feed(body, content_type=content_type, url=url)


def partial_path(landing: Path, entry: FeedEntry) -> Path:
    return landing / PARTIAL_DIR / f"{entry.sha256}.part"


def download(entry: FeedEntry, *, landing: Path, policy: outbound.Policy, feed_url: str, max_bytes: int) -> Path:
    """Download one entry into landing/.partial, resuming what an earlier attempt left, verify its size and sha256,
    then move it into place with one rename. Returns the final path. Raises DownloadError (final=False when
    a retry may succeed: a dropped connection or a timeout; the partial file is kept for resuming)."""
    if entry.size is not None and entry.size > max_bytes:
        raise DownloadError(f"{entry.path}: declared size {entry.size} bytes exceeds the limit of {max_bytes} bytes")
    target = landing / entry.path
    landing_resolved = landing.resolve()
    try:
        target.parent.resolve().relative_to(landing_resolved)
    except ValueError as exc:
        raise DownloadError(f"{entry.path}: would land outside the landing folder (symlinked folder?)") from exc
    part = partial_path(landing, entry)
    part.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    if entry.size is not None and have > entry.size:
        part.unlink()  # our own partial file, longer than the whole: start again
        have = 0
    if entry.size is None or have < entry.size:
        _fetch(entry, part, have=have, policy=policy, feed_url=feed_url, max_bytes=max_bytes)
    size = part.stat().st_size
    if entry.size is not None and size != entry.size:
        raise DownloadError(f"{entry.path}: got {size} bytes, the feed declared {entry.size}", final=False)
    digest = sha256_file(part)
    if digest != entry.sha256:
        raise DownloadError(f"{entry.path}: checksum mismatch: the feed declared sha256 {entry.sha256}, "
                            f"the downloaded file ({size} bytes) has {digest}; kept aside, not delivered")
    if target.exists():
        raise DownloadError(f"{entry.path}: a different file already exists at that path in the landing folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(part, target)
    return target


def keep_aside(landing: Path, entry: FeedEntry) -> Path | None:
    """Move a rejected download out of the partial area so it is neither resumed nor lost."""
    part = partial_path(landing, entry)
    if not part.exists():
        return None
    dest = landing / REJECTED_DIR / f"{entry.sha256}-{PurePosixPath(entry.path).name}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(part, dest)
    return dest


def _fetch(entry: FeedEntry, part: Path, *, have: int, policy: outbound.Policy, feed_url: str,
           max_bytes: int) -> None:
    request_headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        with outbound.get(entry.url, feed_url=feed_url, policy=policy, headers=request_headers) as response:
            mode = "ab"
            if have and response.status != 206:
                mode, have = "wb", 0  # the server ignored the range: take the whole file again
            elif have:
                start = re.match(r"bytes (\d+)-", response.headers.get("Content-Range", ""))
                if not start or int(start.group(1)) != have:
                    raise DownloadError(f"{entry.path}: server answered the resume request with Content-Range "
                                        f"{response.headers.get('Content-Range')!r}, expected bytes {have}-",
                                        final=False)
            with part.open(mode) as fh:
                written = have
                while chunk := response.read(conf.HASH_CHUNK):
                    written += len(chunk)
                    limit = entry.size if entry.size is not None else max_bytes
                    if written > limit:
                        raise DownloadError(f"{entry.path}: server sent more than the "
                                            + (f"declared {entry.size} bytes" if entry.size is not None
                                               else f"limit of {max_bytes} bytes") + "; refused")
                    fh.write(chunk)
            expected = response.headers.get("Content-Length")
            if expected and expected.isdigit() and written - have < int(expected):
                raise DownloadError(f"{entry.path}: connection closed after {written - have} of {expected} bytes; "
                                    f"will resume", final=False)
    except outbound.OutboundError as exc:
        raise DownloadError(f"{entry.path}: {exc}" + ("" if exc.final else "; will resume"), final=exc.final) \
            from exc
    except TimeoutError as exc:
        raise DownloadError(f"{entry.path}: timed out after {policy.timeout:g} s; will resume", final=False) \
            from exc
    except (OSError, http.client.HTTPException) as exc:
        raise DownloadError(f"{entry.path}: connection dropped ({exc}); will resume", final=False) from exc
