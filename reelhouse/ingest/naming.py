"""Tell what a delivered file is from its path alone: Jellyfin/Kodi naming rules, guessit for release names."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import PurePath, PurePosixPath

from guessit import guessit

VIDEO_SUFFIXES = frozenset({
    ".mkv", ".mp4", ".m4v", ".mov", ".avi", ".wmv", ".mpg", ".mpeg", ".m2ts", ".mts", ".ts", ".webm",
    ".flv", ".ogv", ".vob", ".3gp", ".divx", ".asf", ".rmvb", ".mxf", ".m2v", ".dv",
})
SUBTITLE_SUFFIXES = frozenset({".srt", ".ass", ".ssa", ".vtt", ".sub", ".idx", ".sup"})
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".tbn"})
# Files that describe a video rather than being one: never deliveries of their own. A .txt is not among
# them on purpose: it becomes a delivery and is quarantined as "not a video file", so an operator sees it.
SIDECAR_SUFFIXES = frozenset({".nfo"}) | IMAGE_SUFFIXES | SUBTITLE_SUFFIXES

KINDS = ("episode", "film", "extra", "other")

# Folder names (case-insensitive) whose videos are extras of the film/series folder above them.
EXTRA_FOLDERS = {
    "trailers": "trailer", "trailer": "trailer",
    "featurettes": "featurette", "featurette": "featurette",
    "behind the scenes": "behindthescenes", "behindthescenes": "behindthescenes",
    "deleted scenes": "deleted", "deletedscenes": "deleted", "deleted": "deleted",
    "interviews": "interview", "interview": "interview",
    "scenes": "scene", "clips": "scene",
    "shorts": "short", "short": "short",
    "samples": "sample", "sample": "sample",
    "extras": "extra", "extra": "extra", "other": "extra", "others": "extra",
}
# Jellyfin file-name suffixes (`Film (2021)-trailer.mkv`); the whole name `trailer.mkv` counts too.
EXTRA_SUFFIXES = {
    "trailer": "trailer", "featurette": "featurette", "behindthescenes": "behindthescenes",
    "deleted": "deleted", "deletedscene": "deleted", "interview": "interview", "scene": "scene", "clip": "scene",
    "short": "short", "sample": "sample", "other": "extra", "extra": "extra",
}
_EXTRA_SUFFIX_RE = re.compile(
    r"^(?P<base>.*?)(?:[-._](?P<tag>" + "|".join(EXTRA_SUFFIXES) + r")|\s(?P<spaced>trailer|sample))\d{0,2}$", re.I
)

_IDS_RE = re.compile(
    r"\s*[\[{](?P<key>tvdb|tmdb|imdb|anidb|tvmaze|tvrage)(?:id)?[-=](?P<value>[a-z0-9]+)[\]}]", re.I
)
_EDITION_TAG_RE = re.compile(r"\s*\{edition-(?P<edition>[^}]+)\}", re.I)  # Plex style
_YEAR_RE = re.compile(r"^(?P<title>.*?)[\s._]*\((?P<year>(?:18|19|20)\d\d)\)(?P<rest>.*)$")
_SEASON_FOLDER_RE = re.compile(
    r"^(?:season|series|staffel|saison|temporada|stagione|seizoen|s[äa]song|sesong|sezon|sæson|kausi)[\s._-]*(\d{1,4})"
    r"(?:\s*[-(\[].*)?$|^s(\d{1,4})$",
    re.I,
)
_SPECIALS_FOLDERS = {"specials", "special", "extras specials"}
_YEAR_FOLDER_RE = re.compile(r"^(?:18|19|20)\d\d$")

# Episode markers. Multi-episode forms: S01E01-E02, S01E01E02, S01E01-02 (a dash means a range).
_SXE_RE = re.compile(
    r"(?<![a-z0-9])s(?P<season>\d{1,4})[\s._-]*e(?P<first>\d{1,4})(?P<more>(?:(?:-e?|e|[\s._]?-[\s._]?e)\d{1,4})*)"
    r"(?![0-9])",
    re.I,
)
_NXN_RE = re.compile(r"(?<![a-z0-9])(?P<season>\d{1,2})x(?P<first>\d{2,3})(?P<more>(?:(?:-|x|-\d{1,2}x)\d{2,3})*)"
                     r"(?![0-9a-z])", re.I)
_MORE_RE = re.compile(r"(-?)(?:\d{1,2}x|e)?(\d{1,4})", re.I)
_DATE_RE = re.compile(r"(?<![0-9])(?P<y>(?:19|20)\d\d)[-._ ](?P<m>\d\d)[-._ ](?P<d>\d\d)(?![0-9])")
_LEADING_EPISODE_RE = re.compile(
    r"^(?:(?:episode|ep|e|folge|épisode|episodio)[\s._-]*)?(?P<first>\d{1,4})(?:-(?:e|ep)?(?P<last>\d{1,4}))?"
    r"(?:$|[\s._-]+(?P<rest>.*)$)",
    re.I,
)
_ABSOLUTE_RE = re.compile(
    r"^(?P<series>.+?)\s+-\s+(?P<first>\d{1,4})(?:-(?P<last>\d{1,4}))?(?:v\d)?(?P<rest>(?:\s.*)?)$"
)
_GROUP_PREFIX_RE = re.compile(r"^\s*\[[^\]]+\]\s*")
_PART_RE = re.compile(r"^(?:cd|dvd|part|pt|disc|disk)[\s._-]*(\d{1,2})$", re.I)
_QUALITY_RE = re.compile(
    r"^(?:\d{3,4}[pi]|[48]k|uhd|hd|sd|hdr(?:10\+?)?|dolby ?vision|dv|remux|web(?:-?dl|rip)?|blu-?ray|bdrip|dvdrip|"
    r"hdtv|x26[45]|h\.?26[45]|hevc|avc|3d|imax)(?:[\s._-]+.*)?$",
    re.I,
)
_EDITION_RE = re.compile(
    r"^(?:.*\b(?:cut|edition|version)|director'?s\b.*|extended\b.*|theatrical\b.*|unrated\b.*|uncut\b.*|"
    r"remastered\b.*|redux|criterion\b.*|imax\b.*|ultimate\b.*|special\b.*|collector'?s\b.*|anniversary\b.*)$",
    re.I,
)
_BRACKETED_TAIL_RE = re.compile(r"\s*[\[(][^\])]*[\])]\s*$")

NO_NAME_REASON = ("cannot tell series/season/episode or film from the name; "
                  "name it 'Series/Season 01/Series - S01E02 - Title' or 'Film (Year)/Film (Year)', or add an NFO")


@dataclass(frozen=True)
class Identity:
    """What a file is, as far as its path tells. For an extra, series/title/year name the work it belongs to."""

    kind: str
    series: str | None = None
    title: str | None = None
    year: int | None = None
    season: int | None = None
    episodes: tuple[int, ...] = ()
    air_date: dt.date | None = None
    absolute: tuple[int, ...] = ()
    part: int | None = None
    edition: str | None = None
    version: str | None = None
    extra_type: str | None = None
    ids: tuple[tuple[str, str], ...] = ()
    reason: str | None = None

    def as_json(self) -> dict:
        data = asdict(self)
        data["episodes"] = list(self.episodes)
        data["absolute"] = list(self.absolute)
        data["air_date"] = self.air_date.isoformat() if self.air_date else None
        data["ids"] = dict(self.ids)
        return data


def is_sidecar(path: PurePath | str) -> bool:
    """True for files that accompany a video (NFO, images, subtitles) and are never deliveries themselves."""
    return PurePosixPath(str(path)).suffix.lower() in SIDECAR_SUFFIXES


def is_video(path: PurePath | str) -> bool:
    return PurePosixPath(str(path)).suffix.lower() in VIDEO_SUFFIXES


def season_folder_number(name: str) -> int | None:
    """The season a folder stands for (`Season 01`, `S2`, `Staffel 3`, `Specials` -> 0), or None."""
    if name.strip().lower() in _SPECIALS_FOLDERS:
        return 0
    m = _SEASON_FOLDER_RE.match(name.strip())
    if not m:
        return None
    return int(m.group(1) or m.group(2))


def extra_folder_type(name: str) -> str | None:
    return EXTRA_FOLDERS.get(re.sub(r"[\s._-]+", " ", name.strip().lower()))


def _take_ids(text: str) -> tuple[str, dict[str, str]]:
    ids = {m.group("key").lower(): m.group("value") for m in _IDS_RE.finditer(text)}
    return _IDS_RE.sub("", text).strip(), ids


def _tidy(text: str) -> str:
    """A name part as a person would write it: release dots/underscores become spaces, outer dashes go."""
    if " " not in text.strip() and ("." in text or "_" in text):
        text = re.sub(r"(?<!\b[A-Z])[._]|_", " ", text)  # keep initialisms like S.H.I.E.L.D.
    return re.sub(r"\s+", " ", text).strip(" -_.").strip()


@lru_cache(maxsize=4096)
def _guess(name: str, kind: str | None = None) -> dict:
    options = {"type": kind} if kind else {}
    return dict(guessit(name, options))


def parse_named_folder(name: str) -> tuple[str | None, int | None, dict[str, str]]:
    """(title, year, ids) of a series or film folder such as `Show (2019) [tvdbid-123]` or `Film.2019.1080p-GRP`."""
    text, ids = _take_ids(name)
    text = _EDITION_TAG_RE.sub("", text)
    if m := _YEAR_RE.match(text):
        return _tidy(m.group("title")) or None, int(m.group("year")), ids
    if " " in text.strip() or not re.search(r"[._]", text):
        return _tidy(text) or None, None, ids
    guess = _guess(text, "movie")
    title = guess.get("title")
    return (str(title) if title else _tidy(text)) or None, guess.get("year"), ids


def _numbers(first: str, more: str) -> tuple[int, ...]:
    """Episode numbers from a marker: `-E03` extends a range, `E03` adds one episode."""
    numbers = [int(first)]
    for dash, value in _MORE_RE.findall(more):
        n = int(value)
        if dash and n > numbers[-1] and n - numbers[-1] <= 50:
            numbers.extend(range(numbers[-1] + 1, n + 1))
        elif n not in numbers:
            numbers.append(n)
    return tuple(numbers)


def _range(first: str | int, last: str | int | None) -> tuple[int, ...]:
    """`01-03` -> (1, 2, 3); an implausible range keeps the first number only."""
    first, last = int(first), int(last or first)
    return tuple(range(first, last + 1)) if 0 < last - first <= 50 else (first,)


def _absolute(stem: str, clean: str) -> tuple[tuple[int, ...], str, str] | None:
    """(numbers, text before, text after) of an absolutely numbered episode: `[Group] Show - 1043 [1080p]`,
    `Naruto - 220 - The Last`. A number that reads as a year is not an episode."""
    m = _ABSOLUTE_RE.match(clean)
    if m and not re.fullmatch(r"(?:18|19|20)\d\d", m.group("first")):
        return _range(m.group("first"), m.group("last")), m.group("series"), m.group("rest")
    if not m and stem.startswith("["):  # fansub names in other shapes: let guessit read them
        guess = _guess(stem, "episode")
        numbers = guess.get("episode")
        if numbers and guess.get("season") is None:
            numbers = tuple(numbers) if isinstance(numbers, list) else (int(numbers),)
            return numbers, str(guess.get("title") or ""), ""
    return None


def _episode_title(after: str, stem: str) -> str | None:
    """The episode title that follows an episode marker: `- Title` in Jellyfin names, guessit for release names."""
    after = _BRACKETED_TAIL_RE.sub("", after)
    while (trimmed := _BRACKETED_TAIL_RE.sub("", after)) != after:
        after = trimmed
    if " " not in stem.strip() and re.search(r"[._]", stem):
        title = _guess(stem, "episode").get("episode_title")
        return str(title) if title else None
    text = after.strip().lstrip("-–—_.").strip()
    parts = [p for p in re.split(r"\s+-\s+", text) if p]
    # A trailing " - 1080p" is a version label, not part of the title.
    while parts and _QUALITY_RE.match(parts[-1]):
        parts.pop()
    text = " - ".join(parts).strip()
    return text or None


def _series_from_name(before: str, stem: str) -> tuple[str | None, int | None]:
    before = _GROUP_PREFIX_RE.sub("", before)
    if " " not in stem.strip() and re.search(r"[._]", stem):
        guess = _guess(stem, "episode")
        title = guess.get("title")
        return (str(title) if title else None), guess.get("year")
    text = before.strip().rstrip("-–—_.").strip()
    m = _YEAR_RE.match(text)
    if m and not m.group("rest").strip():
        return _tidy(m.group("title")) or None, int(m.group("year"))
    return _tidy(text) or None, None


@dataclass(frozen=True)
class _Folders:
    season: int | None = None
    series_folder: str | None = None  # name of the folder above the season folder
    parent: str | None = None  # the file's own folder (None at the root)
    year_folder: bool = False


def _folders(dirs: tuple[str, ...]) -> _Folders:
    parent = dirs[-1] if dirs else None
    if parent is None:
        return _Folders()
    season = season_folder_number(parent)
    if season is not None:
        return _Folders(season=season, series_folder=dirs[-2] if len(dirs) >= 2 else None, parent=parent)
    if _YEAR_FOLDER_RE.match(parent):  # daily shows filed by year: `Show/2016/Show - 2016-12-19.mkv`
        return _Folders(series_folder=dirs[-2] if len(dirs) >= 2 else None, parent=parent, year_folder=True)
    return _Folders(parent=parent)


def _episode(stem: str, folders: _Folders, ids: dict[str, str]) -> Identity | None:
    """An episode identity when the name (or its season folder) says so, else None."""
    season = episodes = air_date = None
    absolute: tuple[int, ...] = ()
    before = after = ""
    clean = _GROUP_PREFIX_RE.sub("", stem) if stem.startswith("[") else stem
    if m := _SXE_RE.search(clean) or _NXN_RE.search(clean):
        season, episodes = int(m.group("season")), _numbers(m.group("first"), m.group("more") or "")
        before, after = clean[: m.start()], clean[m.end():]
    elif (m := _DATE_RE.search(clean)) and m.start() > 0:
        try:
            air_date = dt.date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
        except ValueError:
            return None
        before, after = clean[: m.start()], clean[m.end():]
        episodes = ()
    elif folders.season is not None and (m := _LEADING_EPISODE_RE.match(clean)):
        # `Season 01/02 - Title.mkv`, `Season 01/Episode 2.mkv`: the number only makes sense inside a season folder.
        episodes = _range(m.group("first"), m.group("last"))
        season, before, after = folders.season, "", " - " + (m.group("rest") or "")
    elif found := _absolute(stem, clean):
        # Absolute numbering (anime). Inside a season folder the number is the episode of that season.
        episodes, before, after = found
        absolute = episodes if folders.season is None else ()
    elif " " not in stem and re.search(r"[._]", stem):
        guess = _guess(stem, "episode")
        if guess.get("date") and not guess.get("episode"):
            air_date = guess["date"]
            episodes = ()
            before = after = ""
        else:
            return None
    else:
        return None

    series, name_year = _series_from_name(before, stem)
    title = _episode_title(after, stem)
    year = name_year
    if folders.series_folder:
        folder_series, folder_year, folder_ids = parse_named_folder(folders.series_folder)
        series, year = folder_series or series, folder_year or year
        ids = folder_ids | ids
    elif folders.parent and folders.season is None and not folders.year_folder:
        # Episodes straight in a series folder (`Show (2019)/Show - S01E02.mkv`): the folder is the series'
        # when the names agree, or when the file name has no series at all (`Show (2019)/S01E02.mkv`).
        folder_series, folder_year, folder_ids = parse_named_folder(folders.parent)
        if folder_series and (series is None or folder_series.casefold() == series.casefold()):
            series, year = folder_series, folder_year or year
            ids = folder_ids | ids
    if season is None and folders.season is not None and air_date is None and not absolute:
        season = folders.season
    if series is None:
        return Identity(kind="other", season=season, episodes=tuple(episodes or ()), air_date=air_date,
                        reason="an episode number but no series name, in the file name or a series folder")
    return Identity(kind="episode", series=series, title=title, year=year, season=season,
                    episodes=tuple(episodes or ()), air_date=air_date, absolute=absolute, ids=_sorted(ids))


def _film_rest(rest: str) -> dict:
    """Part, edition and version from what follows `Film (Year)`: ` - part1`, ` - Director's Cut`, ` - 1080p`."""
    found: dict = {}
    versions = []
    for piece in re.split(r"\s+-\s+|^\s*-\s*|\s*-\s*$|\s*[\[\]]\s*", rest):
        piece = piece.strip(" -_.")
        if not piece:
            continue
        if m := _PART_RE.match(piece):
            found["part"] = int(m.group(1))
        elif _EDITION_RE.match(piece) and "edition" not in found:
            found["edition"] = piece
        else:
            versions.append(piece)
    if versions:
        found["version"] = " - ".join(versions)
    return found


def _film(stem: str, folders: _Folders, ids: dict[str, str]) -> Identity | None:
    """A film identity from `Title (Year)`, a release name with a year, or the film's own folder."""
    text = stem
    edition = None
    if m := _EDITION_TAG_RE.search(text):
        edition, text = m.group("edition").strip(), _EDITION_TAG_RE.sub("", text)
    folder_title, folder_year, folder_ids = parse_named_folder(folders.parent) if folders.parent else (None, None, {})
    ids = folder_ids | ids
    found: dict = {}
    if m := _YEAR_RE.match(text):
        title, year = _tidy(m.group("title")), int(m.group("year"))
        found = _film_rest(m.group("rest"))
    elif (" " in text.strip() or not re.search(r"[._]", text)) and not _is_release_name(text):
        # A plain name without year: only a film when it sits in its own folder (`Film/Film - part1.mkv`) or
        # carries an id; a loose `video.mkv` tells nothing.
        head, _, rest = text.partition(" - ")
        title, year = _tidy(head), None
        found = _film_rest(" - " + rest) if rest else {}
        if m := re.match(r"^(?P<title>.*?)[\s._-]+(?P<part>(?:cd|dvd|part|pt|disc|disk)[\s._-]*\d{1,2})$", title, re.I):
            title, found["part"] = _tidy(m.group("title")), int(_PART_RE.match(m.group("part")).group(1))
        own_folder = folder_title and title and folder_title.casefold() == title.casefold()
        if folder_title and folder_year and not own_folder:
            # `Film (2021)/movie.mkv`, `Film (2021)/VTS_01_1.vob`: a film folder names the film inside it.
            title, own_folder = folder_title, True
        if not (own_folder or ids):
            return None
        year = folder_year if own_folder else None
    else:
        guess = _guess(text, "movie")
        title, year = guess.get("title"), guess.get("year")
        if guess.get("edition"):
            found["edition"] = " ".join(guess["edition"]) if isinstance(guess["edition"], list) else guess["edition"]
        if guess.get("part") or guess.get("cd"):
            found["part"] = guess.get("part") or guess.get("cd")
        if guess.get("screen_size"):
            found["version"] = guess["screen_size"]
        if title is None or (year is None and not ids and not (folder_year and folder_title)):
            return None
        title = str(title)
    # In the film's own folder the folder's spelling wins over a release name's.
    if (folder_title and folder_year and (year is None or folder_year == year)
            and (title is None or not _YEAR_RE.match(text) or folder_title.casefold() == title.casefold())):
        title, year = folder_title, folder_year
    if not title:
        return None
    return Identity(kind="film", title=title, year=year, part=found.get("part"),
                    edition=edition or found.get("edition"), version=found.get("version"), ids=_sorted(ids))


