"""Episodes from a file name and its folders: season markers, daily dates, absolute (anime) numbers, numbers that
only a season or series folder explains (`Season 01/02 - Title.mkv`, `The Simpsons/12.avi`)."""

from __future__ import annotations

import datetime as dt
import re

from reelhouse.ingest.naming.common import (
    GROUP_PREFIX_RE,
    NO_NAME_REASON,
    YEAR,
    YEAR_RE,
    Identity,
    guess,
    is_release_name,
    sorted_ids,
    tidy,
)
from reelhouse.ingest.naming.folders import FILM_FOLDERS, Folders, parse_named_folder, same_name
from reelhouse.ingest.naming.markers import (
    DATE_RE,
    DATE_YEAR_LAST_RE,
    EPISODE_ONLY_RE,
    episode_range,
    numbers,
    season_marker,
)

_LEADING_EPISODE_RE = re.compile(
    r"^(?:(?:episode|ep|e|folge|épisode|episodio)[\s._-]*)?(?P<first>\d{1,4})(?:-(?:e|ep)?(?P<last>\d{1,4}))?"
    r"(?:$|[\s._-]+(?P<rest>.*)$)",
    re.I,
)
# `Series/4-12 - The Woman.mp4`: season 4, episode 12 (outside a season folder; `01-03` is a range).
_DASHED_SEASON_RE = re.compile(r"^(?P<season>[1-9]\d?)-(?P<first>\d{2,3})(?P<more>)(?=$|\s+-\s+|[\s._])")
_ABSOLUTE_RE = re.compile(
    r"^(?P<series>.+?)\s+-\s+(?P<first>\d{1,4})(?:-(?P<last>\d{1,4}))?(?:v\d)?(?P<rest>(?:[\s\[(].*)?)$"
)
# `Show 12`, `One Piece 1001`, `seriesname 05`: a number straight after the series name.
_NAME_NUMBER_RE = re.compile(r"^(?P<series>.*?\D)[\s._]+(?P<number>\d{2,4})(?:v\d)?(?P<rest>(?:[\s._\[(-].*)?)$")
# Fansub names: `[Group][Title][04]`, `[Group] Title [21][1080p]`.
_BRACKETED_RE = re.compile(r"^(?:\[(?P<t1>[^\]]+)\]|(?P<t2>[^\[]+?))\s*\[(?P<first>\d{1,4})(?:v\d)?\](?P<rest>.*)$")
# Dates the DATE_RE forms miss but guessit reads (`2016.Dec.19`, `19.12.16`); guessit is slow, so only for these.
_DATE_LIKE_RE = re.compile(
    r"\d{1,4}[._ -](?:\d{1,2}|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[._ -]\d{1,4}", re.I
)
_BRACKETED_TAIL_RE = re.compile(r"\s*[\[(][^\])]*[\])]\s*$")
_QUALITY_RE = re.compile(
    r"^(?:\d{3,4}[pi]|[48]k|uhd|hd|sd|hdr(?:10\+?)?|dolby ?vision|dv|remux|web(?:-?dl|rip)?|blu-?ray|bdrip|dvdrip|"
    r"hdtv|x26[45]|h\.?26[45]|hevc|avc|3d|imax)(?:[\s._-]+.*)?$",
    re.I,
)


def _is_year(text: str) -> bool:
    return bool(re.fullmatch(YEAR, text))


def _episode_title(after: str, stem: str) -> str | None:
    """The episode title that follows an episode marker: `- Title` in Jellyfin names, guessit for release names."""
    after = re.sub(r"\]-[\w.]+$", "]", after)  # Sonarr's `[h264]-GRP`: the release group
    after = re.sub(r"\s*\[[^\]]*\]\s*", " ", after)  # release tags in brackets: `[WEBDL-720p][x264]`
    after = re.sub(r"^[\s._-]*\d\d[_.:-]\d\d(?:[_.:-]\d\d)?(?![0-9])", "", after)  # a recording's time of day
    while (trimmed := _BRACKETED_TAIL_RE.sub("", after)) != after:
        after = trimmed
    if is_release_name(stem):
        title = guess(stem, "episode").get("episode_title")
        return str(title) if title else None
    text = after.strip().strip("-–—_.)] ").strip()
    tokens = text.split()  # release tags end a title: `Guest 720p HDTV`, `END HDTV.H264.720p-WITH`
    if cut := next((i for i, t in enumerate(tokens) if _QUALITY_RE.match(t) or t.upper() == "END"), None):
        text = " ".join(tokens[:cut]).strip(" -")
    elif cut == 0:
        text = ""
    parts = [p for p in re.split(r"\s+-\s+", text) if p]
    # A trailing " - 1080p" is a version label, not part of the title.
    while parts and _QUALITY_RE.match(parts[-1]):
        parts.pop()
    text = " - ".join(parts).strip()
    return text or None


