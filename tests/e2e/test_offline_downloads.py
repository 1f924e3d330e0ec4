"""Downloads inside the installed app: save an episode, play it with no network, its position reaches the server
when back online, and it is deleted once the server says the download no longer stands."""

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_player import sign_in, three_episodes  # noqa: F401 - the fixture is used by name

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_saved_episode_plays_offline_and_leaves_when_revoked(browser, live_server, subscriber,
                                                              three_episodes):  # noqa: F811
    from reelhouse.playback.models import Download, ResumePoint
    from reelhouse.playback.services import download_revoke

    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = context.new_page()
    sign_in(page, live_server, subscriber)
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.goto(f"{live_server.url}/watch/{three_episodes[0].pk}/")
    page.get_by_role("button", name="Save in the app").click()
    page.get_by_text("Saved in the app: see Downloads.").wait_for()
    download = Download.objects.get()  # one server download: the same slot as the MP4 button's

    context.set_offline(True)
    page.goto(f"{live_server.url}/downloads/")
    assert page.get_by_role("heading", name="Downloads").is_visible()
    page.get_by_role("button", name=f"Play {download.work.title}").click()
    page.wait_for_function("document.getElementById('offline-video').currentTime > 1", timeout=30_000)
    page.evaluate("document.getElementById('offline-video').pause()")
    screenshot(page, "app-downloads-offline")
    page.reload()  # still offline: the page, the list and the resume position are all kept in the app
    page.get_by_role("button", name=f"Play {download.work.title}").click()
    page.wait_for_function("document.getElementById('offline-video').currentTime >= 1", timeout=30_000)

    page.evaluate("document.getElementById('offline-video').pause()")

    context.set_offline(False)  # back online: where the offline player got to becomes the resume point
    page.reload()
    page.wait_for_function(f"JSON.parse(localStorage.getItem('reelhouse.downloads'))['{download.pk}'].unsent"
                           " === false")
    offline_position = page.evaluate(f"JSON.parse(localStorage.getItem('reelhouse.downloads'))['{download.pk}']"
                                     ".position")
    point = ResumePoint.objects.get(profile=download.profile, work=download.work)
    assert point.position_s == pytest.approx(offline_position) and point.position_s >= 1

    download_revoke(user=subscriber, download_id=download.pk)  # removed from the account meanwhile
    page.goto(f"{live_server.url}/")  # the app opens at home: this launch's check removes it there already
    page.wait_for_function(f"!('{download.pk}' in JSON.parse(localStorage.getItem('reelhouse.downloads')))")
    page.goto(f"{live_server.url}/downloads/")
    page.get_by_text("Nothing saved in this app yet.").wait_for()
    assert page.evaluate("caches.open('reelhouse-downloads').then((c) => c.keys()).then((k) => k.length)") == 0
    context.close()
