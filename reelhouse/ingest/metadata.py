"""Optional online metadata (TMDB API v3): fills in what a delivery's NFO sidecars would have said, and a series'
episode guide with air dates. Switched on only by an API key setting; never required.

Metadata only: a provider answers questions about titles an operator's sources already delivered or a licensor
announced. It never finds, searches for or fetches media, and nothing here downloads images either.

A provider returns `NfoInfo` values (the same shape the NFO reader gives), so the catalog code that turns NFOs
into series, films and episodes needs no second path.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode

from django.conf import settings

from reelhouse.ingest.nfo import NfoInfo

log = logging.getLogger(__name__)
MAX_RESPONSE_BYTES = 5 * 1024 * 1024
CAST_LIMIT = 30
# A back catalogue delivers many episodes of one series: its search, details and seasons are asked once, then
# answered from this process's memory for a while (successful answers only).
CACHE_S = 6 * 3600
CACHE_ENTRIES = 4096
_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()


class ProviderError(Exception):
    """The provider could not answer; the message says which request, what came back and what to check."""


@dataclass(frozen=True)
class GuideEpisode:
    season: int
    episode: int
    title: str = ""
    air_date: dt.date | None = None
    overview: str = ""
    runtime_min: int | None = None


class MetadataProvider(Protocol):
    """What ingest asks an online metadata source. Ids are the provider's own (strings)."""

    name: str

    def find_series(self, *, title: str, year: int | None = None) -> str | None: ...
    def series_info(self, *, series_id: str) -> NfoInfo: ...
    def series_guide(self, *, series_id: str) -> list[GuideEpisode]: ...
    def episode_info(self, *, series_id: str, season: int, episode: int) -> NfoInfo | None: ...
    def find_film(self, *, title: str, year: int | None = None) -> str | None: ...
    def film_info(self, *, film_id: str) -> NfoInfo: ...


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _year(value) -> int | None:
    d = _date(value)
    return d.year if d else None


