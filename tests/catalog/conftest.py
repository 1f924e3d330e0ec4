"""Catalog fixtures: published series, episodes and films made straight in the database (no transcodes), with
their search entries, so search and page tests can build many titles quickly."""

import datetime as dt

import pytest

from reelhouse.catalog.models import Episode, Film, Season, Series
from reelhouse.catalog.services import genres_for, search_index_rebuild
from reelhouse.core import clock
from reelhouse.media.models import Asset
from reelhouse.rights.models import Licence, Licensor


class CatalogMaker:
    """Creates published works sharing one placeholder asset and one worldwide, open-ended licence (a work without
    a licence is shown nowhere: rights.rule); call .index() once done."""

    def __init__(self):
        self.asset = None
        self.licence = None
        self.n = 0

    def _publish(self, work, published_at=None):
        if self.asset is None:
            self.asset = Asset.objects.create(work=work, source_sha256="0" * 64, directory="placeholder",
                                              duration_s=60, width=640, height=360)
        if self.licence is None:
            licensor, _ = Licensor.objects.get_or_create(name="Catalog fixtures")
            self.licence = Licence.objects.create(licensor=licensor, name="Catalog fixtures worldwide",
                                                  territories="WW", starts_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        work.asset = self.asset
        work.licence = self.licence
        work.published_at = published_at or clock.now() - dt.timedelta(days=self.n)
        work.save(update_fields=["asset", "licence", "published_at"])
        return work

    def series(self, title: str, *, synopsis: str = "", seasons: int = 1, episodes: int = 2, year: int = 2020,
               published: bool = True, episode_titles=None, maturity: int | None = None, genres=()) -> Series:
        self.n += 1
        series = Series.objects.create(title=title, sort_title=title, slug=f"s{self.n}-{abs(hash(title)) % 10**6}",
                                       year=year, synopsis=synopsis, maturity=maturity)
        series.genres.set(genres_for(names=list(genres)))
        for s in range(1, seasons + 1):
            season = Season.objects.create(series=series, number=s)
            for e in range(1, episodes + 1):
                title_e = (episode_titles or {}).get((s, e), f"Chapter {s}.{e}")
                ep = Episode.objects.create(series=series, season=season, number=e, title=title_e, runtime_s=1500,
                                            maturity=maturity,
                                            air_date=dt.date(2020, 1, 1) + dt.timedelta(days=7 * e))
                if published:
                    self._publish(ep)
        return series

    def film(self, title: str, *, synopsis: str = "", year: int = 2001, published: bool = True,
             maturity: int | None = None, genres=()) -> Film:
        self.n += 1
        film = Film.objects.create(title=title, slug=f"f{self.n}-{abs(hash(title)) % 10**6}", year=year,
                                   synopsis=synopsis, runtime_s=6000, maturity=maturity)
        film.genres.set(genres_for(names=list(genres)))
        return self._publish(film) if published else film

    def index(self) -> int:
        return search_index_rebuild()


@pytest.fixture
def catalog(db):
    return CatalogMaker()


@pytest.fixture
def viewer(subscriber):
    return subscriber, subscriber.profiles.first()
