"""Films from a file name and its folder: `Film (2021) - Director's Cut`, `Film.2019.1080p.BluRay-GRP`, `Drug War
2013`, `Some Film 480p`, `Film/movie.mkv`. A film without a year keeps an empty year: the licence and the catalog
decide which work it is (a title two catalogued films share is held for an operator to confirm)."""

from __future__ import annotations

import re

from reelhouse.ingest.naming.common import (
    EDITION_TAG_RE,
    GROUP_PREFIX_RE,
    YEAR,
    YEAR_RE,
    Identity,
    guess,
    is_release_name,
    sorted_ids,
    strip_trailing_tags,
    tidy,
)
from reelhouse.ingest.naming.folders import Folders, parse_named_folder, same_name

_PART_RE = re.compile(r"^(?:cd|dvd|part|pt|disc|disk)[\s._-]*(\d{1,2})$", re.I)
_PART_SUFFIX_RE = re.compile(r"^(?P<title>.*?)[\s._-]+(?P<part>(?:cd|dvd|part|pt|disc|disk)[\s._-]*\d{1,2})$", re.I)
_EDITION_RE = re.compile(
    r"^(?:.*\b(?:cut|edition|version)|director'?s\b.*|extended\b.*|theatrical\b.*|unrated\b.*|uncut\b.*|"
    r"remastered\b.*|redux|criterion\b.*|imax\b.*|ultimate\b.*|special\b.*|collector'?s\b.*|anniversary\b.*)$",
    re.I,
)
# A release tag in a spaced name: everything from the first one on is not the title (`First Man 2018 1080p`).
_TAG_TOKEN_RE = re.compile(
    r"^[\[(]*(?:\d{3,4}[pi]|\d{3,4}x\d{3,4}|[48]k|uhd|ultrahd|hdr(?:10\+?)?|hdc|remux|web(?:-?dl|rip)?|webdl-\d{3,4}p|blu-?ray|"
    r"bdrip|brrip|dvdrip|hdtv|pdtv|x26[45]|h\.?26[45]|hevc|xvid|divx|aac|ac3|dts|flac|multi|remastered|unrated|"
    r"proper|repack)(?:[-.][^\s]*)?[\])]*$",
    re.I,
)
# Names that tell nothing: `video.mkv`, `VID_20200101_123456.mp4`, `12345.mkv`, `VTS_01_1.vob`, working files
# such as `final_master_v3.mkv` or `take_final.mp4`. Every word of such a name is one of these (or a number).
_GENERIC_WORDS = frozenset({
    "video", "movie", "film", "clip", "untitled", "vid", "mov", "img", "dsc", "mvi", "gopr", "pxl", "vts", "title",
    "track", "final", "master", "take", "export", "output", "render", "draft", "copy", "new", "test", "dump",
    "edit", "cut", "version", "rough", "temp", "tmp", "file", "recording", "capture", "screen", "camera", "cam",
})


def _is_generic(title: str) -> bool:
    words = [w for w in re.split(r"[\s._-]+", title.casefold()) if w]
    return all(w in _GENERIC_WORDS or re.fullmatch(r"v?\d+", w) for w in words)


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


def _from_guess(text: str) -> dict:
    """Edition, part and version (the resolution) guessit finds in a release name."""
    found: dict = {}
    g = guess(text, "movie")
    if g.get("edition"):
        found["edition"] = " ".join(g["edition"]) if isinstance(g["edition"], list) else g["edition"]
    if g.get("part") or g.get("cd"):
        found["part"] = g.get("part") or g.get("cd")
    if g.get("screen_size"):
        found["version"] = g["screen_size"]
    return found


def _labels(rest: str) -> bool:
    """`part1`, `Director's Cut`, `1080p - HDR`: what follows ` - ` only labels the file (else it is the title's)."""
    pieces = [p.strip(" -_.") for p in re.split(r"\s+-\s+", rest) if p.strip(" -_.")]
    return bool(pieces) and all(_PART_RE.match(p) or _EDITION_RE.match(p) or _TAG_TOKEN_RE.match(p.split()[0])
                                for p in pieces)


