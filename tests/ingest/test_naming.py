"""Naming rules, table-driven: real-world-style paths and what a person would say each file is."""

import datetime as dt
import json
from dataclasses import replace
from pathlib import PurePosixPath

import pytest

from reelhouse.ingest.naming import Identity, identify_path, is_sidecar

pytestmark = pytest.mark.engine_independent  # no database: the SQLite pass only (scripts/test.sh)


def ep(series, year, season, episodes, title=None, **kw) -> Identity:
    return Identity(kind="episode", series=series, title=title, year=year, season=season,
                    episodes=tuple(episodes), **kw)


def daily(series, date, title=None, year=None, **kw) -> Identity:
    return Identity(kind="episode", series=series, title=title, year=year, air_date=date, **kw)


def absolute(series, numbers, title=None, year=None, **kw) -> Identity:
    return Identity(kind="episode", series=series, title=title, year=year, episodes=tuple(numbers),
                    absolute=tuple(numbers), **kw)


def film(title, year, **kw) -> Identity:
    return Identity(kind="film", title=title, year=year, **kw)


def extra(extra_type, *, title=None, year=None, series=None, **kw) -> Identity:
    return Identity(kind="extra", extra_type=extra_type, title=title, year=year, series=series, **kw)


def other(reason, **kw) -> Identity:
    return Identity(kind="other", reason=reason, **kw)


D = dt.date
TVDB = (("tvdb", "12345"),)
NO_NAME = "cannot tell series/season/episode or film from the name"