def _is_release_name(text: str) -> bool:
    """A scene/web release name (`Film 2019 1080p WEB`): guessit finds quality or source tags in it."""
    guess = _guess(text, "movie")
    return bool(guess.get("screen_size") or guess.get("source") or guess.get("video_codec"))


def _sorted(ids: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(ids.items()))


def _owner(dirs: tuple[str, ...]) -> Identity:
    """What an extras folder belongs to: a season folder's series, or a film (or series) folder."""
    folders = _folders(dirs)
    if folders.season is not None and folders.series_folder:
        series, year, ids = parse_named_folder(folders.series_folder)
        return Identity(kind="extra", series=series, year=year, season=folders.season, ids=_sorted(ids))
    title, year, ids = parse_named_folder(dirs[-1])
    if "tvdb" in ids or "tvmaze" in ids or "anidb" in ids:
        return Identity(kind="extra", series=title, year=year, ids=_sorted(ids))
    return Identity(kind="extra", title=title, year=year, ids=_sorted(ids))


def identify_path(path: PurePosixPath) -> Identity:
    """What the file at `path` (relative to its watch folder) is, from the names of the file and its folders.

    The result is kind "episode", "film", "extra" or "other"; "other" always carries a reason naming the path.
    """
    path = PurePosixPath(str(path))
    suffix = path.suffix
    if suffix.lower() not in VIDEO_SUFFIXES:
        return Identity(kind="other", reason=f"{path}: not a video file ({suffix or 'no extension'})")
    dirs = path.parts[:-1]
    stem = path.stem.strip()

    # Extras: a folder such as `Trailers/` between the file and its film/series folder (never at the root:
    # a top-level `Shorts/` is a category folder, not extras of anything).
    for depth in range(len(dirs) - 1, 0, -1):
        extra_type = extra_folder_type(dirs[depth])
        if extra_type is None:
            continue
        owner_end = depth
        while owner_end > 0 and extra_folder_type(dirs[owner_end - 1]):
            owner_end -= 1
        if owner_end == 0:
            break
        owner = _owner(dirs[:owner_end])
        own_name = _tidy(_take_ids(stem)[0])
        if owner.series and not owner.title:
            owner = replace(owner, title=own_name or None)
        return replace(owner, extra_type=extra_type)

    text, ids = _take_ids(stem)
    m = _EXTRA_SUFFIX_RE.match(text)
    bare = re.sub(r"\d{1,2}$", "", text).lower()  # the whole name is `trailer.mkv`, `sample2.mkv`
    if m or bare in EXTRA_SUFFIXES:
        extra_type = EXTRA_SUFFIXES[(m.group("tag") or m.group("spaced")).lower() if m else bare]
        base_stem = m.group("base").strip() if m else ""
        base = identify_path(path.with_name(base_stem + suffix)) if base_stem else None
        if base is None or base.kind == "other":
            # `Film (2021)/trailer.mkv`: the folder says whose trailer it is.
            base = _owner(dirs) if dirs else Identity(kind="extra", title=_tidy(base_stem) or None)
        return replace(base, kind="extra", extra_type=extra_type, reason=None,
                       ids=_sorted(dict(base.ids) | ids))

    folders = _folders(dirs)
    episode = _episode(text, folders, ids)
    if episode is not None and episode.kind == "episode":
        return episode
    if episode is not None:
        return replace(episode, reason=f"{path}: {episode.reason}")
    if folders.season is not None:
        return Identity(kind="other", season=folders.season,
                        reason=f"{path}: in a season folder but no episode number in the name "
                               f"(expected e.g. 'S01E02', '1x02' or '02 - Title')")
    film = _film(text, folders, ids)
    if film is not None:
        return film
    return Identity(kind="other", ids=_sorted(ids), reason=f"{path}: {NO_NAME_REASON}")
