"""Offline downloads: offered on the watch page, limited per plan, served under signed links that stop working
when the download is removed or expires or the subscription ends; listed and removable on the account page."""

import datetime as dt
import re

import pytest

from reelhouse.billing.models import Subscription
from reelhouse.catalog.models import Episode
from reelhouse.core import clock
from reelhouse.playback.models import Download
from tests.conftest import deliver, scan_until_settled

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def episodes(licensed_source, clip_cache):
    for n in (1, 2):
        deliver(licensed_source, f"Test Show (2020)/Season 01/Test Show - S01E0{n} - Part {n}.mkv",
                clip_cache(seconds=2, size="640x360", pattern=("testsrc2", "testsrc")[n - 1]))
    scan_until_settled(licensed_source)
    return list(Episode.objects.order_by("number"))


@pytest.fixture
def viewer(client, subscriber):
    client.force_login(subscriber)
    return client


def _plan(user):
    return Subscription.objects.get(user=user).plan


def _download(client, episode, label=""):
    return client.post(f"/watch/{episode.pk}/download/", {"label": label})


def test_watch_page_offers_a_download_and_the_file_arrives_under_a_signed_link(viewer, episodes):
    page = viewer.get(f"/watch/{episodes[0].pk}/").content.decode()
    labels = re.findall(r'<option value="(\d+)"[^>]*>\d+p</option>', page)
    assert labels and 'id="download"' in page
    response = _download(viewer, episodes[0], labels[0])
    assert response.status_code == 302 and response["Location"].startswith("/download/")
    file = viewer.get(response["Location"])
    assert file.status_code == 200 and file["Content-Type"] == "video/mp4"
    assert "attachment" in file["Content-Disposition"] and f"{labels[0]}p.mp4" in file["Content-Disposition"]
    data = b"".join(file.streaming_content)
    assert data[4:8] == b"ftyp" and data.find(b"moov") < data.find(b"mdat")  # faststart: plays while it arrives
    download = Download.objects.get()
    assert download.label == labels[0] and download.work_id == episodes[0].pk
    assert download.expires_at - download.created_at == dt.timedelta(days=30)


def test_same_title_twice_reuses_the_download(viewer, episodes):
    _download(viewer, episodes[0])
    _download(viewer, episodes[0])
    assert Download.objects.count() == 1


def test_limit_reached_is_refused_with_the_limit_and_how_to_free_one(viewer, subscriber, episodes):
    plan = _plan(subscriber)
    plan.max_downloads = 1
    plan.save()
    _download(viewer, episodes[0])
    refused = _download(viewer, episodes[1])
    assert refused.status_code == 302 and refused["Location"].endswith("/account/#downloads")
    account = viewer.get("/account/").content.decode()
    assert "Your plan allows 1 active download(s) and you have 1." in account
    assert "Remove one under Downloads on your account page" in account
    assert Download.objects.count() == 1

    # Removing the first frees its slot, and its link stops working with a reason.
    first = Download.objects.get()
    link = viewer.get(f"/account/downloads/{first.id}/")["Location"]
    assert viewer.post(f"/account/downloads/{first.id}/revoke/").status_code == 302
    gone = viewer.get(link)
    assert gone.status_code == 403 and "was removed from the account" in gone.content.decode()
    assert _download(viewer, episodes[1])["Location"].startswith("/download/")


def test_account_page_lists_downloads(viewer, episodes):
    _download(viewer, episodes[0])
    account = viewer.get("/account/").content.decode()
    assert 'id="downloads"' in account and "1 of 10 downloads in use." in account
    assert episodes[0].title in account and "Remove the download of" in account


def test_expired_download_and_ended_subscription_are_refused(viewer, subscriber, episodes):
    link = _download(viewer, episodes[0])["Location"]
    download = Download.objects.get()
    download.expires_at = clock.now() - dt.timedelta(minutes=1)
    download.created_at = download.expires_at - dt.timedelta(days=30)
    download.save()
    expired = viewer.get(link)
    assert expired.status_code == 403 and "expired" in expired.content.decode()

    download.expires_at = clock.now() + dt.timedelta(days=10)
    download.save()
    Subscription.objects.filter(user=subscriber).update(state=Subscription.State.EXPIRED)
    ended = viewer.get(link)
    assert ended.status_code == 403 and "subscription is not active" in ended.content.decode()


