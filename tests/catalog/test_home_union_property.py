"""The home page's union SQL is compiled once per shape with stand-in values and patched per request
(catalog/selectors/home.py). Whatever the profile, age limit, country (none, '' or one), followed series, co-watching
source and instant, the patched SQL must return exactly what a fresh compile with the real values returns."""

import datetime as dt

import pytest
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelhouse.accounts.models import Profile, User
from reelhouse.catalog.models import CountryTop, CoWatch, Episode, Follow, Genre, MyListItem, SearchEntry, Work
from reelhouse.catalog.selectors import home
from reelhouse.core import clock
from reelhouse.rights.models import Licence, Licensor

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
LIMIT = 4


@pytest.fixture
def library(catalog):
    """Series and films under worldwide, French, North American, ended and future licences, at several age ratings,
    with a Top 10 for France and the US, co-watching rows, and a profile that follows, lists and has watched."""
    licensor = Licensor.objects.create(name="Property Pictures")

    def licence(territories, starts_in=-365, ends_in=None):
        return Licence.objects.create(licensor=licensor, name=f"{territories} {starts_in} {ends_in}",
                                      territories=territories, starts_at=clock.now() + starts_in * DAY,
                                      ends_at=None if ends_in is None else clock.now() + ends_in * DAY)

    licences = [licence("WW"), licence("FR"), licence("US,CA"), licence("WW", -400, -2), licence("FR", 5),
                licence("DE", -30, 20), licence("FR,US", -30, 10)]
    ratings = [None, 7, 12, 16, 18]
    series, films = [], []
    for i in range(10):
        s = catalog.series(f"Series {i}", episodes=2, maturity=ratings[i % 5], genres=["Drama", "Comedy"][: 1 + i % 2])
        Episode.objects.filter(series=s).update(licence=licences[i % len(licences)])
        series.append(s)
        f = catalog.film(f"Film {i}", maturity=ratings[(i + 2) % 5], genres=["Drama"] if i % 3 else ["Comedy"])
        Work.objects.filter(pk=f.pk).update(licence=licences[(i + 1) % len(licences)])
        films.append(f)
    catalog.index()
    SearchEntry.objects.exclude(kind="episode").update(trending=F("object_id"))  # distinct, all trending
    for country in ("FR", "US"):
        for pos, s in enumerate(series[:6], start=1):
            CountryTop.objects.create(country=country, position=pos, kind="series", object_id=s.pk, plays=10 - pos)
    for pos, f in enumerate(films[:6], start=1):
        CoWatch.objects.create(source_kind="series", source_id=series[0].pk, position=pos, kind="film",
                               object_id=f.pk, profiles=5)
        CoWatch.objects.create(source_kind="film", source_id=films[1].pk, position=pos, kind="series",
                               object_id=series[pos].pk, profiles=5)
    user = User.objects.create(email="prop@example.com", country="FR")
    profile = Profile.objects.create(user=user, name="Prop")
    for s in series[::2]:
        Follow.objects.create(profile=profile, series=s)
    MyListItem.objects.create(profile=profile, series=series[1])
    MyListItem.objects.create(profile=profile, film=films[3])
    return {"series": series, "films": films, "profile": profile}


def _tags_to_ids(rows: dict) -> dict[str, list[int]]:
    return {tag: [e.pk for e in entries] for tag, entries in rows.items()}


def _fresh(*, branches_of, profile, country, source, since, genres, until) -> dict[str, list[int]]:
    """The union compiled with the request's real values, nothing cached or patched."""
    branches = branches_of(profile=profile, country=country, source=source, since=since, genres=genres, limit=LIMIT,
                           until=until)
    sql, params = home._union_sql(branches)
    out: dict[str, list[int]] = {tag: [] for tag in branches}
    for entry in SearchEntry.objects.raw(sql, params):
        out[entry.row_tag].append(entry.pk)
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(who=st.sampled_from(["none", "adult", "limited", "kids"]), limit=st.sampled_from([None, 7, 12, 16]),
       country=st.sampled_from([None, "", "FR", "US", "CA", "DE", "JP"]),
       source=st.sampled_from([None, "series", "film", "unknown"]), days=st.integers(min_value=-10, max_value=40),
       since_days=st.integers(min_value=0, max_value=60), part=st.sampled_from(["shared", "personal"]),
       until_days=st.integers(min_value=0, max_value=60))
def test_patched_home_union_returns_what_a_fresh_compile_returns(library, who, limit, country, source, days,
                                                                  since_days, part, until_days):
    clock.reset()
    clock.advance(days * DAY)  # licence windows open and close as time moves
    profile = None
    if who != "none":
        profile = library["profile"]
        profile.is_kids = who == "kids"
        profile.max_maturity = None if who == "adult" else limit
    if part == "personal" and profile is None and source is None:
        source = "series"  # the personal union needs a profile or a source (home_rows skips it otherwise)
    source_value = {None: None, "series": ("series", library["series"][0].pk),
                    "film": ("film", library["films"][1].pk), "unknown": ("film", 10**9)}[source]
    since = clock.now() - since_days * DAY
    genres = list(Genre.objects.order_by("name"))
    branches_of = home.shared_branches if part == "shared" else home.personal_branches
    kwargs = dict(branches_of=branches_of, profile=profile, country=country, source=source_value, since=since,
                  genres=genres, until=clock.now() + until_days * DAY)  # the end of the "Leaving soon" window
    # Twice: the first call compiles and caches the shape, the second only patches the cached SQL.
    for _ in range(2):
        patched = _tags_to_ids(home._home_union(limit=LIMIT, **kwargs))
        assert patched == _fresh(**kwargs)


def test_the_library_fills_every_row_so_the_property_compares_real_rows(library):
    profile = library["profile"]
    kwargs = dict(profile=profile, country="FR", since=clock.now() - 30 * DAY, genres=list(Genre.objects.all()),
                  until=clock.now() + 30 * DAY)
    rows = home._home_union(branches_of=home.shared_branches, limit=LIMIT, source=None, **kwargs)
    rows |= home._home_union(branches_of=home.personal_branches, limit=LIMIT,
                             source=("series", library["series"][0].pk), **kwargs)
    empty = sorted(tag for tag, entries in rows.items() if not entries)
    # The Top 10 here names series only, co-watching from a series names films only, and My List's film (Film 3)
    # has a French licence that starts in five days.
    assert empty == ["because:series", "my_list:film", "top:film"]
