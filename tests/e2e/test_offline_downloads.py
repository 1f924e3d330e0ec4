"""Downloads inside the installed app: save an episode (with its subtitles and seek thumbnails), play it with no
network, its position reaches the server when back online, and it is deleted once the server says the download no
longer stands."""

import time
from types import SimpleNamespace

import pytest

from tests.conftest import deliver, scan_until_settled
from tests.e2e.conftest import screenshot, under_service_worker
from tests.e2e.test_player import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SRT = "1\n00:00:00,000 --> 00:00:30,000\nThe harbour lights come on.\n"


@pytest.fixture
def episode(licensed_source, clip_cache):
    """One episode with an English subtitle sidecar, through the real pipeline (ladder, download files, subtitles,
    trickplay)."""
    from reelhouse.catalog.models import Episode

    deliver(licensed_source, "Harbour Lights (2019)/Season 01/Harbour Lights - S01E01 - Part 1.mkv",
            clip_cache(seconds=8, size="854x480", pattern="testsrc2"))
    sidecar = licensed_source.path + "/Harbour Lights (2019)/Season 01/Harbour Lights - S01E01 - Part 1.en.srt"
    with open(sidecar, "w") as fh:
        fh.write(SRT)
    scan_until_settled(licensed_source)
    return Episode.objects.get()


@pytest.fixture
def app_page(browser, live_server, subscriber, episode):
    """The installed app, signed in, on the episode's page: its service worker in control."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = context.new_page()
    sign_in(page, live_server, subscriber)
    under_service_worker(page, live_server.url)
    page.goto(f"{live_server.url}/watch/{episode.pk}/")
    yield SimpleNamespace(context=context, page=page, url=live_server.url, episode=episode, user=subscriber)
    context.close()


@pytest.fixture
def saved(app_page):
    """The episode saved in the app ("Save in the app" on its page): one server download."""
    from reelhouse.playback.models import Download

    app_page.page.get_by_role("button", name="Save in the app").click()
    app_page.page.get_by_text("Saved in the app: see Downloads.").wait_for()
    app_page.download = Download.objects.get()  # one server download: the same slot as the MP4 button's
    return app_page


def _cached(page) -> list[str]:
    """The paths kept in the app's downloads cache."""
    return page.evaluate("caches.open('reelhouse-downloads').then((c) => c.keys())"
                         ".then((k) => k.map((r) => new URL(r.url).pathname).sort())")


