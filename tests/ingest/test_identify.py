"""Identification from a file and its sidecars: the NFO wins over the name, artwork and subtitles are found."""

import datetime as dt
from pathlib import Path

import pytest

from reelhouse.ingest.identify import identify, subtitle_language

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)

SHOW = "Die Brücke (2011) [tvdbid-252019]"
STEM = "Die Brücke - S01E03 - Tödliche Grenze"


def touch(root: Path, rel: str, text: str = "") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def series(tmp_path) -> Path:
    """A Jellyfin series folder with an episode, its NFOs and artwork."""
    touch(tmp_path, f"{SHOW}/tvshow.nfo", "<tvshow><title>Bron</title><year>2011</year>"
          "<uniqueid type='imdb'>tt1733785</uniqueid></tvshow>")
    touch(tmp_path, f"{SHOW}/Season 01/season.nfo", "<season><seasonnumber>1</seasonnumber></season>")
    for name in ("poster.jpg", "fanart.jpg", "banner.png", "logo.png", "season01-poster.jpg"):
        touch(tmp_path, f"{SHOW}/{name}")
    touch(tmp_path, f"{SHOW}/Season 01/{STEM}-thumb.jpg")
    return touch(tmp_path, f"{SHOW}/Season 01/{STEM}.mkv")


def test_episode_nfo_wins_over_the_name(tmp_path, series):
    touch(tmp_path, f"{SHOW}/Season 01/{STEM}.nfo", "<episodedetails><title>Die tödliche Grenze</title>"
          "<season>1</season><episode>4</episode><aired>2011-10-05</aired></episodedetails>")
    found = identify(series, tmp_path)
    ident = found.identity
    assert ident.kind == "episode" and ident.title == "Die tödliche Grenze"
    assert (ident.season, ident.episodes, ident.air_date) == (1, (4,), dt.date(2011, 10, 5))
    assert ident.series == "Bron" and ident.year == 2011  # tvshow.nfo over the folder name
    assert dict(ident.ids) == {"tvdb": "252019", "imdb": "tt1733785"}
    assert found.series_info.title == "Bron" and found.season_info.season == 1
    assert found.item_info.title == "Die tödliche Grenze"
    assert found.warnings == []


def test_episode_without_nfo_keeps_the_name(tmp_path, series):
    (tmp_path / SHOW / "tvshow.nfo").unlink()
    found = identify(series, tmp_path)
    assert found.identity.series == "Die Brücke" and found.identity.title == "Tödliche Grenze"
    assert found.identity.episodes == (3,) and found.item_info is None and found.series_info is None


def test_series_artwork_is_found(tmp_path, series):
    art = identify(series, tmp_path).artwork
    folder = tmp_path / SHOW
    assert art["poster"] == folder / "poster.jpg"
    assert art["fanart"] == art["backdrop"] == folder / "fanart.jpg"
    assert art["banner"] == folder / "banner.png" and art["logo"] == folder / "logo.png"
    assert art["season_poster"] == folder / "season01-poster.jpg"
    assert art["thumb"] == folder / "Season 01" / f"{STEM}-thumb.jpg"


def test_season_poster_inside_the_season_folder(tmp_path):
    video = touch(tmp_path, "Show (2016)/Season 02/Show - S02E01.mkv")
    touch(tmp_path, "Show (2016)/folder.jpg")
    touch(tmp_path, "Show (2016)/Season 02/poster.jpg")
    art = identify(video, tmp_path).artwork
    assert art["poster"] == tmp_path / "Show (2016)/folder.jpg"
    assert art["season_poster"] == tmp_path / "Show (2016)/Season 02/poster.jpg"


def test_specials_poster(tmp_path):
    video = touch(tmp_path, "Show (2016)/Specials/Show - S00E01.mkv")
    touch(tmp_path, "Show (2016)/season-specials-poster.jpg")
    assert identify(video, tmp_path).artwork["season_poster"] == tmp_path / "Show (2016)/season-specials-poster.jpg"


def test_multi_episode_nfo_gives_every_episode(tmp_path):
    video = touch(tmp_path, "Lost (2004)/Season 01/Lost - S01E01.mkv")
    touch(tmp_path, "Lost (2004)/Season 01/Lost - S01E01.nfo",
          "<episodedetails><title>Pilot (1)</title><season>1</season><episode>1</episode></episodedetails>\n"
          "<episodedetails><title>Pilot (2)</title><season>1</season><episode>2</episode></episodedetails>\n")
    ident = identify(video, tmp_path).identity
    assert (ident.title, ident.season, ident.episodes) == ("Pilot (1)", 1, (1, 2))