CASES = [
    # --- Jellyfin series layout
    ("Show (2016)/Season 01/Show - S01E02 - Title.mkv", ep("Show", 2016, 1, [2], "Title")),
    ("Test Show (2020)/Season 01/Test Show - S01E02 - The Second.mkv", ep("Test Show", 2020, 1, [2], "The Second")),
    ("Series (2010) [tvdbid-12345]/Season 01/Series - S01E02 - Title.mkv",
     ep("Series", 2010, 1, [2], "Title", ids=TVDB)),
    ("Series (2010) {tvdb-12345}/Season 01/Series - S01E02 - Title.mkv",
     ep("Series", 2010, 1, [2], "Title", ids=TVDB)),
    ("Series [tvdbid-12345]/Season 2/Series - S02E10.mkv", ep("Series", None, 2, [10], ids=TVDB)),
    ("Series (2010) [tvdbid-12345] [imdbid-tt0123456]/Season 01/Series - S01E01.mkv",
     ep("Series", 2010, 1, [1], ids=(("imdb", "tt0123456"), ("tvdb", "12345")))),
    ("Breaking Bad (2008)/Season 05/Breaking Bad - S05E14 - Ozymandias.mkv",
     ep("Breaking Bad", 2008, 5, [14], "Ozymandias")),
    ("The Office (US) (2005)/Season 02/The Office (US) - S02E01 - The Dundies.mkv",
     ep("The Office (US)", 2005, 2, [1], "The Dundies")),
    ("Doctor Who (2005)/Season 01/Doctor Who (2005) - S01E01 - Rose.mkv", ep("Doctor Who", 2005, 1, [1], "Rose")),
    ("Doctor Who (1963)/Season 01/Doctor Who - S01E01 - An Unearthly Child.mkv",
     ep("Doctor Who", 1963, 1, [1], "An Unearthly Child")),
    ("Show (2016)/Season 1/Show - S01E02.mkv", ep("Show", 2016, 1, [2])),
    ("Show (2016)/Season 10/Show - S10E100 - Century.mkv", ep("Show", 2016, 10, [100], "Century")),
    ("Show (2016)/Season 2020/Show - S2020E05.mkv", ep("Show", 2016, 2020, [5])),
    ("Show (2016)/season 03/show - s03e04 - lower case.mkv", ep("Show", 2016, 3, [4], "lower case")),
    ("Show (2016)/Season 01/Show - s01e02 - Title.MKV", ep("Show", 2016, 1, [2], "Title")),
    ("Show (2016)/Season 01/Show S01E02 Title.mkv", ep("Show", 2016, 1, [2], "Title")),
    ("Show (2016)/Season 01/Show - S01 E02 - Spaced.mkv", ep("Show", 2016, 1, [2], "Spaced")),
    ("Show (2016)/Season 01/Show - S01E02 - Title - 1080p.mkv", ep("Show", 2016, 1, [2], "Title")),
    ("Show (2016)/Season 01/Show - S01E02 - Title [1080p].mkv", ep("Show", 2016, 1, [2], "Title")),
    ("Show (2016)/Season 01/Show - S01E02 - Part 1 - The Beginning.mkv",
     ep("Show", 2016, 1, [2], "Part 1 - The Beginning")),
    ("Show (2016)/Season 01/Show - S01E02 - What's Up, Doc?.mkv", ep("Show", 2016, 1, [2], "What's Up, Doc?")),
    ("Show (2016)/Season 01/Show - S01E02 - 1984.mkv", ep("Show", 2016, 1, [2], "1984")),
    ("Show (2016)/Season 01/Show - S01E07 - Title (1).mp4", ep("Show", 2016, 1, [7], "Title")),
    ("Show (2016)/Season 01/S01E02 - Title.mkv", ep("Show", 2016, 1, [2], "Title")),
    ("Show (2016)/Season 01/S01E02.mkv", ep("Show", 2016, 1, [2])),
    ("Show (2016)/Season 01/02 - Title.mkv", ep("Show", 2016, 1, [2], "Title")),
    ("Show (2016)/Season 01/Episode 3.mkv", ep("Show", 2016, 1, [3])),
    ("Show (2016)/Season 01/E04 - Fourth.mkv", ep("Show", 2016, 1, [4], "Fourth")),
    ("Show (2016)/Season 01/05.mkv", ep("Show", 2016, 1, [5])),
    ("Show (2016)/S03/Show - S03E01.mkv", ep("Show", 2016, 3, [1])),
    ("Show (2016)/Season 01 (2016)/Show - S01E01.mkv", ep("Show", 2016, 1, [1])),
    ("Tatort (1970)/Staffel 3/Tatort - S03E07 - Kressin und der Laster nach Lüttich.mkv",
     ep("Tatort", 1970, 3, [7], "Kressin und der Laster nach Lüttich")),
    ("Engrenages (2005)/Saison 2/Engrenages - S02E01 - Épisode un.mkv",
     ep("Engrenages", 2005, 2, [1], "Épisode un")),
    ("TV/Shows/Show (2016)/Season 01/Show - S01E02 - Deep.mkv", ep("Show", 2016, 1, [2], "Deep")),
    # the file's own name is used only when there is no series folder
    ("Show (2016)/Season 01/Other Name - S01E02 - Title.mkv", ep("Show", 2016, 1, [2], "Title")),
    ("Season 01/Show - S01E02 - Title.mkv", ep("Show", None, 1, [2], "Title")),
    ("Show - S01E02 - Title.mkv", ep("Show", None, 1, [2], "Title")),
    ("Show (2019) - S01E02 - Title.mkv", ep("Show", 2019, 1, [2], "Title")),
    ("Show (2019)/Show - S01E02 - Title.mkv", ep("Show", 2019, 1, [2], "Title")),
    ("Show (2019) [tvdbid-12345]/S01E02.mkv", ep("Show", 2019, 1, [2], ids=TVDB)),
    ("Shows/Show - S01E02.mkv", ep("Show", None, 1, [2])),
    # --- NxNN
    ("Show (2016)/Season 01/Show - 1x02 - Title.mkv", ep("Show", 2016, 1, [2], "Title")),
    ("Show - 1x02.mkv", ep("Show", None, 1, [2])),
    ("Show - 12x103 - Long Run.avi", ep("Show", None, 12, [103], "Long Run")),
    ("Show (2016)/Season 01/Show - 1x02-03 - Double.mkv", ep("Show", 2016, 1, [2, 3], "Double")),
    ("Show (2016)/Season 01/Show - 1x02-1x03.mkv", ep("Show", 2016, 1, [2, 3])),
    # --- multi-episode
    ("Show (2016)/Season 01/Show - S01E01-E02 - Pilot.mkv", ep("Show", 2016, 1, [1, 2], "Pilot")),
    ("Show (2016)/Season 01/Show - S01E01E02 - Pilot.mkv", ep("Show", 2016, 1, [1, 2], "Pilot")),
    ("Show (2016)/Season 01/Show - S01E01-02 - Pilot.mkv", ep("Show", 2016, 1, [1, 2], "Pilot")),
    ("Show (2016)/Season 01/Show - S01E01-E03.mkv", ep("Show", 2016, 1, [1, 2, 3])),
    ("Show (2016)/Season 01/Show - S01E01E02E03.mkv", ep("Show", 2016, 1, [1, 2, 3])),
    ("Show (2016)/Season 01/Show - S01E01 - E02 - Pilot.mkv", ep("Show", 2016, 1, [1, 2], "Pilot")),
    ("Show (2016)/Season 01/Show - S01E09E11.mkv", ep("Show", 2016, 1, [9, 11])),
    ("Show/Season 1/Show.S01E03E04.1080p.WEB.mkv", ep("Show", None, 1, [3, 4])),
    ("Show.S02E05-E06.720p.HDTV.x264-GRP.mkv", ep("Show", None, 2, [5, 6])),
    ("Show (2016)/Season 01/01-02 - Two Parter.mkv", ep("Show", 2016, 1, [1, 2], "Two Parter")),
    # --- specials
    ("Show (2016)/Season 00/Show - S00E01 - Christmas Special.mkv",
     ep("Show", 2016, 0, [1], "Christmas Special")),
    ("Show (2016)/Specials/Show - S00E02 - Behind It All.mkv", ep("Show", 2016, 0, [2], "Behind It All")),
    ("Show (2016)/Specials/03 - New Year.mkv", ep("Show", 2016, 0, [3], "New Year")),
    ("Show (2016)/Season 0/Show - S00E04.mkv", ep("Show", 2016, 0, [4])),
    # --- daily shows
    ("Show/Show - 2016-12-19 - Title.mkv", daily("Show", D(2016, 12, 19), "Title")),
    ("Show - 2016-12-19 - Title.mkv", daily("Show", D(2016, 12, 19), "Title")),
    ("Daily Show/2016/Daily Show - 2016-12-19.mkv", daily("Daily Show", D(2016, 12, 19))),
    ("The Daily Show (1996)/Season 2016/The Daily Show - 2016-12-19 - Guest Name.mkv",
     daily("The Daily Show", D(2016, 12, 19), "Guest Name", 1996)),
    ("The.Daily.Show.2016.12.19.Guest.Name.720p.WEB.h264-GRP.mkv",
     daily("The Daily Show", D(2016, 12, 19), "Guest Name")),
    ("Tagesschau - 2021-03-01.mp4", daily("Tagesschau", D(2021, 3, 1))),
    ("Late Show (2015)/Late Show - 2019.05.07 - Guests.mkv", daily("Late Show", D(2019, 5, 7), "Guests", 2015)),
    ("Show - 2016-13-45 - Bad Date.mkv", other(NO_NAME)),
    # --- absolute numbering (anime)
    ("[Group] Show - 1043 [1080p].mkv", absolute("Show", [1043])),
    ("[HorribleSubs] One Piece - 1043 [1080p].mkv", absolute("One Piece", [1043])),
    ("[SubsPlease] Jujutsu Kaisen - 24 (1080p) [ABCD1234].mkv", absolute("Jujutsu Kaisen", [24])),
    ("[Group] Show - 01-02 [1080p].mkv", absolute("Show", [1, 2])),
    ("[Group] Show - 07v2 [720p].mkv", absolute("Show", [7])),
    ("One Piece (1999)/[Group] One Piece - 1043 [1080p].mkv", absolute("One Piece", [1043], year=1999)),
    ("Naruto - 220 - The Last.mkv", absolute("Naruto", [220], "The Last")),
    ("[Group] Show (2019) - 12 [1080p].mkv", absolute("Show", [12], year=2019)),
    ("Bleach (2004)/Season 01/[Group] Bleach - 05 [720p].mkv", ep("Bleach", 2004, 1, [5])),
    ("[Group] 進撃の巨人 - 25 [1080p].mkv", absolute("進撃の巨人", [25])),
    ("[Grp] Show Ep 05 [720p].mkv", absolute("Show", [5])),
    ("Show (2016)/Season 01/Show - 05.mkv", ep("Show", 2016, 1, [5])),
    # --- release-style episode names
    ("Show.S01E02.1080p.WEB.h264-GRP.mkv", ep("Show", None, 1, [2])),
    ("Show.S01E02.Title.With.Words.1080p.WEB.h264-GRP.mkv", ep("Show", None, 1, [2], "Title With Words")),
    ("Doctor.Who.2005.S01E01.Rose.720p.HDTV.x264.mkv", ep("Doctor Who", 2005, 1, [1], "Rose")),
    ("The.Expanse.S03E05.Triple.Point.2160p.AMZN.WEB-DL.DDP5.1.HDR.HEVC-GRP.mkv",
     ep("The Expanse", None, 3, [5], "Triple Point")),
    ("show.s01e02.720p.hdtv.x264-grp.mkv", ep("show", None, 1, [2])),
    ("Show_S01E02_Title.mkv", ep("Show", None, 1, [2], "Title")),
    ("Show (2016)/Season 01/Show.S01E02.1080p.WEB.h264-GRP.mkv", ep("Show", 2016, 1, [2])),
    ("Doctor Who (2005)/Season 01/Doctor.Who.2005.S01E01.Rose.720p.mkv", ep("Doctor Who", 2005, 1, [1], "Rose")),
    ("Show.1x02.Title.HDTV.XviD-GRP.avi", ep("Show", None, 1, [2], "Title")),
    ("Marvels.Agents.of.S.H.I.E.L.D.S01E01.720p.mkv", ep("Marvels Agents of S.H.I.E.L.D.", None, 1, [1])),
    ("Show.2019.S01E02.1080p.mkv", ep("Show", 2019, 1, [2])),
    # --- non-English series and titles
    ("進撃の巨人 (2013)/Season 01/進撃の巨人 - S01E01 - 二千年後の君へ.mkv",
     ep("進撃の巨人", 2013, 1, [1], "二千年後の君へ")),
    ("Die Brücke (2011)/Season 01/Die Brücke - S01E03 - Tödliche Grenze.mkv",
     ep("Die Brücke", 2011, 1, [3], "Tödliche Grenze")),
    ("München Mord (2014)/Staffel 2/München Mord - S02E05 - Auf der Straße.mkv",
     ep("München Mord", 2014, 2, [5], "Auf der Straße")),
    ("München Mord - S02E05.mkv", ep("München Mord", None, 2, [5])),
    ("सेक्रेड गेम्स (2018)/Season 01/सेक्रेड गेम्स - S01E01 - अश्वत्थामा.mkv",
     ep("सेक्रेड गेम्स", 2018, 1, [1], "अश्वत्थामा")),
    ("La Casa de Papel (2017)/Temporada 1/La Casa de Papel - S01E01 - Efectuar lo acordado.mkv",
     ep("La Casa de Papel", 2017, 1, [1], "Efectuar lo acordado")),
    ("Борджиа (2011)/Season 01/Борджиа - S01E01 - Начало.mkv", ep("Борджиа", 2011, 1, [1], "Начало")),
    ("오징어 게임 (2021)/Season 01/오징어 게임 - S01E01 - 무궁화 꽃이 피었습니다.mkv",
     ep("오징어 게임", 2021, 1, [1], "무궁화 꽃이 피었습니다")),
    ("Skam (2015)/Sesong 1/Skam - S01E01 - Du ser ut som en slut.mkv",
     ep("Skam", 2015, 1, [1], "Du ser ut som en slut")),
    ("Forbrydelsen (2007)/Sæson 1/Forbrydelsen - S01E01 - Dag 1.mkv", ep("Forbrydelsen", 2007, 1, [1], "Dag 1")),
    ("Les Revenants (2012)/Saison 1/Les Revenants - S01E01 - Camille.mkv",
     ep("Les Revenants", 2012, 1, [1], "Camille")),
    ("Ça (2020)/Season 01/Ça - S01E01 - Ñandú.mkv", ep("Ça", 2020, 1, [1], "Ñandú")),
    # --- films: Jellyfin layout
    ("Film (2021) [tmdbid-123]/Film (2021).mkv", film("Film", 2021, ids=(("tmdb", "123"),))),
    ("Film (2021) {tmdb-123}/Film (2021).mkv", film("Film", 2021, ids=(("tmdb", "123"),))),
    ("Film (2021) [imdbid-tt1234567]/Film (2021) [imdbid-tt1234567].mkv",
     film("Film", 2021, ids=(("imdb", "tt1234567"),))),
    ("Quiet Hours (2018)/Quiet Hours (2018).mp4", film("Quiet Hours", 2018)),
    ("Film (2021).mkv", film("Film", 2021)),
    ("Movies/Film (2021).mkv", film("Film", 2021)),
    ("The Italian Job (2003)/The Italian Job (2003).mkv", film("The Italian Job", 2003)),
    ("Blade Runner 2049 (2017)/Blade Runner 2049 (2017).mkv", film("Blade Runner 2049", 2017)),
    ("2001 A Space Odyssey (1968)/2001 A Space Odyssey (1968).mkv", film("2001 A Space Odyssey", 1968)),
    ("1917 (2019).mkv", film("1917", 2019)),
    ("300 (2006)/300 (2006).mkv", film("300", 2006)),
    ("Apollo 13 (1995).mkv", film("Apollo 13", 1995)),
    ("Ocean's Eleven (2001).mkv", film("Ocean's Eleven", 2001)),
    ("Se7en (1995).mp4", film("Se7en", 1995)),
    ("Mission - Impossible (1996).mkv", film("Mission - Impossible", 1996)),
    ("Star Wars - Episode IV - A New Hope (1977).mkv", film("Star Wars - Episode IV - A New Hope", 1977)),
    ("M (1931).mkv", film("M", 1931)),
    ("The Girl with the Dragon Tattoo (2011).m4v", film("The Girl with the Dragon Tattoo", 2011)),
    ("Amélie (2001)/Amélie (2001).mkv", film("Amélie", 2001)),
    ("Le Fabuleux Destin d'Amélie Poulain (2001).mkv", film("Le Fabuleux Destin d'Amélie Poulain", 2001)),
    ("Das Boot (1981)/Das Boot (1981).mkv", film("Das Boot", 1981)),
    ("Lola rennt (1998).mkv", film("Lola rennt", 1998)),
    ("Die Brücke (1959).mkv", film("Die Brücke", 1959)),
    ("千と千尋の神隠し (2001)/千と千尋の神隠し (2001).mkv", film("千と千尋の神隠し", 2001)),
    ("Crouching Tiger, Hidden Dragon (2000).mkv", film("Crouching Tiger, Hidden Dragon", 2000)),
    ("Øen (2023).mkv", film("Øen", 2023)),
    ("Metropolis (1927).avi", film("Metropolis", 1927)),
    ("Film (2021)/movie.mkv", film("Film", 2021)),
    ("Film (2021)/VTS_01_1.vob", film("Film", 2021)),
    ("Broadcast Master (2022)/Broadcast Master (2022).mxf", film("Broadcast Master", 2022)),
    # versions and editions
    ("Film (2021)/Film (2021) - 1080p.mkv", film("Film", 2021, version="1080p")),
    ("Film (2021)/Film (2021) - 4K.mkv", film("Film", 2021, version="4K")),
    ("Film (2021)/Film (2021) - 2160p HDR.mkv", film("Film", 2021, version="2160p HDR")),
    ("Film (2021) - 720p.mkv", film("Film", 2021, version="720p")),
    ("Film (2021)/Film (2021) - Director's Cut.mkv", film("Film", 2021, edition="Director's Cut")),
    ("Blade Runner (1982)/Blade Runner (1982) - Final Cut.mkv", film("Blade Runner", 1982, edition="Final Cut")),
    ("Aliens (1986) - Special Edition.mkv", film("Aliens", 1986, edition="Special Edition")),
    ("Film (2021) - Extended.mkv", film("Film", 2021, edition="Extended")),
    ("Film (2021) - Theatrical Cut - 1080p.mkv", film("Film", 2021, edition="Theatrical Cut", version="1080p")),
    ("Film (2021) {edition-Director's Cut}.mkv", film("Film", 2021, edition="Director's Cut")),
    ("Film (2021) [1080p].mkv", film("Film", 2021, version="1080p")),
    ("Film (2021) - Remux.mkv", film("Film", 2021, version="Remux")),
    ("Film (2021) - Kino.mkv", film("Film", 2021, version="Kino")),
    ("Amélie (2001) - Director's Cut.mkv", film("Amélie", 2001, edition="Director's Cut")),
    # multi-part films
    ("Film (2001)/Film (2001) - part1.mkv", film("Film", 2001, part=1)),
    ("Film (2001)/Film (2001) - part2.mkv", film("Film", 2001, part=2)),
    ("Film (2001) - cd2.avi", film("Film", 2001, part=2)),
    ("Film (2001) - pt3.mkv", film("Film", 2001, part=3)),
    ("Film (2001) - disc1.mkv", film("Film", 2001, part=1)),
    ("Film (2001) - Part 2.mkv", film("Film", 2001, part=2)),
    ("Film (2001) - dvd1.vob", film("Film", 2001, part=1)),
    ("Film.2001.DVDRip.XviD-GRP.cd1.avi", film("Film", 2001, part=1)),
    # release-style film names
    ("Film.2019.1080p.BluRay.x264-GRP.mkv", film("Film", 2019, version="1080p")),
    ("The.French.Dispatch.2021.1080p.WEB-DL.DDP5.1.H.264-GRP.mkv",
     film("The French Dispatch", 2021, version="1080p")),
    ("Amélie.2001.1080p.BluRay.x264-GRP.mkv", film("Amélie", 2001, version="1080p")),
    ("Apollo.13.1995.720p.mkv", film("Apollo 13", 1995, version="720p")),
    ("Blade.Runner.1982.Directors.Cut.1080p.BluRay.mkv",
     film("Blade Runner", 1982, edition="Director's Cut", version="1080p")),
    ("Film (2019)/Film.2019.1080p.BluRay.x264-GRP.mkv", film("Film", 2019, version="1080p")),
    ("Die.Bruecke.am.Ibar.2012.German.720p.mkv", film("Die Bruecke am Ibar", 2012, version="720p")),
    ("Film 2019 1080p WEB.mkv", film("Film", 2019, version="1080p")),
    # films without a year (issue 17: identified by title; the licence and the catalog decide which work)
    ("Some Film/Some Film.mkv", film("Some Film", None)),
    ("Some Film/Some Film - part1.mkv", film("Some Film", None, part=1)),
    ("Some Film [imdbid-tt7654321].mkv", film("Some Film", None, ids=(("imdb", "tt7654321"),))),
    ("Some Film.mkv", film("Some Film", None)),
    ("Movies/Some Film.mkv", film("Some Film", None)),
    ("Some.Film.4k.mkv", film("Some Film", None, version="2160p")),
    ("Some Film 480p.mp4", film("Some Film", None, version="480p")),
    ("Some.Film.mkv", film("Some Film", None)),
    ("Some Film 2013.mp4", film("Some Film", 2013)),
    ("Some Film - 2 (2013).mkv", film("Some Film - 2", 2013)),
    ("Movies/Some Film 2013.12.09.mkv", film("Some Film 2013.12.09", None)),
    ("video.mkv", other(NO_NAME)),
    ("VID_20200101_123456.mp4", other(NO_NAME)),
    ("Film.1080p.BluRay.x264-GRP.mkv", other(NO_NAME)),
    # --- extras: folders
    ("Film (2021)/trailers/Teaser.mkv", extra("trailer", title="Film", year=2021)),
    ("Film (2021)/Trailers/Film (2021) - Official Trailer.mkv", extra("trailer", title="Film", year=2021)),
    ("Film (2021)/featurettes/Making Of.mkv", extra("featurette", title="Film", year=2021)),
    ("Film (2021)/behind the scenes/On Set.mkv", extra("behindthescenes", title="Film", year=2021)),
    ("Film (2021)/Behind The Scenes/On Set.mkv", extra("behindthescenes", title="Film", year=2021)),
    ("Film (2021)/deleted scenes/Alternate Ending.mkv", extra("deleted", title="Film", year=2021)),
    ("Film (2021)/interviews/Director.mkv", extra("interview", title="Film", year=2021)),
    ("Film (2021)/scenes/Chase.mkv", extra("scene", title="Film", year=2021)),
    ("Film (2021)/shorts/Short One.mkv", extra("short", title="Film", year=2021)),
    ("Film (2021)/extras/Gag Reel.mkv", extra("extra", title="Film", year=2021)),
    ("Film (2021)/samples/Film-sample.mkv", extra("sample", title="Film", year=2021)),
    ("Film (2021)/Sample/film.sample.mkv", extra("sample", title="Film", year=2021)),
    ("Film (2021)/other/Bloopers.mkv", extra("extra", title="Film", year=2021)),
    ("Film (2021)/Extras/Interviews/Cast.mkv", extra("interview", title="Film", year=2021)),
    ("Film (2021) [tmdbid-123]/trailers/Teaser.mkv",
     extra("trailer", title="Film", year=2021, ids=(("tmdb", "123"),))),
    ("Amélie (2001)/featurettes/Le Making-of.mkv", extra("featurette", title="Amélie", year=2001)),
    ("Show (2016)/Season 01/Extras/Gag Reel.mkv", extra("extra", series="Show", year=2016, season=1, title="Gag Reel")),
    ("Show (2016) [tvdbid-12345]/extras/Cast Reunion.mkv",
     extra("extra", series="Show", year=2016, title="Cast Reunion", ids=TVDB)),
    ("Show (2016)/Season 02/Behind The Scenes/Making Season 2.mkv",
     extra("behindthescenes", series="Show", year=2016, season=2, title="Making Season 2")),
    # --- extras: suffixes
    ("Film (2021)/Film (2021)-trailer.mkv", extra("trailer", title="Film", year=2021)),
    ("Film (2021)-trailer.mkv", extra("trailer", title="Film", year=2021)),
    ("Film (2021)/Film (2021)-featurette.mkv", extra("featurette", title="Film", year=2021)),
    ("Film (2021)/Film (2021)-behindthescenes.mkv", extra("behindthescenes", title="Film", year=2021)),
    ("Film (2021)/Film (2021)-deleted.mkv", extra("deleted", title="Film", year=2021)),
    ("Film (2021)/Film (2021)-interview.mkv", extra("interview", title="Film", year=2021)),
    ("Film (2021)/Film (2021)-scene.mkv", extra("scene", title="Film", year=2021)),
    ("Film (2021)/Film (2021)-short.mkv", extra("short", title="Film", year=2021)),
    ("Film (2021)/Film (2021)-sample.mkv", extra("sample", title="Film", year=2021)),
    ("Film (2021)/Film (2021)-other.mkv", extra("extra", title="Film", year=2021)),
    ("Film (2021)/Film (2021)-Trailer.mkv", extra("trailer", title="Film", year=2021)),
    ("Film (2021)/trailer.mkv", extra("trailer", title="Film", year=2021)),
    ("Film (2021)/Film (2021)-trailer2.mkv", extra("trailer", title="Film", year=2021)),
    ("Film (2021) trailer.mkv", extra("trailer", title="Film", year=2021)),
    ("Film.2019.1080p.BluRay.x264-sample.mkv", extra("sample", title="Film", year=2019, version="1080p")),
    ("Amélie (2001)/Amélie (2001)-trailer.mp4", extra("trailer", title="Amélie", year=2001)),
    ("Show (2016)/Season 01/Show - S01E01-deleted.mkv",
     extra("deleted", series="Show", year=2016, season=1, episodes=(1,))),
    # a title that merely ends in a word like "Scene" is not an extra
    ("The Crime Scene (2004).mkv", film("The Crime Scene", 2004)),
    ("Trailer Park Boys (2001)/Season 01/Trailer Park Boys - S01E01 - Take Your Little Gun.mkv",
     ep("Trailer Park Boys", 2001, 1, [1], "Take Your Little Gun")),
    ("Shorts/Night Walk (2019).mkv", film("Night Walk", 2019)),
    ("Extras (2005)/Season 01/Extras - S01E01 - Ben Stiller.mkv", ep("Extras", 2005, 1, [1], "Ben Stiller")),
    # --- not videos, or cannot tell
    ("notes.txt", other("notes.txt: not a video file (.txt)")),
    ("Show (2016)/Season 01/readme.TXT", other("not a video file (.TXT)")),
    ("Film (2021)/Film (2021).iso", other("not a video file (.iso)")),
    ("Film (2021)/Film (2021).rar", other("not a video file (.rar)")),
    ("Film (2021)/Film (2021).mkv.part", other("not a video file (.part)")),
    ("Show (2016)/Season 01/Show - S01E02.srt", other("not a video file (.srt)")),
    ("README", other("README: not a video file (no extension)")),
    ("Show (2016)/Season 01/Bonus Material.mkv",
     other("in a season folder but no episode number", season=1)),
    ("Show (2016)/Season 01/Show - Pilot.mkv", other("in a season folder but no episode number", season=1)),
    ("12345.mkv", other(NO_NAME)),
    ("Crime Scene.mkv", film("Crime Scene", None)),
    # titles without release tags or brackets (issue 17)
    ("I.Live.In.A.Trailer.2019.1080p.WEB.mkv", film("I Live In A Trailer", 2019, version="1080p")),
    ("A Daily Show - (2015-01-15) - Episode Name - [720p].mkv",
     daily("A Daily Show", D(2015, 1, 15), "Episode Name")),
    ("Show - 1x02 - Title - [HDTV-720p].mkv", ep("Show", None, 1, [2], "Title")),
    ("Show - S01E02 - Title [WEBDL-1080p][EAC3 5.1][h264]-GRP.mkv", ep("Show", None, 1, [2], "Title")),
    ("The.Office.US.S01E01.720p.HDTV.x264-GRP.mkv", ep("The Office (US)", None, 1, [1])),
    ("Show (2016)/Season 01/Show - 2019.mkv", other("no episode number", season=1)),
]