def test_saved_episode_plays_offline_and_leaves_when_revoked(saved):
    from reelhouse.playback.models import ResumePoint
    from reelhouse.playback.services import download_revoke

    context, page, download, subscriber = saved.context, saved.page, saved.download, saved.user
    # Saved beside the video: the subtitle track and the seek thumbnails (WebVTT track and sprite sheet).
    key = f"/app-media/{download.pk}"
    assert _cached(page) == [f"{key}.mp4", f"{key}/subs/en.vtt", f"{key}/trickplay/sprite_001.jpg",
                             f"{key}/trickplay/thumbnails.vtt"]

    context.set_offline(True)
    page.goto(f"{saved.url}/downloads/")
    assert page.get_by_role("heading", name="Downloads").is_visible()
    page.get_by_role("button", name=f"Play {download.work.title}").click()
    page.wait_for_function("document.getElementById('video').currentTime > 1", timeout=30_000)
    # The site's player, offline: the watch page's controls (the same ids) on the saved file, its keys and scrub bar.
    player = page.locator("#player")
    for control in ("#seek", "#fullscreen", "p.keys"):
        assert player.locator(control).is_visible(), control
    assert page.locator("#quality, #audio").count() == 0  # a saved file has one quality and one audio track
    # The whole video on screen (not pushed below the fold by the list above it).
    box = page.locator("#video").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 800 and box["x"] + box["width"] <= 1280, box
    # Its saved subtitles, offline: off until chosen, then shown.
    assert page.locator("#subtitles option").all_inner_texts() == ["Off", "English"]
    page.select_option("#subtitles", label="English")
    page.wait_for_function("(() => { const t = document.getElementById('video').textTracks[0];"
                           " return t.mode === 'showing' && t.cues && t.cues.length &&"
                           " t.cues[0].text === 'The harbour lights come on.'; })()")
    # Its saved seek thumbnails: the pointer over the scrub bar shows the sprite, from the app's storage.
    page.wait_for_function("window.reelhouseSeekCues().length > 0")
    seek = page.locator("#seek").bounding_box()
    page.mouse.move(seek["x"] + seek["width"] / 2, seek["y"] + seek["height"] / 2)
    preview = page.locator("#seek-preview")
    preview.wait_for()
    assert preview.evaluate("e => e.style.backgroundImage").startswith('url("blob:')
    assert preview.evaluate("e => e.getBoundingClientRect().width") > 100  # the thumbnail, not the bare time box
    page.mouse.move(0, 0)
    assert float(page.locator("#seek").get_attribute("max")) == pytest.approx(
        page.evaluate("document.getElementById('video').duration"))
    page.evaluate("document.activeElement.blur()")  # the keys work on the page, as on the watch page
    page.keyboard.press(" ")
    page.wait_for_function("document.getElementById('video').paused")
    page.keyboard.press("ArrowLeft")  # back 10 s: to the start
    page.wait_for_function("document.getElementById('video').currentTime === 0")
    page.keyboard.press(" ")
    page.wait_for_function("!document.getElementById('video').paused")
    page.wait_for_function("document.getElementById('video').currentTime > 1", timeout=30_000)
    page.evaluate("document.getElementById('video').pause()")
    screenshot(page, "app-downloads-offline")
    page.reload()  # still offline: the page, the list and the resume position are all kept in the app
    page.get_by_role("button", name=f"Play {download.work.title}").click()
    page.wait_for_function("document.getElementById('video').currentTime >= 1", timeout=30_000)

    page.evaluate("document.getElementById('video').pause()")

    context.set_offline(False)  # back online: where the offline player got to becomes the resume point
    page.reload()
    page.wait_for_function(f"JSON.parse(localStorage.getItem('reelhouse.downloads'))['{download.pk}'].unsent"
                           " === false")
    offline_position = page.evaluate(f"JSON.parse(localStorage.getItem('reelhouse.downloads'))['{download.pk}']"
                                     ".position")
    point = ResumePoint.objects.get(profile=download.profile, work=download.work)
    assert point.position_s == pytest.approx(offline_position) and point.position_s >= 1

    download_revoke(user=subscriber, download_id=download.pk)  # removed from the account meanwhile
    page.goto(f"{saved.url}/")  # the app opens at home: this launch's check removes it there already
    page.wait_for_function(f"!('{download.pk}' in JSON.parse(localStorage.getItem('reelhouse.downloads')))")
    page.goto(f"{saved.url}/downloads/")
    page.get_by_text("Nothing saved in this app yet.").wait_for()
    assert _cached(page) == []  # the video and everything saved beside it