def _numeric_id(value, *, what: str = "id") -> int:
    """A provider id as the number TMDB uses; anything else (from an NFO, a stored external id) is refused here,
    before it can reach a URL."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise ProviderError(f"TMDB {what} {text[:40]!r} is not a number; nothing was asked")
    return int(text)


class TmdbProvider:
    """The Movie Database, API v3. A v3 API key travels as the `api_key` parameter; a v4 read access token (a JWT,
    'eyJ…') as a Bearer header, as TMDB documents both."""

    name = "tmdb"

    def __init__(self, *, api_key: str, base_url: str = "https://api.themoviedb.org/3", language: str = "en-US",
                 timeout: float = 15):
        self.api_key, self.base_url, self.language, self.timeout = api_key, base_url.rstrip("/"), language, timeout

    # --------------------------------------------------------------------------------------------- HTTP

    def _get(self, path: str, **params) -> dict:
        params = {k: v for k, v in params.items() if v not in (None, "")} | {"language": self.language}
        key = (self.base_url, path, tuple(sorted((k, str(v)) for k, v in params.items())))
        with _cache_lock:
            hit = _cache.get(key)
            if hit is not None and hit[0] > time.monotonic():
                _cache.move_to_end(key)
                return hit[1]
        data = self._fetch(path, params)
        with _cache_lock:
            _cache[key] = (time.monotonic() + CACHE_S, data)
            while len(_cache) > CACHE_ENTRIES:
                _cache.popitem(last=False)
        return data

    def _fetch(self, path: str, params: dict) -> dict:
        headers = {"Accept": "application/json", "User-Agent": "Reelhouse-metadata"}
        if self.api_key.startswith("eyJ"):
            headers["Authorization"] = f"Bearer {self.api_key}"
        else:
            params["api_key"] = self.api_key
        url = f"{self.base_url}{path}?{urlencode(params)}"
        shown = f"TMDB {path}"  # never the URL: it carries the key
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=self.timeout) as resp:
                body = resp.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read(65536) or b"{}").get("status_message", "")
            except (ValueError, AttributeError):
                message = ""
            hint = {401: "; check REELHOUSE_TMDB_API_KEY", 404: "; no such title at TMDB",
                    429: f"; rate limited, retry after {exc.headers.get('Retry-After', '?')} s"}.get(exc.code, "")
            raise ProviderError(f"{shown}: HTTP {exc.code} {message or exc.reason}{hint}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ProviderError(f"{shown}: could not connect ({getattr(exc, 'reason', exc)})") from exc
        if len(body) > MAX_RESPONSE_BYTES:
            raise ProviderError(f"{shown}: answer larger than {MAX_RESPONSE_BYTES} bytes; refused")
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise ProviderError(f"{shown}: answer is not JSON ({body[:60]!r}…)") from exc
        if not isinstance(data, dict):
            raise ProviderError(f"{shown}: answer is not a JSON object")
        return data

    @staticmethod
    def _best(results: list, *, title: str, year: int | None, title_keys: tuple[str, ...], date_key: str) -> str | None:
        """The result whose title matches (exactly, ignoring case) and whose year matches when one is known; else
        the first result of the right year; else none (never a guess across years)."""
        wanted = title.casefold().strip()
        candidates = [r for r in results if isinstance(r, dict) and r.get("id") is not None]
        if year is not None:
            candidates = [r for r in candidates if _year(r.get(date_key)) in (year, None)]
        for r in candidates:
            if any((r.get(k) or "").casefold().strip() == wanted for k in title_keys):
                return str(r["id"])
        return str(candidates[0]["id"]) if candidates and year is not None else None

    # --------------------------------------------------------------------------------------------- series

    def find_series(self, *, title: str, year: int | None = None) -> str | None:
        data = self._get("/search/tv", query=title, first_air_date_year=year)
        return self._best(data.get("results") or [], title=title, year=year, title_keys=("name", "original_name"),
                          date_key="first_air_date")

    def series_info(self, *, series_id: str) -> NfoInfo:
        d = self._get(f"/tv/{_numeric_id(series_id)}", append_to_response="credits,external_ids")
        info = NfoInfo(kind="tvshow", title=d.get("name") or None, originaltitle=d.get("original_name") or None,
                       plot=d.get("overview") or None, premiered=_date(d.get("first_air_date")))
        info.year = info.premiered.year if info.premiered else None
        info.genres = [g["name"] for g in d.get("genres") or [] if g.get("name")]
        info.studios = [n["name"] for n in d.get("networks") or [] if n.get("name")]
        info.credits = [c["name"] for c in d.get("created_by") or [] if c.get("name")]
        info.actors = [{"name": c["name"], "role": c.get("character") or None, "order": c.get("order"), "thumb": None}
                       for c in (d.get("credits") or {}).get("cast", [])[:CAST_LIMIT] if c.get("name")]
        info.uniqueids = {"tmdb": str(d.get("id", series_id))}
        ext = d.get("external_ids") or {}
        for key, field in (("imdb", "imdb_id"), ("tvdb", "tvdb_id")):
            if ext.get(field):
                info.uniqueids[key] = str(ext[field])
        return info

    def _season(self, series_id: str, season: int) -> dict:
        return self._get(f"/tv/{_numeric_id(series_id)}/season/{_numeric_id(season, what='season')}")

    def series_guide(self, *, series_id: str) -> list[GuideEpisode]:
        d = self._get(f"/tv/{_numeric_id(series_id)}")
        guide = []
        for season in d.get("seasons") or []:
            number = season.get("season_number")
            if number is None or not season.get("episode_count"):
                continue
            for ep in self._season(series_id, number).get("episodes") or []:
                if ep.get("episode_number") is None:
                    continue
                guide.append(GuideEpisode(season=int(number), episode=int(ep["episode_number"]),
                                          title=ep.get("name") or "", air_date=_date(ep.get("air_date")),
                                          overview=ep.get("overview") or "", runtime_min=ep.get("runtime")))
        return guide

    def episode_info(self, *, series_id: str, season: int, episode: int) -> NfoInfo | None:
        for ep in self._season(series_id, season).get("episodes") or []:
            if ep.get("episode_number") == episode:
                info = NfoInfo(kind="episodedetails", title=ep.get("name") or None, plot=ep.get("overview") or None,
                               aired=_date(ep.get("air_date")), season=season, episode=episode,
                               runtime_min=ep.get("runtime"))
                info.directors = [c["name"] for c in ep.get("crew") or [] if c.get("job") == "Director"]
                info.credits = [c["name"] for c in ep.get("crew") or [] if c.get("department") == "Writing"]
                info.uniqueids = {"tmdb": str(ep["id"])} if ep.get("id") else {}
                return info
        return None

    # --------------------------------------------------------------------------------------------- films

    def find_film(self, *, title: str, year: int | None = None) -> str | None:
        data = self._get("/search/movie", query=title, year=year)
        return self._best(data.get("results") or [], title=title, year=year,
                          title_keys=("title", "original_title"), date_key="release_date")

    def film_info(self, *, film_id: str) -> NfoInfo:
        d = self._get(f"/movie/{_numeric_id(film_id)}", append_to_response="credits")
        info = NfoInfo(kind="movie", title=d.get("title") or None, originaltitle=d.get("original_title") or None,
                       plot=d.get("overview") or None, premiered=_date(d.get("release_date")),
                       runtime_min=d.get("runtime") or None)
        info.year = info.premiered.year if info.premiered else None
        info.genres = [g["name"] for g in d.get("genres") or [] if g.get("name")]
        info.studios = [c["name"] for c in d.get("production_companies") or [] if c.get("name")]
        credits = d.get("credits") or {}
        info.directors = [c["name"] for c in credits.get("crew", []) if c.get("job") == "Director"]
        info.credits = [c["name"] for c in credits.get("crew", []) if c.get("department") == "Writing"][:10]
        info.actors = [{"name": c["name"], "role": c.get("character") or None, "order": c.get("order"), "thumb": None}
                       for c in credits.get("cast", [])[:CAST_LIMIT] if c.get("name")]
        info.uniqueids = {"tmdb": str(d.get("id", film_id))} | ({"imdb": d["imdb_id"]} if d.get("imdb_id") else {})
        return info


def provider() -> MetadataProvider | None:
    """The configured provider, or None (the default): nothing online is ever asked without an API key."""
    key = getattr(settings, "REELHOUSE_TMDB_API_KEY", "")
    if not key:
        return None
    return TmdbProvider(api_key=key, base_url=getattr(settings, "REELHOUSE_TMDB_URL", "") or
                        "https://api.themoviedb.org/3", language=getattr(settings, "REELHOUSE_TMDB_LANGUAGE", "en-US"))


def fill_identification(found, *, source=None) -> list[str]:
    """Fill in, from the provider, the NFO information a delivery came without (series, episode, film). Returns
    what was filled (for the delivery's decisions); a provider failure becomes a warning, never an error."""
    p = provider()
    ident = found.identity
    if p is None or ident.kind not in ("episode", "film"):
        return []
    filled = []
    ids = dict(ident.ids) | (found.series_info.uniqueids if found.series_info else {}) | (
        found.item_info.uniqueids if found.item_info else {})
    if (bad := ids.get(p.name)) is not None and not (str(bad).isascii() and str(bad).strip().isdigit()):
        # An NFO's id is taken as given, so a malformed one is never sent nor replaced by a guess from the title.
        found.warnings.append(f"{p.name} id {str(bad)[:60]!r} from the NFO is not a number, so online metadata was "
                              f"not used; fix the NFO's <uniqueid type=\"{p.name}\"> (identified from the names)")
        return []
    try:
        if ident.kind == "film" and found.item_info is None:
            film_id = dict(ident.ids).get(p.name) or p.find_film(title=ident.title, year=ident.year)
            if film_id:
                found.item_info = p.film_info(film_id=film_id)
                filled.append(f"film from {p.name} #{film_id}")
        elif ident.kind == "episode":
            ids = (found.series_info.uniqueids if found.series_info else {}) | dict(ident.ids)
            series_id = ids.get(p.name) or p.find_series(
                title=(found.series_info.title if found.series_info and found.series_info.title else ident.series),
                year=ident.year)
            if series_id is None:
                return []
            if found.series_info is None:
                found.series_info = p.series_info(series_id=series_id)
                filled.append(f"series from {p.name} #{series_id}")
            if found.item_info is None and ident.episodes:
                season = ident.season if ident.season is not None else 1
                if info := p.episode_info(series_id=series_id, season=season, episode=ident.episodes[0]):
                    found.item_info = info
                    filled.append(f"episode S{season:02}E{ident.episodes[0]:02} from {p.name}")
    except ProviderError as exc:
        found.warnings.append(f"online metadata not used: {exc}")
        log.warning("metadata provider: %s", exc)
    return filled