def _spaced(text: str, folder_title: str | None) -> tuple[str, int | None, dict]:
    """(title, year, extras) of a spaced name: cut at the first release tag, then a trailing year is the year.
    ` - label` after the title is a part, edition or version when it reads as one or the film's own folder has the
    title before it (`X-Men/X-Men - apple.mkv`); otherwise it belongs to the title (`Mission - Impossible 2`)."""
    tokens = text.split()
    cut = next((i for i, t in enumerate(tokens) if i > 0 and _TAG_TOKEN_RE.match(t)), None)
    found: dict = {}
    if cut is not None:
        found = _from_guess(text)
        text = " ".join(tokens[:cut])
    head, _, rest = text.partition(" - ")
    if rest and not re.fullmatch(YEAR, rest.strip(" -")) and (_labels(rest) or same_name(folder_title, head)):
        found = _film_rest(" - " + rest) | found
        text = head
    elif rest and re.fullmatch(YEAR, rest.strip(" -")):  # `Maximum Ride - 2016`
        text = f"{head} {rest.strip(' -')}"
    if m := _PART_SUFFIX_RE.match(text):
        text, found["part"] = m.group("title"), int(_PART_RE.match(m.group("part")).group(1))
    year = None
    g = guess(text, "movie") if re.search(rf"(?<!\d){YEAR}(?!\d)", text) else {}  # guessit is slow: only for a year
    if (y := g.get("year")) and (m := re.match(rf"^(?P<title>.+?)[\s._-]+\(?{y}\)?$", text)):
        text, year = m.group("title"), y
    if GROUP_PREFIX_RE.match(text) and GROUP_PREFIX_RE.sub("", text):
        text = GROUP_PREFIX_RE.sub("", text)
    if re.search(r"\S\s*\[[^\]]*\]$", text):  # `Title[字]`: a trailing tag in brackets
        text = re.sub(r"\s*\[[^\]]*\]$", "", text)
    return strip_trailing_tags(tidy(text)), year, found


def film(stem: str, folders: Folders, ids: dict[str, str]) -> Identity | None:
    """A film identity from `Title (Year)`, a release name, a plain name or the film's own folder."""
    text = stem
    edition = None
    if m := EDITION_TAG_RE.search(text):
        edition, text = m.group("edition").strip(), EDITION_TAG_RE.sub("", text)
    folder_title, folder_year, folder_ids = parse_named_folder(folders.parent) if folders.parent else (None, None, {})
    ids = folder_ids | ids
    if m := YEAR_RE.match(text):
        title, year = tidy(m.group("title")), int(m.group("year"))
        rest = m.group("rest")
        found = _from_guess(text) if re.match(r"^\.\S", rest) else _film_rest(rest)
    elif is_release_name(text):
        g = guess(text, "movie")
        title, year, found = g.get("title"), g.get("year"), _from_guess(text)
        if year and (m := re.search(rf"(?<=[._ ]){year}(?=[._ -]|$)", text)):
            # Everything before the year is the title, words guessit takes for tags included (`I.Live.In.A.Trailer`)
            title = tidy(text[: m.start()]) or title
        title = strip_trailing_tags(str(title)) if title else None
    else:
        title, year, found = _spaced(text, folder_title)
    generic = not title or (year is None and not ids and _is_generic(title))
    if folder_title and folder_year and year is None and (generic or not same_name(folder_title, title)):
        # `Film (2021)/movie.mkv`, `Film (2021)/VTS_01_1.vob`: a film folder names the film inside it.
        title, year, generic = folder_title, folder_year, False
    if generic:
        return None
    # In the film's own folder the folder's spelling wins over a release name's.
    if folder_title and ((same_name(folder_title, title) and (year is None or folder_year in (None, year)))
                         or (folder_year and year == folder_year and not YEAR_RE.match(text))):
        title, year = folder_title, year or folder_year
    return Identity(kind="film", title=title, year=year, part=found.get("part"),
                    edition=edition or found.get("edition"), version=found.get("version"), ids=sorted_ids(ids))
