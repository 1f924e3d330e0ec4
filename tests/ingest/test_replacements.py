"""Replacements, duplicates claims, quarantine actions (services and CLI), provenance, embargo through the
real pipeline (real ffmpeg, tiny clips)."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from reelhouse.catalog.models import Episode
from reelhouse.core import clock
from reelhouse.ingest.dispatch import ingest_tick
from reelhouse.ingest.models import Delivery
from reelhouse.playback.models import ResumePoint
from reelhouse.playback.services import playback_heartbeat, playback_start
from reelhouse.playback.signing import stream_prefix
from tests.conftest import deliver, scan_until_settled

pytestmark = pytest.mark.django_db(transaction=True)
EP1 = "Night Desk (2024)/Season 01/Night Desk - S01E01 - Pilot.mkv"


def cli(*args) -> str:
    out = StringIO()
    call_command("ingest", *args, stdout=out)
    return out.getvalue()


def test_second_file_for_the_same_episode_at_the_same_quality_is_held_then_used_when_marked(licensed_source,
                                                                                           clip_cache):
    deliver(licensed_source, EP1, clip_cache(seconds=2))
    deliver(licensed_source, "Night Desk (2024)/Season 01/Night.Desk.S01E01.WEB.mkv",
            clip_cache(seconds=2, pattern="smptebars"))
    scan_until_settled(licensed_source)

    first = Delivery.objects.get(path=EP1)
    second = Delivery.objects.exclude(pk=first.pk).get()
    assert first.state == Delivery.State.PUBLISHED
    assert second.state == Delivery.State.QUARANTINED
    assert f"episode already delivered by #{first.pk}" in second.reason
    assert "mark it as a replacement to use it" in second.reason
    old_asset = Episode.objects.get().asset

    out = cli("quarantine", "list")
    assert f"#{second.pk}\tquarantined" in out and "1 held" in out
    assert cli("quarantine", "retry", str(second.pk), "--replacement").startswith(f"#{second.pk} published")

    episode = Episode.objects.get()
    first.refresh_from_db()
    assert episode.asset.delivery_id == second.pk and first.state == Delivery.State.REPLACED
    assert (Path(settings.MEDIA_ROOT) / old_asset.directory / "master.m3u8").exists()  # old package kept


def test_higher_resolution_replaces_without_breaking_running_streams_or_resume_points(licensed_source, clip_cache,
                                                                                      subscriber, client):
    deliver(licensed_source, EP1, clip_cache(seconds=2, size="426x240"))
    scan_until_settled(licensed_source)
    episode = Episode.objects.get()
    old_asset = episode.asset
    profile = subscriber.profiles.get()
    session = playback_start(profile=profile, work=episode)
    playback_heartbeat(session=session, position_s=1.5, duration_s=2.0)

    deliver(licensed_source, "Night Desk (2024)/Season 01/Night Desk - S01E01 - Pilot - 480p.mkv",
            clip_cache(seconds=2, size="854x480"))
    scan_until_settled(licensed_source)

    episode.refresh_from_db()
    assert episode.asset_id != old_asset.pk and episode.asset.height == 480
    new = Delivery.objects.get(path__endswith="480p.mkv")
    assert any(d["step"] == "replacement" and "240p -> 480p" in d["outcome"] for d in new.decisions)
    # the running stream still gets its segments from the old package
    client.force_login(subscriber)
    response = client.get(stream_prefix(session_id=str(session.id), asset_id=old_asset.pk) + "master.m3u8")
    assert response.status_code == 200
    assert ResumePoint.objects.get(profile=profile, work=episode).position_s == 1.5


def test_assign_a_held_delivery_from_the_cli_publishes_it_as_that_episode(licensed_source, clip_cache):
    deliver(licensed_source, "incoming/final_master_v3.mkv", clip_cache(seconds=2))
    scan_until_settled(licensed_source)
    held = Delivery.objects.get()
    assert held.state == Delivery.State.QUARANTINED, held.reason

    with pytest.raises(CommandError, match="assign needs either --film TITLE"):
        cli("quarantine", "assign", str(held.pk), "--series", "Night Desk")
    out = cli("quarantine", "assign", str(held.pk), "--series", "Night Desk", "--year", "2024", "--season", "1",
              "--episode", "3")
    assert out.startswith(f"#{held.pk} published")
    episode = Episode.objects.get()
    assert (episode.series.title, episode.season.number, episode.number, episode.is_published) == (
        "Night Desk", 1, 3, True)
    held.refresh_from_db()
    steps = [d["step"] for d in held.decisions]
    assert steps.count("operator") == 2 and {"identify", "probe", "licence"} <= set(steps)


def test_discard_leaves_the_file_and_cannot_be_retried(licensed_source):
    path = deliver_bytes(licensed_source, "notes.txt", b"hello\n")
    scan_until_settled(licensed_source)
    held = Delivery.objects.get()
    assert cli("quarantine", "discard", str(held.pk)).startswith(f"#{held.pk} discarded")
    assert path.read_bytes() == b"hello\n"
    with pytest.raises(CommandError, match="only quarantined or failed deliveries"):
        cli("quarantine", "retry", str(held.pk))
    with pytest.raises(CommandError, match="no delivery #999"):
        cli("quarantine", "retry", "999")


def deliver_bytes(source, rel: str, data: bytes) -> Path:
    path = Path(source.path) / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_episode_delivered_before_its_air_date_is_transcoded_held_and_published_next_day(licensed_source,
                                                                                        clip_cache):
    clock.advance(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC) - clock.now())
    deliver(licensed_source, "Night Desk (2024)/Season 02/Night Desk - S02E01.mkv", clip_cache(seconds=2))
    (Path(licensed_source.path) / "Night Desk (2024)/Season 02/Night Desk - S02E01.nfo").write_text(
        "<episodedetails><title>Return</title><season>2</season><episode>1</episode>"
        "<aired>2026-06-03</aired></episodedetails>")
    scan_until_settled(licensed_source)

    episode = Episode.objects.get()
    assert Delivery.objects.get().state == Delivery.State.PUBLISHED  # the package is built
    assert episode.asset_id and not episode.is_published  # but viewers do not see it yet
    clock.advance(dt.timedelta(days=2))
    assert ingest_tick()["published"] == []
    clock.advance(dt.timedelta(hours=15))  # 2026-06-04 00:00 UTC
    assert ingest_tick()["published"] == [episode.pk]


def test_licence_not_started_yet_accepts_and_holds(licensed_source, clip_cache):
    licence = licensed_source.licence
    licence.starts_at = clock.now() + dt.timedelta(days=3)
    licence.save()
    deliver(licensed_source, EP1, clip_cache(seconds=2))
    scan_until_settled(licensed_source)
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PUBLISHED
    assert any("held until the licence starts" in d["outcome"] for d in delivery.decisions)
    assert not Episode.objects.get().is_published
    clock.advance(dt.timedelta(days=3, seconds=1))
    ingest_tick()
    assert Episode.objects.get().is_published


def test_archive_setting_moves_published_originals_and_never_deletes_them(licensed_source, clip_cache, tmp_path,
                                                                          settings):
    settings.REELHOUSE_INGEST_ARCHIVE_DIR = str(tmp_path / "archive")
    clip = clip_cache(seconds=2)
    path = deliver(licensed_source, EP1, clip)
    scan_until_settled(licensed_source)
    archived = tmp_path / "archive" / licensed_source.name / EP1
    assert not path.exists() and archived.read_bytes() == clip.read_bytes()
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PUBLISHED and delivery.decisions[-1]["step"] == "archive"
    scan_until_settled(licensed_source)
    assert Delivery.objects.count() == 1


def test_admin_actions_retry_and_discard(licensed_source, admin_client):
    deliver_bytes(licensed_source, "a.txt", b"a\n")
    deliver_bytes(licensed_source, "b.txt", b"b\n")
    scan_until_settled(licensed_source)
    a, b = Delivery.objects.order_by("path")
    response = admin_client.post("/admin/ingest/delivery/", {"action": "discard", "_selected_action": [a.pk]})
    assert response.status_code == 302
    admin_client.post("/admin/ingest/delivery/", {"action": "retry", "_selected_action": [b.pk]})
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.state == Delivery.State.DISCARDED
    assert b.state == Delivery.State.QUARANTINED and [d["outcome"] for d in b.decisions].count("retry") == 1


def test_delivery_of_an_announced_episode_fills_in_its_title_and_keeps_its_air_date(licensed_source, clip_cache):
    from reelhouse.catalog.services import episode_expect, series_for_guide

    series = series_for_guide(title="Night Desk", year=2024)
    announced = episode_expect(series=series, season_number=1, number=1, air_date=dt.date(2024, 2, 1))
    deliver(licensed_source, EP1, clip_cache(seconds=2))
    scan_until_settled(licensed_source)
    episode = Episode.objects.get()
    assert episode.pk == announced.pk and episode.title == "Pilot" and episode.air_date == dt.date(2024, 2, 1)
    assert episode.is_published and episode.runtime_s == 2