def test_episodenumberend_extends_the_range(tmp_path):
    video = touch(tmp_path, "Show/Season 01/Show - S01E05.mkv")
    touch(tmp_path, "Show/Season 01/Show - S01E05.nfo",
          "<episodedetails><season>1</season><episode>5</episode><episodenumberend>7</episodenumberend>"
          "</episodedetails>")
    assert identify(video, tmp_path).identity.episodes == (5, 6, 7)


def test_film_nfo_wins_and_film_artwork(tmp_path):
    video = touch(tmp_path, "Amelie (2001)/Amelie (2001).mkv")
    touch(tmp_path, "Amelie (2001)/movie.nfo", "<movie><title>Le Fabuleux Destin d'Amélie Poulain</title>"
          "<year>2001</year><uniqueid type='tmdb'>194</uniqueid></movie>")
    touch(tmp_path, "Amelie (2001)/Amelie (2001)-poster.jpg")
    touch(tmp_path, "Amelie (2001)/poster.jpg")
    touch(tmp_path, "Amelie (2001)/backdrop.png")
    found = identify(video, tmp_path)
    assert found.identity.kind == "film" and found.identity.title == "Le Fabuleux Destin d'Amélie Poulain"
    assert found.identity.year == 2001 and dict(found.identity.ids) == {"tmdb": "194"}
    assert found.artwork["poster"] == tmp_path / "Amelie (2001)/Amelie (2001)-poster.jpg"
    assert found.artwork["fanart"] == tmp_path / "Amelie (2001)/backdrop.png"


def test_film_stem_nfo_is_preferred_over_movie_nfo(tmp_path):
    video = touch(tmp_path, "Film (2021)/Film (2021).mkv")
    touch(tmp_path, "Film (2021)/movie.nfo", "<movie><title>From movie.nfo</title></movie>")
    touch(tmp_path, "Film (2021)/Film (2021).nfo", "<movie><title>From the stem</title><year>2020</year></movie>")
    ident = identify(video, tmp_path).identity
    assert (ident.title, ident.year) == ("From the stem", 2020)


def test_nfo_identifies_a_file_the_name_cannot(tmp_path):
    video = touch(tmp_path, "incoming/VID_0001.mp4")
    assert identify(video, tmp_path).identity.kind == "other"
    touch(tmp_path, "incoming/VID_0001.nfo", "<movie><title>Night Walk</title><year>2019</year></movie>")
    ident = identify(video, tmp_path).identity
    assert (ident.kind, ident.title, ident.year, ident.reason) == ("film", "Night Walk", 2019, None)


def test_episode_nfo_identifies_an_unnumbered_file_in_a_season_folder(tmp_path):
    video = touch(tmp_path, "Show (2016)/Season 01/Bonus.mkv")
    assert identify(video, tmp_path).identity.kind == "other"
    touch(tmp_path, "Show (2016)/Season 01/Bonus.nfo",
          "<episodedetails><title>Bonus</title><season>1</season><episode>9</episode></episodedetails>")
    ident = identify(video, tmp_path).identity
    assert (ident.kind, ident.series, ident.title, ident.season, ident.episodes, ident.reason) == (
        "episode", "Show", "Bonus", 1, (9,), None)


def test_film_at_the_root_does_not_take_the_roots_poster(tmp_path):
    video = touch(tmp_path, "Film (2021).mkv")
    touch(tmp_path, "poster.jpg")
    touch(tmp_path, "Film (2021)-poster.jpg")
    assert identify(video, tmp_path).artwork == {"poster": tmp_path / "Film (2021)-poster.jpg"}


@pytest.mark.parametrize("nfo, warning", [
    ("<episodedetails><title>Broken</episodedetails>", "not well-formed XML"),
    ('<!DOCTYPE x [<!ENTITY a "aaaaaaaa">]><episodedetails><title>&a;</title></episodedetails>',
     "DTD or entities, which are refused"),
    ("just words", "neither Kodi XML nor a link"),
])
def test_broken_nfo_is_a_warning_not_an_error(tmp_path, series, nfo, warning):
    touch(tmp_path, f"{SHOW}/Season 01/{STEM}.nfo", nfo)
    found = identify(series, tmp_path)
    assert found.identity.kind == "episode" and found.identity.title == "Tödliche Grenze"
    assert found.item_info is None
    assert len(found.warnings) == 1 and warning in found.warnings[0] and f"{STEM}.nfo" in found.warnings[0]


