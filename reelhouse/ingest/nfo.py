"""Read Kodi NFO sidecars (tvshow, season, episode, movie) safely: defusedxml, a size cap, clear errors."""

from __future__ import annotations

import codecs
import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from reelhouse.core.files import open_regular

MAX_NFO_BYTES = 1024 * 1024
KINDS = ("tvshow", "season", "episodedetails", "movie")

_DECLARATION_RE = re.compile(r"<\?xml[^>]*\?>", re.I)
_ENCODING_RE = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""", re.I)
_URL_IDS = (
    ("imdb", re.compile(r"imdb\.com/(?:[a-z]{2}/)?title/(tt\d+)", re.I)),
    ("tmdb", re.compile(r"themoviedb\.org/(?:movie|tv)/(\d+)", re.I)),
    ("tvdb", re.compile(r"thetvdb\.com/(?:\?[^\s<]*?\bid=|dereferrer/series/|series/)(\d+)", re.I)),
)


class NfoError(Exception):
    """An NFO that cannot be used; the message names the file and what is wrong with it."""


@dataclass
class NfoInfo:
    kind: str
    title: str | None = None
    originaltitle: str | None = None
    sorttitle: str | None = None
    showtitle: str | None = None
    plot: str | None = None
    premiered: dt.date | None = None
    aired: dt.date | None = None
    year: int | None = None
    season: int | None = None
    episode: int | None = None
    episodenumberend: int | None = None
    absolute_number: int | None = None  # an episode's number counted from the series' first (anime, daily shows)
    runtime_min: int | None = None
    mpaa: str | None = None
    genres: list[str] = field(default_factory=list)
    studios: list[str] = field(default_factory=list)
    directors: list[str] = field(default_factory=list)
    credits: list[str] = field(default_factory=list)
    actors: list[dict] = field(default_factory=list)
    uniqueids: dict[str, str] = field(default_factory=dict)
    thumbs: list[dict] = field(default_factory=list)
    fanart: list[dict] = field(default_factory=list)


def _text(el: Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    return el.text.strip() or None


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    m = re.match(r"^\s*(-?\d+)", value)
    return int(m.group(1)) if m else None


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _all(root: Element, tag: str) -> list[str]:
    """Every value of a repeatable tag; Kodi also writes several values into one, separated by ' / '."""
    values: list[str] = []
    for el in root.findall(tag):
        for value in (_text(el) or "").split(" / "):
            if value.strip() and value.strip() not in values:
                values.append(value.strip())
    return values


def _images(parent: Element | None) -> list[dict]:
    if parent is None:
        return []
    images = []
    for el in parent.findall("thumb"):
        url = _text(el)
        if url:
            images.append({"aspect": el.get("aspect"), "url": url, "season": _int(el.get("season"))})
    return images


def _ids_from_urls(text: str) -> dict[str, str]:
    ids: dict[str, str] = {}
    for key, pattern in _URL_IDS:
        if m := pattern.search(text):
            ids[key] = m.group(1)
    return ids


def _info(root: Element, path: Path) -> NfoInfo:
    if root.tag not in KINDS:
        raise NfoError(f"{path}: root element <{root.tag}> is not a Kodi NFO (expected one of {', '.join(KINDS)})")
    info = NfoInfo(kind=root.tag)
    for name in ("title", "originaltitle", "sorttitle", "showtitle", "mpaa"):
        setattr(info, name, _text(root.find(name)))
    info.plot = _text(root.find("plot")) or _text(root.find("outline"))
    info.premiered = _date(_text(root.find("premiered")) or _text(root.find("releasedate")))
    info.aired = _date(_text(root.find("aired")))
    for name in ("season", "episode", "episodenumberend", "absolute_number"):
        setattr(info, name, _int(_text(root.find(name))))
    if info.kind == "season" and info.season is None:
        info.season = _int(_text(root.find("seasonnumber")))
    info.runtime_min = _int(_text(root.find("runtime")))
    year = _int(_text(root.find("year")))
    first_date = info.premiered or info.aired
    info.year = year if year and year > 0 else (first_date.year if first_date else None)
    info.genres = _all(root, "genre")
    info.studios = _all(root, "studio")
    info.directors = _all(root, "director")
    info.credits = _all(root, "credits")
    for actor in root.findall("actor"):
        name = _text(actor.find("name"))
        if name:
            info.actors.append({"name": name, "role": _text(actor.find("role")),
                                "order": _int(_text(actor.find("order"))), "thumb": _text(actor.find("thumb"))})
    for el in root.findall("uniqueid"):
        value = _text(el)
        if value:
            info.uniqueids[(el.get("type") or "unknown").strip().lower()] = value
    # Legacy ids: <id> (tt… is IMDb; a number is TVDB for shows and episodes, TMDB for films) and Jellyfin's tags.
    for tag, key in (("imdbid", "imdb"), ("imdb_id", "imdb"), ("tmdbid", "tmdb"), ("tvdbid", "tvdb")):
        if (value := _text(root.find(tag))) and key not in info.uniqueids:
            info.uniqueids[key] = value
    if legacy := _text(root.find("id")):
        key = "imdb" if legacy.startswith("tt") else ("tmdb" if info.kind == "movie" else "tvdb")
        info.uniqueids.setdefault(key, legacy)
    info.thumbs = _images(root)
    info.fanart = _images(root.find("fanart"))
    return info


def _decode(raw: bytes, path: Path) -> str:
    """Text of an NFO: its BOM, else its declared encoding, else UTF-8, else Windows-1252 (old scene NFOs)."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return raw.decode(codec, errors="replace")
    declared = _ENCODING_RE.search(raw[:200])
    if declared:
        try:
            return raw.decode(declared.group(1).decode("ascii"))
        except LookupError as exc:
            raise NfoError(f"{path}: NFO declares an unknown encoding '{declared.group(1).decode()}'") from exc
        except UnicodeDecodeError:
            pass  # mislabelled: fall through to the usual suspects
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _parse(text: str, path: Path) -> Element:
    try:
        return SafeET.fromstring(text, forbid_dtd=True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
        raise NfoError(f"{path}: NFO declares a DTD or entities, which are refused (a Kodi NFO never needs them, "
                       f"and they are how XML bombs and external-entity attacks work): {exc}") from exc
    except DefusedXmlException as exc:
        raise NfoError(f"{path}: NFO refused as unsafe XML: {exc}") from exc
    except ParseError as exc:
        raise NfoError(f"{path}: NFO is not well-formed XML ({exc})") from exc


def read_nfo_all(path: Path) -> list[NfoInfo]:
    """Every item an NFO describes: one, or several <episodedetails> for a file holding several episodes.

    Raises NfoError for an oversized, unsafe, malformed or unrecognised NFO.
    """
    path = Path(path)
    try:  # one open: never through a symbolic link, never blocked on a FIFO (it would hang the scanner)
        with os.fdopen(open_regular(path), "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > MAX_NFO_BYTES:
                raise NfoError(f"{path}: NFO larger than 1 MiB ({size} bytes); not read")
            raw = fh.read(MAX_NFO_BYTES + 1)
    except OSError as exc:
        raise NfoError(f"{path}: cannot read NFO ({exc.strerror or exc})") from exc
    if len(raw) > MAX_NFO_BYTES:
        raise NfoError(f"{path}: NFO larger than 1 MiB; not read")
    text = _DECLARATION_RE.sub("", _decode(raw, path)).strip()
    if not text.startswith("<"):
        # Kodi accepts an NFO that holds only a link to the title's page (scene NFOs hold one amid ASCII art).
        ids = _ids_from_urls(text)
        if not ids:
            raise NfoError(f"{path}: NFO is neither Kodi XML nor a link to an IMDb, TMDB or TVDB page")
        kind = "movie" if "themoviedb.org/movie/" in text.lower() else "url"
        return [NfoInfo(kind=kind, uniqueids=ids)]
    try:
        roots = [_parse(text, path)]
        tail = ""
    except NfoError as exc:
        if "not well-formed" not in str(exc):
            raise
        # Several roots one after another (Kodi's multi-episode NFO), or XML followed by a link.
        try:
            wrapper = _parse(f"<nfo-roots>{text}</nfo-roots>", path)
        except NfoError:
            raise exc from None
        roots = list(wrapper)
        tail = " ".join(filter(None, [wrapper.text, *(r.tail or "" for r in roots)]))
    infos = [_info(root, path) for root in roots]
    if not infos:
        raise NfoError(f"{path}: NFO holds no Kodi element")
    for key, value in _ids_from_urls(tail).items():
        infos[0].uniqueids.setdefault(key, value)
    return infos


def read_nfo(path: Path) -> NfoInfo:
    """The (first) item an NFO describes; see read_nfo_all."""
    return read_nfo_all(path)[0]
