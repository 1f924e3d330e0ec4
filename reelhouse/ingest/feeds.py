"""Partner feeds: read a registered Media RSS feed or JSON manifest and download its deliveries, with resume,
a size limit and checksum verification, into the source's landing folder (the normal pipeline takes it from there).
Over 400 lines because the two feed formats share one set of per-field checks, and the download half is kept beside
them so that what a parsed entry promises (size, checksum, safe path) and what the download enforces read together.

Only feeds an operator registered against a licensor are ever fetched: no search, no scraping, no other sources.
Every request goes through `ingest.outbound` (which addresses may be reached, where the token may go, redirects).

Parsing contract (what fuzzers and callers rely on): `parse_feed`, `parse_json_manifest` and `parse_media_rss`
raise only `FeedError`, and only when the document as a whole is unusable (not UTF-8, not JSON/XML, unsafe XML,
nested too deeply, not an object). Everything wrong inside a usable document stays per entry: a delivery entry
gets `FeedEntry.problem` (refused, never downloaded), and a guide entry or a misshapen section is skipped with a
sentence in `Feed.problems`; good entries beside bad ones are kept.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import logging
import os
import re
import stat
import unicodedata
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
REJECTED_DIR = ".rejected"  # hidden: downloads that failed verification, kept for the retention period
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
NAME_MAX_BYTES = 255  # one path component, as ext4/XFS/btrfs/APFS allow
PATH_MAX_CHARS = 1000  # Delivery.path / FeedItem.path
URL_MAX_CHARS = 2000
TEXT_MAX_CHARS = 300  # series and episode titles (catalog fields)


class FeedError(Exception):
    """The feed as a whole could not be read; the message says what came back and what to check. The only
    exception the parsers raise."""


class DownloadError(Exception):
    """One delivery could not be downloaded; `keep` is a file worth keeping aside (a checksum mismatch)."""

    def __init__(self, message: str, *, final: bool = True):
        super().__init__(message)
        self.final = final


class BudgetSpent(DownloadError):
    """This fetch has downloaded all it may (REELHOUSE_FEED_MAX_FETCH_BYTES); the rest resumes on the next one."""

    def __init__(self, message: str):
        super().__init__(message, final=False)


@dataclass
class Budget:
    """Bytes one fetch may still download, across all its entries."""

    left: int

    def refuses(self, entry: FeedEntry, landing: Path) -> str:
        """'' when the entry may start now, else why it waits for the next fetch."""
        part = partial_path(landing, entry)
        needed = None if entry.size is None else entry.size - (part.stat().st_size if part.exists() else 0)
        if self.left <= 0 or (needed is not None and needed > self.left):
            return (f"{entry.path}: waits for the next fetch: this fetch may download {self.left} more bytes "
                    f"(REELHOUSE_FEED_MAX_FETCH_BYTES) and this delivery needs "
                    f"{needed if needed is not None else 'an unknown number of'}")
        return ""

    def take(self, chunk: bytes, entry: FeedEntry) -> bytes:
        """The part of `chunk` this fetch may still write; BudgetSpent once nothing is left."""
        if self.left <= 0:
            raise BudgetSpent(f"{entry.path}: this fetch reached its download limit (REELHOUSE_FEED_MAX_FETCH_BYTES);"
                              f" the partial file is kept and resumes on the next fetch")
        allowed = chunk[:self.left]
        self.left -= len(allowed)
        return allowed


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
    problems: list[str] = field(default_factory=list)  # skipped guide entries and sections, one sentence each


# ---------------------------------------------------------------------------------------------------- parsing


def unsafe_character(text: str) -> str:
    """'' or a description of the first character that has no place in a name: control characters (newlines,
    tabs, NUL), invisible formatting ones (bidi overrides such as U+202E, zero-width joiners) and line separators."""
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
            return f"U+{ord(ch):04X} ({unicodedata.name(ch, 'control character').lower()})"
    return ""


def safe_relative_path(raw: str) -> str:
    """The entry's path inside the landing folder, or ValueError saying why it is refused."""
    if not isinstance(raw, str):
        raise ValueError(f"path is {type(raw).__name__} {_shown(raw)}, expected a string")
    if not raw or not raw.strip():
        raise ValueError("empty path")
    if "\x00" in raw or "\\" in raw:
        raise ValueError(f"path {raw!r} contains a NUL or a backslash")
    if bad := unsafe_character(raw):
        raise ValueError(f"path {raw!r} contains the control or invisible formatting character {bad}; refused")
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
    for part in clean.parts:
        if len(part.encode("utf-8", "surrogatepass")) > NAME_MAX_BYTES:
            raise ValueError(f"path component {part[:40]!r}… is {len(part.encode('utf-8', 'surrogatepass'))} "
                             f"bytes long; file systems allow {NAME_MAX_BYTES}")
    if len(clean.as_posix()) > PATH_MAX_CHARS:
        raise ValueError(f"path {raw[:40]!r}… is {len(raw)} characters long; at most {PATH_MAX_CHARS} are kept")
    return clean.as_posix()


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _text(value, what: str, *, required: bool = False) -> str:
    """A string field (a number is taken as its digits); ValueError for other types and unsafe characters."""
    if value is None or value == "":
        if required:
            raise ValueError(f"no {what}")
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"{what} is {type(value).__name__} {_shown(value)}, expected a string")
    text = str(value).strip()
    if bad := unsafe_character(text):
        raise ValueError(f"{what} {_shown(text)} contains the control or invisible formatting character {bad}")
    if len(text) > TEXT_MAX_CHARS:
        raise ValueError(f"{what} is {len(text)} characters long; at most {TEXT_MAX_CHARS}")
    return text