def _wait_until(condition, seconds: float = 15) -> None:
    """Cache Storage answers asynchronously and tells no page event when it is done: look until it is so."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def _saved_count(page) -> int:
    return page.evaluate("Object.keys(JSON.parse(localStorage.getItem('reelhouse.downloads') || '{}')).length")


def test_a_download_that_does_not_fit_is_refused_and_its_slot_given_back(app_page):
    """The browser's real quota, made small through DevTools (Storage.overrideQuotaForOrigin; Chromium's
    navigator.storage.estimate() does not show that override, so this is the path where the write itself is refused):
    the app says how much the title needs, gives the download slot back and stores nothing. The Downloads page then
    shows the storage used and still free, and whether the browser keeps saved titles (navigator.storage.persist)."""
    from reelhouse.playback.models import Download
    from reelhouse.playback.selectors import downloads_active

    context, page, live_url, subscriber = app_page.context, app_page.page, app_page.url, app_page.user
    need = int(page.locator("select[name=label] option").first.get_attribute("data-bytes"))
    assert need > 100_000  # the 480p file of an 8-second clip
    usage = page.evaluate("navigator.storage.estimate().then((e) => e.usage)")
    cdp = context.new_cdp_session(page)
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": live_url, "quotaSize": usage + need // 2})

    page.get_by_role("button", name="Save in the app").click()
    status = page.locator("#save-offline-status")
    status.get_by_text("Not saved: this title needs").wait_for()
    assert "MB" in status.inner_text() and "ran out of room" in status.inner_text()
    assert "Delete a download under Downloads" in status.inner_text()
    assert page.get_by_role("button", name="Save in the app").is_enabled()  # try again once space is freed
    assert Download.objects.count() == 1 and not downloads_active(user=subscriber).exists()  # the slot is free
    assert _saved_count(page) == 0
    assert _cached(page) == []

    cdp.send("Storage.overrideQuotaForOrigin", {"origin": live_url})  # the device's real quota again
    page.get_by_role("button", name="Save in the app").click()
    page.get_by_text("Saved in the app: see Downloads.").wait_for()
    assert downloads_active(user=subscriber).count() == 1

    page.goto(f"{live_url}/downloads/")
    storage = page.locator("#downloads-storage")
    storage.get_by_text("Storage on this device:").wait_for()
    used = page.evaluate("navigator.storage.estimate().then((e) => e.usage)")
    assert used >= need and "used" in storage.inner_text() and "still available to this app" in storage.inner_text()
    kept = page.locator("#downloads-persisted")
    kept.wait_for()
    persisted = page.evaluate("navigator.storage.persisted()")
    assert kept.inner_text() == ("Saved titles are kept until you delete them or they end." if persisted else
                                 "The browser may remove saved titles if the device runs low on space.")
    screenshot(page, "app-downloads-storage")


def test_a_download_past_its_term_is_deleted_at_launch_even_offline(saved):
    """No network to ask: the app's own clock passes the download's end of term, and opening the app deletes it."""
    page, download = saved.page, saved.download
    saved.context.set_offline(True)
    page.goto(f"{saved.url}/downloads/")
    page.get_by_role("button", name=f"Play {download.work.title}").wait_for()  # within its term: kept offline
    page.clock.set_system_time(download.expires_at.timestamp() + 60)  # a minute after the term ended
    page.reload()
    page.get_by_text("Nothing saved in this app yet.").wait_for()  # never listed, from the first paint
    # Cache Storage answers after the list is drawn: wait for it (a removal the previous page had begun is finished
    # here too: the next test).
    _wait_until(lambda: _cached(page) == [])
    assert _saved_count(page) == 0
    assert _cached(page) == []


def test_a_download_whose_term_ends_while_the_page_is_open_is_not_played(saved):
    """The term ends with the Downloads page open (nothing reloads, no clean-up runs again): pressing Play deletes
    the title instead of playing it, offline too."""
    page, download = saved.page, saved.download
    saved.context.set_offline(True)
    page.goto(f"{saved.url}/downloads/")
    play = page.get_by_role("button", name=f"Play {download.work.title}")
    play.wait_for()  # within its term: listed
    page.clock.set_system_time(download.expires_at.timestamp() + 60)  # a minute after the term ended
    play.click()
    page.get_by_text("Nothing saved in this app yet.").wait_for()
    assert page.evaluate("document.getElementById('video').currentSrc") == ""  # never given the saved file
    assert _saved_count(page) == 0
    assert _cached(page) == []


def test_a_removal_cut_short_by_a_reload_is_finished_at_the_next_launch(saved):
    """The page starts deleting an ended download (here the `online` event's checks) and goes away before it is
    done: the files go first and the entry last, so the next launch still finds the entry and deletes the files."""
    page, download = saved.page, saved.download
    saved.context.set_offline(True)
    page.goto(f"{saved.url}/downloads/")
    page.get_by_role("button", name=f"Play {download.work.title}").wait_for()
    page.clock.set_system_time(download.expires_at.timestamp() + 60)
    # This page's Cache Storage never answers (as if the page went away before it did), then its removal starts.
    page.evaluate("caches.open = () => new Promise(() => {}); window.dispatchEvent(new Event('online'))")
    page.reload()  # the next launch, with Cache Storage answering again
    page.get_by_text("Nothing saved in this app yet.").wait_for()
    _wait_until(lambda: _cached(page) == [])
    assert _saved_count(page) == 0
    assert _cached(page) == []
