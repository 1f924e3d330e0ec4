"""Series tracking: episode states, the Missing list per licensor, the upcoming calendar (HTML and iCal),
embargoed publishing by the scheduler and followers told."""

import datetime as dt

import pytest

from reelhouse.accounts.services import user_create
from reelhouse.catalog.models import Episode, Follow, Work
from reelhouse.catalog.services import episode_expect, series_for_guide, work_publish
from reelhouse.core import clock
from reelhouse.ingest import ical
from reelhouse.ingest.dispatch import ingest_tick
from reelhouse.ingest.models import Delivery, Source
from reelhouse.ingest.selectors import EpisodeState, episode_state, episodes_missing, episodes_tracked
from reelhouse.media.models import Asset
from reelhouse.notifications.models import Notification
from reelhouse.rights.models import Licence, Licensor
from tests.conftest import with_role

pytestmark = pytest.mark.django_db
UTC = dt.UTC


@pytest.fixture
def now():
    """Pin 'now' to 2026-03-10 12:00 UTC by moving the one clock."""
    clock.advance(dt.datetime(2026, 3, 10, 12, tzinfo=UTC) - clock.now())
    return clock.now()


@pytest.fixture
def licences(db):
    a = Licensor.objects.create(name="Alpha Pictures")
    b = Licensor.objects.create(name="Beta Television")
    start = dt.datetime(2020, 1, 1, tzinfo=UTC)
    return (Licence.objects.create(licensor=a, name="A", starts_at=start),
            Licence.objects.create(licensor=b, name="B", starts_at=start))


def guide(title, licence, *rows):
    series = series_for_guide(title=title, year=2026)
    return [episode_expect(series=series, season_number=1, number=n, air_date=d, licence=licence) for n, d in rows]


