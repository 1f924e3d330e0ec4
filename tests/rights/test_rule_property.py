"""Every place that shows, plays or announces a work agrees with the one licence rule (rights.rule). Hypothesis
draws, for three films and a series of two episodes, a licence each (territories, window, downloads) or none (an
operator cleared it: shown nowhere, issue 15), a standing
withdrawal or none (all territories, or some) sent as rights' work_withdrawn signal, the instant, and the viewer's
country (none, or one); then home rows, the A-Z listing, search (titles and episodes), title and series pages (the
season's episode list and its count), playback start, downloads and new-episode notices must each show exactly what
rule.shown(rule.work_territories(...)) computes from the drawn values. The search index is rebuilt for each
example, so its stored keys, the LIKE/tsquery (PostgreSQL) or FTS5 (SQLite) forms and the Q forms are all checked.
Runs on SQLite and on PostgreSQL (the suite's two databases); the example count is bounded to keep it quick."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelhouse.accounts.models import Profile, User
from reelhouse.billing.services import subscription_grant
from reelhouse.catalog import selectors
from reelhouse.catalog.models import Episode, Follow, Work
from reelhouse.catalog.selectors import home
from reelhouse.catalog.services import search_index_rebuild
from reelhouse.core import clock
from reelhouse.notifications.models import Notification
from reelhouse.notifications.services import on_work_available
from reelhouse.playback.selectors import download_refusal, entitlement_check
from reelhouse.rights import rule
from reelhouse.rights.models import Licence, Licensor, Notice, WorkWithdrawal, territory_key
from reelhouse.rights.signals import work_withdrawn
from tests.catalog.conftest import CatalogMaker

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
FILMS = ["Alpha", "Bravo", "Charlie"]
EPISODES = ["Echo", "Foxtrot"]


@pytest.fixture
def shelf(db):
    """Three films and a two-episode series (placeholder asset, no transcode), a viewer who follows the series, and
    the notice withdrawals hang off."""
    maker = CatalogMaker()
    films = [maker.film(f"{name} Picture") for name in FILMS]
    series = maker.series("Delta Show", episodes=2, episode_titles={(1, 1): "Echo", (1, 2): "Foxtrot"})
    episodes = list(Episode.objects.filter(series=series).order_by("number"))
    user = User.objects.create(email="prop-viewer@example.com", country="FR")
    subscription_grant(user=user, days=3650)
    profile = Profile.objects.create(user=user, name="Prop")
    Follow.objects.create(profile=profile, series=series)
    notice = Notice.objects.create(claimant_name="C", claimant_address="A", claimant_email="c@example.com",
                                   works_claimed="W", scope="film", urls="/", explanation="E", good_faith=True,
                                   accurate=True, signature="C", reference="RH-2026-900000")
    return {"films": films, "series": series, "episodes": episodes, "profile": profile, "notice": notice,
            "licensor": Licensor.objects.create(name="Property Rights")}


licences = st.fixed_dictionaries({
    "territories": st.sampled_from(["WW", "FR", "DE", "FR,DE", "US", "WW,FR"]),
    "start": st.sampled_from([-20, -5, 3]),
    "length": st.sampled_from([None, 4, 30]),
    "downloads": st.booleans(),
})
licence_or_none = st.one_of(st.none(), licences)
withdrawals = st.sampled_from([None, "", "FR", "DE,US"])


def _titles(cards, kind=None) -> set[str]:
    return {c.title for c in cards if kind is None or c.kind == kind}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(terms=st.lists(licence_or_none, min_size=5, max_size=5), taken=st.lists(withdrawals, min_size=5, max_size=5),
       days=st.integers(min_value=0, max_value=12), country=st.sampled_from(["", "FR", "DE", "US"]))
def test_browsing_search_pages_playback_downloads_and_notices_agree_with_the_rule(shelf, terms, taken, days,
                                                                                   country):
    clock.reset()
    base = clock.now()
    works = [*shelf["films"], *shelf["episodes"]]
    profile = shelf["profile"]
    User.objects.filter(pk=profile.user_id).update(country=country)
    profile.user.country = country
    WorkWithdrawal.objects.all().delete()
    Notification.objects.all().delete()
    Work.objects.filter(pk__in=[w.pk for w in works]).update(published_at=base - 30 * DAY)
    made = {}
    for work, term in zip(works, terms, strict=True):
        if term is None:
            made[work.pk] = None
            Work.objects.filter(pk=work.pk).update(licence=None)
            continue
        start = base + term["start"] * DAY
        made[work.pk] = Licence.objects.create(
            licensor=shelf["licensor"], name=f"L{work.pk}", territories=term["territories"], starts_at=start,
            ends_at=None if term["length"] is None else start + term["length"] * DAY,
            allows_downloads=term["downloads"])
        Work.objects.filter(pk=work.pk).update(licence=made[work.pk])
    for work, where in zip(works, taken, strict=True):
        if where is None:
            continue
        WorkWithdrawal.objects.create(work=work, notice=shelf["notice"], territories=territory_key(where),
                                      published_at_before=base - 30 * DAY)
        work_withdrawn.send(sender=WorkWithdrawal, work_ids=[work.pk], territories=territory_key(where),
                            reason="property")
    clock.advance(days * DAY)
    search_index_rebuild()
    home._shared_cache.clear()
    now = clock.now()

    # What the rule says, from the drawn values alone.
    expected = {w.pk: rule.shown(rule.work_territories(licence=made[w.pk], at=now,
                                                       withdrawn=[] if where is None else [territory_key(where)]),
                                 country)
                for w, where in zip(works, taken, strict=True)}
    films_shown = {f.title for f in shelf["films"] if expected[f.pk]}
    episodes_shown = {e.title for e in shelf["episodes"] if expected[e.pk]}
    series_shown = {"Delta Show"} if episodes_shown else set()

    rows = selectors.home_rows(profile=profile, country=country)
    assert _titles(rows["films"]) == films_shown
    assert _titles(rows["series"]) == series_shown
    assert _titles(selectors.az_listing(kind="film", letter=None, page=1, profile=profile, country=country)[1]) \
        == films_shown
    found = set()
    for word in ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]:
        found |= _titles(selectors.catalog_search(query=word, profile=profile, country=country))
    assert found == films_shown | series_shown | episodes_shown
    assert {f.title for f in selectors.films_visible(profile, country)} == films_shown
    assert {s.title for s in selectors.series_visible(profile, country)} == series_shown
    page = selectors.series_page(series=shelf["series"], profile=profile, country=country)
    assert {e.title for e in page["episodes"]} == episodes_shown
    assert sum(s.published for s in page["seasons"]) == len(episodes_shown)

    for work in works:
        fresh = Work.objects.select_related("licence").get(pk=work.pk)
        assert (entitlement_check(profile=profile, work=fresh) is None) == expected[work.pk], work
        assert (download_refusal(profile=profile, work=fresh) is None) == (
            expected[work.pk] and rule.downloads_allowed(made[work.pk])), work
    for episode in shelf["episodes"]:
        on_work_available(sender=Work, work=episode)
    told = set(Notification.objects.filter(profile=profile).values_list("work__title", flat=True))
    assert told == episodes_shown
    clock.reset()
