"""Embedded container tags (MP4/iTunes atoms, Matroska tags) as the last resort of identification, when neither
the names nor the NFO sidecars say what a file is. Read with PyAV; only the container header is read."""

import re
from pathlib import Path

import av

from reelhouse.ingest.naming import Identity
from reelhouse.media.errors import MediaError
from reelhouse.media.inputs import open_container

_YEAR = re.compile(r"^(18[7-9]\d|19\d\d|2[01]\d\d)\b")
_CODE = re.compile(r"(?i)^s(\d{1,4})e(\d{1,4})$")


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) <= 5 else None


def read_tags(path: Path) -> dict[str, str]:
    """The container's global tags with lower-case keys ({} when the file cannot be opened)."""
    try:
        with open_container(path) as container:
            return {str(k).lower(): str(v).strip() for k, v in (container.metadata or {}).items() if v}
    except (av.FFmpegError, MediaError, OSError, ValueError):
        return {}


def identity_from_tags(path: Path) -> Identity | None:
    """An episode when the tags name a show, a season and an episode (`show`, `season_number`, `episode_sort` as
    ffmpeg maps iTunes tvsh/tvsn/tves and Matroska SHOW/SEASON_NUMBER/EPISODE_SORT; or an `episode_id` like
    S01E07); a film when they give a title and a release year and no show. None otherwise: a lone title tag
    (often an editor's working title) is not enough."""
    tags = read_tags(path)
    year_match = _YEAR.match(tags.get("date") or tags.get("year") or tags.get("date_released") or "")
    year = int(year_match.group(1)) if year_match else None
    show = tags.get("show") or tags.get("tvshow") or tags.get("series")
    if show:
        season = _int(tags.get("season_number") or tags.get("season"))
        episode = _int(tags.get("episode_sort") or tags.get("episode"))
        if (code := _CODE.match(tags.get("episode_id", ""))) and (season is None or episode is None):
            season, episode = int(code.group(1)), int(code.group(2))
        if season is not None and episode is not None:
            return Identity(kind="episode", series=show, year=None, season=season, episodes=(episode,),
                            title=tags.get("title") or None)
        return None
    if tags.get("title") and year is not None:
        return Identity(kind="film", title=tags["title"], year=year)
    return None