def _series_from_name(before: str, stem: str) -> tuple[str | None, int | None]:
    before = GROUP_PREFIX_RE.sub("", before)
    if is_release_name(stem):
        found = guess(stem, "episode")
        title = found.get("title")
        if title and (country := found.get("country")):  # `The.Office.US.S01E01` is `The Office (US)`
            code = getattr(country, "alpha2", str(country))
            title = f"{title} ({'UK' if code == 'GB' else code})"
        if title:
            return str(title), found.get("year")
    text = before.strip().rstrip("-–—_.([").strip()
    m = YEAR_RE.match(text)
    if m and not m.group("rest").strip():
        return tidy(m.group("title")) or None, int(m.group("year"))
    if m := re.match(rf"^(?P<title>.+?)[\s._]+(?P<year>{YEAR})$", text):  # `Show.2017.E07`: the year of the show
        return tidy(m.group("title")) or None, int(m.group("year"))
    return tidy(text) or None, None


def _date(m: re.Match) -> dt.date | None:
    if "y" in m.groupdict() and "a" not in m.groupdict():
        parts = [(int(m.group("y")), int(m.group("m")), int(m.group("d")))]
    else:  # day first as most of the world writes it, month first when the day cannot be a month
        a, b, y = int(m.group("a")), int(m.group("b")), int(m.group("y"))
        parts = [(y, b, a), (y, a, b)]
    for y, month, day in parts:
        try:
            return dt.date(y, month, day)
        except ValueError:
            continue
    return None


def _markers(stem: str, clean: str, folders: Folders) -> dict | None:
    """Season, episodes, air date, absolute numbering and the text around the marker; None when the name has no
    episode marker that makes sense where it sits."""
    if m := season_marker(clean):
        return dict(season=int(m.group("season")), episodes=numbers(m.group("first"), m.group("more") or ""),
                    before=clean[: m.start()], after=clean[m.end():])
    if not folders.films:
        for regex in (DATE_RE, DATE_YEAR_LAST_RE):
            if (m := regex.search(clean)) and m.start() > 0:
                air_date = _date(m)
                if air_date is None:
                    return {}
                return dict(air_date=air_date, before=clean[: m.start()], after=clean[m.end():])
    if folders.season is None and folders.parent and (m := _DASHED_SEASON_RE.match(clean)):
        return dict(season=int(m.group("season")), episodes=(int(m.group("first")),), before="",
                    after=clean[m.end():])
    if (folders.season is not None or _series_folder(folders)) and (m := _LEADING_EPISODE_RE.match(clean)) \
            and not _is_year(m.group("first")) and not re.match(rf"^\({YEAR}\)", m.group("rest") or ""):
        # `Season 01/02 - Title.mkv`, `The Simpsons/02.avi`: the number only makes sense inside a show's folder.
        return dict(episodes=episode_range(m.group("first"), m.group("last")), before=None,
                    after=" - " + (m.group("rest") or ""), absolute=folders.season is None)
    if (m := _ABSOLUTE_RE.match(clean)) and not _is_year(m.group("first")):
        if re.match(rf"^\s*\({YEAR}\)\s*$", m.group("rest")):
            return None  # `Some Film - 2 (2013)`: a sequel's number, not an episode
        return dict(episodes=episode_range(m.group("first"), m.group("last")), before=m.group("series"),
                    after=m.group("rest"), absolute=True)
    if (m := _NAME_NUMBER_RE.match(clean)) and not _is_year(m.group("number")):
        number = m.group("number")
        series = GROUP_PREFIX_RE.sub("", m.group("series"))
        if folders.season is not None:
            # `Season 1/Show 102`: season 1, episode 2; `Season 21/One Piece 1001`: episode 1001.
            episode = int(number[-2:]) if len(number) > 2 and int(number[:-2]) == folders.season else int(number)
            return dict(episodes=(episode,), before=series, after=m.group("rest"))
        if folders.parent and same_name(parse_named_folder(folders.parent)[0], tidy(series)):
            return dict(episodes=(int(number),), before=series, after=m.group("rest"), absolute=True)
    if m := EPISODE_ONLY_RE.search(clean):
        return dict(episodes=numbers(m.group("first"), m.group("more") or ""), before=clean[: m.start()],
                    after=clean[m.end():], absolute=True)
    if stem.startswith("[") and (m := _BRACKETED_RE.match(clean)) and not _is_year(m.group("first")):
        return dict(episodes=(int(m.group("first")),), before=m.group("t1") or m.group("t2"), after="",
                    absolute=True)
    if stem.startswith("["):  # fansub names in other shapes: let guessit read them
        found = guess(stem, "episode")
        episodes = found.get("episode")
        if episodes and found.get("season") is None:
            episodes = tuple(episodes) if isinstance(episodes, list) else (int(episodes),)
            return dict(episodes=episodes, before=str(found.get("title") or ""), after="", absolute=True)
    if is_release_name(stem) and not folders.films and _DATE_LIKE_RE.search(stem):
        found = guess(stem, "episode")
        if found.get("date") and not found.get("episode"):
            return dict(air_date=found["date"], before="", after="")
    return None


