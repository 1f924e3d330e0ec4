"""The staff review queue for notices (operator admin): deciding through the page withdraws the work and records
who decided; staff without the change permission on notices cannot decide; followers are not told about an
episode withdrawn before their digest."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from reelhouse.accounts.services import user_create
from reelhouse.catalog.models import Follow, Work
from reelhouse.catalog.signals import work_available
from reelhouse.core import clock
from reelhouse.notifications.digest import new_episode_digest_send
from reelhouse.rights.models import Notice, NoticeDecision
from tests.catalog.conftest import CatalogMaker
from tests.rights.test_notices import film, notice_data  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _staff(email, *, superuser=False, perms=()):
    user = user_create(email=email, password="correct horse battery", is_staff=True, is_superuser=superuser)
    user.user_permissions.set(Permission.objects.filter(codename__in=perms))
    client = Client()
    client.force_login(user)
    return user, client


def test_rights_staff_decide_in_the_queue_and_the_work_goes(client, film, settings):  # noqa: F811
    settings.REELHOUSE_STAFF_REQUIRE_2FA = False
    client.post("/legal/notice/", notice_data(film))
    notice = Notice.objects.get()
    legal, legal_client = _staff("legal@example.com", perms=["view_notice", "change_notice"])
    queue = legal_client.get("/admin/rights/notice/?state__exact=received")
    assert queue.status_code == 200 and notice.reference in queue.content.decode()
    page = legal_client.get(f"/admin/rights/notice/{notice.pk}/change/").content.decode()
    assert f"/admin/rights/notice/{notice.pk}/decide/" in page
    incomplete = legal_client.post(f"/admin/rights/notice/{notice.pk}/decide/", {"outcome": "accepted", "ground": ""})
    assert incomplete.status_code == 200 and Notice.objects.get().state == "received"
    done = legal_client.post(f"/admin/rights/notice/{notice.pk}/decide/", {
        "outcome": "accepted", "ground": "Copyright (DSA Art. 16; 17 U.S.C. 512(c))",
        "facts": "The claimant showed the rights; the licensor confirmed it never held them."})
    assert done.status_code == 302
    decision = NoticeDecision.objects.get(notice=notice)
    assert (decision.decided_by, decision.automated, Notice.objects.get().state) == (legal, False, "accepted")
    assert Work.objects.get(pk=film.pk).published_at is None


def test_staff_without_the_notice_permission_cannot_decide(client, film, settings):  # noqa: F811
    """The attack: a support agent (staff, no rights & legal permission) posts a decision straight to the URL."""
    settings.REELHOUSE_STAFF_REQUIRE_2FA = False
    client.post("/legal/notice/", notice_data(film))
    notice = Notice.objects.get()
    _support, support_client = _staff("support@example.com", perms=["view_notice"])
    response = support_client.post(f"/admin/rights/notice/{notice.pk}/decide/", {
        "outcome": "accepted", "ground": "g", "facts": "f"})
    assert response.status_code == 403
    assert Notice.objects.get().state == "received" and Work.objects.get(pk=film.pk).published_at is not None


def test_followers_are_not_told_of_an_episode_withdrawn_before_their_digest(subscriber, smtp_server,
                                                                            licensed_source):
    from reelhouse.rights.notices import notice_decide

    series = CatalogMaker().series("Harbour", episodes=2)
    episodes = list(series.episodes.order_by("number"))
    for episode in episodes:
        episode.licence = licensed_source.licence
        episode.save(update_fields=["licence"])
    Follow.objects.create(profile=subscriber.profiles.first(), series=series)
    for episode in episodes:
        work_available.send(sender=Work, work=episode)
    fields = {k: v for k, v in notice_data(episodes[0], scope="episode", urls=f"/watch/{episodes[0].pk}/").items()
              if k not in ("good_faith", "accurate")}
    notice = Notice.objects.create(**fields, good_faith=True, accurate=True, reference="RH-2026-000777")
    notice_decide(notice=notice, outcome="accepted", ground="Copyright", facts="Shown without the rights.")
    smtp_server.messages.clear()
    clock.advance(dt.timedelta(days=1))
    assert new_episode_digest_send() == 1
    [(_to, raw)] = smtp_server.messages
    text = raw.decode("utf-8", "replace")
    assert "S01E02" in text and "S01E01" not in text
