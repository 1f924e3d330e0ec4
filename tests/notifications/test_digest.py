"""New episodes of followed series: in the app at once, and one digest mail a day instead of one per episode,
in the subscriber's language, received by a real SMTP server (aiosmtpd)."""

import datetime as dt
import email

import pytest

from reelhouse.catalog.models import Episode, Follow, Season, Series, Work
from reelhouse.catalog.signals import work_available
from reelhouse.core import clock
from reelhouse.notifications.digest import new_episode_digest_send
from reelhouse.notifications.models import Notification
from reelhouse.notifications.services import preference_set
from reelhouse.rights.models import Licence, Licensor

pytestmark = pytest.mark.django_db


def _series(title: str, episodes: int) -> list[Episode]:
    """A series whose episodes are licensed worldwide (a work without a licence is announced nowhere)."""
    licensor, _ = Licensor.objects.get_or_create(name="Digest Pictures")
    licence, _ = Licence.objects.get_or_create(licensor=licensor, name="Worldwide", territories="WW",
                                               starts_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    series = Series.objects.create(title=title, sort_title=title, slug=title.lower().replace(" ", "-"), year=2020)
    season = Season.objects.create(series=series, number=1)
    return [Episode.objects.create(series=series, season=season, number=n, title=f"Chapter {n}", runtime_s=1500,
                                   licence=licence)
            for n in range(1, episodes + 1)]


def _publish(episodes):
    for episode in episodes:
        work_available.send(sender=Work, work=episode)  # what catalog publishing sends


def _bodies(smtp_server):
    out = []
    for to, raw in smtp_server.messages:
        message = email.message_from_bytes(raw)
        out.append((to, message, message.get_payload(decode=True).decode(message.get_content_charset())))
    return out


def test_followers_see_new_episodes_in_the_app_at_once_and_get_one_digest_mail(subscriber, client, smtp_server):
    harbour, quay = _series("Harbour", 3), _series("Quay", 1)
    main = subscriber.profiles.first()
    second = subscriber.profiles.create(name="Second")
    for profile in (main, second):
        Follow.objects.create(profile=profile, series=harbour[0].series)
    Follow.objects.create(profile=main, series=quay[0].series)
    _publish(harbour + quay)

    assert Notification.objects.filter(profile=main).count() == 4 and smtp_server.messages == []  # no mail yet
    client.force_login(subscriber)
    assert "4 unread" in client.get("/notifications/").content.decode()

    clock.advance(dt.timedelta(days=1))
    assert new_episode_digest_send() == 1
    [(to, message, body)] = _bodies(smtp_server)
    assert to == [subscriber.email] and message["Subject"] == "4 new episodes of series you follow"
    assert body.count("Harbour: S01E0") == 3 and "Quay: S01E01 Chapter 1" in body  # each episode once
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    assert new_episode_digest_send() == 0  # nothing new: no second mail
    _publish(_series("Harbour Two", 1))  # not followed
    assert new_episode_digest_send() == 0 and len(smtp_server.messages) == 1


def test_digest_is_written_in_the_subscribers_language(subscriber, smtp_server):
    subscriber.language = "de"
    subscriber.save(update_fields=["language"])
    episodes = _series("Hafen", 1)
    Follow.objects.create(profile=subscriber.profiles.first(), series=episodes[0].series)
    _publish(episodes)
    assert new_episode_digest_send() == 1
    [(_to, message, body)] = _bodies(smtp_server)
    assert "neue Folge" in str(email.header.make_header(email.header.decode_header(message["Subject"])))
    assert "Neue Folgen von Serien, denen Sie folgen" in body


def test_switched_off_channels_are_honoured(subscriber, client, smtp_server):
    preference_set(user=subscriber, kind="new_episode", channel="email", enabled=False)
    preference_set(user=subscriber, kind="new_episode", channel="in_app", enabled=False)
    episodes = _series("Harbour", 2)
    Follow.objects.create(profile=subscriber.profiles.first(), series=episodes[0].series)
    _publish(episodes)
    assert new_episode_digest_send() == 0 and smtp_server.messages == []
    client.force_login(subscriber)
    assert "0 unread" in client.get("/notifications/").content.decode()
    preference_set(user=subscriber, kind="new_episode", channel="email", enabled=True)
    assert new_episode_digest_send() == 0  # the episodes already passed; switching back on does not replay them


def test_the_in_app_list_speaks_the_viewers_language(subscriber, client):
    episodes = _series("Hafen", 1)
    Follow.objects.create(profile=subscriber.profiles.first(), series=episodes[0].series)
    _publish(episodes)
    client.force_login(subscriber)
    page = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Neue Folge von Hafen: S01E01 Chapter 1" in page and "1 ungelesen" in page