def _series_folder(folders: Folders) -> bool:
    """The file sits straight in a folder that can be a series' (`The Simpsons/02.avi`), not `Movies/` or a year."""
    return bool(folders.parent) and not folders.year_folder and not folders.films


def episode(stem: str, folders: Folders, ids: dict[str, str]) -> Identity | None:
    """An episode identity when the name (or its season folder) says so, else None."""
    clean = GROUP_PREFIX_RE.sub("", stem) if stem.startswith("[") else stem
    found = _markers(stem, clean, folders)
    if found is None:
        return None
    if not found:  # a date that is not one (`2016-13-45`): neither a daily episode nor a film
        return Identity(kind="other", reason=f"{NO_NAME_REASON} (it has a date that is not one)")
    season, episodes, air_date = found.get("season"), tuple(found.get("episodes", ())), found.get("air_date")
    absolute = episodes if found.get("absolute") and folders.season is None and season is None else ()

    # A name that starts with its number has no series of its own (`02.EpName.avi`): the folders name it.
    series, name_year = _series_from_name(found["before"], stem) if found["before"] is not None else (None, None)
    title = _episode_title(found["after"], stem)
    year = name_year
    if folders.series_folder:
        folder_series, folder_year, folder_ids = parse_named_folder(folders.series_folder)
        series, year = folder_series or series, folder_year or year
        ids = folder_ids | ids
    elif folders.parent and folders.season is None and not folders.year_folder \
            and folders.parent.strip().lower() not in FILM_FOLDERS:
        # Episodes straight in a series folder (`Show (2019)/Show - S01E02.mkv`): the folder is the series'
        # when the names agree, or when the file name has no series at all (`Show (2019)/S01E02.mkv`).
        folder_series, folder_year, folder_ids = parse_named_folder(folders.parent)
        if folder_series and (series is None or same_name(folder_series, series)):
            series, year = folder_series, folder_year or year
            ids = folder_ids | ids
    if season is None and folders.season is not None and air_date is None:
        season = folders.season
    if series is None:
        return Identity(kind="other", season=season, episodes=episodes, air_date=air_date,
                        reason="an episode number but no series name, in the file name or a series folder")
    return Identity(kind="episode", series=series, title=title, year=year, season=season, episodes=episodes,
                    air_date=air_date, absolute=absolute, ids=sorted_ids(ids))