def test_tampered_or_stale_links_are_refused(viewer, episodes):
    link = _download(viewer, episodes[0])["Location"]
    _, _, sig, expires, download_id, file = link.split("/")
    assert viewer.get(f"/download/{'A' * len(sig)}/{expires}/{download_id}/{file}").status_code == 403
    assert viewer.get(f"/download/{sig}/{int(expires) + 60}/{download_id}/{file}").status_code == 403
    clock.advance(dt.timedelta(hours=7))  # past the link's lifetime, the download itself still stands
    stale = viewer.get(link)
    assert stale.status_code == 403 and "Download again" in stale.content.decode()
    assert viewer.get(f"/account/downloads/{download_id}/")["Location"].startswith("/download/")


def test_plan_without_downloads_offers_none(viewer, subscriber, episodes):
    plan = _plan(subscriber)
    plan.max_downloads = 0
    plan.save()
    page = viewer.get(f"/watch/{episodes[0].pk}/").content.decode()
    assert 'id="download"' not in page and "does not include downloads" in page
    refused = _download(viewer, episodes[0])
    assert refused.status_code == 302 and not Download.objects.exists()


def test_download_expires_when_the_licence_ends(viewer, episodes):
    licence = episodes[0].licence
    licence.ends_at = clock.now() + dt.timedelta(days=5)
    licence.save()
    _download(viewer, episodes[0])
    assert Download.objects.get().expires_at == licence.ends_at


def test_another_account_cannot_remove_or_fetch_a_download(viewer, client, episodes, django_user_model):
    _download(viewer, episodes[0])
    download = Download.objects.get()
    from reelhouse.accounts.services import user_create

    other = user_create(email="other@example.com", password="correct horse battery", display_name="Other")
    client.force_login(other)
    assert client.post(f"/account/downloads/{download.id}/revoke/").status_code == 404
    assert client.get(f"/account/downloads/{download.id}/").status_code == 404
    assert Download.objects.get().revoked_at is None


def test_streaming_only_licence_offers_no_download_and_stops_existing_ones(viewer, episodes):
    link = _download(viewer, episodes[0])["Location"]
    assert viewer.get(link).status_code == 200
    licence = episodes[0].licence
    licence.allows_downloads = False  # the operator records that these rights are streaming-only
    licence.save()

    page = viewer.get(f"/watch/{episodes[0].pk}/")
    assert page.status_code == 200  # streaming still works
    html = page.content.decode()
    assert 'id="download"' not in html
    assert "The licence for this title does not allow downloads; you can still stream it." in html
    refused = _download(viewer, episodes[1])
    assert refused.status_code == 302 and refused["Location"].endswith("/account/#downloads")
    assert "does not allow downloads" in viewer.get("/account/").content.decode()
    assert Download.objects.count() == 1
    stopped = viewer.get(link)
    assert stopped.status_code == 403 and "does not allow downloads" in stopped.content.decode()


def test_new_licences_allow_downloads_unless_told_otherwise(episodes):
    from reelhouse.rights.models import Licence, Licensor

    licence = Licence.objects.create(licensor=Licensor.objects.create(name="Another"), name="Streaming",
                                     starts_at=clock.now())
    assert licence.allows_downloads is True


@pytest.fixture
def film(licensed_source, clip_cache):
    deliver(licensed_source, "Low Water (2018)/Low Water (2018).mkv", clip_cache(seconds=2, size="640x360"))
    scan_until_settled(licensed_source)
    from reelhouse.catalog.models import Film

    return Film.objects.select_related("asset", "licence").get()


def _film_button(viewer, film) -> str:
    """The film page as the subscriber sees it (it carries the download button or the reason there is none)."""
    page = viewer.get(f"/films/{film.slug}/")
    assert page.status_code == 200
    return page.content.decode()


def test_film_page_button_follows_licence_and_plan(viewer, subscriber, film):
    html = _film_button(viewer, film)
    assert f'action="/watch/{film.pk}/download/"' in html and 'id="download"' in html
    assert re.findall(r'<option value="(\d+)"[ >]', html) == ["360"]

    film.licence.allows_downloads = False
    film.licence.save()
    html = _film_button(viewer, film)
    assert 'id="download"' not in html and "licence for this title does not allow downloads" in html

    film.licence.allows_downloads = True
    film.licence.save()
    plan = _plan(subscriber)
    plan.max_downloads = 0
    plan.save()
    html = _film_button(viewer, film)
    assert 'id="download"' not in html and "does not include downloads" in html
