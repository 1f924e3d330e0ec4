"""What the naming rules share: the Identity they produce, file types, id tags, tidying names, guessit."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
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

NO_NAME_REASON = ("cannot tell series/season/episode or film from the name; "
                  "name it 'Series/Season 01/Series - S01E02 - Title' or 'Film (Year)/Film (Year)', or add an NFO")

YEAR = r"(?:18|19|20)\d\d"
IDS_RE = re.compile(
    r"\s*[\[{](?P<key>tvdb|tmdb|imdb|anidb|tvmaze|tvrage)(?:id)?[-=](?P<value>[a-z0-9]+)[\]}]", re.I
)
EDITION_TAG_RE = re.compile(r"\s*\{edition-(?P<edition>[^}]+)\}", re.I)  # Plex style
YEAR_RE = re.compile(rf"^(?P<title>.*?)[\s._]*\((?P<year>{YEAR})\)(?P<rest>.*)$")
GROUP_PREFIX_RE = re.compile(r"^\s*\[[^\]]+\]\s*")
# Release tags guessit does not know, which scene names still carry at the end of a title (`Title.HDC`).
_TRAILING_TAG_RE = re.compile(r"[\s._-]+(?:hdc|multi)$", re.I)


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


def take_ids(text: str) -> tuple[str, dict[str, str]]:
    ids = {m.group("key").lower(): m.group("value") for m in IDS_RE.finditer(text)}
    return IDS_RE.sub("", text).strip(), ids


def tidy(text: str) -> str:
    """A name part as a person would write it: release dots/underscores become spaces, outer dashes go."""
    if " " not in text.strip() and ("." in text or "_" in text):
        # Dots become spaces except inside initialisms (`S.H.I.E.L.D.`, `P.I`); `I.Live.In.A` has none.
        parts = re.split(r"((?<![A-Za-z])(?:[A-Z]\.)+[A-Z](?![a-z]))", text)
        text = "".join(p if i % 2 else re.sub(r"[._]", " ", p) for i, p in enumerate(parts))
    return re.sub(r"\s+", " ", text).strip(" -_.").strip()


def strip_trailing_tags(title: str) -> str:
    """`Title.HDC`, `Title Multi` -> `Title`: tags guessit leaves in a film title."""
    while (trimmed := _TRAILING_TAG_RE.sub("", title)) != title and trimmed:
        title = trimmed
    return title


def is_release_name(text: str) -> bool:
    """No spaces but dots or underscores: a scene/web release name (`Show.S01E02.1080p.WEB-GRP`)."""
    return " " not in text.strip() and bool(re.search(r"[._]", text))


@lru_cache(maxsize=4096)
def guess(name: str, kind: str | None = None) -> dict:
    options = {"type": kind} if kind else {}
    return dict(guessit(name, options))


def sorted_ids(ids: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(ids.items()))
