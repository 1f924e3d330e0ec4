"""Identify a delivered video from its path and its sidecars (NFOs, artwork, subtitles); the NFO wins."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from babelfish import Error as LanguageError
from babelfish import Language

from reelhouse.ingest.naming import (
    SUBTITLE_SUFFIXES,
    Identity,
    extra_folder_type,
    identify_path,
    is_video,
    parse_named_folder,
    parse_season_folder,
    season_folder_number,
)
from reelhouse.ingest.naming.folders import same_name
from reelhouse.ingest.nfo import NfoError, NfoInfo, read_nfo_all

FORCED_FLAGS = {"forced", "foreign"}
SDH_FLAGS = {"sdh", "cc", "hi"}
IGNORED_FLAGS = {"default"}
_IMAGE_ORDER = (".jpg", ".jpeg", ".png", ".webp", ".tbn")


@dataclass
class Identification:
    identity: Identity
    series_info: NfoInfo | None = None
    season_info: NfoInfo | None = None
    item_info: NfoInfo | None = None
    artwork: dict[str, Path] = field(default_factory=dict)
    subtitles: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _Root:
    """Looks up sidecars without ever leaving the watch folder (no `..`, no symlinks pointing out)."""

    def __init__(self, root: Path):
        self.root = root.resolve()

    def inside(self, path: Path) -> bool:
        try:
            path.resolve().relative_to(self.root)
        except (ValueError, OSError):
            return False
        return True

    def file(self, path: Path) -> Path | None:
        return path if path.is_file() and self.inside(path) else None

    def listing(self, folder: Path) -> list[Path]:
        if not (folder.is_dir() and self.inside(folder)):
            return []
        try:
            return sorted(p for p in folder.iterdir() if not p.name.startswith("."))
        except OSError:
            return []


def _image(root: _Root, folder: Path, *stems: str) -> Path | None:
    """The first image named `<stem>.<jpg|png|…>` in folder, trying stems in order (case-insensitive)."""
    by_name = {p.name.lower(): p for p in root.listing(folder)}
    for stem in stems:
        for suffix in _IMAGE_ORDER:
            if (p := by_name.get(f"{stem}{suffix}".lower())) and root.file(p):
                return p
    return None


def subtitle_language(tokens: list[str]) -> tuple[str | None, bool, bool]:
    """(ISO 639 code, forced, sdh) from the dot-separated tokens between a video's stem and a subtitle suffix:
    `en`, `eng`, `English`, `pt-BR`, `fr.forced`, `en.sdh`, `de.hi` ("hi" alone is Hindi, after a language it
    means hearing-impaired)."""
    language, forced, sdh = None, False, False
    for token in tokens:
        low = token.strip().lower()
        if low in FORCED_FLAGS:
            forced = True
        elif low in SDH_FLAGS and (language is not None or low != "hi"):
            sdh = True
        elif low in IGNORED_FLAGS or language is not None:
            continue
        else:
            language = _language_code(token.strip())
    return language, forced, sdh


def _language_code(token: str) -> str | None:
    """`en`, `eng`, `ger`, `English`, `pt-BR` -> `en`, `en`, `de`, `en`, `pt-BR`; None when not a language."""
    converters = [Language.fromietf, Language.fromalpha3b] + ([Language.fromname] if len(token) > 3 else [])
    for convert in converters:
        try:
            language = convert(token)
        except (LanguageError, ValueError, KeyError):
            continue
        try:
            code = language.alpha2
        except LanguageError:
            code = language.alpha3
        return f"{code}-{language.country.alpha2}" if language.country else code
    return None


def _subtitles(root: _Root, video: Path) -> list[dict]:
    stem = video.stem
    found = []
    files = root.listing(video.parent)
    names = {p.name.lower() for p in files}
    for p in files:
        suffix = p.suffix.lower()
        if suffix not in SUBTITLE_SUFFIXES or not root.file(p):
            continue
        if suffix == ".sub" and p.with_suffix(".idx").name.lower() in names:
            continue  # VobSub: the .idx names the pair
        inner = p.name[: -len(p.suffix)]
        if inner == stem:
            tokens = []
        elif inner.startswith(stem + "."):
            tokens = inner[len(stem) + 1:].split(".")
        else:
            continue
        language, forced, sdh = subtitle_language(tokens)
        found.append({"path": p, "language": language, "forced": forced, "sdh": sdh})
    return found


def _read(root: _Root, path: Path | None, warnings: list[str]) -> list[NfoInfo]:
    if path is None or not path.exists():
        return []
    if not root.file(path):
        warnings.append(f"{path.name}: NFO ignored (not a regular file inside the watch folder)")
        return []
    try:
        return read_nfo_all(path)
    except NfoError as exc:
        warnings.append(f"{exc} — identified from the file name instead")
        return []


def _nfo_in(root: _Root, folder: Path, *names: str) -> Path | None:
    by_name = {p.name.lower(): p for p in root.listing(folder)}
    for name in names:
        if p := by_name.get(name.lower()):
            return p
    return None


def _merge_ids(identity: Identity, extra: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((dict(identity.ids) | {k: v for k, v in extra.items() if v}).items()))


def _apply_item(identity: Identity, items: list[NfoInfo], series_hint: str | None) -> Identity:
    """The episode or movie NFO overrides what the name said; it can also identify a file the name could not
    (`series_hint`: the series folder's name or tvshow.nfo title, for an episode NFO without <showtitle>)."""
    info = items[0]
    if info.kind == "episodedetails" and (info.episode is not None or info.aired):
        episodes = identity.episodes
        numbers = [i.episode for i in items if i.kind == "episodedetails" and i.episode is not None]
        if numbers:
            last = info.episodenumberend if info.episodenumberend and info.episodenumberend > numbers[0] else None
            episodes = tuple(range(numbers[0], last + 1)) if last and len(numbers) == 1 else tuple(numbers)
        season = info.season if info.season is not None else identity.season
        changes = dict(episodes=episodes, season=season, title=info.title or identity.title,
                       air_date=info.aired or identity.air_date)
        if identity.kind != "episode":
            series = identity.series or info.showtitle or series_hint
            if series is None:
                return identity
            changes.update(kind="episode", series=series, reason=None, extra_type=None, part=None, edition=None,
                           version=None)
        return replace(identity, **changes)
    if info.kind == "movie" and (info.title or identity.title):
        changes = dict(title=info.title or identity.title, year=info.year or identity.year,
                       ids=_merge_ids(identity, info.uniqueids))
        if identity.kind in ("other", "episode"):
            changes.update(kind="film", reason=None, series=None, season=None, episodes=(), air_date=None,
                           absolute=())
        return replace(identity, **changes)
    if info.kind == "url" and info.uniqueids:
        return replace(identity, ids=_merge_ids(identity, info.uniqueids))
    return identity


def _outside(video: Path, root: Path, why: str) -> Identification:
    return Identification(identity=Identity(kind="other", reason=f"{video}: {why} (watch folder {root})"))


def identify(video: Path, root: Path) -> Identification:
    """What the video under the watch folder `root` is: its name, then its NFOs (which win), artwork and
    subtitles. Never raises for bad sidecars (they become warnings) and never reads outside root."""
    root = Path(root).absolute()
    video = Path(video) if Path(video).is_absolute() else root / video
    try:
        rel = video.relative_to(root)
    except ValueError:
        try:  # the same folder reached through a symlinked parent (e.g. /tmp -> /private/tmp)
            rel = (video.parent.resolve() / video.name).relative_to(root.resolve())
        except (ValueError, OSError):
            return _outside(video, root, "outside the watch folder")
        video = root / rel
    if ".." in rel.parts:
        return _outside(video, root, "path leaves the watch folder ('..')")
    guard = _Root(root)
    if video.exists() and not guard.inside(video):
        return _outside(video, root, "symbolic link pointing outside the watch folder")

    identity = identify_path(PurePosixPath(rel.as_posix()))
    found = Identification(identity=identity)
    if not is_video(video):
        return found

    folders = [root.joinpath(*rel.parts[:i]) for i in range(1, len(rel.parts))]  # video's folders, outermost first
    season_dir = next((f for f in reversed(folders) if season_folder_number(f.name) is not None), None)
    parent = video.parent if video.parent != root else None
    if season_dir is not None:
        series_dir = season_dir.parent if season_dir.parent != root else None
        named, _ = parse_season_folder(season_dir.name)
        if named and not (series_dir and same_name(parse_named_folder(series_dir.name)[0], named)):
            series_dir = season_dir  # `Some Show Season 10/` is the series' folder as well as the season's
    elif identity.kind == "episode" and parent is not None and not re.fullmatch(r"\d{4}", parent.name):
        series_dir = parent
    elif identity.kind == "episode" and parent is not None and parent.parent != root:
        series_dir = parent.parent  # daily show filed by year
    else:
        series_dir = None

    warnings = found.warnings
    tvshow = _read(guard, _nfo_in(guard, series_dir, "tvshow.nfo"), warnings) if series_dir else []
    season_nfo = _read(guard, _nfo_in(guard, season_dir, "season.nfo"), warnings) if season_dir else []
    found.series_info = tvshow[0] if tvshow else None
    found.season_info = season_nfo[0] if season_nfo else None
    is_series = identity.kind == "episode" or bool(tvshow) or (identity.kind == "extra" and identity.series)

    film_dir = None
    if not is_series and parent is not None and extra_folder_type(parent.name) is None:
        own = _nfo_in(guard, parent, "movie.nfo") is not None
        folder_title = parse_named_folder(parent.name)[0]
        if own or (folder_title and identity.title and folder_title.casefold() == identity.title.casefold()):
            film_dir = parent

    if identity.kind != "extra":
        names = [f"{video.stem}.nfo"] + (["movie.nfo"] if film_dir and not is_series else [])
        item_nfo = _nfo_in(guard, video.parent, names[0]) or (
            _nfo_in(guard, film_dir, "movie.nfo") if len(names) > 1 else None)
        items = _read(guard, item_nfo, warnings)
        found.item_info = items[0] if items else None
        if items:
            hint = (found.series_info.title if found.series_info else None) or (
                parse_named_folder(series_dir.name)[0] if series_dir else None)
            identity = _apply_item(identity, items, hint)

    if found.series_info and identity.kind in ("episode", "extra"):
        info = found.series_info
        identity = replace(identity, series=info.title or identity.series, year=info.year or identity.year,
                           ids=_merge_ids(identity, info.uniqueids))
    found.identity = identity

    art = found.artwork
    stem = video.stem
    if is_series and series_dir is not None:
        _put(art, "poster", _image(guard, series_dir, "poster", "folder", "cover"))
        _put(art, "fanart", _image(guard, series_dir, "fanart", "backdrop", "background"))
        _put(art, "banner", _image(guard, series_dir, "banner"))
        _put(art, "logo", _image(guard, series_dir, "logo", "clearlogo"))
        season = identity.season
        if season is not None:
            names = ["season-specials-poster", "season00-poster"] if season == 0 else [f"season{season:02d}-poster"]
            _put(art, "season_poster", _image(guard, series_dir, *names))
    if is_series and season_dir is not None:
        _put(art, "season_poster", _image(guard, season_dir, "poster", "folder", "cover"))
    if film_dir is not None:
        _put(art, "poster", _image(guard, film_dir, f"{stem}-poster", "poster", "folder", "cover", "movie"))
        _put(art, "fanart", _image(guard, film_dir, f"{stem}-fanart", "fanart", "backdrop", "background"))
        _put(art, "banner", _image(guard, film_dir, f"{stem}-banner", "banner"))
        _put(art, "logo", _image(guard, film_dir, f"{stem}-logo", f"{stem}-clearlogo", "logo", "clearlogo"))
        _put(art, "thumb", _image(guard, film_dir, f"{stem}-thumb", f"{stem}-landscape", "landscape"))
    else:
        if not is_series:
            _put(art, "poster", _image(guard, video.parent, f"{stem}-poster"))
            _put(art, "fanart", _image(guard, video.parent, f"{stem}-fanart"))
        _put(art, "thumb", _image(guard, video.parent, f"{stem}-thumb", stem))
    if "fanart" in art:
        art["backdrop"] = art["fanart"]
    found.subtitles = _subtitles(guard, video)
    return found


def _put(art: dict[str, Path], key: str, path: Path | None) -> None:
    if path is not None and key not in art:
        art[key] = path

