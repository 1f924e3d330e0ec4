"""Release names as scene groups, Sonarr/Radarr and partner deliveries write them, table-driven: quality, source,
codec, group and language tags; `Series (US)` / `Series 2019` disambiguation; daily shows with dates in several
orders; absolute numbering; anime `[Group] Title - 04 [1080p][HASH]` and `[Group][Title][04]`; films with and without
a year. Each row asserts what a person would say the file is (names compare as in naming_rows.py)."""

import datetime as dt

import pytest

from tests.ingest.naming_rows import check, row

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)

D = dt.date

RELEASES = [
    # --- episodes: tags of every kind after the marker
    row("Show.S01E02.720p.HDTV.x264-GRP.mkv", kind="episode", name="Show", season=1, episodes=(2,)),
    row("Show.S01E02.1080p.AMZN.WEB-DL.DDP5.1.H.264-NTb.mkv", kind="episode", name="Show", season=1, episodes=(2,)),
    row("Show.S01E02.2160p.NF.WEB-DL.DDP5.1.Atmos.DV.HDR.H.265-FLUX.mkv", kind="episode", name="Show", season=1,
        episodes=(2,)),
    row("Show.S01E02.German.DL.1080p.BluRay.x264-GRP.mkv", kind="episode", name="Show", season=1, episodes=(2,)),
    row("Show.S01E02.MULTi.1080p.WEB.H264-GRP.mkv", kind="episode", name="Show", season=1, episodes=(2,)),
    row("Show.S01E02.FRENCH.720p.HDTV.x264-GRP.mkv", kind="episode", name="Show", season=1, episodes=(2,)),
    row("Show.S01E02.REPACK.720p.HDTV.x264-GRP.mkv", kind="episode", name="Show", season=1, episodes=(2,)),
    row("Show.S01E02.PROPER.1080p.WEB.h264-GRP.mkv", kind="episode", name="Show", season=1, episodes=(2,)),
    row("Show.S01E02.iNTERNAL.1080p.WEB.h264-GRP.mkv", kind="episode", name="Show", season=1, episodes=(2,)),
    row("show.s01e02.hdtv.xvid-grp.avi", kind="episode", name="show", season=1, episodes=(2,)),
    row("Show_S01E02_720p_HDTV.mkv", kind="episode", name="Show", season=1, episodes=(2,)),
    row("Show.S01E02.Episode.Title.1080p.WEB.h264-GRP.mkv", kind="episode", name="Show", season=1, episodes=(2,),
        title="Episode Title"),
    row("Show.1x02.Episode.Title.HDTV.XviD-GRP.avi", kind="episode", name="Show", season=1, episodes=(2,)),
    # Sonarr's standard and anime naming
    row("Show - S01E02 - Title [WEBDL-1080p][EAC3 5.1][h264]-GRP.mkv", kind="episode", name="Show", season=1,
        episodes=(2,), title="Title"),
    row("Show (2019) - S01E02 - Title [HDTV-720p].mkv", kind="episode", name="Show", year=2019, season=1,
        episodes=(2,), title="Title"),
    row("Show/Season 01/Show - S01E02 - Title [Bluray-1080p].mkv", kind="episode", name="Show", season=1,
        episodes=(2,), title="Title"),
    row("Show - 1x02 - Title - [HDTV-720p].mkv", kind="episode", name="Show", season=1, episodes=(2,),
        title="Title"),
    # --- disambiguation: country and year
    row("The.Office.US.S01E01.720p.HDTV.x264-GRP.mkv", kind="episode", name="The Office (US)", season=1,
        episodes=(1,)),
    row("Shameless.US.S01E01.1080p.WEB.h264-GRP.mkv", kind="episode", name="Shameless (US)", season=1,
        episodes=(1,)),
    row("Shameless.UK.S01E01.720p.HDTV.x264-GRP.mkv", kind="episode", name="Shameless (UK)", season=1,
        episodes=(1,)),
    row("The Office (US) - S02E01 - The Dundies.mkv", kind="episode", name="The Office (US)", season=2,
        episodes=(1,)),
    row("Battlestar.Galactica.2003.S01E01.1080p.BluRay.x264-GRP.mkv", kind="episode", name="Battlestar Galactica",
        year=2003, season=1, episodes=(1,)),
    row("Series 2019 - S01E01 - Pilot.mkv", kind="episode", name="Series", year=2019, season=1, episodes=(1,)),
    row("Series.2019.S01E01.Pilot.1080p.WEB.mkv", kind="episode", name="Series", year=2019, season=1,
        episodes=(1,)),
    row("Series (2019) - S01E01.mkv", kind="episode", name="Series", year=2019, season=1, episodes=(1,)),
    # --- multi-episode
    row("Show.S01E01E02.720p.HDTV.x264-GRP.mkv", kind="episode", name="Show", season=1, episodes=(1, 2)),
    row("Show.S01E01-E03.1080p.WEB.h264-GRP.mkv", kind="episode", name="Show", season=1, episodes=(1, 2, 3)),
    row("Show.S01E01-02.1080p.WEB.h264-GRP.mkv", kind="episode", name="Show", season=1, episodes=(1, 2)),
    row("Show - S01E01-E02 - Pilot [Bluray-1080p].mkv", kind="episode", name="Show", season=1, episodes=(1, 2),
        title="Pilot"),
    row("Show - S01E01 - S01E02 - Pilot.mkv", kind="episode", name="Show", season=1, episodes=(1, 2),
        title="Pilot"),
    row("Show.S02E10.1080p.WEB-DL.DD5.1.H.264-GRP.mkv", kind="episode", name="Show", season=2, episodes=(10,)),
    # --- daily shows, dates in several orders
    row("Late.Night.2019.05.07.Guest.Name.720p.WEB.h264-GRP.mkv", kind="episode", name="Late Night",
        date=D(2019, 5, 7)),
    row("Show.2016-12-19.mkv", kind="episode", name="Show", date=D(2016, 12, 19)),
    row("Show 2016 12 19 HDTV x264.mkv", kind="episode", name="Show", date=D(2016, 12, 19)),
    row("Show.19.12.2016.HDTV.x264-GRP.mkv", kind="episode", name="Show", date=D(2016, 12, 19)),
    row("Show.12.19.2016.HDTV.x264-GRP.mkv", kind="episode", name="Show", date=D(2016, 12, 19)),
    row("Show.05.07.2016.HDTV.x264-GRP.mkv", kind="episode", name="Show", date=D(2016, 7, 5)),  # day first
    row("Show - 2016-12-19 - Guest [WEBDL-1080p].mkv", kind="episode", name="Show", date=D(2016, 12, 19),
        title="Guest"),
    row("A Daily Show - (2015-01-15) - Episode Name - [720p].mkv", kind="episode", name="A Daily Show",
        date=D(2015, 1, 15)),
    row("Daily Show/2016/Daily.Show.2016.12.19.720p.WEB.mkv", kind="episode", name="Daily Show",
        date=D(2016, 12, 19)),
    # --- absolute numbering
    row("Naruto Shippuden - 220 - Title [HDTV-720p].mkv", kind="episode", name="Naruto Shippuden", episodes=(220,),
        absolute=(220,)),
    row("One.Piece.E1043.1080p.WEB.x264-GRP.mkv", kind="episode", name="One Piece", episodes=(1043,),
        absolute=(1043,)),
    row("Show - 001 - Title.mkv", kind="episode", name="Show", episodes=(1,), absolute=(1,)),
    row("Show/Show - 012.mkv", kind="episode", name="Show", episodes=(12,), absolute=(12,)),
    # --- anime and bracketed names
    row("[Group] Title - 04 [1080p][ABCD1234].mkv", kind="episode", name="Title", episodes=(4,), absolute=(4,)),
    row("[Group][Title][04].mkv", kind="episode", name="Title", episodes=(4,), absolute=(4,)),
    row("[Group][Title][04][1080p].mkv", kind="episode", name="Title", episodes=(4,), absolute=(4,)),
    row("[Group] Title - 04v2 [1080p][ABCD1234].mkv", kind="episode", name="Title", episodes=(4,), absolute=(4,)),
    row("[Group] Title - 12-13 [720p].mkv", kind="episode", name="Title", episodes=(12, 13), absolute=(12, 13)),
    row("[Group] Title - 1000 [1080p].mkv", kind="episode", name="Title", episodes=(1000,), absolute=(1000,)),
    row("[SubsPlease] Spy x Family - 04 (1080p) [ABCDEF12].mkv", kind="episode", name="Spy x Family",
        episodes=(4,), absolute=(4,)),
    row("[Erai-raws] Show - 04 [1080p][Multiple Subtitle][ABCD1234].mkv", kind="episode", name="Show",
        episodes=(4,)),
    row("[Group] Title S02E04 [1080p].mkv", kind="episode", name="Title", season=2, episodes=(4,)),
    row("Title (2019)/Season 02/[Group] Title - 04 [1080p].mkv", kind="episode", name="Title", season=2,
        episodes=(4,), absolute=()),
    # --- films
    row("The.Matrix.1999.1080p.BluRay.x264-GRP.mkv", kind="film", name="The Matrix", year=1999, version="1080p"),
    row("Inception.2010.2160p.UHD.BluRay.REMUX.HDR.HEVC.Atmos-GRP.mkv", kind="film", name="Inception", year=2010),
    row("Amelie.2001.FRENCH.1080p.BluRay.x264-GRP.mkv", kind="film", name="Amelie", year=2001),
    row("Das.Boot.1981.Directors.Cut.German.DL.1080p.BluRay.x264-GRP.mkv", kind="film", name="Das Boot",
        year=1981, edition="Director's Cut"),
    row("Parasite.2019.KOREAN.1080p.WEB-DL.DD5.1.H.264-GRP.mkv", kind="film", name="Parasite", year=2019),
    row("Film.Title.2019.MULTi.1080p.WEB.H264-GRP.mkv", kind="film", name="Film Title", year=2019),
    row("Some.Film.2019.PROPER.1080p.WEB.h264-GRP.mkv", kind="film", name="Some Film", year=2019),
    row("The Film 2019 1080p WEB-DL DD5.1 H264-GRP.mkv", kind="film", name="The Film", year=2019),
    row("Some Film (2019) [1080p] [BluRay] [5.1] [GRP].mp4", kind="film", name="Some Film", year=2019),
    row("Some Film (2019) Bluray-1080p.mkv", kind="film", name="Some Film", year=2019),
    row("Some Film (2019) {imdb-tt1234567} [Bluray-1080p].mkv", kind="film", name="Some Film", year=2019),
    row("Some.Film.2.2013.1080p.BluRay.x264-GRP.mkv", kind="film", name="Some Film 2", year=2013),
    row("Some Film - 2 (2013).mkv", kind="film", name="Some Film - 2", year=2013),
    row("Some.Film.4k.mkv", kind="film", name="Some Film", year=None),
    row("Some Film 480p.mp4", kind="film", name="Some Film", year=None),
    row("Some.Film.mkv", kind="film", name="Some Film", year=None),
    row("Some Film 2013.mp4", kind="film", name="Some Film", year=2013),
    row("Movies/Some Film 2013.12.09.mkv", kind="film", name="Some Film 2013.12.09", year=None),
    row("Blade Runner 2049.mkv", kind="film", name="Blade Runner 2049", year=None),
    row("Movies/WALL-E 2008.mkv", kind="film", name="WALL-E", year=2008),
    row("WALL-E.2008.1080p.BluRay.x264-GRP.mkv", kind="film", name="WALL-E", year=2008),
    row("Mission - Impossible 2.mkv", kind="film", name="Mission - Impossible 2", year=None),
    row("Apollo 13.mkv", kind="film", name="Apollo 13", year=None),
    row("Room 237.mkv", kind="film", name="Room 237", year=None),
    row("Blade.Runner.2049.2017.1080p.BluRay.x264-GRP.mkv", kind="film", name="Blade Runner 2049", year=2017),
    # --- extras in release names: a separate token, never a word of the title
    row("Some.Film.2019.1080p.BluRay.x264-GRP-sample.mkv", kind="extra", extra="sample"),
    row("Some.Film.2019.1080p.BluRay.x264-GRP.sample.mkv", kind="extra", extra="sample"),
    row("Some Film (2019)/Sample/some.film.2019.1080p-sample.mkv", kind="extra", extra="sample", year=2019),
    row("Some Film (2019)/Trailers/Official Trailer.mkv", kind="extra", extra="trailer", year=2019),
    row("I.Live.In.A.Trailer.2019.1080p.WEB.mkv", kind="film", name="I Live In A Trailer", year=2019),
    row("The DNA Sample (2020).mkv", kind="film", name="The DNA Sample", year=2020),
    # --- series folders named with the season
    row("Some Show Season 10/Some Show - S10E01.mkv", kind="episode", name="Some Show", season=10, episodes=(1,)),
    row("Some Show Season 10/01 - Title.mkv", kind="episode", name="Some Show", season=10, episodes=(1,)),
    row("Show.S04.1080p.WEB-DL.x264-GRP/Show.S04E07.1080p.WEB-DL.x264-GRP.mkv", kind="episode", name="Show",
        season=4, episodes=(7,)),
    row("Some Show/Season 3/Some Show 102.mkv", kind="episode", name="Some Show", season=3, episodes=(102,)),
    row("Some Show/Season 1/Some Show 102.mkv", kind="episode", name="Some Show", season=1, episodes=(2,)),
    row("Some Show/Season 10/Some Show 1001.mkv", kind="episode", name="Some Show", season=10, episodes=(1,)),
]


@pytest.mark.parametrize("path, expect, why", RELEASES)
def test_release_names(path, expect, why):
    check(path, expect, None)


def test_release_table_is_large_and_unique():
    assert len(RELEASES) >= 80
    assert len({p.values[0] for p in RELEASES}) == len(RELEASES)
