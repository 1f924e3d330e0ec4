"""What folders say: season folders (`Season 01`, `Staffel 3`, `Show Season 10`, `Show.S04.1080p-GRP`), series and
film folders (`Show (2019) [tvdbid-1]`), extras folders (`trailers/`) and films locations (`Movies/`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from reelhouse.ingest.naming.common import EDITION_TAG_RE, YEAR, YEAR_RE, guess, take_ids, tidy
from reelhouse.ingest.naming.markers import season_marker

# Folder names (case-insensitive) whose videos are extras of the film/series folder above them.
EXTRA_FOLDERS = {
    "trailers": "trailer", "trailer": "trailer",
    "featurettes": "featurette", "featurette": "featurette",
    "behind the scenes": "behindthescenes", "behindthescenes": "behindthescenes",
    "deleted scenes": "deleted", "deletedscenes": "deleted", "deleted": "deleted",
    "interviews": "interview", "interview": "interview",
    "scenes": "scene", "clips": "clip", "clip": "clip",
    "shorts": "short", "short": "short",
    "samples": "sample", "sample": "sample",
    "backdrops": "themevideo",
    "extras": "extra", "extra": "extra", "other": "extra", "others": "extra",
}
# Folders that hold films: a dated name inside is a film (`Movies/My Movie 2013.12.09.mkv`), not a daily show.
FILM_FOLDERS = frozenset({"movies", "movie", "films", "film", "filme", "filmer", "películas", "peliculas", "cinema",
                          "kino", "spielfilme"})

_SEASON_WORDS = (r"(?:season|seasong|series|staffel|saison|temporada|stagione|seizoen|s[äa]song|sesong|sezon(?:a|ul)?|"
                 r"sezóna|s[æa]son|kausi|시즌|シーズン|сезон)")
_NAMED_SEASON_WORDS = _SEASON_WORDS.replace("series|", "")  # `The Series 7 (2001)` is a title, not a season
_TAIL = r"(?:[\s._-]*[(\[].*|[\s._-]+.*)?$"
_SEASON_FOLDER_RE = re.compile(rf"^{_SEASON_WORDS}[\s._-]*(\d{{1,4}}){_TAIL}", re.I)
_NUMBER_SEASON_RE = re.compile(rf"^(\d{{1,2}})[\s._-]*{_SEASON_WORDS}$", re.I)  # `3.Staffel`
_S_FOLDER_RE = re.compile(r"^s(\d{1,4})$", re.I)
_NAMED_SEASON_RE = re.compile(rf"^(?P<series>.+?)[\s._-]+{_NAMED_SEASON_WORDS}[\s._-]*(?P<n>\d{{1,4}}){_TAIL}", re.I)
# A release's season pack: `The.Wonder.Years.S04.PDTV.x264-JCH`, `Show [S04][1080p]`, `[Show.S04.1080p-GRP]`.
_RELEASE_SEASON_RE = re.compile(
    r"^\[?(?P<series>.+?)(?:[\s._-]+\[?|\[)s(?P<n>\d{1,3})(?=$|[\s._\]\[-])(?![\s._-]*e\d)", re.I
)
_SPECIALS_FOLDERS = {"specials", "special", "extras specials"}
_YEAR_FOLDER_RE = re.compile(rf"^{YEAR}$")


def parse_season_folder(name: str) -> tuple[str | None, int | None]:
    """(series, season) a folder names: `Season 01` -> (None, 1), `Some Show Season 10` -> ("Some Show", 10),
    `The.Wonder.Years.S04.PDTV.x264-JCH` -> ("The Wonder Years", 4), `Specials` -> (None, 0); (None, None) for
    any other folder."""
    text = name.strip()
    if text.lower() in _SPECIALS_FOLDERS:
        return None, 0
    for regex in (_SEASON_FOLDER_RE, _NUMBER_SEASON_RE, _S_FOLDER_RE):
        if m := regex.match(text):
            return None, int(m.group(1))
    for regex in (_NAMED_SEASON_RE, _RELEASE_SEASON_RE):
        if (m := regex.match(text)) and not re.match(r"^(?:episode|ep)\b", m.group("series"), re.I):
            series = tidy(GROUP_PREFIX.sub("", m.group("series")))
            if series and not season_marker(series):
                return series, int(m.group("n"))
    return None, None


GROUP_PREFIX = re.compile(r"^\s*\[[^\]]+\]\s*(?=\S)")


def season_folder_number(name: str) -> int | None:
    """The season a folder stands for (`Season 01`, `S2`, `Staffel 3`, `Show Season 10`, `Specials` -> 0), or None."""
    return parse_season_folder(name)[1]


def extra_folder_type(name: str) -> str | None:
    return EXTRA_FOLDERS.get(re.sub(r"[\s._-]+", " ", name.strip().lower()))


def parse_named_folder(name: str) -> tuple[str | None, int | None, dict[str, str]]:
    """(title, year, ids) of a series or film folder such as `Show (2019) [tvdbid-123]` or `Film.2019.1080p-GRP`."""
    text, ids = take_ids(name)
    text = EDITION_TAG_RE.sub("", text)
    if m := YEAR_RE.match(text):
        return tidy(m.group("title")) or None, int(m.group("year")), ids
    if " " in text.strip() or not re.search(r"[._]", text):
        return tidy(text) or None, None, ids
    found = guess(text, "movie")
    title = found.get("title")
    return (str(title) if title else tidy(text)) or None, found.get("year"), ids


def folder_series(path: str) -> str | None:
    """The series a folder path names for the episodes inside it: `The Show/Season 1`, `The.Show.S01.COMPLETE`,
    `The_Show_Season_1`, `The Show s02e10 720p hdtv`, `1923 (2022)` (all of them: `The Show`, `1923`)."""
    parts = PurePosixPath(path).parts
    if not parts:
        return None
    series, season = parse_season_folder(parts[-1])
    if season is not None:
        if series:
            return series
        return parse_named_folder(parts[-2])[0] if len(parts) > 1 else None
    name = parts[-1]
    if m := season_marker(name):
        name = name[: m.start()]
    return parse_named_folder(name)[0]


def same_name(a: str | None, b: str | None) -> bool:
    return bool(a and b) and re.sub(r"[\W_]+", "", a.casefold()) == re.sub(r"[\W_]+", "", b.casefold())


@dataclass(frozen=True)
class Folders:
    """What the folders above a file say."""

    season: int | None = None
    series_folder: str | None = None  # the series' folder name (or the series named by the season folder itself)
    parent: str | None = None  # the file's own folder (None at the root)
    year_folder: bool = False
    films: bool = False  # somewhere under a films folder such as `Movies/`


def folders_of(dirs: tuple[str, ...]) -> Folders:
    parent = dirs[-1] if dirs else None
    if parent is None:
        return Folders()
    films = any(d.strip().lower() in FILM_FOLDERS for d in dirs)
    series, season = parse_season_folder(parent)
    if season is not None:
        above = dirs[-2] if len(dirs) >= 2 else None
        if series and not (above and same_name(parse_named_folder(above)[0], series)):
            return Folders(season=season, series_folder=series, parent=parent, films=films)
        return Folders(season=season, series_folder=above, parent=parent, films=films)
    if _YEAR_FOLDER_RE.match(parent):  # daily shows filed by year: `Show/2016/Show - 2016-12-19.mkv`
        return Folders(series_folder=dirs[-2] if len(dirs) >= 2 else None, parent=parent, year_folder=True,
                       films=films)
    return Folders(parent=parent, films=films)