def _number(value, what: str, *, low: int, high: int, required: bool = True) -> int | None:
    """A whole number in [low, high], given as a JSON integer or a string of digits; ValueError otherwise."""
    if value is None or value == "":
        if required:
            raise ValueError(f"no {what}")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{what} is {type(value).__name__} {_shown(value)}, expected a whole number")
    text = str(value).strip()
    if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 20:
        raise ValueError(f"{what} {_shown(value)} is not a whole number")
    number = int(text)
    if not low <= number <= high:
        raise ValueError(f"{what} {number} is outside {low}-{high}")
    return number


def _url(raw, base_url: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("no url" if raw in (None, "") else f"url is {type(raw).__name__} {_shown(raw)}, "
                                                              f"expected a string")
    if len(raw) > URL_MAX_CHARS:
        raise ValueError(f"url is {len(raw)} characters long; at most {URL_MAX_CHARS}")
    if bad := unsafe_character(raw):
        raise ValueError(f"url {_shown(raw)} contains the control or invisible formatting character {bad}")
    if re.search(r"\s", raw.strip()):
        raise ValueError(f"url {_shown(raw)} contains white space (write it as %20)")
    url = urljoin(base_url, raw.strip())
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"url {url!r} is not http(s)")
    try:
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number in range
    except ValueError as exc:
        raise ValueError(f"url {url!r} has a bad port ({exc})") from exc
    if not parts.hostname:
        raise ValueError(f"url {url!r} names no host")
    return url


def _entry(url, path, size, sha256, base_url: str) -> FeedEntry:
    # Kept on a refused entry's record as given, minus characters a database column or a log line should not hold.
    shown = "".join("?" if unsafe_character(c) else c for c in url[:URL_MAX_CHARS]) if isinstance(url, str) else ""
    entry = FeedEntry(url=shown.strip())
    try:
        entry.url = _url(url, base_url)
        entry.path = safe_relative_path(path if path not in (None, "") else
                                        unquote(PurePosixPath(urlsplit(entry.url).path).name))
        entry.size = _number(size, "size", low=0, high=2**62, required=False)
        if sha256 is not None and not isinstance(sha256, str):
            raise ValueError(f"sha256 is {type(sha256).__name__} {_shown(sha256)}, expected 64 hex digits")
        digest = (sha256 or "").strip().lower()
        if not _HEX64.match(digest):
            raise ValueError(f"no valid sha256 checksum ({_shown(sha256)}); only verifiable deliveries are "
                             f"downloaded")
        entry.sha256 = digest
    except ValueError as exc:
        entry.problem = str(exc)
    return entry