def asset_for(work, height=480) -> Asset:
    return Asset.objects.create(work=work, source_sha256=f"{work.pk:064d}", directory=f"packages/{work.pk}",
                                duration_s=4, width=height * 16 // 9, height=height)


def test_episode_states_are_derived_from_air_dates_deliveries_and_assets(now, licences, tmp_path):
    e1, e2, _e3, e4, _e5, e6 = guide("Harbour", licences[0], (1, dt.date(2026, 3, 1)), (2, dt.date(2026, 3, 3)),
                                   (3, dt.date(2026, 3, 5)), (4, dt.date(2026, 3, 8)), (5, dt.date(2026, 3, 9)),
                                   (6, dt.date(2026, 3, 20)))
    work_publish(work=e1, asset=asset_for(e1))
    source = Source.objects.create(name="s", path=str(tmp_path), licensor=licences[0].licensor)
    Delivery.objects.create(source=source, path="e2.mkv", size=1, mtime_ns=1, state=Delivery.State.ACCEPTED, work=e2)
    Episode.objects.filter(pk=e4.pk).update(skipped=True)
    e6_asset = asset_for(e6)
    work_publish(work=e6, asset=e6_asset)  # delivered early: held

    states = {e.number: episode_state(e) for e in episodes_tracked()}
    assert states == {1: EpisodeState.AVAILABLE, 2: EpisodeState.PROCESSING, 3: EpisodeState.EXPECTED,
                      4: EpisodeState.SKIPPED, 5: EpisodeState.EXPECTED, 6: EpisodeState.DELIVERED}


def test_missing_list_is_per_licensor_oldest_first(now, licences):
    guide("Harbour", licences[0], (1, dt.date(2026, 3, 5)), (2, dt.date(2026, 3, 12)))
    guide("Aardvark", licences[1], (1, dt.date(2026, 2, 1)), (2, dt.date(2026, 3, 9)))
    guide("Zebra", licences[0], (1, dt.date(2026, 1, 1)))

    assert [(e.series.title, e.number) for e in episodes_missing()] == [
        ("Zebra", 1), ("Aardvark", 1), ("Harbour", 1), ("Aardvark", 2)]
    assert [(e.series.title, e.number) for e in episodes_missing(licensor=licences[0].licensor)] == [
        ("Zebra", 1), ("Harbour", 1)]


def test_missing_and_calendar_pages_and_ical_feeds_are_staff_only(now, licences, client):
    guide("Harbour; Docks, Part 2", licences[0], (1, dt.date(2026, 3, 5)), (2, dt.date(2026, 3, 24)))
    assert client.get("/ops/ingest/missing.ics").status_code == 302  # to the admin login
    client.force_login(with_role(user_create(email="ops@example.com", password="x" * 12, is_staff=True),
                                 "content manager"))

    page = client.get("/ops/ingest/missing").content.decode()
    assert "Alpha Pictures" in page and "S01E01" in page and "S01E02" not in page
    assert "S01E02" in client.get("/ops/ingest/calendar").content.decode()

    response = client.get("/ops/ingest/missing.ics")
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "DTSTART;VALUE=DATE:20260305\r\n" in body and "SUMMARY:Harbour\\; Docks\\, Part 2 S01E01" in body
    upcoming = client.get("/ops/ingest/calendar.ics").content.decode()
    assert "DTSTART;VALUE=DATE:20260324" in upcoming and "20260305" not in upcoming


def test_ical_lines_are_folded_at_75_octets_without_splitting_characters():
    text = ical.calendar(name="x", events=[ical.AllDayEvent(uid="u", day=dt.date(2026, 1, 1), summary="日本語" * 40)],
                         stamp=dt.datetime(2026, 1, 1, tzinfo=UTC))
    lines = text.split("\r\n")
    assert max(len(line.encode()) for line in lines) <= 75
    summary = "".join(line[1:] if line.startswith(" ") else line for line in lines
                      if line.startswith(("SUMMARY", " ")))
    assert summary == "SUMMARY:" + "日本語" * 40


def test_episode_delivered_before_air_is_held_then_published_by_the_scheduler_and_followers_told(now, licences):
    (episode,) = guide("Harbour", licences[0], (7, dt.date(2026, 3, 11)))
    viewer = user_create(email="fan@example.com", password="x" * 12)
    Follow.objects.create(profile=viewer.profiles.get(), series=episode.series)

    work_publish(work=episode, asset=asset_for(episode))
    episode.refresh_from_db()
    assert episode.asset_id and episode.published_at is None and not Notification.objects.exists()

    clock.advance(dt.timedelta(days=1))  # 2026-03-11 12:00: airs today, still held (next-day publishing)
    assert ingest_tick()["published"] == []
    clock.advance(dt.timedelta(hours=12))  # 2026-03-12 00:00
    assert ingest_tick()["published"] == [episode.pk]
    episode.refresh_from_db()
    assert episode.is_published
    note = Notification.objects.get()
    assert note.profile == viewer.profiles.get() and note.work_id == episode.pk and "Harbour: S01E07" in note.text
    assert ingest_tick()["published"] == [] and Notification.objects.count() == 1


def test_followers_are_told_only_where_the_episode_is_licensed(now, licences):
    regional = Licence.objects.create(licensor=licences[0].licensor, name="France", territories="FR",
                                      starts_at=dt.datetime(2020, 1, 1, tzinfo=UTC))
    (episode,) = guide("Quai Ouest", regional, (3, dt.date(2026, 3, 1)))
    fans = {country: user_create(email=f"fan-{country}@example.com", password="x" * 12) for country in ["FR", "US"]}
    for country, user in fans.items():
        user.country = country
        user.save(update_fields=["country"])
        Follow.objects.create(profile=user.profiles.get(), series=episode.series)
    work_publish(work=episode, asset=asset_for(episode))
    assert [n.profile.user.country for n in Notification.objects.select_related("profile__user")] == ["FR"]


def test_licence_start_holds_a_film_until_that_moment(now, licences):
    from reelhouse.catalog.models import Film

    licence = Licence.objects.create(licensor=licences[0].licensor, name="From April",
                                     starts_at=dt.datetime(2026, 4, 1, 6, tzinfo=UTC))
    film = Film.objects.create(title="Quiet Hours", slug="quiet-hours", licence=licence)
    work_publish(work=film, asset=asset_for(film))
    assert Work.objects.get(pk=film.pk).published_at is None
    clock.advance(dt.datetime(2026, 4, 1, 6, tzinfo=UTC) - clock.now())
    assert ingest_tick()["published"] == [film.pk]


def test_replacing_the_asset_of_a_published_work_keeps_its_publish_time_and_does_not_notify_again(now, licences):
    (episode,) = guide("Harbour", licences[0], (1, dt.date(2026, 3, 1)))
    work_publish(work=episode, asset=asset_for(episode, 480))
    first = Work.objects.get(pk=episode.pk).published_at
    clock.advance(dt.timedelta(days=2))
    better = Asset.objects.create(work=episode, source_sha256="f" * 64, directory="packages/better", duration_s=4,
                                  width=1280, height=720)
    work_publish(work=episode, asset=better)
    work = Work.objects.get(pk=episode.pk)
    assert (work.asset_id, work.published_at) == (better.pk, first)


def test_episode_nfo_without_its_video_announces_the_episode(now, licences, tmp_path):
    from reelhouse.ingest.dispatch import sources_scan

    source = Source.objects.create(name="w", path=str(tmp_path / "w"), licensor=licences[0].licensor,
                                   licence=licences[0])
    season = tmp_path / "w" / "Harbour (2026)" / "Season 01"
    season.mkdir(parents=True)
    (season / "Harbour - S01E03.nfo").write_text(
        "<episodedetails><title>Low Tide</title><season>1</season><episode>3</episode>"
        "<aired>2026-03-02</aired></episodedetails>")
    (season / "Harbour - S01E04.nfo").write_text(
        "<episodedetails><title>Fog</title><aired>2026-03-30</aired></episodedetails>")

    sources_scan(sources=[source])

    episodes = list(Episode.objects.order_by("number").values_list("series__title", "number", "title", "air_date"))
    assert episodes == [("Harbour", 3, "Low Tide", dt.date(2026, 3, 2)), ("Harbour", 4, "Fog", dt.date(2026, 3, 30))]
    assert [e.number for e in episodes_missing()] == [3]
    assert not Delivery.objects.exists()
