"""Tell what a delivered file is from its path alone: Jellyfin/Kodi naming rules, guessit for release names.

The rules are split by concern: common (Identity, file types, tidying), markers (episode markers), folders
(season, series, film and extras folders), episodes, films, and resolve (identify_path, extras).
"""

from reelhouse.ingest.naming.common import (
    IMAGE_SUFFIXES,
    KINDS,
    NO_NAME_REASON,
    SIDECAR_SUFFIXES,
    SUBTITLE_SUFFIXES,
    VIDEO_SUFFIXES,
    Identity,
    is_sidecar,
    is_video,
)
from reelhouse.ingest.naming.folders import (
    EXTRA_FOLDERS,
    FILM_FOLDERS,
    extra_folder_type,
    folder_series,
    parse_named_folder,
    parse_season_folder,
    season_folder_number,
)
from reelhouse.ingest.naming.resolve import EXTRA_SUFFIXES, identify_path

__all__ = [
    "EXTRA_FOLDERS", "EXTRA_SUFFIXES", "FILM_FOLDERS", "IMAGE_SUFFIXES", "KINDS", "NO_NAME_REASON", "SIDECAR_SUFFIXES",
    "SUBTITLE_SUFFIXES", "VIDEO_SUFFIXES", "Identity", "extra_folder_type", "folder_series", "identify_path",
    "is_sidecar", "is_video", "parse_named_folder", "parse_season_folder", "season_folder_number",
]