@pytest.mark.parametrize("path, expected", CASES, ids=[c[0] for c in CASES])
def test_identify_path(path, expected):
    found = identify_path(PurePosixPath(path))
    if expected.reason is not None:
        assert found.reason is not None and expected.reason in found.reason, found
        assert found.reason.startswith(PurePosixPath(path).as_posix())
    else:
        assert found.reason is None, found.reason
    assert replace(found, reason=None) == replace(expected, reason=None)


def test_table_is_large_and_unique():
    assert len(CASES) >= 150
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("name, sidecar", [
    ("x.nfo", True), ("poster.jpg", True), ("a.JPEG", True), ("b.png", True), ("c.webp", True), ("d.tbn", True),
    ("e.en.srt", True), ("e.ass", True), ("e.ssa", True), ("e.vtt", True), ("e.sub", True), ("e.idx", True),
    ("notes.txt", False), ("film.mkv", False), ("film.mp4", False), ("archive.rar", False),
])
def test_is_sidecar(name, sidecar):
    assert is_sidecar(PurePosixPath("Show/Season 01") / name) is sidecar


def test_as_json_is_json_serialisable():
    found = identify_path(PurePosixPath("Show [tvdbid-1]/Show - 2016-12-19 - Title.mkv"))
    data = json.loads(json.dumps(found.as_json()))
    assert data["air_date"] == "2016-12-19" and data["episodes"] == [] and data["ids"] == {"tvdb": "1"}
    assert data["kind"] == "episode" and data["series"] == "Show" and data["title"] == "Title"
