"""Accepting a notice withdraws the work in the territories it lists, and only there: viewers elsewhere keep finding
and playing it; with no territories listed (the default) it goes everywhere. Rights decides and records the
withdrawal and sends work_withdrawn; catalog (rows, search, title pages) and playback (start, downloads) follow
through rights.rule. A counter-notice restoration lifts it again."""

import pytest

from reelhouse.accounts.models import Profile, User
from reelhouse.catalog import selectors
from reelhouse.catalog.models import Work
from reelhouse.playback.selectors import download_refusal, entitlement_check
from reelhouse.rights.models import Notice, WorkWithdrawal
from reelhouse.rights.notices import notice_decide
from tests.rights.test_notices import film, notice_data  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _viewer(country: str):
    from reelhouse.billing.services import subscription_grant

    user = User.objects.create(email=f"v{country or 'none'}@example.com", country=country)
    subscription_grant(user=user, days=90)
    return Profile.objects.create(user=user, name=f"V{country}")


def _accept(film, territories: str) -> Notice:  # noqa: F811
    fields = {k: v for k, v in notice_data(film, territories=territories).items() if k not in ("good_faith",
                                                                                               "accurate")}
    notice = Notice.objects.create(**fields, good_faith=True, accurate=True,
                                   reference=f"RH-2026-{Notice.objects.count():06d}")
    notice_decide(notice=notice, outcome="accepted", ground="Copyright", facts="Not licensed there.")
    return notice


def _seen(profile, film) -> dict:  # noqa: F811
    country = profile.user.country
    rows = selectors.home_rows(profile=profile, country=country)
    return {
        "rows": film.title in {c.title for c in rows["films"]},
        "search": film.title in {c.title for c in selectors.catalog_search(query="borrowed", profile=profile,
                                                                           country=country)},
        "page": selectors.films_visible(profile, selectors.viewer_country(country)).filter(pk=film.pk).exists(),
        "play": entitlement_check(profile=profile, work=Work.objects.select_related("licence").get(pk=film.pk))
        is None,
        "download": download_refusal(profile=profile, work=Work.objects.select_related("licence").get(pk=film.pk))
        is None,
    }


ALL = {"rows": True, "search": True, "page": True, "play": True, "download": True}
NONE = dict.fromkeys(ALL, False)


def test_a_notice_listing_territories_withdraws_the_work_only_there(film):  # noqa: F811
    fr, de, nowhere = _viewer("FR"), _viewer("DE"), _viewer("")
    assert _seen(fr, film) == _seen(de, film) == _seen(nowhere, film) == ALL
    notice = _accept(film, "fr, be")
    withdrawal = WorkWithdrawal.objects.get(notice=notice)
    assert withdrawal.territories == ",BE,FR," and Work.objects.get(pk=film.pk).published_at is not None
    assert _seen(fr, film) == NONE
    assert _seen(de, film) == ALL  # others keep playing
    assert _seen(nowhere, film) == NONE  # no longer a worldwide title
    refusal = entitlement_check(profile=fr, work=Work.objects.select_related("licence").get(pk=film.pk))
    assert refusal.code == "unavailable" and "(FR)" in refusal.message
    assert "in these territories: BE, FR" in notice.decisions.get().restricted


def test_a_notice_without_territories_withdraws_everywhere(film):  # noqa: F811
    fr, de = _viewer("FR"), _viewer("DE")
    _accept(film, "")
    assert WorkWithdrawal.objects.get().territories == ""
    assert Work.objects.get(pk=film.pk).published_at is None
    assert _seen(fr, film) == _seen(de, film) == NONE


def test_restoration_after_a_counter_notice_brings_a_territory_withdrawal_back(film):  # noqa: F811
    import datetime as dt

    from reelhouse.core import clock
    from reelhouse.rights.counter_notices import counter_notice_file, counter_notices_restore_due

    fr = _viewer("FR")
    notice = _accept(film, "FR")
    assert _seen(fr, film) == NONE
    counter = counter_notice_file(reference=notice.reference, data={
        "name": "Up Loader", "address": "2 Main St", "email": "up@example.com", "material": "The film",
        "mistake_statement": True, "jurisdiction_consent": True, "signature": "Up Loader"})
    clock.advance(dt.timedelta(days=30))
    assert counter_notices_restore_due() == [counter]
    assert _seen(fr, film) == ALL


def test_followers_where_an_episode_is_withdrawn_lose_its_new_episode_notice(licensed_source):
    from reelhouse.catalog.models import Follow
    from reelhouse.catalog.signals import work_available
    from reelhouse.notifications.models import Notification
    from tests.catalog.conftest import CatalogMaker

    series = CatalogMaker().series("Harbour", episodes=1)
    episode = series.episodes.get()
    episode.licence = licensed_source.licence
    episode.save(update_fields=["licence"])
    fr, de = _viewer("FR"), _viewer("DE")
    for profile in (fr, de):
        Follow.objects.create(profile=profile, series=series)
    work_available.send(sender=Work, work=episode)
    assert set(Notification.objects.values_list("profile__user__country", flat=True)) == {"FR", "DE"}
    fields = {k: v for k, v in notice_data(episode, scope="episode", urls=f"/watch/{episode.pk}/",
                                           territories="FR").items() if k not in ("good_faith", "accurate")}
    notice = Notice.objects.create(**fields, good_faith=True, accurate=True, reference="RH-2026-000901")
    notice_decide(notice=notice, outcome="accepted", ground="Copyright", facts="Not licensed in France.")
    assert list(Notification.objects.values_list("profile__user__country", flat=True)) == ["DE"]
