"""Downloads inside the installed app, over HTTP: the same slots and rules as 'Download', a status the app checks
at launch, and the offline player's position arriving once back online."""

import datetime as dt

import pytest
from django.test import Client

from reelhouse.accounts.services import user_create
from reelhouse.core import clock
from reelhouse.playback.models import Download, ResumePoint
from tests.playback.test_downloads import episodes, viewer  # noqa: F401 - fixtures used by name

pytestmark = pytest.mark.django_db(transaction=True)


def _save(client, episode):
    return client.post(f"/watch/{episode.pk}/download/app")


def test_saving_in_the_app_takes_one_download_and_a_signed_file_link(viewer, episodes):  # noqa: F811
    answer = _save(viewer, episodes[0])
    assert answer.status_code == 200
    body = answer.json()
    download = Download.objects.get()
    assert body["id"] == str(download.id) and body["url"].startswith("/download/")
    assert viewer.get(body["url"]).status_code == 200
    status = viewer.get(body["status_url"]).json()
    assert status["valid"] is True and status["expires_at"] == download.expires_at.isoformat()


def test_status_says_a_revoked_or_expired_download_must_go(viewer, episodes):  # noqa: F811
    body = _save(viewer, episodes[0]).json()
    clock.advance(dt.timedelta(days=400))
    status = viewer.get(body["status_url"]).json()
    assert status["valid"] is False and "expired" in status["reason"]


def test_the_limit_refuses_a_save_with_the_reason(viewer, subscriber, episodes, settings):  # noqa: F811
    from reelhouse.billing.models import Subscription

    plan = Subscription.objects.get(user=subscriber).plan
    plan.max_downloads = 1
    plan.save()
    assert _save(viewer, episodes[0]).status_code == 200
    refused = _save(viewer, episodes[1])
    assert refused.status_code == 403 and refused.json()["error"] == "limit"


def test_offline_position_becomes_the_resume_point_unless_newer_exists(viewer, episodes):  # noqa: F811
    body = _save(viewer, episodes[0]).json()
    watched_at = int(clock.now().timestamp() * 1000)
    sent = viewer.post(body["progress_url"], {"position_s": "1.5", "duration_s": "2", "watched_at": watched_at})
    assert sent.json() == {"recorded": True}
    point = ResumePoint.objects.get(work=episodes[0])
    assert point.position_s == 1.5
    older = viewer.post(body["progress_url"], {"position_s": "0.2", "duration_s": "2",
                                               "watched_at": watched_at - 60_000})
    assert older.json() == {"recorded": False}
    point.refresh_from_db()
    assert point.position_s == 1.5
    bad = viewer.post(body["progress_url"], {"position_s": "soon"})
    assert bad.status_code == 400 and "position_s" in bad.json()["message"]


def test_another_account_cannot_read_or_move_my_download(viewer, episodes):  # noqa: F811
    """The attack: another subscriber uses my download's id (from a shared device's storage) on their account."""
    body = _save(viewer, episodes[0]).json()
    other = Client()
    other.force_login(user_create(email="other@example.com", password="correct horse battery"))
    assert other.get(body["status_url"]).status_code == 404
    moved = other.post(body["progress_url"], {"position_s": "1", "duration_s": "2",
                                              "watched_at": int(clock.now().timestamp() * 1000)})
    assert moved.status_code == 404
    assert not ResumePoint.objects.exists()


def test_downloads_page_is_the_same_for_everyone(viewer, subscriber, episodes):  # noqa: F811
    page = viewer.get("/downloads/").content.decode()
    assert 'id="downloads-list"' in page
    for personal in (subscriber.email, "csrfmiddlewaretoken"):
        assert personal not in page


def test_the_app_gives_back_a_slot_it_could_not_store_and_only_its_own(viewer, episodes):  # noqa: F811
    """No room on the device: the app releases the download it just took. The attack: another account (or a GET, or
    a made-up id) tries to release it."""
    body = _save(viewer, episodes[0]).json()
    other = Client()
    other.force_login(user_create(email="other@example.com", password="correct horse battery"))
    assert other.post(body["release_url"]).status_code == 404
    assert viewer.get(body["release_url"]).status_code == 405
    assert viewer.post(body["release_url"].replace(body["id"], "00000000-0000-0000-0000-000000000000")).status_code \
        == 404
    assert Download.objects.get().revoked_at is None
    assert viewer.post(body["release_url"]).json() == {"released": True}
    assert Download.objects.get().revoked_at is not None
    assert viewer.get(body["status_url"]).json()["valid"] is False


@pytest.fixture
def subtitled(licensed_source, clip_cache):
    """An episode delivered with an English subtitle sidecar."""
    from reelhouse.catalog.models import Episode
    from tests.conftest import deliver, scan_until_settled

    folder = "Lamp Road (2021)/Season 01"
    deliver(licensed_source, f"{folder}/Lamp Road - S01E01 - Dusk.mkv",
            clip_cache(seconds=2, size="640x360", pattern="testsrc2"))
    with open(f"{licensed_source.path}/{folder}/Lamp Road - S01E01 - Dusk.en.srt", "w") as fh:
        fh.write("1\n00:00:00,000 --> 00:00:02,000\nDusk on Lamp Road.\n")
    scan_until_settled(licensed_source)
    return Episode.objects.get(series__title="Lamp Road")


def test_a_save_lists_the_subtitles_and_seek_thumbnails_to_keep_with_it(viewer, subtitled):  # noqa: F811
    body = _save(viewer, subtitled).json()
    kinds = {x["name"]: (x["kind"], x["language"]) for x in body["extras"]}
    assert kinds == {"subs/en.vtt": ("subtitles", "en"), "trickplay/thumbnails.vtt": ("thumbnails", ""),
                     "trickplay/sprite_001.jpg": ("sprite", "")}
    files = {x["name"]: viewer.get(x["url"]) for x in body["extras"]}
    assert all(r.status_code == 200 for r in files.values())
    assert b"Dusk on Lamp Road." in b"".join(files["subs/en.vtt"].streaming_content)
    assert files["trickplay/sprite_001.jpg"]["Content-Type"] == "image/jpeg"


def test_the_files_beside_a_download_are_its_listed_ones_only_and_only_while_it_stands(viewer, subtitled):  # noqa: F811
    """The attacks: another account with my download's id; names outside the list (the package's master, a
    rendition, the download folder, a way out of the package); my own download once removed from the account."""
    from reelhouse.playback.services import download_revoke

    body = _save(viewer, subtitled).json()
    base = f"/app/downloads/{body['id']}/files/"
    other = Client()
    other.force_login(user_create(email="other@example.com", password="correct horse battery"))
    assert other.get(base + "subs/en.vtt").status_code == 404
    for name in ("master.m3u8", "v360/index.m3u8", "download/360.mp4", "subs/../master.m3u8",
                 "trickplay/../../../reelhouse.sqlite3", "subs/en.m3u8", "%2e%2e/master.m3u8"):
        assert viewer.get(base + name).status_code == 404, name
    download_revoke(user=Download.objects.get().profile.user, download_id=body["id"])
    refused = viewer.get(base + "subs/en.vtt")
    assert refused.status_code == 403 and "removed from the account" in refused.content.decode()
