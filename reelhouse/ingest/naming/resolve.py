"""identify_path: what a delivered file is from its path alone — extras first, then episodes, then films."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import PurePosixPath

from reelhouse.ingest.naming.common import (
    NO_NAME_REASON,
    VIDEO_SUFFIXES,
    Identity,
    sorted_ids,
    take_ids,
    tidy,
)
from reelhouse.ingest.naming.episodes import episode
from reelhouse.ingest.naming.films import film
from reelhouse.ingest.naming.folders import extra_folder_type, folders_of, parse_named_folder

# Jellyfin file-name suffixes (`Film (2021)-trailer.mkv`); the whole name `trailer.mkv` counts too.
EXTRA_SUFFIXES = {
    "trailer": "trailer", "featurette": "featurette", "behindthescenes": "behindthescenes",
    "deleted": "deleted", "deletedscene": "deleted", "interview": "interview", "scene": "scene", "clip": "clip",
    "short": "short", "sample": "sample", "other": "extra", "extra": "extra",
}
# The marker is a token of its own: `-trailer`, `.sample`, `_trailer`, ` - trailer`, or a word after a complete
# name (`Film (2021) trailer`). A word that ends a title (`I Live In A Trailer`, `The DNA Sample`) is no marker.
_EXTRA_SUFFIX_RE = re.compile(
    r"^(?P<base>.*?)(?:\s+-\s+|[-._]|(?<=[)\]])\s+)(?P<tag>" + "|".join(EXTRA_SUFFIXES) + r")\d{0,2}$", re.I
)


def _owner(dirs: tuple[str, ...]) -> Identity:
    """What an extras folder belongs to: a season folder's series, or a film (or series) folder."""
    folders = folders_of(dirs)
    if folders.season is not None and folders.series_folder:
        series, year, ids = parse_named_folder(folders.series_folder)
        return Identity(kind="extra", series=series, year=year, season=folders.season, ids=sorted_ids(ids))
    title, year, ids = parse_named_folder(dirs[-1])
    if "tvdb" in ids or "tvmaze" in ids or "anidb" in ids:
        return Identity(kind="extra", series=title, year=year, ids=sorted_ids(ids))
    return Identity(kind="extra", title=title, year=year, ids=sorted_ids(ids))


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
        own_name = tidy(take_ids(stem)[0])
        if owner.series and not owner.title:
            owner = replace(owner, title=own_name or None)
        return replace(owner, extra_type=extra_type)

    text, ids = take_ids(stem)
    m = _EXTRA_SUFFIX_RE.match(text)
    bare = re.sub(r"\d{1,2}$", "", text).lower()  # the whole name is `trailer.mkv`, `sample2.mkv`
    if m or bare in EXTRA_SUFFIXES:
        extra_type = EXTRA_SUFFIXES[m.group("tag").lower() if m else bare]
        base_stem = m.group("base").strip() if m else ""
        base = identify_path(path.with_name(base_stem + suffix)) if base_stem else None
        if base is None or base.kind == "other":
            # `Film (2021)/trailer.mkv`: the folder says whose trailer it is.
            base = _owner(dirs) if dirs else Identity(kind="extra", title=tidy(base_stem) or None)
        return replace(base, kind="extra", extra_type=extra_type, reason=None,
                       ids=sorted_ids(dict(base.ids) | ids))

    folders = folders_of(dirs)
    found = episode(text, folders, ids)
    if found is not None and found.kind == "episode":
        return found
    if found is not None:
        return replace(found, reason=f"{path}: {found.reason}")
    if folders.season is not None:
        return Identity(kind="other", season=folders.season,
                        reason=f"{path}: in a season folder but no episode number in the name "
                               f"(expected e.g. 'S01E02', '1x02' or '02 - Title')")
    found = film(text, folders, ids)
    if found is not None:
        return found
    return Identity(kind="other", ids=sorted_ids(ids), reason=f"{path}: {NO_NAME_REASON}")