def test_oversize_tvshow_nfo_is_a_warning(tmp_path, series):
    (tmp_path / SHOW / "tvshow.nfo").write_bytes(b"<tvshow><plot>" + b"x" * (2 << 20) + b"</plot></tvshow>")
    found = identify(series, tmp_path)
    assert found.series_info is None and found.identity.series == "Die Brücke"
    assert "NFO larger than 1 MiB" in found.warnings[0]


def test_subtitle_sidecars(tmp_path):
    stem = "Film (2021)"
    video = touch(tmp_path, f"{stem}/{stem}.mkv")
    for name in (f"{stem}.en.srt", f"{stem}.fr.forced.srt", f"{stem}.en.sdh.srt", f"{stem}.de.hi.srt",
                 f"{stem}.srt", f"{stem}.pt-BR.ass", f"{stem}.ger.vtt", f"{stem}.English.default.srt",
                 f"{stem}.idx", f"{stem}.sub", "Other Film (2020).en.srt", f"{stem}.en.txt"):
        touch(tmp_path, f"{stem}/{name}")
    subs = {s["path"].name: (s["language"], s["forced"], s["sdh"]) for s in identify(video, tmp_path).subtitles}
    assert subs == {
        f"{stem}.en.srt": ("en", False, False),
        f"{stem}.fr.forced.srt": ("fr", True, False),
        f"{stem}.en.sdh.srt": ("en", False, True),
        f"{stem}.de.hi.srt": ("de", False, True),
        f"{stem}.srt": (None, False, False),
        f"{stem}.pt-BR.ass": ("pt-BR", False, False),
        f"{stem}.ger.vtt": ("de", False, False),
        f"{stem}.English.default.srt": ("en", False, False),
        f"{stem}.idx": (None, False, False),
    }


@pytest.mark.parametrize("tokens, expected", [
    (["hi"], ("hi", False, False)),  # alone, "hi" is Hindi
    (["en", "hi"], ("en", False, True)),
    (["forced"], (None, True, False)),
    (["ja", "cc"], ("ja", False, True)),
    (["jpn"], ("ja", False, False)),
    (["Commentary"], (None, False, False)),
])
def test_subtitle_language(tokens, expected):
    assert subtitle_language(tokens) == expected


def test_paths_outside_the_root_are_refused(tmp_path):
    root = tmp_path / "watch"
    root.mkdir()
    outside = touch(tmp_path, "elsewhere/Film (2021).mkv")
    assert "outside the watch folder" in identify(outside, root).identity.reason
    assert "'..'" in identify(root / ".." / "elsewhere" / "Film (2021).mkv", root).identity.reason


def test_symlinks_out_of_the_root_are_not_followed(tmp_path):
    root = tmp_path / "watch"
    secret = touch(tmp_path, "secret/tvshow.nfo", "<tvshow><title>Leaked</title></tvshow>")
    video = touch(root, "Show (2016)/Season 01/Show - S01E01.mkv")
    (root / "Show (2016)/tvshow.nfo").symlink_to(secret)
    found = identify(video, root)
    assert found.series_info is None and found.identity.series == "Show"
    assert "not a regular file inside the watch folder" in found.warnings[0]

    link = root / "Film (2021).mkv"
    link.symlink_to(touch(tmp_path, "secret/Film (2021).mkv"))
    assert "symbolic link pointing outside" in identify(link, root).identity.reason


def test_relative_video_path_is_taken_under_root(tmp_path, series):
    found = identify(series.relative_to(tmp_path), tmp_path)
    assert found.identity.kind == "episode" and found.series_info is not None


def test_non_video_is_other_without_reading_sidecars(tmp_path):
    notes = touch(tmp_path, "notes.txt", "hello")
    found = identify(notes, tmp_path)
    assert found.identity.kind == "other" and "not a video file (.txt)" in found.identity.reason


def test_a_season_folder_that_names_its_series_is_the_series_folder(tmp_path):
    video = touch(tmp_path, "TV/Some Show Season 10/Some Show - S10E01.mkv")
    touch(tmp_path, "TV/Some Show Season 10/tvshow.nfo", "<tvshow><title>Some Show</title><year>2001</year></tvshow>")
    touch(tmp_path, "TV/Some Show Season 10/poster.jpg")
    touch(tmp_path, "TV/poster.jpg")  # the category folder's, not the show's
    found = identify(video, tmp_path)
    ident = found.identity
    assert (ident.kind, ident.series, ident.year, ident.season, ident.episodes) == ("episode", "Some Show", 2001, 10,
                                                                                     (1,))
    assert found.series_info.title == "Some Show"
    assert found.artwork["poster"] == tmp_path / "TV/Some Show Season 10/poster.jpg"