def _date(value, what: str = "air date") -> dt.date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"{what} is {type(value).__name__} {_shown(value)}, expected YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError as exc:
        raise ValueError(f"{what} {_shown(value)} is not a date (YYYY-MM-DD)") from exc


def _guide(series, season, episode, year, title, air_date) -> GuideEntry:
    """One announced episode, or ValueError naming the field that is wrong."""
    return GuideEntry(series=_text(series, "series", required=True),
                      season=_number(season, "season", low=0, high=9999),
                      episode=_number(episode, "episode", low=0, high=9999),
                      year=_number(year, "year", low=1870, high=2200, required=False),
                      title=_text(title, "title"), air_date=_date(air_date))


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json_manifest(text: str, *, base_url: str) -> Feed:
    """{"deliveries": [{"url", "path", "size", "sha256"}], "episodes": [{"series", "season", "episode", …}]}"""
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise FeedError(f"{base_url}: JSON nested too deeply to be a feed manifest; refused") from exc
    except ValueError as exc:  # JSONDecodeError, NaN/Infinity, an integer of thousands of digits
        raise FeedError(f"{base_url}: not valid JSON ({str(exc)[:200]})") from exc
    if not isinstance(data, dict):
        raise FeedError(f"{base_url}: JSON manifest must be an object with a 'deliveries' list, not "
                        f"{type(data).__name__}")
    feed = Feed()
    sections = {}
    for name in ("deliveries", "episodes"):
        value = data.get(name)
        if value is None:
            value = []
        if not isinstance(value, list):
            feed.problems.append(f"'{name}' is {type(value).__name__} {_shown(value)}, expected a list; ignored")
            value = []
        sections[name] = value
    for n, item in enumerate(sections["deliveries"], 1):
        if not isinstance(item, dict):
            feed.entries.append(FeedEntry(url="", problem=f"delivery {n} is {type(item).__name__} {_shown(item)}, "
                                                          f"expected an object"))
            continue
        feed.entries.append(_entry(item.get("url"), item.get("path"), item.get("size"), item.get("sha256"), base_url))
    for n, item in enumerate(sections["episodes"], 1):
        try:
            if not isinstance(item, dict):
                raise ValueError(f"is {type(item).__name__} {_shown(item)}, expected an object")
            feed.guide.append(_guide(item.get("series"), item.get("season"), item.get("episode"), item.get("year"),
                                     item.get("title"), item.get("air_date")))
        except ValueError as exc:
            feed.problems.append(f"episode {n} ignored: {exc}")
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
                feed.guide.append(_guide(text_of(f"{r}series"), text_of(f"{r}season") or "1",
                                         text_of(f"{r}episode"), text_of(f"{r}year"), text_of("title"),
                                         text_of(f"{r}airdate")))
            except ValueError as exc:
                feed.problems.append(f"item {_shown(text_of('title'))} ignored in the episode guide: {exc}")
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


def download(entry: FeedEntry, *, landing: Path, policy: outbound.Policy, feed_url: str, max_bytes: int,
             budget: Budget | None = None) -> Path:
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
        _fetch(entry, part, have=have, policy=policy, feed_url=feed_url, max_bytes=max_bytes,
               budget=budget if budget is not None else Budget(left=max_bytes))
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


def purge_kept(landing: Path, *, before: dt.datetime) -> list[Path]:
    """Delete rejected downloads and abandoned partial ones last written before `before`; returns what went.
    Only regular files directly in the two hidden folders (never a symlink, never anything else)."""
    gone = []
    for folder in (landing / REJECTED_DIR, landing / PARTIAL_DIR):
        if not folder.is_dir() or folder.is_symlink():
            continue
        for path in folder.iterdir():
            st = path.lstat()
            if stat.S_ISREG(st.st_mode) and st.st_mtime < before.timestamp():
                path.unlink()
                gone.append(path)
    return gone


def _fetch(entry: FeedEntry, part: Path, *, have: int, policy: outbound.Policy, feed_url: str,
           max_bytes: int, budget: Budget) -> None:
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
                    while chunk:  # never more than the fetch may take; what fits is kept for resuming
                        allowed = budget.take(chunk, entry)
                        fh.write(allowed)
                        chunk = chunk[len(allowed):]
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
