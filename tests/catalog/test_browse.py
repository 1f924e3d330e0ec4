"""Browse pages: rows, season tabs, A–Z listings, calendar, follow, search pages; fixed query budgets that do not
grow with the catalog or the rows shown; bad input gives 400/404, never 500."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reelhouse.catalog.models import Episode, Follow, Season, Series
from reelhouse.catalog.selectors import LISTING_PAGE_SIZE
from reelhouse.core import clock
from reelhouse.playback.models import ResumePoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, subscriber):
    client.force_login(subscriber)
    return client, subscriber.profiles.first()


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def grow(catalog, n: int, tag: str):
    for i in range(n):
        catalog.series(f"{tag} Series {i}", seasons=2, episodes=3)
        catalog.film(f"{tag} Film {i}")


def test_hot_pages_keep_their_query_count_as_the_catalog_grows(catalog, signed_in, django_assert_max_num_queries):
    client, profile = signed_in
    series = catalog.series("Harbour Lights", seasons=3, episodes=4)
    film = catalog.film("Amélie")
    catalog.index()
    ep = Episode.objects.filter(series=series).first()
    ResumePoint.objects.create(profile=profile, work=ep, position_s=100, duration_s=1000)
    Follow.objects.create(profile=profile, series=series)
    urls = ["/", f"/series/{series.slug}/", f"/series/{series.slug}/?season=2", f"/films/{film.slug}/",
            "/search/?q=harb", "/search.json?q=amel", "/browse/series/?letter=h", "/calendar/"]
    small = {url: queries(client, url) for url in urls}
    grow(catalog, 25, "More")  # more titles than a row or a page shows
    more_series = catalog.series("Harbour Nights", seasons=2, episodes=30)
    catalog.index()
    for e in Episode.objects.filter(series=more_series):
        ResumePoint.objects.create(profile=profile, work=e, position_s=10, duration_s=1000)
    large = {url: queries(client, url) for url in urls}
    assert large == small
    # Title pages: +1 for their studios and country ratings (catalog.selectors.facts, one query); the film page +1 for
    # its download button (licence and plan, playback.download_options); the series page +1 for when its last
    # licence in the viewer's territory ends (catalog.selectors.title_leaving_on: "Leaving on <date>"); the film page
    # +1 for the film's standing withdrawals, which the download button asks (rights.rule.standing_withdrawals).
    # Every page +1 for the announcement banners (base.html; notifications.announcements.banner_for, one query).
    # The film is licensed (CatalogMaker's worldwide licence, downloads allowed; before issue 15 it had none, which
    # cut the download button short), so its page also pays for the download offer: the subscription (read three
    # times by playback's download checks), the playback sessions and the asset, +4; folding those reads is next.
    for url, budget in {"/": 10, f"/series/{series.slug}/": 12, f"/films/{film.slug}/": 13, "/search/?q=harb": 10,
                        "/browse/series/?letter=h": 8, "/calendar/": 6}.items():
        with django_assert_max_num_queries(budget):
            client.get(url)


def test_home_rows(catalog, signed_in):
    client, profile = signed_in
    followed = catalog.series("Harbour Lights", episodes=3)
    catalog.film("Amélie")
    catalog.index()
    ep = Episode.objects.filter(series=followed).first()
    ResumePoint.objects.create(profile=profile, work=ep, position_s=300, duration_s=1000)
    Follow.objects.create(profile=profile, series=followed)
    page = client.get("/").content.decode()
    assert "Continue watching" in page and '<progress class="progress" max="100" value="30"' in page
    assert "New episodes of series you follow" in page and "Harbour Lights · S01E03" in page
    assert "Amélie" in page


@pytest.mark.parametrize("country", [None, "FR"])
def test_new_episodes_row_keeps_to_the_last_month_whatever_else_the_page_filters(catalog, signed_in, country,
                                                                                 caplog):
    """The home union is compiled once with stand-in values; the real 'since' and country must reach every branch."""
    profile = signed_in[1]
    followed = catalog.series("Harbour Lights", episodes=3)
    catalog.index()
    old = Episode.objects.filter(series=followed).order_by("number").first()
    Episode.objects.filter(pk=old.pk).update(published_at=clock.now() - dt.timedelta(days=40))
    catalog.index()
    Follow.objects.create(profile=profile, series=followed)
    from reelhouse.catalog.selectors import home_rows

    for _ in range(2):  # the second call reuses the compiled SQL
        rows = home_rows(profile=profile, country=country)
        assert [c.subtitle for c in rows["new_episodes"]] == ["Harbour Lights · S01E03", "Harbour Lights · S01E02"]
    assert "stand-in" not in caplog.text  # the compiled SQL took the real values, not the slow path


def test_series_page_shows_one_season_at_a_time_with_tabs(catalog, signed_in):
    client, _ = signed_in
    series = catalog.series("Long Runner", seasons=3, episodes=2,
                            episode_titles={(1, 1): "Pilot", (3, 2): "Finale"})
    first = client.get(f"/series/{series.slug}/").content.decode()
    assert "Pilot" in first and "Finale" not in first and "?season=3" in first
    third = client.get(f"/series/{series.slug}/?season=3").content.decode()
    assert "Finale" in third and "Pilot" not in third


@pytest.mark.parametrize("suffix, status", [
    ("?season=abc", 400), ("?season=-1", 400), ("?season=1e9", 400), ("?season=99", 404), ("?season=%00", 400),
])
def test_series_page_bad_season(catalog, signed_in, suffix, status):
    client, _ = signed_in
    series = catalog.series("Long Runner", seasons=2)
    assert client.get(f"/series/{series.slug}/{suffix}").status_code == status


def test_unknown_slugs_are_404(catalog, signed_in):
    client, _ = signed_in
    catalog.series("Unpublished", published=False)
    hidden = Series.objects.get()
    for url in ["/series/nope/", "/films/nope/", f"/series/{hidden.slug}/", "/browse/people/"]:
        assert client.get(url).status_code == 404


def test_az_listing_pages_and_bad_filters(catalog, signed_in):
    client, _ = signed_in
    for i in range(LISTING_PAGE_SIZE + 2):
        catalog.film(f"Alpha {i:03d}")
    catalog.film("Zeta")
    catalog.film("2046")
    catalog.index()
    page1 = client.get("/browse/films/?letter=a").content.decode()
    assert "Alpha 000" in page1 and "Zeta" not in page1 and 'rel="next"' in page1
    page2 = client.get("/browse/films/?letter=a&page=2").content.decode()
    assert "Alpha 049" in page2 and "Alpha 000" not in page2
    assert "2046" in client.get("/browse/films/?letter=0").content.decode()
    assert client.get("/browse/films/?page=99").status_code == 404
    for bad in ["?page=abc", "?page=0", "?page=-3", "?letter=ab", "?letter=%F0%9F%8E%AC", "?letter=%22"]:
        assert client.get(f"/browse/films/{bad}").status_code in (400, 404), bad


def test_calendar_lists_upcoming_episodes_of_followed_series_only(catalog, signed_in):
    client, profile = signed_in
    followed = catalog.series("Harbour Lights")
    other = catalog.series("Not Followed")
    today = clock.now().date()
    for series, title in [(followed, "Storm Warning"), (other, "Elsewhere")]:
        season = Season.objects.get(series=series, number=1)
        Episode.objects.create(series=series, season=season, number=9, title=title,
                               air_date=today + dt.timedelta(days=3))
    client.post(f"/series/{followed.slug}/follow", {"follow": "1"})
    assert Follow.objects.filter(profile=profile, series=followed).exists()
    page = client.get("/calendar/").content.decode()
    assert "Storm Warning" in page and "Elsewhere" not in page
    client.post(f"/series/{followed.slug}/follow", {"follow": "0"})
    assert "Storm Warning" not in client.get("/calendar/").content.decode()


def test_search_page_and_json(catalog, signed_in):
    client, _ = signed_in
    catalog.film("Amélie", year=2001)
    catalog.index()
    assert "Amélie" in client.get("/search/?q=amelie").content.decode()
    data = client.get("/search.json?q=ame").json()
    assert data["results"][0] == {"kind": "film", "title": "Amélie", "subtitle": "", "url": data["results"][0]["url"],
                                  "year": 2001}
    assert client.get("/search.json?q=ame&limit=x").status_code == 400
    for q in ["%22", "*", "NEAR(a%20b)", "a%20OR%20b", "%F0%9F%8E%AC", "%00%1F", "a" * 10_000]:
        assert client.get(f"/search/?q={q}").status_code == 200
        assert client.get(f"/search.json?q={q}").status_code == 200


def test_search_requires_sign_in(client):
    assert client.get("/search.json?q=a").status_code == 302


def test_shared_home_rows_are_kept_for_a_while_per_age_limit_and_country(catalog, signed_in, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reelhouse.accounts.models import Profile
    from reelhouse.catalog import selectors
    from reelhouse.catalog.models import MyListItem

    settings.REELHOUSE_HOME_CACHE_SECONDS = 60
    selectors._shared_cache.clear()
    profile = signed_in[1]
    first = catalog.film("First Light")
    catalog.film("Night Shift", maturity=18)
    catalog.index()
    assert {c.title for c in selectors.home_rows(profile=profile, country="US")["films"]} == {
        "First Light", "Night Shift"}
    catalog.film("Second Wind")
    catalog.index()
    MyListItem.objects.create(profile=profile, film=first)
    with CaptureQueriesContext(connection) as cached:
        rows = selectors.home_rows(profile=profile, country="US")
    assert "Second Wind" not in {c.title for c in rows["films"]}  # the shared rows come from the process's copy
    assert [c.title for c in rows["my_list"]] == ["First Light"]  # the profile's own rows never wait
    kids = Profile.objects.create(user=profile.user, name="Kid", is_kids=True, max_maturity=12)
    assert "Night Shift" not in {c.title for c in selectors.home_rows(profile=kids, country="US")["films"]}
    clock.advance(dt.timedelta(seconds=61))
    with CaptureQueriesContext(connection) as fresh:
        rows = selectors.home_rows(profile=profile, country="US")
    assert "Second Wind" in {c.title for c in rows["films"]}
    assert len(fresh) == len(cached) + 1  # the shared union ran again
    selectors._shared_cache.clear()


def test_a_takedown_is_not_hidden_behind_the_kept_home_rows(catalog, signed_in, settings):
    """The attack on a rights holder: the film they had taken down stays on the home page for the cache's life."""
    from reelhouse.catalog import selectors
    from reelhouse.rights.models import Notice
    from reelhouse.rights.notices import notice_decide

    settings.REELHOUSE_HOME_CACHE_SECONDS = 60
    selectors._shared_cache.clear()
    profile = signed_in[1]
    film = catalog.film("First Light")
    catalog.film("Night Shift")
    catalog.index()
    assert "First Light" in {c.title for c in selectors.home_rows(profile=profile, country="US")["films"]}
    notice = Notice.objects.create(
        claimant_name="Ada", claimant_address="1 Rue X", claimant_email="ada@claim.example", works_claimed="FL",
        scope="film", urls=f"/films/{film.slug}/", explanation="Ours.", good_faith=True, accurate=True,
        signature="Ada", reference="RH-2026-000501")
    notice_decide(notice=notice, outcome="accepted", ground="Copyright", facts="Theirs.")
    assert {c.title for c in selectors.home_rows(profile=profile, country="US")["films"]} == {"Night Shift"}
    selectors._shared_cache.clear()


def test_series_page_shows_absolute_episode_numbers_when_known(catalog, signed_in):
    client = signed_in[0]
    series = catalog.series("Long Runner", seasons=2, episodes=2)
    catalog.index()
    for k, ep in enumerate(Episode.objects.filter(series=series).order_by("season__number", "number"), start=1):
        Episode.objects.filter(pk=ep.pk).update(absolute_number=k)
    page = client.get(f"/series/{series.slug}/?season=2").content.decode()
    assert '>#3</span>' in page and '>#4</span>' in page and '>#1</span>' not in page
